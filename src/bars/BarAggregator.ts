import type { Stage } from '../stage.js';
import { emptyResult } from '../util/emptyResult.js';
import {
  check,
  describeValue,
  finiteNumber,
  integer,
  numberArray,
  plainCopy,
  plainObject,
} from '../util/validate.js';
import { type Bar, readBar } from './bar.js';
import { type BarSeriesOptions, resolveSeriesOptions } from './barOptions.js';
import { addExact, EXACT_SUM_CELLS, exactSumTotal, exactSumValue } from './exactSum.js';
import { GapFiller, type GapFillerSnapshot } from './GapFiller.js';
import { IdRangeSet } from './IdRangeSet.js';
import {
  isInMagnitudeRange,
  MAX_MAGNITUDE,
  MAX_TIME_MS,
  MAX_TRADE_AMOUNT,
  MIN_MAGNITUDE,
} from './magnitudes.js';
import { type RejectReason, TradeRejectedError } from './TradeRejectedError.js';
import { invalidTradeReason, readTrade, type Trade } from './trade.js';

/** Options of a {@link BarAggregator}. */
export interface BarAggregatorOptions extends BarSeriesOptions {
  /** Symbol written into every bar. Default `''`. */
  symbol?: string;
  /**
   * How long after its end a bar stays open for out-of-order trades, in ms (>= 0, at most 1 024
   * intervals). Default 0: a bar closes as soon as a trade of a later interval arrives.
   */
  allowedLatenessMs?: number;
  /** `'skip'` (default): rejected trades are counted and reported; `'throw'`: also throw a {@link TradeRejectedError}. */
  errorPolicy?: 'skip' | 'throw';
  /** Called for every rejected trade, before the error policy applies. */
  onReject?: (reason: RejectReason, trade: Trade, detail: string) => void;
}

/** Counters of a {@link BarAggregator}. Every pushed trade lands in exactly one of the first four. */
export interface BarAggregatorStats {
  /** Trades merged into a bar. */
  accepted: number;
  /** Trades dropped because their id was already merged. */
  duplicates: number;
  /** Trades dropped because their bar had already closed. */
  late: number;
  /** Trades dropped because a field was invalid. */
  invalid: number;
  /** Bars with trades emitted. */
  bars: number;
  /** Gap bars emitted. */
  gapBars: number;
  /** Empty intervals skipped beyond `maxGapBars`. */
  skippedGapBars: number;
  /** Intervals holding trades that have not closed yet. */
  openBars: number;
  /** Total quantity of accepted trades: the volume of the bars emitted and of the open ones. */
  acceptedVolume: number;
  /** Total quantity of rejected trades (those whose `qty` was a number in [0, 2^51], the largest an accepted trade may have). */
  rejectedVolume: number;
  /** Max of the trade times seen and of `advance()` arguments; -Infinity before any. */
  watermark: number;
}

/** One interval holding trades in a {@link BarAggregatorSnapshot}. */
export interface OpenBarSnapshot {
  openTime: number;
  /** Trades merged (records, not Binance's count). */
  records: number;
  open: number;
  /** Time and id of the trade that set `open` (earliest in (time, id) order); id null when absent. */
  openTradeTime: number;
  openTradeId: number | null;
  high: number;
  low: number;
  close: number;
  /** Time and id of the trade that set `close` (latest in (time, id) order). */
  closeTradeTime: number;
  closeTradeId: number | null;
  trades: number;
  firstTradeId: number | null;
  lastTradeId: number | null;
  /** Exact sums as their three limbs (see `exactSum.ts`), per taker side. */
  takerBuyVolume: number[];
  takerBuyQuoteVolume: number[];
  takerSellVolume: number[];
  takerSellQuoteVolume: number[];
  /** Ids merged into this interval, as ranges `[lo0, hi0, lo1, hi1, …]`. */
  ids: number[];
  /** Sum of the merged trades' `missingBefore` (absent in snapshots written before it existed: 0). */
  missingTrades?: number;
}

/** The whole state of a {@link BarAggregator} as plain JSON. */
export interface BarAggregatorSnapshot {
  version: 1;
  symbol: string;
  intervalMs: number;
  allowedLatenessMs: number;
  maxGapBars: number;
  watermark: number | null;
  maxId: number | null;
  /** Open time of the next interval to close, null before the first bar. */
  nextOpenTime: number | null;
  counts: { accepted: number; duplicates: number; late: number; invalid: number; bars: number };
  /** Exact sums (three limbs each) of the volume of emitted bars and of rejected trades. */
  closedVolume: number[];
  rejectedVolume: number[];
  series: GapFillerSnapshot;
  open: OpenBarSnapshot[];
}

// Cells of one interval in #cells (struct of numbers, STRIDE per interval slot).
const WINDOW = 0; // open time of the interval held
const RECORDS = 1; // trades merged; 0 = the slot is free
const OPEN = 2;
const OPEN_TIME = 3;
const OPEN_ID = 4;
const HIGH = 5;
const LOW = 6;
const CLOSE = 7;
const CLOSE_TIME = 8;
const CLOSE_ID = 9;
const TRADES = 10;
const FIRST_ID = 11;
const LAST_ID = 12;
// Volumes are kept per taker side — exact sums of qty, then of price × qty — so a trade adds to one
// pair of sums, its side's; the bar's volume is the sum of both sides.
const TAKER_BUY = 13; // trades with isBuyerMaker false
const TAKER_SELL = TAKER_BUY + 2 * EXACT_SUM_CELLS;
const QUOTE = EXACT_SUM_CELLS; // offset of the quote sum within a side
const MISSING = TAKER_SELL + 2 * EXACT_SUM_CELLS; // sum of the trades' missingBefore
const STRIDE = MISSING + 1;

