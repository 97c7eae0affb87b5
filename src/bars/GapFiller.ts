import { check, finiteNumber, integer, plainObject } from '../util/validate.js';
import type { Bar } from './bar.js';
import { isInMagnitudeRange, MAX_MAGNITUDE, MIN_MAGNITUDE } from './magnitudes.js';

/** A run of empty intervals left out of the series because it was longer than `maxGapBars`. */
export interface SkippedGap {
  /** Open time of the first skipped interval. */
  fromOpenTime: number;
  /** Open time of the last skipped interval. */
  toOpenTime: number;
  /** Number of skipped intervals. */
  bars: number;
}

/** The optional bar columns a gap bar carries (as zeros) when the bar before it had them. */
export type OptionalBarColumn =
  | 'quoteVolume'
  | 'trades'
  | 'takerBuyVolume'
  | 'takerBuyQuoteVolume'
  | 'vwap'
  | 'firstTradeId'
  | 'lastTradeId'
  | 'missingTrades';

/**
 * What a `GapFiller` keeps of the last bar of its series: what the gap bars after it repeat.
 *
 * @example
 * ```ts
 * const last: LastBarSnapshot = { symbol: 'BTCUSDT', openTime: 1_735_689_600_000, close: 93_500.1, columns: ['quoteVolume', 'trades'] };
 * ```
 */
export interface LastBarSnapshot {
  /** The bar's symbol. */
  symbol: string;
  /** The bar's open time, ms since the epoch. */
  openTime: number;
  /** The bar's close: the price of the gap bars after it. */
  close: number;
  /** The optional columns the bar had, in `Bar`'s order. */
  columns: OptionalBarColumn[];
}

/** Plain-JSON state of a `GapFiller`. */
export interface GapFillerSnapshot {
  /**
   * What gap bars repeat of the last bar of the series, or null before the first. Snapshots written
   * by earlier versions of microstream hold the whole bar here; `restore` takes both.
   */
  last: LastBarSnapshot | null;
  /** Empty intervals in the current run (gap bars emitted plus skipped). */
  run: number;
  /** Open time of the first skipped interval of the current run, or null. */
  skipFrom: number | null;
  gapBars: number;
  skippedGapBars: number;
}

/**
 * The end of a regular bar series, and the gap rule shared by {@link BarAggregator} and
 * {@link BarRegularizer}: an interval without trades becomes a gap bar (`gap: true`, no volume,
 * OHLC = VWAP = the previous close, trade ids -1), so the series has no holes. A run of more than
 * `maxGapBars` empty intervals (an exchange outage) is capped: its first `maxGapBars` intervals
 * become gap bars and the rest are skipped, counted, and reported once through `onSkippedGap` when
 * the run ends. The rule is the same whether the run is seen at once (a trade after the outage) or
 * bit by bit (`advance()` calls during it), so replay and live give the same series.
 *
 * @example
 * ```ts
 * const series = new GapFiller(60_000, 1440, (span) => console.warn('skipped', span));
 * const out: Bar[] = [];
 * series.append(bar, out);                                   // a bar with trades
 * series.fill(bar.openTime + 60_000, 3, out);                // three empty minutes: three gap bars
 * series.append(nextBar, out);
 * ```
 */
export class GapFiller {
  readonly #intervalMs: number;
  readonly #maxGapBars: number;
  readonly #onSkippedGap: ((span: SkippedGap) => void) | undefined;
  // What gap bars repeat of the last bar, as fields rather than a copy of the bar: a copied bar
  // costs ~400 bytes of heap (every number boxed), and a router keeps one filler per symbol.
  #lastSymbol = '';
  /** NaN before the first bar. */
  #lastOpenTime = Number.NaN;
  #lastClose = Number.NaN;
  /** Bit i set: the last bar had OPTIONAL_COLUMNS[i]. */
  #lastColumns = 0;
  #run = 0;
  #skipFrom = Number.NaN;
  #gapBars = 0;
  #skippedGapBars = 0;

  constructor(intervalMs: number, maxGapBars: number, onSkippedGap?: (span: SkippedGap) => void) {
    this.#intervalMs = intervalMs;
    this.#maxGapBars = maxGapBars;
    this.#onSkippedGap = onSkippedGap;
  }

