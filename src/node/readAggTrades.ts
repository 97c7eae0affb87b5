import { MAX_TIME_MS } from '../bars/magnitudes.js';
import type { Trade } from '../bars/trade.js';
import type { CsvCursor } from './CsvCursor.js';
import { epochMillis } from './epochMillis.js';
import { expected, isNonNegative, isPositive } from './fieldChecks.js';
import { findColumn, headerNames, startsWithNumber } from './headerNames.js';
import type { MalformedLine, ReaderStats } from './ReaderStats.js';
import { readCsvRows } from './readCsvRows.js';
import { resolveReaderOptions } from './readerOptions.js';

/** Binance's aggTrades columns, in the order of its exports (`is_best_match` is absent from futures files). */
export const AGG_TRADE_COLUMNS = [
  'agg_trade_id',
  'price',
  'quantity',
  'first_trade_id',
  'last_trade_id',
  'transact_time',
  'is_buyer_maker',
  'is_best_match',
] as const;

/** Header names accepted for each field (normalised: lower case, underscores). */
const ALIASES = {
  id: ['agg_trade_id', 'id'],
  price: ['price'],
  qty: ['quantity', 'qty'],
  firstId: ['first_trade_id'],
  lastId: ['last_trade_id'],
  time: ['transact_time', 'time', 'timestamp'],
  isBuyerMaker: ['is_buyer_maker'],
} as const;

type Field = keyof typeof ALIASES;
const REQUIRED: readonly Field[] = ['price', 'qty', 'time', 'isBuyerMaker'];

/** Options of {@link readAggTrades}. */
export interface AggTradeReaderOptions {
  /** Symbol put on every trade; default: the file name's prefix (`BTCUSDT-aggTrades-….zip`), else `''`. */
  symbol?: string;
  /**
   * Called for every line that cannot be read as a trade (it is also counted in `stats()`). Lines
   * are parsed a piece (1 MiB) at a time, so the call may come before the trades just above it
   * have been handed out.
   */
  onMalformed?: (malformed: MalformedLine) => void;
}

/**
 * Trades of an aggTrades file, read lazily as an async iterable; see {@link readAggTrades}.
 *
 * @example
 * ```ts
 * const reader = readAggTrades('BTCUSDT-aggTrades-2026-01-01.zip');
 * for await (const trade of reader) aggregator.push(trade);
 * console.log(reader.stats());
 * ```
 */