const MAX_LATENESS_INTERVALS = 1024;
const MAX_ID = Number.MAX_SAFE_INTEGER;
// The fast path's limits as this module's own constants. V8 folds a module's `const` into the code
// that reads it, but a binding imported from another chunk of the bundle (magnitudes.ts is shared
// with other entry points) is live: loaded, hole-checked and unboxed on every read. The copies took
// push from 489 to 462 instructions a trade (test/package/hotPathConstants.test.ts keeps it so).
const MIN_PRICE = MIN_MAGNITUDE;
const MAX_PRICE = MAX_MAGNITUDE;
const MAX_AMOUNT = MAX_TRADE_AMOUNT;
/** The one empty result (see {@link emptyResult}). */
const NO_BARS: readonly Bar[] = emptyResult();

/**
 * Turns trades into bars: event-time tumbling windows of `intervalMs`, aligned to the epoch like
 * Binance klines, with Binance's columns (OHLC, volume, quote volume, trade count, taker-buy
 * volumes) plus VWAP and first/last trade id.
 *
 * **Closing.** The watermark is the max of the trade times seen and of `advance()` arguments. The
 * bar `[openTime, openTime + intervalMs)` closes once the watermark reaches
 * `openTime + intervalMs + allowedLatenessMs` — with lateness 0, as soon as a trade of a later
 * interval arrives. Intervals without trades become gap bars (see `GapFiller`); a run longer
 * than `maxGapBars` is capped and reported through `onSkippedGap`.
 *
 * **Order and rejects.** A trade whose bar is still open is merged into it, whatever order it
 * arrives in: open and close are decided by (time, id) order, not arrival order, and volumes are
 * exact sums (see `exactSum.ts`), so any reordering within the lateness gives identical bars. A
 * trade whose bar has closed is `'late'` and never merged; a repeated id is a `'duplicate'`; a
 * malformed trade is `'invalid'`. Each is counted in {@link BarAggregator.stats}, reported to
 * `onReject`, and thrown with `errorPolicy: 'throw'`; the state is left as if it never came.
 *
 * **Trade count.** A Binance aggregate trade counts `lastId - firstId + 1` (1 without those ids),
 * so `bar.trades` equals the kline's number of trades.
 *
 * **Lost trades.** `bar.missingTrades` is the sum of `missingBefore` of the trades merged into the
 * bar (0 normally, and on gap bars): an adapter that could not fill a gap in the feed marks the
 * first trade after it, and the loss shows on that trade's bar and its signal. A rejected trade
 * (late, duplicate, invalid) is left out with its mark.
 *
 * **What is remembered for deduplication** (no ever-growing set): the largest id seen, and the ids
 * merged into each still-open bar as ranges (`IdRangeSet`; one range per bar for contiguous
 * exchange ids). An id above the largest is new at once; a smaller one is looked up in the open
 * bars. A repeat of a trade from an already-closed bar is caught only as `'late'` (when its time is
 * also in a closed bar). Trades without `id` are never deduplicated; ties in time are then broken
 * by arrival order.
 *
 * @example
 * ```ts
 * const agg = new BarAggregator({ symbol: 'BTCUSDT', intervalMs: 60_000, allowedLatenessMs: 2_000 });
 * for (const trade of trades) for (const bar of agg.push(trade)) console.log(bar.openTime, bar.close);
 * for (const bar of agg.flush()) console.log(bar.openTime, bar.close); // end of input
 * console.log(agg.stats()); // { accepted, duplicates, late, invalid, bars, gapBars, … }
 * ```
 */