  /** Open time of the last bar of the series (with trades or gap), undefined before the first. */
  get lastOpenTime(): number | undefined {
    return Number.isNaN(this.#lastOpenTime) ? undefined : this.#lastOpenTime;
  }

  /** Gap bars emitted so far. */
  get gapBars(): number {
    return this.#gapBars;
  }

  /** Empty intervals skipped so far (beyond `maxGapBars` in a run). */
  get skippedGapBars(): number {
    return this.#skippedGapBars;
  }

  /** Appends a bar with trades to `out`: ends the current run of empty intervals. */
  append(bar: Bar, out: Bar[]): void {
    this.endRun();
    this.#remember(bar); // by value: a caller changing the bar it got must not change gap bars
    out.push(bar);
  }

  /**
   * Handles `count` consecutive empty intervals starting at `fromOpenTime`, right after the last
   * bar: appends gap bars to `out` up to the cap and skips the rest. Needs a last bar.
   */
  fill(fromOpenTime: number, count: number, out: Bar[]): void {
    const emit = Math.min(count, Math.max(0, this.#maxGapBars - this.#run));
    for (let i = 0; i < emit; i++) {
      const openTime = fromOpenTime + i * this.#intervalMs;
      out.push(gapBar(this.#lastSymbol, this.#lastClose, this.#lastColumns, openTime, this.#intervalMs));
      this.#lastOpenTime = openTime;
    }
    if (count > emit && Number.isNaN(this.#skipFrom)) this.#skipFrom = fromOpenTime + emit * this.#intervalMs;
    this.#run += count;
    this.#gapBars += emit;
    this.#skippedGapBars += count - emit;
  }

  #remember(bar: Bar): void {
    this.#lastSymbol = bar.symbol;
    this.#lastOpenTime = bar.openTime;
    this.#lastClose = bar.close;
    this.#lastColumns = columnsOf(bar);
  }

  /** Ends the current run of empty intervals and reports its skipped part, if any. */
  endRun(): void {
    const skipFrom = this.#skipFrom;
    const bars = this.#run - this.#maxGapBars;
    this.#run = 0;
    this.#skipFrom = Number.NaN;
    if (!Number.isNaN(skipFrom)) {
      this.#onSkippedGap?.({
        fromOpenTime: skipFrom,
        toOpenTime: skipFrom + (bars - 1) * this.#intervalMs,
        bars,
      });
    }
  }

  snapshot(): GapFillerSnapshot {
    return {
      last: Number.isNaN(this.#lastOpenTime)
        ? null
        : {
            symbol: this.#lastSymbol,
            openTime: this.#lastOpenTime,
            close: this.#lastClose,
            columns: OPTIONAL_COLUMNS.filter((_, i) => (this.#lastColumns >> i) & 1),
          },
      run: this.#run,
      skipFrom: Number.isNaN(this.#skipFrom) ? null : this.#skipFrom,
      gapBars: this.#gapBars,
      skippedGapBars: this.#skippedGapBars,
    };
  }

  /** Restores {@link GapFiller.snapshot} output; errors name the field under `path`. */
  restore(snapshot: unknown, path: string): void {
    const s = plainObject(snapshot, path); // a copy its owner's restore made (plainCopy)
    const last = s.last === null ? undefined : lastBar(s.last, `${path}.last`);
    const run = integer(s.run, `${path}.run`, 0, Number.MAX_SAFE_INTEGER);
    const skipFrom = s.skipFrom === null ? Number.NaN : finiteNumber(s.skipFrom, `${path}.skipFrom`);
    check(
      Number.isNaN(skipFrom) || run > this.#maxGapBars,
      `${path}.skipFrom`,
      `a skipped span needs a run longer than maxGapBars (${this.#maxGapBars}), got run ${run}`,
    );
    check(last !== undefined || run === 0, `${path}.run`, 'a run of empty intervals needs a last bar');
    this.#gapBars = integer(s.gapBars, `${path}.gapBars`, 0, Number.MAX_SAFE_INTEGER);
    this.#skippedGapBars = integer(s.skippedGapBars, `${path}.skippedGapBars`, 0, Number.MAX_SAFE_INTEGER);
    this.#lastSymbol = last?.symbol ?? '';
    this.#lastOpenTime = last?.openTime ?? Number.NaN;
    this.#lastClose = last?.close ?? Number.NaN;
    this.#lastColumns = last === undefined ? 0 : columnBits(last.columns);
    this.#run = run;
    this.#skipFrom = skipFrom;
  }
}

/**
 * The gap bar for the interval opening at `openTime` after a bar of `symbol` that closed at `close`:
 * no trades, no volume, OHLC = VWAP = `close`, trade ids -1, no missing trades. It has the optional
 * columns the bar before it had (bit i of `columns` for `OPTIONAL_COLUMNS[i]`), so a series read
 * from an OHLCV-only file stays OHLCV-only.
 */
function gapBar(symbol: string, close: number, columns: number, openTime: number, intervalMs: number): Bar {
  const bar: Bar = {
    symbol,
    openTime,
    closeTime: openTime + intervalMs - 1,
    open: close,
    high: close,
    low: close,
    close,
    volume: 0,
    gap: true,
  };
  if (columns & 1) bar.quoteVolume = 0;
  if (columns & 2) bar.trades = 0;
  if (columns & 4) bar.takerBuyVolume = 0;
  if (columns & 8) bar.takerBuyQuoteVolume = 0;
  if (columns & 16) bar.vwap = close;
  if (columns & 32) bar.firstTradeId = -1;
  if (columns & 64) bar.lastTradeId = -1;
  if (columns & 128) bar.missingTrades = 0;
  return bar;
}

/**
 * The last bar from a snapshot: a {@link LastBarSnapshot}, or the whole bar that earlier versions
 * stored. Checks every field it uses; errors name it under `path`.
 */
function lastBar(value: unknown, path: string): LastBarSnapshot {
  const o = plainObject(value, path);
  check(typeof o.symbol === 'string', `${path}.symbol`, 'expected a string');
  const openTime = finiteNumber(o.openTime, `${path}.openTime`);
  // Gap bars repeat this close: a price as bars accept.
  const close = finiteNumber(o.close, `${path}.close`);
  check(
    isInMagnitudeRange(close),
    `${path}.close`,
    `expected a price in [${MIN_MAGNITUDE}, ${MAX_MAGNITUDE}]`,
  );
  if (o.columns === undefined) {
    const bar = o as unknown as Bar;
    return {
      symbol: bar.symbol,
      openTime,
      close,
      columns: OPTIONAL_COLUMNS.filter((name) => {
        if (bar[name] === undefined) return false;
        finiteNumber(bar[name], `${path}.${name}`);
        return true;
      }),
    };
  }
  check(
    isColumnList(o.columns),
    `${path}.columns`,
    `expected column names in this order: ${OPTIONAL_COLUMNS.join(', ')}`,
  );
  return { symbol: o.symbol as string, openTime, close, columns: o.columns };
}

/** Bit i set for each `OPTIONAL_COLUMNS[i]` the bar has (named loads: this runs for every bar). */
function columnsOf(bar: Bar): number {
  return (
    (bar.quoteVolume !== undefined ? 1 : 0) |
    (bar.trades !== undefined ? 2 : 0) |
    (bar.takerBuyVolume !== undefined ? 4 : 0) |
    (bar.takerBuyQuoteVolume !== undefined ? 8 : 0) |
    (bar.vwap !== undefined ? 16 : 0) |
    (bar.firstTradeId !== undefined ? 32 : 0) |
    (bar.lastTradeId !== undefined ? 64 : 0) |
    (bar.missingTrades !== undefined ? 128 : 0)
  );
}

/** Bit i set for each `OPTIONAL_COLUMNS[i]` in `names`. */
function columnBits(names: readonly OptionalBarColumn[]): number {
  let bits = 0;
  for (const name of names) bits |= 1 << OPTIONAL_COLUMNS.indexOf(name);
  return bits;
}

/** Whether `value` lists optional columns, each once, in `OPTIONAL_COLUMNS` order. */
function isColumnList(value: unknown): value is OptionalBarColumn[] {
  if (!Array.isArray(value)) return false;
  let previous = -1;
  for (const name of value) {
    const at = OPTIONAL_COLUMNS.indexOf(name);
    if (at <= previous) return false;
    previous = at;
  }
  return true;
}

/** Every optional column, in `Bar`'s order: bit i of a column mask stands for entry i. */
export const OPTIONAL_COLUMNS: readonly OptionalBarColumn[] = [
  'quoteVolume',
  'trades',
  'takerBuyVolume',
  'takerBuyQuoteVolume',
  'vwap',
  'firstTradeId',
  'lastTradeId',
  'missingTrades',
];
