import type { Bar } from '../bars/bar.js';
import { KLINE_COLUMNS, klineProblem } from '../bars/binanceKline.js';
import type { CsvCursor } from './CsvCursor.js';
import { epochMillis } from './epochMillis.js';
import { expected, isNonNegative, isPositive } from './fieldChecks.js';
import { findColumn, headerNames, startsWithNumber } from './headerNames.js';
import type { MalformedLine, ReaderStats } from './ReaderStats.js';
import { readCsvRows } from './readCsvRows.js';
import { resolveReaderOptions } from './readerOptions.js';

/** Header names accepted for each column (normalised: lower case, underscores). */
const ALIASES = {
  openTime: ['open_time', 'timestamp', 'time'],
  open: ['open'],
  high: ['high'],
  low: ['low'],
  close: ['close'],
  volume: ['volume'],
  closeTime: ['close_time'],
  quoteVolume: ['quote_volume', 'quote_asset_volume'],
  trades: ['count', 'trades', 'number_of_trades'],
  takerBuyVolume: ['taker_buy_volume', 'taker_buy_base_asset_volume'],
  takerBuyQuoteVolume: ['taker_buy_quote_volume', 'taker_buy_quote_asset_volume'],
} as const;

type Column = keyof typeof ALIASES;
const REQUIRED: readonly Column[] = ['openTime', 'open', 'high', 'low', 'close', 'volume'];

/** Options of {@link readKlines}. */
export interface KlineReaderOptions {
  /** Symbol put on every bar; default: the file name's prefix (`BTCUSDT-1m-….zip`), else `''`. */
  symbol?: string;
  /** Bar interval, for `closeTime` when the file has no `close_time` column. Default 60 000 (1m). */
  intervalMs?: number;
  /**
   * Called for every line that cannot be read as a bar (it is also counted in `stats()`). Lines
   * are parsed a piece (1 MiB) at a time, so the call may come before the bars just above it
   * have been handed out.
   */
  onMalformed?: (malformed: MalformedLine) => void;
}

/**
 * Bars of a kline file, read lazily as an async iterable; see {@link readKlines}.
 *
 * @example
 * ```ts
 * const reader = readKlines('BTCUSDT-1m-2024-12.csv.gz');
 * for await (const bar of reader) console.log(bar.openTime, bar.close);
 * console.log(reader.columns, reader.stats());
 * ```
 */