export class BarAggregator
  implements Stage<Trade, readonly Bar[], BarAggregatorSnapshot, BarAggregatorStats>
{
  readonly #symbol: string;
  readonly #intervalMs: number;
  readonly #latenessMs: number;
  readonly #maxGapBars: number;
  readonly #throws: boolean;
  readonly #onReject: BarAggregatorOptions['onReject'];
  readonly #series: GapFiller;
  /** Slots for the intervals that may still receive trades; interval k lives in slot k mod #slotCount. */
  readonly #slotCount: number;
  /**
   * The slots' cells, then two exact sums (EXACT_SUM_CELLS each): the volume of emitted bars at
   * #closedAt and of rejected trades at #closedAt + EXACT_SUM_CELLS. One typed array, not three:
   * each typed array costs ~200 bytes beyond its data, and a router keeps one aggregator per symbol.
   */
  readonly #cells: Float64Array;
  readonly #closedAt: number;
  readonly #rejectedAt: number;
  readonly #ids: IdRangeSet[];
  #watermark = Number.NEGATIVE_INFINITY;
  #maxId = Number.NEGATIVE_INFINITY;
  #nextOpen = Number.NaN;
  /**
   * Fast path: a trade with watermark <= time < #fastEnd belongs to the slot whose cells are #fast
   * and whose ids are #fastIds, and closes nothing.
   */
  #fastEnd = Number.NEGATIVE_INFINITY;
  /**
   * The cells of the fast path's slot as a view of their own, so that the fast path indexes them by
   * constants: `cells[at + HIGH]` compiled to an add, an overflow check and a sign extension before
   * each bounds check. The view took push from 469 to 402 instructions a trade (`instructions`
   * suite); it is made again only when the fast path moves to another slot, about once a bar.
   */
  #fast: Float64Array;
  #fastIds: IdRangeSet;
  #accepted = 0;
  #duplicates = 0;
  #late = 0;
  #invalid = 0;
  #bars = 0;

  constructor(options: BarAggregatorOptions = {}) {
    const {
      symbol,
      intervalMs,
      allowedLatenessMs: lateness,
      maxGapBars,
      errorPolicy,
    } = resolveAggregatorOptions(options);
    this.#symbol = symbol;
    this.#intervalMs = intervalMs;
    this.#latenessMs = lateness;
    this.#maxGapBars = maxGapBars;
    this.#throws = errorPolicy === 'throw';
    this.#onReject = options.onReject;
    this.#series = new GapFiller(intervalMs, maxGapBars, options.onSkippedGap);
    // Intervals open at watermark W start in (W - interval - lateness, W]: at most 1 + ceil(lateness / interval).
    this.#slotCount = 2 + Math.ceil(lateness / intervalMs);
    this.#closedAt = this.#slotCount * STRIDE;
    this.#rejectedAt = this.#closedAt + EXACT_SUM_CELLS;
    this.#cells = new Float64Array(this.#rejectedAt + EXACT_SUM_CELLS);
    this.#ids = Array.from({ length: this.#slotCount }, () => new IdRangeSet());
    this.#fast = this.#cells.subarray(0, STRIDE);
    this.#fastIds = this.#ids[0];
  }

  /** Bar interval in ms. */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /**
   * Feeds one trade. Returns the bars it closed, oldest first, gap bars included — one shared empty
   * array when it closed none (the common case allocates nothing). The result is read-only: never
   * write to it (its type says so), it may be that shared array.
   */
  push(trade: Trade): readonly Bar[] {
    if (typeof trade !== 'object' || trade === null) return this.#pushAny(trade);
    const time = trade.time;
    const price = trade.price;
    const qty = trade.qty;
    const id = trade.id;
    const firstId = trade.firstId;
    const lastId = trade.lastId;
    const isBuyerMaker = trade.isBuyerMaker;
    // Fast path, the common case, allocation-free: a well-formed trade of the newest open bar,
    // later in (time, id) order than every trade seen (so it is the close, and its id, if any, is new),
    // that closes nothing. Comparisons and adds on numbers only; anything else takes #pushAny.
    if (
      typeof time === 'number' &&
      time >= this.#watermark &&
      time < this.#fastEnd &&
      typeof price === 'number' &&
      price >= MIN_PRICE &&
      price <= MAX_PRICE &&
      typeof qty === 'number' &&
      qty >= 0 &&
      qty <= MAX_AMOUNT &&
      price * qty <= MAX_AMOUNT &&
      typeof isBuyerMaker === 'boolean' &&
      (trade.symbol === undefined || typeof trade.symbol === 'string') &&
      trade.missingBefore === undefined
    ) {
      const hasId = id !== undefined;
      if (hasId && !(typeof id === 'number' && id > this.#maxId && id <= MAX_ID && Math.floor(id) === id)) {
        return this.#pushAny(trade);
      }
      let first = hasId ? id : Number.POSITIVE_INFINITY;
      let last = hasId ? id : Number.NEGATIVE_INFINITY;
      let count = 1;
      if (firstId !== undefined || lastId !== undefined) {
        if (
          !(
            typeof firstId === 'number' &&
            typeof lastId === 'number' &&
            firstId >= 0 &&
            firstId <= lastId &&
            lastId <= MAX_ID &&
            Math.floor(firstId) === firstId &&
            Math.floor(lastId) === lastId
          )
        ) {
          return this.#pushAny(trade);
        }
        first = firstId;
        last = lastId;
        count = lastId - firstId + 1;
      }
      const cells = this.#fast;
      this.#watermark = time;
      this.#accepted++;
      if (price > cells[HIGH]) cells[HIGH] = price;
      else if (price < cells[LOW]) cells[LOW] = price;
      cells[CLOSE] = price;
      cells[CLOSE_TIME] = time;
      cells[CLOSE_ID] = hasId ? id : Number.NaN;
      cells[RECORDS] += 1;
      cells[TRADES] += count;
      if (first < cells[FIRST_ID]) cells[FIRST_ID] = first;
      if (last > cells[LAST_ID]) cells[LAST_ID] = last;
      // One branch with constant indexes in each arm, not an index chosen by the side: constant
      // indexes skip the index arithmetic before each of the six cell updates.
      if (isBuyerMaker === true) {
        addExact(cells, TAKER_SELL, qty);
        addExact(cells, TAKER_SELL + QUOTE, price * qty);
      } else {
        addExact(cells, TAKER_BUY, qty);
        addExact(cells, TAKER_BUY + QUOTE, price * qty);
      }
      // Last: the id set may call out (a new range), and values still needed after a call are
      // spilled to the stack where they are made, on every trade (here, 12 instructions fewer).
      if (hasId) {
        this.#maxId = id;
        this.#fastIds.addAbove(id);
      }
      return NO_BARS;
    }
    return this.#pushAny(trade);
  }

  /**
   * Moves the watermark to `watermarkMs` (if later) and closes every bar whose end plus the allowed
   * lateness it reaches, with gap bars for empty intervals. Use it when trades are sparse, with the
   * time of the source (an exchange heartbeat, a clock you trust); stages never read a clock.
   */
  advance(watermarkMs: number): readonly Bar[] {
    if (typeof watermarkMs !== 'number' || !(Math.abs(watermarkMs) <= MAX_TIME_MS)) {
      throw new RangeError(
        `advance(watermarkMs) needs a finite number of ms within ±${MAX_TIME_MS}, got ${describeValue(watermarkMs)}`,
      );
    }
    if (watermarkMs <= this.#watermark) return NO_BARS;
    this.#watermark = watermarkMs;
    const out = this.#close();
    this.#refreshFastPath();
    return out;
  }

  /**
   * End of input: closes every bar holding trades (and the gap bars between them), moving the
   * watermark past them, and reports a pending skipped span.
   */
  flush(): readonly Bar[] {
    let latest = Number.NEGATIVE_INFINITY;
    for (let slot = 0; slot < this.#slotCount; slot++) {
      const at = slot * STRIDE;
      if (this.#cells[at + RECORDS] > 0 && this.#cells[at + WINDOW] > latest)
        latest = this.#cells[at + WINDOW];
    }
    let out = NO_BARS;
    if (latest > Number.NEGATIVE_INFINITY) {
      this.#watermark = Math.max(this.#watermark, latest + this.#intervalMs + this.#latenessMs);
      out = this.#close();
    }
    this.#series.endRun();
    this.#refreshFastPath();
    return out;
  }

  /**
   * Continues a series whose bars were built elsewhere (REST klines, a file): the next bar this
   * aggregator emits follows `bar`, with gap bars (copying `bar`'s close) for the empty intervals
   * in between, and trades of `bar`'s interval or earlier are `'late'`, so nothing is counted twice.
   * The watermark moves to the end of `bar` plus the allowed lateness, as if `advance()` had been
   * called there. Only on a fresh aggregator: before the first trade or `advance()`.
   *
   * @example
   * ```ts
   * const agg = new BarAggregator({ symbol: 'BTCUSDT' });
   * agg.startAfter(lastKline); // then push live trades
   * ```
   */
  startAfter(bar: Bar): void {
    if (this.#watermark !== Number.NEGATIVE_INFINITY || !Number.isNaN(this.#nextOpen)) {
      throw new Error(
        'startAfter(bar) needs a fresh aggregator: this one has already taken trades or advance()',
      );
    }
    const I = this.#intervalMs;
    const copy = readBar(bar); // checked and remembered from one read of each field
    const openTime = typeof copy === 'object' && copy !== null ? copy.openTime : undefined;
    if (typeof openTime !== 'number' || !(Math.abs(openTime) <= MAX_TIME_MS) || openTime % I !== 0) {
      throw new RangeError(
        `startAfter(bar): bar.openTime must be a multiple of the interval (${I} ms) within ±${MAX_TIME_MS}, got ${describeValue(openTime)}`,
      );
    }
    if (!isInMagnitudeRange(copy.close)) {
      throw new RangeError(
        `startAfter(bar): bar.close must be a price in [${MIN_MAGNITUDE}, ${MAX_MAGNITUDE}], got ${describeValue(copy.close)}`,
      );
    }
    this.#series.append(copy, []); // only the series' last bar matters here, not the output
    this.#nextOpen = openTime + I;
    this.#watermark = openTime + I + this.#latenessMs;
    this.#refreshFastPath();
  }

  /** Counters since construction (restored with the state). */
  stats(): BarAggregatorStats {
    const accepted = this.#cells.slice(this.#closedAt, this.#closedAt + EXACT_SUM_CELLS);
    let openBars = 0;
    for (let slot = 0; slot < this.#slotCount; slot++) {
      const at = slot * STRIDE;
      if (this.#cells[at + RECORDS] === 0) continue;
      openBars++;
      for (let i = 0; i < EXACT_SUM_CELLS; i++) {
        accepted[i] += this.#cells[at + TAKER_BUY + i] + this.#cells[at + TAKER_SELL + i];
      }
    }
    return {
      accepted: this.#accepted,
      duplicates: this.#duplicates,
      late: this.#late,
      invalid: this.#invalid,
      bars: this.#bars,
      gapBars: this.#series.gapBars,
      skippedGapBars: this.#series.skippedGapBars,
      openBars,
      acceptedVolume: exactSumValue(accepted, 0),
      rejectedVolume: exactSumValue(this.#cells, this.#rejectedAt),
      watermark: this.#watermark,
    };
  }

  /** The whole state as plain JSON; {@link BarAggregator.restore} continues from it bit for bit. */
  snapshot(): BarAggregatorSnapshot {
    const open: OpenBarSnapshot[] = [];
    for (let slot = 0; slot < this.#slotCount; slot++) {
      const at = slot * STRIDE;
      const c = this.#cells;
      if (c[at + RECORDS] === 0) continue;
      const limbs = (from: number) => Array.from(c.subarray(at + from, at + from + EXACT_SUM_CELLS));
      open.push({
        openTime: c[at + WINDOW],
        records: c[at + RECORDS],
        open: c[at + OPEN],
        openTradeTime: c[at + OPEN_TIME],
        openTradeId: nullIfNaN(c[at + OPEN_ID]),
        high: c[at + HIGH],
        low: c[at + LOW],
        close: c[at + CLOSE],
        closeTradeTime: c[at + CLOSE_TIME],
        closeTradeId: nullIfNaN(c[at + CLOSE_ID]),
        trades: c[at + TRADES],
        firstTradeId: Number.isFinite(c[at + FIRST_ID]) ? c[at + FIRST_ID] : null,
        lastTradeId: Number.isFinite(c[at + LAST_ID]) ? c[at + LAST_ID] : null,
        takerBuyVolume: limbs(TAKER_BUY),
        takerBuyQuoteVolume: limbs(TAKER_BUY + QUOTE),
        takerSellVolume: limbs(TAKER_SELL),
        takerSellQuoteVolume: limbs(TAKER_SELL + QUOTE),
        ids: this.#ids[slot].toJSON(),
        missingTrades: c[at + MISSING],
      });
    }
    open.sort((a, b) => a.openTime - b.openTime);
    return {
      version: 1,
      symbol: this.#symbol,
      intervalMs: this.#intervalMs,
      allowedLatenessMs: this.#latenessMs,
      maxGapBars: this.#maxGapBars,
      watermark: Number.isFinite(this.#watermark) ? this.#watermark : null,
      maxId: Number.isFinite(this.#maxId) ? this.#maxId : null,
      nextOpenTime: nullIfNaN(this.#nextOpen),
      counts: {
        accepted: this.#accepted,
        duplicates: this.#duplicates,
        late: this.#late,
        invalid: this.#invalid,
        bars: this.#bars,
      },
      closedVolume: Array.from(this.#cells.subarray(this.#closedAt, this.#rejectedAt)),
      rejectedVolume: Array.from(this.#cells.subarray(this.#rejectedAt)),
      series: this.#series.snapshot(),
      open,
    };
  }

  /**
   * Replaces the state with a {@link BarAggregator.snapshot} (possibly after a JSON round trip).
   * The aggregator must have been built with the same symbol, interval, lateness and `maxGapBars`.
   * Throws a `ModelValidationError` naming the field (under `path`) when the snapshot is malformed;
   * the state is then unchanged.
   */
  restore(snapshot: unknown, path = 'snapshot'): void {
    const s = plainObject(plainCopy(snapshot, path), path);
    check(s.version === 1, `${path}.version`, `expected 1, got ${describeValue(s.version)}`);
    const expected = {
      symbol: this.#symbol,
      intervalMs: this.#intervalMs,
      allowedLatenessMs: this.#latenessMs,
      maxGapBars: this.#maxGapBars,
    };
    for (const [key, value] of Object.entries(expected)) {
      check(
        s[key] === value,
        `${path}.${key}`,
        `this aggregator has ${key} ${String(value)}, the snapshot ${describeValue(s[key])}`,
      );
    }
    const I = this.#intervalMs;
    const watermark =
      s.watermark === null ? Number.NEGATIVE_INFINITY : finiteNumber(s.watermark, `${path}.watermark`);
    const maxId =
      s.maxId === null ? Number.NEGATIVE_INFINITY : integer(s.maxId, `${path}.maxId`, 0, 2 ** 53 - 1);
    const nextOpen =
      s.nextOpenTime === null ? Number.NaN : finiteNumber(s.nextOpenTime, `${path}.nextOpenTime`);
    check(Number.isNaN(nextOpen) || nextOpen % I === 0, `${path}.nextOpenTime`, `not a multiple of ${I}`);
    const counts = plainObject(s.counts, `${path}.counts`);
    const count = (key: string) => integer(counts[key], `${path}.counts.${key}`, 0, Number.MAX_SAFE_INTEGER);
    const [accepted, duplicates, late, invalid, bars] = [
      'accepted',
      'duplicates',
      'late',
      'invalid',
      'bars',
    ].map(count);
    const closedVolume = numberArray(s.closedVolume, `${path}.closedVolume`, EXACT_SUM_CELLS);
    const rejectedVolume = numberArray(s.rejectedVolume, `${path}.rejectedVolume`, EXACT_SUM_CELLS);
    const series = new GapFiller(I, this.#maxGapBars);
    series.restore(s.series, `${path}.series`);
    check(Array.isArray(s.open), `${path}.open`, 'expected an array of open bars');
    const cells = new Float64Array(this.#cells.length);
    const ids: number[][] = Array.from({ length: this.#slotCount }, () => []);
    s.open.forEach((value: unknown, i: number) => {
      const where = `${path}.open[${i}]`;
      const bar = plainObject(value, where);
      const openTime = finiteNumber(bar.openTime, `${where}.openTime`);
      check(
        Math.abs(openTime) <= MAX_TIME_MS,
        `${where}.openTime`,
        `expected a time within ±${MAX_TIME_MS} ms`,
      );
      check(openTime % I === 0, `${where}.openTime`, `not a multiple of the interval ${I}`);
      check(openTime + I + this.#latenessMs > watermark, `${where}.openTime`, 'this bar should have closed');
      check(Number.isNaN(nextOpen) || openTime >= nextOpen, `${where}.openTime`, 'before nextOpenTime');
      const slot = this.#slotOf(openTime);
      const at = slot * STRIDE;
      check(cells[at + RECORDS] === 0, `${where}.openTime`, 'two open bars in the same slot');
      const num = (key: string) => finiteNumber(bar[key], `${where}.${key}`);
      const orNaN = (key: string) => (bar[key] === null ? Number.NaN : num(key));
      // Prices as push() accepts them, and in order: what a bar built from trades always holds.
      const price = (key: string) => {
        const p = num(key);
        check(
          isInMagnitudeRange(p),
          `${where}.${key}`,
          `expected a price in [${MIN_MAGNITUDE}, ${MAX_MAGNITUDE}]`,
        );
        return p;
      };
      const [open, high, low, close] = ['open', 'high', 'low', 'close'].map(price);
      check(
        low <= Math.min(open, close) && high >= Math.max(open, close),
        `${where}.high`,
        'low and high must enclose open and close',
      );
      cells[at + WINDOW] = openTime;
      cells[at + RECORDS] = integer(bar.records, `${where}.records`, 1, Number.MAX_SAFE_INTEGER);
      cells[at + OPEN] = open;
      cells[at + OPEN_TIME] = num('openTradeTime');
      cells[at + OPEN_ID] = orNaN('openTradeId');
      cells[at + HIGH] = high;
      cells[at + LOW] = low;
      cells[at + CLOSE] = close;
      cells[at + CLOSE_TIME] = num('closeTradeTime');
      cells[at + CLOSE_ID] = orNaN('closeTradeId');
      cells[at + TRADES] = num('trades');
      cells[at + FIRST_ID] = bar.firstTradeId === null ? Number.POSITIVE_INFINITY : num('firstTradeId');
      cells[at + LAST_ID] = bar.lastTradeId === null ? Number.NEGATIVE_INFINITY : num('lastTradeId');
      cells[at + MISSING] =
        bar.missingTrades === undefined
          ? 0
          : integer(bar.missingTrades, `${where}.missingTrades`, 0, Number.MAX_SAFE_INTEGER);
      const limbs: [string, number][] = [
        ['takerBuyVolume', TAKER_BUY],
        ['takerBuyQuoteVolume', TAKER_BUY + QUOTE],
        ['takerSellVolume', TAKER_SELL],
        ['takerSellQuoteVolume', TAKER_SELL + QUOTE],
      ];
      for (const [key, from] of limbs) {
        cells.set(numberArray(bar[key], `${where}.${key}`, EXACT_SUM_CELLS), at + from);
        const total = exactSumValue(cells, at + from);
        check(
          total >= 0 && total <= MAX_MAGNITUDE,
          `${where}.${key}`,
          `expected a volume >= 0, got ${total}`,
        );
      }
      const range = numberArray(bar.ids, `${where}.ids`);
      check(range.length % 2 === 0, `${where}.ids`, 'expected [lo, hi] pairs');
      for (let k = 1; k < range.length; k++) {
        check(
          range[k] >= range[k - 1] + (k % 2 === 0 ? 2 : 0),
          `${where}.ids[${k}]`,
          'ranges must be sorted and disjoint',
        );
      }
      ids[slot] = range;
    });
    // Everything checked: commit.
    cells.set(closedVolume, this.#closedAt);
    cells.set(rejectedVolume, this.#rejectedAt);
    this.#cells.set(cells);
    for (let slot = 0; slot < this.#slotCount; slot++) this.#ids[slot].load(ids[slot]);
    this.#series.restore(s.series, `${path}.series`);
    this.#watermark = watermark;
    this.#maxId = maxId;
    this.#nextOpen = nextOpen;
    this.#accepted = accepted;
    this.#duplicates = duplicates;
    this.#late = late;
    this.#invalid = invalid;
    this.#bars = bars;
    this.#refreshFastPath();
  }

  /** Every case the fast path does not take: validation, late and duplicate checks, closing, merging. */
  #pushAny(input: Trade): readonly Bar[] {
    // Checked and merged from one read of each field (the fast path above reads each once, too);
    // a rejection reports the caller's own object.
    const trade = readTrade(input);
    const problem = invalidTradeReason(trade);
    if (problem !== undefined) return this.#reject('invalid', input, trade, problem);
    const I = this.#intervalMs;
    const time = trade.time;
    const id = trade.id;
    const openTime = this.#openTimeOf(time);
    if (openTime + I + this.#latenessMs <= this.#watermark) {
      return this.#reject(
        'late',
        input,
        trade,
        `its bar opening at ${openTime} closed when the watermark reached ${openTime + I + this.#latenessMs} (watermark now ${this.#watermark})`,
      );
    }
    if (id !== undefined && id <= this.#maxId && this.#holdsId(id)) {
      return this.#reject('duplicate', input, trade, `id ${id} is already in an open bar`);
    }
    let out = NO_BARS;
    if (time > this.#watermark) {
      this.#watermark = time;
      out = this.#close();
    }
    this.#merge(trade, openTime);
    this.#refreshFastPath();
    return out;
  }

  #merge(trade: Trade, openTime: number): void {
    const { time, price, qty, id } = trade;
    const slot = this.#slotOf(openTime);
    const at = slot * STRIDE;
    const cells = this.#cells;
    const key = id ?? Number.NaN;
    if (cells[at + RECORDS] === 0) {
      cells[at + WINDOW] = openTime;
      cells[at + OPEN] = cells[at + HIGH] = cells[at + LOW] = cells[at + CLOSE] = price;
      cells[at + OPEN_TIME] = cells[at + CLOSE_TIME] = time;
      cells[at + OPEN_ID] = cells[at + CLOSE_ID] = key;
      cells[at + FIRST_ID] = Number.POSITIVE_INFINITY;
      cells[at + LAST_ID] = Number.NEGATIVE_INFINITY;
    } else {
      // (time, id) order; without ids, a tie in time goes to arrival order.
      const openT = cells[at + OPEN_TIME];
      if (time < openT || (time === openT && key < cells[at + OPEN_ID])) {
        cells[at + OPEN] = price;
        cells[at + OPEN_TIME] = time;
        cells[at + OPEN_ID] = key;
      }
      const closeT = cells[at + CLOSE_TIME];
      if (time > closeT || (time === closeT && !(key < cells[at + CLOSE_ID]))) {
        cells[at + CLOSE] = price;
        cells[at + CLOSE_TIME] = time;
        cells[at + CLOSE_ID] = key;
      }
      if (price > cells[at + HIGH]) cells[at + HIGH] = price;
      if (price < cells[at + LOW]) cells[at + LOW] = price;
    }
    cells[at + RECORDS] += 1;
    if (trade.missingBefore !== undefined) cells[at + MISSING] += trade.missingBefore;
    const hasRange = trade.firstId !== undefined;
    const firstId = hasRange ? trade.firstId! : (id ?? Number.POSITIVE_INFINITY);
    const lastId = hasRange ? trade.lastId! : (id ?? Number.NEGATIVE_INFINITY);
    cells[at + TRADES] += hasRange ? lastId - firstId + 1 : 1;
    if (firstId < cells[at + FIRST_ID]) cells[at + FIRST_ID] = firstId;
    if (lastId > cells[at + LAST_ID]) cells[at + LAST_ID] = lastId;
    const side = at + (trade.isBuyerMaker ? TAKER_SELL : TAKER_BUY);
    addExact(cells, side, qty);
    addExact(cells, side + QUOTE, price * qty);
    if (id !== undefined) {
      if (id > this.#maxId) {
        this.#ids[slot].addAbove(id);
        this.#maxId = id;
      } else this.#ids[slot].add(id);
    }
    this.#accepted++;
  }

  /** Closes every interval the watermark has passed (end + lateness), oldest first. */
  #close(): readonly Bar[] {
    const I = this.#intervalMs;
    const W = this.#watermark;
    const L = this.#latenessMs;
    // The last interval with openTime + I + L <= W — the very test that makes a trade late, so that
    // rounding in W - I - L cannot make the two disagree.
    let lastClosable = this.#openTimeOf(W - I - L);
    if (lastClosable + I + L > W) lastClosable -= I;
    else if (lastClosable + I + I + L <= W) lastClosable += I;
    let out: Bar[] | undefined;
    for (;;) {
      const filled = this.#earliestFilled();
      const from = Number.isNaN(this.#nextOpen) ? filled : this.#nextOpen;
      if (!(from <= lastClosable)) break;
      out ??= [];
      const emptyUntil = Math.min(filled, lastClosable + I);
      if (emptyUntil > from) this.#series.fill(from, (emptyUntil - from) / I, out);
      if (filled > lastClosable) {
        this.#nextOpen = emptyUntil;
        break;
      }
      this.#emit(filled, out);
      this.#nextOpen = filled + I;
    }
    return out ?? NO_BARS;
  }

  /** Builds the bar of the interval opening at `openTime` from its slot, appends it, frees the slot. */
  #emit(openTime: number, out: Bar[]): void {
    const slot = this.#slotOf(openTime);
    const at = slot * STRIDE;
    const c = this.#cells;
    const volume = exactSumTotal(c, at + TAKER_BUY, at + TAKER_SELL);
    const quoteVolume = exactSumTotal(c, at + TAKER_BUY + QUOTE, at + TAKER_SELL + QUOTE);
    const firstId = c[at + FIRST_ID];
    const lastId = c[at + LAST_ID];
    this.#series.append(
      {
        symbol: this.#symbol,
        openTime,
        closeTime: openTime + this.#intervalMs - 1,
        open: c[at + OPEN],
        high: c[at + HIGH],
        low: c[at + LOW],
        close: c[at + CLOSE],
        volume,
        quoteVolume,
        trades: c[at + TRADES],
        takerBuyVolume: exactSumValue(c, at + TAKER_BUY),
        takerBuyQuoteVolume: exactSumValue(c, at + TAKER_BUY + QUOTE),
        vwap: volume > 0 ? quoteVolume / volume : c[at + CLOSE],
        // `+ 0` turns an id of -0 into 0, as a snapshot's JSON does: the bar is the same either way.
        firstTradeId: Number.isFinite(firstId) ? firstId + 0 : -1,
        lastTradeId: Number.isFinite(lastId) ? lastId + 0 : -1,
        missingTrades: c[at + MISSING],
        gap: false,
      },
      out,
    );
    for (let i = 0; i < EXACT_SUM_CELLS; i++)
      c[this.#closedAt + i] += c[at + TAKER_BUY + i] + c[at + TAKER_SELL + i];
    c.fill(0, at, at + STRIDE);
    this.#ids[slot].clear();
    this.#bars++;
  }

  /** Counts and reports `input`, the caller's object; its volume comes from `copy`, the one read. */
  #reject(reason: RejectReason, input: Trade, copy: Trade, detail: string): readonly Bar[] {
    if (reason === 'invalid') this.#invalid++;
    else if (reason === 'late') this.#late++;
    else this.#duplicates++;
    const qty = typeof copy === 'object' && copy !== null ? copy.qty : undefined;
    // Only quantities an accepted trade could have: two rejected trades of 1e308 would sum to
    // Infinity, which no snapshot could hold.
    if (typeof qty === 'number' && qty >= 0 && qty <= MAX_TRADE_AMOUNT)
      addExact(this.#cells, this.#rejectedAt, qty);
    this.#onReject?.(reason, input, detail);
    if (this.#throws) throw new TradeRejectedError(reason, input, detail);
    return NO_BARS;
  }

  #holdsId(id: number): boolean {
    for (let slot = 0; slot < this.#slotCount; slot++) {
      if (this.#cells[slot * STRIDE + RECORDS] > 0 && this.#ids[slot].has(id)) return true;
    }
    return false;
  }

  /** Open time of the earliest interval holding trades, or +Infinity. */
  #earliestFilled(): number {
    let earliest = Number.POSITIVE_INFINITY;
    for (let slot = 0; slot < this.#slotCount; slot++) {
      const at = slot * STRIDE;
      if (this.#cells[at + RECORDS] > 0 && this.#cells[at + WINDOW] < earliest)
        earliest = this.#cells[at + WINDOW];
    }
    return earliest;
  }

  /** Open time of the interval holding `time` (epoch-aligned, like Binance klines). */
  #openTimeOf(time: number): number {
    // `+ 0` turns -0 (from time -0) into 0: JSON has no -0, so a snapshot would not round-trip it.
    return Math.floor(time / this.#intervalMs) * this.#intervalMs + 0;
  }

  #slotOf(openTime: number): number {
    const n = this.#slotCount;
    return ((((openTime / this.#intervalMs) % n) + n) % n) | 0; // an int, so cell indexes stay ints
  }

  /** Re-derives the fast-path bounds after anything that may move the watermark or open/close a bar. */
  #refreshFastPath(): void {
    this.#fastEnd = Number.NEGATIVE_INFINITY;
    if (this.#watermark === Number.NEGATIVE_INFINITY) return;
    const I = this.#intervalMs;
    const current = this.#openTimeOf(this.#watermark);
    const slot = this.#slotOf(current);
    const at = slot * STRIDE;
    if (this.#cells[at + RECORDS] === 0 || this.#cells[at + WINDOW] !== current) return;
    const nextToClose = Number.isNaN(this.#nextOpen) ? this.#earliestFilled() : this.#nextOpen;
    this.#fastEnd = Math.min(current + I, nextToClose + I + this.#latenessMs);
    if (this.#fast.byteOffset !== at * Float64Array.BYTES_PER_ELEMENT)
      this.#fast = this.#cells.subarray(at, at + STRIDE);
    this.#fastIds = this.#ids[slot];
  }
}

function nullIfNaN(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}

/**
 * Checks a {@link BarAggregator}'s options and fills in defaults, as its constructor does; a bad
 * option throws a `RangeError` or `TypeError` that names it. A `RegimeDetector`, which makes its
 * aggregator at its first trade, calls it when it is made, so that a bad option fails there and
 * not in the middle of a stream.
 *
 * @example
 * ```ts
 * resolveAggregatorOptions({ allowedLatenessMs: 2_000 }).allowedLatenessMs; // 2000
 * resolveAggregatorOptions({ allowedLatenessMs: -1 }); // RangeError: allowedLatenessMs must be …
 * ```
 */
export function resolveAggregatorOptions(options: BarAggregatorOptions): {
  symbol: string;
  intervalMs: number;
  allowedLatenessMs: number;
  maxGapBars: number;
  errorPolicy: 'skip' | 'throw';
} {
  const { intervalMs, maxGapBars } = resolveSeriesOptions(options);
  const symbol = options.symbol ?? '';
  if (typeof symbol !== 'string') throw new TypeError(`symbol must be a string, got ${String(symbol)}`);
  const lateness = options.allowedLatenessMs ?? 0;
  if (!Number.isFinite(lateness) || lateness < 0 || lateness > MAX_LATENESS_INTERVALS * intervalMs) {
    throw new RangeError(
      `allowedLatenessMs must be a number of ms from 0 to ${MAX_LATENESS_INTERVALS} intervals (${MAX_LATENESS_INTERVALS * intervalMs}), got ${String(lateness)}`,
    );
  }
  const errorPolicy = options.errorPolicy ?? 'skip';
  if (errorPolicy !== 'skip' && errorPolicy !== 'throw') {
    throw new RangeError(`errorPolicy must be 'skip' or 'throw', got ${String(errorPolicy)}`);
  }
  if (options.onReject !== undefined && typeof options.onReject !== 'function') {
    throw new TypeError('onReject must be a function');
  }
  return { symbol, intervalMs, allowedLatenessMs: lateness, maxGapBars, errorPolicy };
}
