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

/** Plain-JSON state of a `GapFiller`. */
export interface GapFillerSnapshot {
  /** The last bar of the series, or null before the first. */
  last: Bar | null;
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
  #last: Bar | undefined;
  #run = 0;
  #skipFrom = Number.NaN;
  #gapBars = 0;
  #skippedGapBars = 0;

  constructor(intervalMs: number, maxGapBars: number, onSkippedGap?: (span: SkippedGap) => void) {
    this.#intervalMs = intervalMs;
    this.#maxGapBars = maxGapBars;
    this.#onSkippedGap = onSkippedGap;
  }

  /** The last bar of the series (with trades or gap), undefined before the first. */
  get last(): Bar | undefined {
    return this.#last;
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
    this.#last = { ...bar }; // our own copy: a caller changing the bar it got must not change gap bars
    out.push(bar);
  }

  /**
   * Handles `count` consecutive empty intervals starting at `fromOpenTime`, right after the last
   * bar: appends gap bars to `out` up to the cap and skips the rest. Needs a last bar.
   */
  fill(fromOpenTime: number, count: number, out: Bar[]): void {
    const emit = Math.min(count, Math.max(0, this.#maxGapBars - this.#run));
    for (let i = 0; i < emit; i++) {
      const bar = gapBar(this.#last!, fromOpenTime + i * this.#intervalMs, this.#intervalMs);
      this.#last = { ...bar };
      out.push(bar);
    }
    if (count > emit && Number.isNaN(this.#skipFrom)) this.#skipFrom = fromOpenTime + emit * this.#intervalMs;
    this.#run += count;
    this.#gapBars += emit;
    this.#skippedGapBars += count - emit;
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
      last: this.#last === undefined ? null : { ...this.#last },
      run: this.#run,
      skipFrom: Number.isNaN(this.#skipFrom) ? null : this.#skipFrom,
      gapBars: this.#gapBars,
      skippedGapBars: this.#skippedGapBars,
    };
  }

  /** Restores {@link GapFiller.snapshot} output; errors name the field under `path`. */
  restore(snapshot: unknown, path: string): void {
    const s = plainObject(snapshot, path);
    const last = s.last === null ? undefined : snapshotBar(s.last, `${path}.last`);
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
    this.#last = last;
    this.#run = run;
    this.#skipFrom = skipFrom;
  }
}

/**
 * The gap bar for the interval opening at `openTime` after `previous`: no trades, no volume,
 * OHLC = VWAP = `previous.close`, trade ids -1, no missing trades. It has the same optional fields as `previous`
 * (zeros where `previous` had the field), so a series read from an OHLCV-only file stays OHLCV-only.
 *
 * @example
 * ```ts
 * const next = gapBar(bar, bar.openTime + 60_000, 60_000); // { …, volume: 0, close: bar.close, gap: true }
 * ```
 */
export function gapBar(previous: Bar, openTime: number, intervalMs: number): Bar {
  const price = previous.close;
  const bar: Bar = {
    symbol: previous.symbol,
    openTime,
    closeTime: openTime + intervalMs - 1,
    open: price,
    high: price,
    low: price,
    close: price,
    volume: 0,
    gap: true,
  };
  if (previous.quoteVolume !== undefined) bar.quoteVolume = 0;
  if (previous.trades !== undefined) bar.trades = 0;
  if (previous.takerBuyVolume !== undefined) bar.takerBuyVolume = 0;
  if (previous.takerBuyQuoteVolume !== undefined) bar.takerBuyQuoteVolume = 0;
  if (previous.vwap !== undefined) bar.vwap = price;
  if (previous.firstTradeId !== undefined) bar.firstTradeId = -1;
  if (previous.lastTradeId !== undefined) bar.lastTradeId = -1;
  if (previous.missingTrades !== undefined) bar.missingTrades = 0;
  return bar;
}

/** A bar from a snapshot: checks every field, errors name it under `path`. */
function snapshotBar(value: unknown, path: string): Bar {
  const bar = plainObject(value, path);
  check(typeof bar.symbol === 'string', `${path}.symbol`, 'expected a string');
  check(typeof bar.gap === 'boolean', `${path}.gap`, 'expected a boolean');
  for (const key of ['openTime', 'closeTime', 'open', 'high', 'low', 'close', 'volume'])
    finiteNumber(bar[key], `${path}.${key}`);
  // Gap bars repeat this bar's close: prices as bars are accepted, volume >= 0.
  for (const key of ['open', 'high', 'low', 'close'])
    check(
      isInMagnitudeRange(bar[key] as number),
      `${path}.${key}`,
      `expected a price in [${MIN_MAGNITUDE}, ${MAX_MAGNITUDE}]`,
    );
  const { open, high, low, close } = bar as unknown as Bar;
  check(
    low <= Math.min(open, close) && high >= Math.max(open, close),
    `${path}.high`,
    'low and high must enclose open and close',
  );
  check((bar.volume as number) >= 0, `${path}.volume`, 'expected a volume >= 0');
  for (const key of OPTIONAL_FIELDS) if (bar[key] !== undefined) finiteNumber(bar[key], `${path}.${key}`);
  return { ...bar } as unknown as Bar;
}

const OPTIONAL_FIELDS = [
  'quoteVolume',
  'trades',
  'takerBuyVolume',
  'takerBuyQuoteVolume',
  'vwap',
  'firstTradeId',
  'lastTradeId',
] as const;