export class KlineReader implements AsyncIterable<Bar> {
  readonly #path: string;
  readonly #symbol: string;
  readonly #intervalMs: number;
  readonly #onMalformed: ((malformed: MalformedLine) => void) | undefined;
  readonly #stats: ReaderStats = { lines: 0, rows: 0, malformed: 0 };
  #columns: string[] = [];
  #started = false;
  /** Column index of each field, -1 when the file does not have it. */
  readonly #index: Record<Column, number> = {
    openTime: 0,
    open: 1,
    high: 2,
    low: 3,
    close: 4,
    volume: 5,
    closeTime: 6,
    quoteVolume: 7,
    trades: 8,
    takerBuyVolume: 9,
    takerBuyQuoteVolume: 10,
  };

  constructor(path: string, options: KlineReaderOptions = {}) {
    const { intervalMs = 60_000 } = options;
    if (!Number.isInteger(intervalMs) || intervalMs <= 0) {
      throw new RangeError(`readKlines: intervalMs must be a positive whole number of ms, got ${intervalMs}`);
    }
    const checked = resolveReaderOptions('readKlines', path, options);
    this.#path = checked.path;
    this.#symbol = checked.symbol;
    this.#intervalMs = intervalMs;
    this.#onMalformed = checked.onMalformed;
  }

  /** The file's column names (Binance's 12 for a file without a header); empty before the first row. */
  get columns(): readonly string[] {
    return this.#columns;
  }

  /** Lines, rows and malformed lines read so far. */
  stats(): ReaderStats {
    return { ...this.#stats };
  }

  /** Reads the file; a reader can be iterated once (call {@link readKlines} again to re-read). */
  [Symbol.asyncIterator](): AsyncIterator<Bar> {
    if (this.#started)
      throw new Error(`readKlines: ${this.#path} is already being read; call readKlines again`);
    this.#started = true;
    const parser = { begin: (c: CsvCursor) => this.#begin(c), parse: (c: CsvCursor) => this.#parse(c) };
    return readCsvRows(this.#path, parser, this.#stats, this.#onMalformed);
  }

  #begin(cursor: CsvCursor): boolean {
    if (startsWithNumber(cursor)) {
      if (cursor.fieldCount !== KLINE_COLUMNS.length) {
        throw new Error(
          `${this.#path}: line ${cursor.lineNumber} has ${cursor.fieldCount} columns and there is no header row; ` +
            `a kline file without a header must have Binance's 12 columns (${KLINE_COLUMNS.join(', ')}). ` +
            (cursor.fieldCount === 7 || cursor.fieldCount === 8
              ? 'It looks like an aggTrades file: read it with readAggTrades. '
              : '') +
            'Add a header row naming the columns.',
        );
      }
      this.#columns = [...KLINE_COLUMNS];
      return false;
    }
    const names = headerNames(cursor);
    for (const column of Object.keys(ALIASES) as Column[]) {
      this.#index[column] = findColumn(names, ALIASES[column]);
    }
    const missing = REQUIRED.filter((column) => this.#index[column] < 0).map((column) => ALIASES[column][0]);
    if (missing.length > 0) {
      throw new Error(
        `${this.#path}: the header has no ${missing.join(', ')} column; found ${names.join(', ')}. ` +
          'A kline file needs open_time, open, high, low, close and volume.',
      );
    }
    this.#columns = names;
    return true;
  }

  #parse(c: CsvCursor): Bar | string {
    const at = this.#index;
    if (c.fieldCount !== this.#columns.length) {
      return `expected ${this.#columns.length} columns, found ${c.fieldCount}`;
    }
    const openTime = c.number(at.openTime);
    if (!Number.isFinite(openTime)) return expected(c, at.openTime, 'open_time', 'a timestamp');
    const open = c.number(at.open);
    if (!isPositive(open)) return expected(c, at.open, 'open', 'a positive number');
    const high = c.number(at.high);
    if (!isPositive(high)) return expected(c, at.high, 'high', 'a positive number');
    const low = c.number(at.low);
    if (!isPositive(low)) return expected(c, at.low, 'low', 'a positive number');
    const close = c.number(at.close);
    if (!isPositive(close)) return expected(c, at.close, 'close', 'a positive number');
    const volume = c.number(at.volume);
    if (!isNonNegative(volume)) return expected(c, at.volume, 'volume', 'a number >= 0');
    let closeTime: number;
    if (at.closeTime >= 0) {
      closeTime = c.number(at.closeTime);
      if (!Number.isFinite(closeTime)) return expected(c, at.closeTime, 'close_time', 'a timestamp');
      closeTime = Math.floor(epochMillis(closeTime));
    } else {
      closeTime = epochMillis(openTime) + this.#intervalMs - 1;
    }
    const bar: Bar = {
      symbol: this.#symbol,
      openTime: epochMillis(openTime),
      closeTime,
      open,
      high,
      low,
      close,
      volume,
      quoteVolume: undefined,
      trades: undefined,
      takerBuyVolume: undefined,
      takerBuyQuoteVolume: undefined,
      gap: false,
    };
    if (at.quoteVolume >= 0) {
      bar.quoteVolume = c.number(at.quoteVolume);
      if (!isNonNegative(bar.quoteVolume))
        return expected(c, at.quoteVolume, 'quote_volume', 'a number >= 0');
    }
    if (at.trades >= 0) {
      bar.trades = c.number(at.trades);
      if (!Number.isInteger(bar.trades) || bar.trades < 0)
        return expected(c, at.trades, 'count', 'a whole number >= 0');
    }
    if (at.takerBuyVolume >= 0) {
      bar.takerBuyVolume = c.number(at.takerBuyVolume);
      if (!isNonNegative(bar.takerBuyVolume)) {
        return expected(c, at.takerBuyVolume, 'taker_buy_volume', 'a number >= 0');
      }
    }
    if (at.takerBuyQuoteVolume >= 0) {
      bar.takerBuyQuoteVolume = c.number(at.takerBuyQuoteVolume);
      if (!isNonNegative(bar.takerBuyQuoteVolume)) {
        return expected(c, at.takerBuyQuoteVolume, 'taker_buy_quote_volume', 'a number >= 0');
      }
    }
    // The fields one by one are checked above (naming the text found); this checks them together.
    return klineProblem(bar) ?? bar;
  }
}

/**
 * Reads Binance kline (candlestick) files as bars: Binance's own exports (12 columns, with or
 * without a header row, `.csv` / `.csv.gz` / `.zip`) and CSVs users already have whose header names
 * a subset of the columns (OHLCV only, OHLCV + quote_volume + count, …; pandas/python-binance names
 * such as `number_of_trades` work too). Columns are matched by header name, in any order.
 *
 * - Times in s, ms or µs (Binance spot since 2025) become epoch ms ({@link epochMillis});
 *   `closeTime` is whole ms (`openTime + intervalMs - 1` when the file has no `close_time`).
 * - A bar carries only the optional fields the file has: `quoteVolume`, `trades`,
 *   `takerBuyVolume`, `takerBuyQuoteVolume` are `undefined` when their column is absent, never
 *   an invented zero. Bars are read as they are, in file order (see `BarRegularizer` for holes).
 * - A line that is not a valid bar (wrong column count, a field that is not a number, high below
 *   low, …) is counted in `stats().malformed` and reported to `onMalformed` with its line number
 *   and reason; reading goes on. Blank lines are skipped.
 * - A file that cannot be a kline file at all (missing, not gzip, no `volume` column, a
 *   headerless file that does not have 12 columns) is an error when iteration starts.
 *
 * @example
 * ```ts
 * import { readKlines } from 'microstream/node';
 *
 * const reader = readKlines('fixtures/replay/BTCUSDT-1m-2024-11-30_2024-12-29.csv.gz', {
 *   onMalformed: (m) => console.warn(`line ${m.line}: ${m.reason}`),
 * });
 * for await (const bar of reader) if (bar.trades !== undefined && bar.trades > 20_000) console.log(bar);
 * ```
 */
export function readKlines(path: string, options?: KlineReaderOptions): KlineReader {
  return new KlineReader(path, options);
}