export class AggTradeReader implements AsyncIterable<Trade> {
  readonly #path: string;
  readonly #symbol: string;
  readonly #onMalformed: ((malformed: MalformedLine) => void) | undefined;
  readonly #stats: ReaderStats = { lines: 0, rows: 0, malformed: 0 };
  #columns: string[] = [];
  /** Column counts a row may have: 7 or 8 without a header, the header's count with one. */
  #minFields = 7;
  #maxFields = 8;
  #started = false;
  /** Column index of each field, -1 when the file does not have it. */
  readonly #index: Record<Field, number> = {
    id: 0,
    price: 1,
    qty: 2,
    firstId: 3,
    lastId: 4,
    time: 5,
    isBuyerMaker: 6,
  };

  constructor(path: string, options: AggTradeReaderOptions = {}) {
    const checked = resolveReaderOptions('readAggTrades', path, options);
    this.#path = checked.path;
    this.#symbol = checked.symbol;
    this.#onMalformed = checked.onMalformed;
  }

  /** The file's column names (Binance's for a file without a header); empty before the first row. */
  get columns(): readonly string[] {
    return this.#columns;
  }

  /** Lines, rows and malformed lines read so far. */
  stats(): ReaderStats {
    return { ...this.#stats };
  }

  /** Reads the file; a reader can be iterated once (call {@link readAggTrades} again to re-read). */
  [Symbol.asyncIterator](): AsyncIterator<Trade> {
    if (this.#started) {
      throw new Error(`readAggTrades: ${this.#path} is already being read; call readAggTrades again`);
    }
    this.#started = true;
    const parser = { begin: (c: CsvCursor) => this.#begin(c), parse: (c: CsvCursor) => this.#parse(c) };
    return readCsvRows(this.#path, parser, this.#stats, this.#onMalformed);
  }

  #begin(cursor: CsvCursor): boolean {
    if (startsWithNumber(cursor)) {
      if (cursor.fieldCount !== 7 && cursor.fieldCount !== 8) {
        throw new Error(
          `${this.#path}: line ${cursor.lineNumber} has ${cursor.fieldCount} columns and there is no header row; ` +
            `an aggTrades file without a header must have Binance's 7 or 8 columns (${AGG_TRADE_COLUMNS.join(', ')}). ` +
            (cursor.fieldCount === 12 ? 'It looks like a kline file: read it with readKlines. ' : '') +
            'Add a header row naming the columns.',
        );
      }
      this.#columns = AGG_TRADE_COLUMNS.slice(0, cursor.fieldCount);
      return false;
    }
    const names = headerNames(cursor);
    for (const field of Object.keys(ALIASES) as Field[]) {
      this.#index[field] = findColumn(names, ALIASES[field]);
    }
    const missing = REQUIRED.filter((field) => this.#index[field] < 0).map((field) => ALIASES[field][0]);
    if (missing.length > 0) {
      throw new Error(
        `${this.#path}: the header has no ${missing.join(', ')} column; found ${names.join(', ')}. ` +
          'An aggTrades file needs price, quantity, transact_time and is_buyer_maker.',
      );
    }
    this.#columns = names;
    this.#minFields = names.length;
    this.#maxFields = names.length;
    return true;
  }

  #parse(c: CsvCursor): Trade | string {
    const at = this.#index;
    if (c.fieldCount < this.#minFields || c.fieldCount > this.#maxFields) {
      const count =
        this.#minFields === this.#maxFields ? this.#minFields : `${this.#minFields} or ${this.#maxFields}`;
      return `expected ${count} columns, found ${c.fieldCount}`;
    }
    const price = c.number(at.price);
    if (!isPositive(price)) return expected(c, at.price, 'price', 'a positive number');
    const qty = c.number(at.qty);
    if (!isNonNegative(qty)) return expected(c, at.qty, 'quantity', 'a number >= 0');
    // In s, ms or µs; a huge number would become ±Infinity ms.
    const time = epochMillis(c.number(at.time));
    if (!(Math.abs(time) <= MAX_TIME_MS)) return expected(c, at.time, 'transact_time', 'a timestamp');
    const isBuyerMaker = c.flag(at.isBuyerMaker);
    if (isBuyerMaker < 0) return expected(c, at.isBuyerMaker, 'is_buyer_maker', 'true or false');
    const id = at.id >= 0 ? c.number(at.id) : undefined;
    if (id !== undefined && !isId(id)) return expected(c, at.id, 'agg_trade_id', 'a whole number >= 0');
    const firstId = at.firstId >= 0 ? c.number(at.firstId) : undefined;
    if (firstId !== undefined && !isId(firstId)) {
      return expected(c, at.firstId, 'first_trade_id', 'a whole number >= 0');
    }
    const lastId = at.lastId >= 0 ? c.number(at.lastId) : undefined;
    if (lastId !== undefined && !(isId(lastId) && (firstId === undefined || lastId >= firstId))) {
      return expected(c, at.lastId, 'last_trade_id', 'a whole number >= first_trade_id');
    }
    return {
      time,
      price,
      qty,
      isBuyerMaker: isBuyerMaker === 1,
      id,
      firstId,
      lastId,
      symbol: this.#symbol,
    };
  }
}

/**
 * Reads Binance aggregate-trade files as trades: Binance's exports (7 columns for futures, 8 for
 * spot, with or without a header row; `.csv`, `.csv.gz` or `.zip`) and user CSVs whose header
 * names the columns (`agg_trade_id, price, quantity, first_trade_id, last_trade_id,
 * transact_time, is_buyer_maker[, is_best_match]`, in any order; only price, quantity,
 * transact_time and is_buyer_maker are required).
 *
 * - `transact_time` in s, ms or µs (Binance spot since 2025) becomes epoch ms
 *   ({@link epochMillis}); microseconds are kept as a fraction of a millisecond.
 * - `id`, `firstId`, `lastId` come from the id columns (`undefined` when absent), so an
 *   aggregator drops duplicates and counts trades as Binance does (lastId − firstId + 1).
 * - A line that is not a valid trade (wrong column count, price not a positive number, a flag
 *   that is not true/false, …) is counted in `stats().malformed` and reported to `onMalformed`
 *   with its line number and reason; reading goes on. Blank lines are skipped.
 *
 * @example
 * ```ts
 * import { readAggTrades } from 'microstream/node';
 * import { BarAggregator } from 'microstream';
 *
 * const trades = readAggTrades('fixtures/trades/BTCUSDT-aggTrades-2026-01-01T0000-0012.csv');
 * const aggregator = new BarAggregator({ symbol: 'BTCUSDT' });
 * for await (const trade of trades) for (const bar of aggregator.push(trade)) console.log(bar);
 * console.log(trades.stats()); // { lines: 5000, rows: 5000, malformed: 0 }
 * ```
 */
export function readAggTrades(path: string, options?: AggTradeReaderOptions): AggTradeReader {
  return new AggTradeReader(path, options);
}

function isId(x: number): boolean {
  return Number.isInteger(x) && x >= 0;
}
