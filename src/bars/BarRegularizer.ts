import type { Stage } from '../stage.js';
import { emptyResult } from '../util/emptyResult.js';
import { check, describeValue, integer, plainCopy, plainObject } from '../util/validate.js';
import { type Bar, readBar } from './bar.js';
import { type BarSeriesOptions, resolveSeriesOptions } from './barOptions.js';
import { GapFiller, type GapFillerSnapshot } from './GapFiller.js';
import { isInMagnitudeRange, MAX_MAGNITUDE, MAX_TIME_MS, MIN_MAGNITUDE } from './magnitudes.js';

/** Why a bar was not added to the series. */
export type BarRejectReason = 'duplicate' | 'outOfOrder' | 'invalid';

/** Options of a {@link BarRegularizer}. */
export interface BarRegularizerOptions extends BarSeriesOptions {
  /** Called for every rejected bar. */
  onReject?: (reason: BarRejectReason, bar: Bar, detail: string) => void;
}

/** Counters of a {@link BarRegularizer}. Every pushed bar lands in exactly one of the first four. */
export interface BarRegularizerStats {
  /** Bars passed on. */
  accepted: number;
  /** Bars with the open time of the last bar passed on. */
  duplicates: number;
  /** Bars older than the last bar passed on. */
  outOfOrder: number;
  /** Bars with a missing or malformed field, or an open time not aligned to the interval. */
  invalid: number;
  /** Gap bars inserted. */
  gapBars: number;
  /** Missing intervals skipped beyond `maxGapBars`. */
  skippedGapBars: number;
}

/** The whole state of a {@link BarRegularizer} as plain JSON. */
export interface BarRegularizerSnapshot {
  version: 1;
  intervalMs: number;
  maxGapBars: number;
  counts: { accepted: number; duplicates: number; outOfOrder: number; invalid: number };
  series: GapFillerSnapshot;
}

/** The one empty result (see {@link emptyResult}). */
const NO_BARS: readonly Bar[] = emptyResult();

/**
 * Makes a regular series out of bars that already exist — read from a file, or pushed by a user —
 * with the same gap rule as {@link BarAggregator}: each missing interval becomes a gap bar (with
 * the same optional fields as the bar before it), and a run longer than `maxGapBars` is capped and
 * reported through `onSkippedGap`. Bars must come in time order: a bar with the open time of the last
 * one is a duplicate, an older one is out of order; both are counted, reported and dropped, as are
 * malformed bars.
 *
 * @example
 * ```ts
 * const regular = new BarRegularizer({ intervalMs: 60_000, onSkippedGap: (s) => console.warn(s) });
 * for await (const bar of readKlines('BTCUSDT-1m-2021-04.csv.gz')) {
 *   for (const b of regular.push(bar)) if (b.gap) console.log('no trades at', b.openTime);
 * }
 * ```
 */
export class BarRegularizer
  implements Stage<Bar, readonly Bar[], BarRegularizerSnapshot, BarRegularizerStats>
{
  readonly #intervalMs: number;
  readonly #maxGapBars: number;
  readonly #onReject: BarRegularizerOptions['onReject'];
  readonly #series: GapFiller;
  #accepted = 0;
  #duplicates = 0;
  #outOfOrder = 0;
  #invalid = 0;

  constructor(options: BarRegularizerOptions = {}) {
    const { intervalMs, maxGapBars } = resolveSeriesOptions(options);
    if (options.onReject !== undefined && typeof options.onReject !== 'function') {
      throw new TypeError('onReject must be a function');
    }
    this.#intervalMs = intervalMs;
    this.#maxGapBars = maxGapBars;
    this.#onReject = options.onReject;
    this.#series = new GapFiller(intervalMs, maxGapBars, options.onSkippedGap);
  }

  /** Bar interval in ms. */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /**
   * Feeds one bar. Returns the gap bars needed before it followed by the bar — a plain copy of its
   * {@link Bar} fields, each read once — or a shared empty array when the bar is rejected
   * (read-only: never write to it).
   */
  push(bar: Bar): readonly Bar[] {
    // Checked and passed on from one read of each field (see readBar); a rejection reports the
    // caller's own object.
    const copy = readBar(bar);
    const problem = invalidBarReason(copy, this.#intervalMs);
    if (problem !== undefined) return this.#reject('invalid', bar, problem);
    const I = this.#intervalMs;
    const last = this.#series.lastOpenTime;
    if (last !== undefined && copy.openTime <= last) {
      return copy.openTime === last
        ? this.#reject('duplicate', bar, `a bar opening at ${copy.openTime} was already passed on`)
        : this.#reject('outOfOrder', bar, `opens at ${copy.openTime}, before the last bar (${last})`);
    }
    const out: Bar[] = [];
    if (last !== undefined && copy.openTime > last + I) {
      this.#series.fill(last + I, (copy.openTime - last) / I - 1, out);
    }
    this.#series.append(copy, out);
    this.#accepted++;
    return out;
  }

  /** End of input: reports a pending skipped span (there is never an open bar to close). */
  flush(): readonly Bar[] {
    this.#series.endRun();
    return NO_BARS;
  }

  /** Counters since construction (restored with the state). */
  stats(): BarRegularizerStats {
    return {
      accepted: this.#accepted,
      duplicates: this.#duplicates,
      outOfOrder: this.#outOfOrder,
      invalid: this.#invalid,
      gapBars: this.#series.gapBars,
      skippedGapBars: this.#series.skippedGapBars,
    };
  }

  /** The whole state as plain JSON. */
  snapshot(): BarRegularizerSnapshot {
    return {
      version: 1,
      intervalMs: this.#intervalMs,
      maxGapBars: this.#maxGapBars,
      counts: {
        accepted: this.#accepted,
        duplicates: this.#duplicates,
        outOfOrder: this.#outOfOrder,
        invalid: this.#invalid,
      },
      series: this.#series.snapshot(),
    };
  }

  /**
   * Replaces the state with a {@link BarRegularizer.snapshot}. Needs the same interval and
   * `maxGapBars`; throws a `ModelValidationError` naming the field otherwise, state unchanged.
   */
  restore(snapshot: unknown): void {
    const s = plainObject(plainCopy(snapshot, 'snapshot'), 'snapshot');
    check(s.version === 1, 'snapshot.version', `expected 1, got ${describeValue(s.version)}`);
    check(
      s.intervalMs === this.#intervalMs,
      'snapshot.intervalMs',
      `this regularizer has ${this.#intervalMs}`,
    );
    check(
      s.maxGapBars === this.#maxGapBars,
      'snapshot.maxGapBars',
      `this regularizer has ${this.#maxGapBars}`,
    );
    const counts = plainObject(s.counts, 'snapshot.counts');
    const count = (key: string) => integer(counts[key], `snapshot.counts.${key}`, 0, Number.MAX_SAFE_INTEGER);
    const restored = {
      accepted: count('accepted'),
      duplicates: count('duplicates'),
      outOfOrder: count('outOfOrder'),
      invalid: count('invalid'),
    };
    this.#series.restore(s.series, 'snapshot.series');
    this.#accepted = restored.accepted;
    this.#duplicates = restored.duplicates;
    this.#outOfOrder = restored.outOfOrder;
    this.#invalid = restored.invalid;
  }

  #reject(reason: BarRejectReason, bar: Bar, detail: string): readonly Bar[] {
    if (reason === 'duplicate') this.#duplicates++;
    else if (reason === 'outOfOrder') this.#outOfOrder++;
    else this.#invalid++;
    this.#onReject?.(reason, bar, detail);
    return NO_BARS;
  }
}

/**
 * Why `bar` cannot join a series of `intervalMs` bars, naming the field, or `undefined`: the open
 * time must be a multiple of the interval, OHLC and volume finite (prices > 0 and within
 * [1e-100, 1e100], low <= open, close <= high), volumes 0 or within [1e-100, 1e100] (see
 * `magnitudes.ts`), `trades` an integer >= 0, other optional numeric fields finite when present,
 * `symbol` a string and `gap` a boolean.
 *
 * Runs on every bar, so each field is read by name (one monomorphic load each) rather than through
 * a loop over key names, and it allocates nothing unless the bar is rejected.
 */
function invalidBarReason(bar: unknown, intervalMs: number): string | undefined {
  if (typeof bar !== 'object' || bar === null) return `a bar must be an object, got ${describeValue(bar)}`;
  const b = bar as Record<string, unknown>;
  if (typeof b.symbol !== 'string') return `symbol must be a string, got ${describeValue(b.symbol)}`;
  if (
    typeof b.openTime !== 'number' ||
    !(Math.abs(b.openTime) <= MAX_TIME_MS) ||
    // A multiple of the interval, without `%` (a call into C's fmod for doubles): floor(t / I) · I is
    // a multiple of the (integer) interval computed exactly, below 2^53, so it equals t iff t is one.
    Math.floor(b.openTime / intervalMs) * intervalMs !== b.openTime
  )
    return `openTime must be a multiple of the interval (${intervalMs} ms) within ±${MAX_TIME_MS}, got ${describeValue(b.openTime)}`;
  const price =
    priceProblem('open', b.open) ??
    priceProblem('high', b.high) ??
    priceProblem('low', b.low) ??
    priceProblem('close', b.close);
  if (price !== undefined) return price;
  const { open, high, low, close } = b as unknown as Bar;
  if (!(low <= open && low <= close && high >= open && high >= close))
    return `low (${low}) and high (${high}) must enclose open (${open}) and close (${close})`;
  if (typeof b.volume !== 'number' || !(b.volume >= 0 && b.volume < Number.POSITIVE_INFINITY))
    return `volume must be a finite number >= 0, got ${describeValue(b.volume)}`;
  const optional =
    optionalNumberProblem('closeTime', b.closeTime) ??
    optionalNumberProblem('quoteVolume', b.quoteVolume) ??
    optionalNumberProblem('trades', b.trades) ??
    optionalNumberProblem('takerBuyVolume', b.takerBuyVolume) ??
    optionalNumberProblem('takerBuyQuoteVolume', b.takerBuyQuoteVolume) ??
    optionalNumberProblem('vwap', b.vwap) ??
    optionalNumberProblem('firstTradeId', b.firstTradeId) ??
    optionalNumberProblem('lastTradeId', b.lastTradeId) ??
    volumeProblem('volume', b.volume) ??
    volumeProblem('quoteVolume', b.quoteVolume) ??
    volumeProblem('takerBuyVolume', b.takerBuyVolume) ??
    volumeProblem('takerBuyQuoteVolume', b.takerBuyQuoteVolume);
  if (optional !== undefined) return optional;
  if (b.trades !== undefined && !(Number.isSafeInteger(b.trades) && (b.trades as number) >= 0))
    return `trades must be an integer >= 0 when present, got ${describeValue(b.trades)}`;
  if (typeof b.gap !== 'boolean') return `gap must be a boolean, got ${describeValue(b.gap)}`;
  return undefined;
}

/** A price must be a finite number > 0 within the magnitude range. */
function priceProblem(key: string, v: unknown): string | undefined {
  if (typeof v !== 'number' || !(v > 0 && v < Number.POSITIVE_INFINITY))
    return `${key} must be a finite number > 0, got ${describeValue(v)}`;
  if (!isInMagnitudeRange(v)) return `${key} must be within [${MIN_MAGNITUDE}, ${MAX_MAGNITUDE}], got ${v}`;
  return undefined;
}

/** An optional numeric field must be finite when present. */
function optionalNumberProblem(key: string, v: unknown): string | undefined {
  if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v)))
    return `${key} must be a finite number when present, got ${describeValue(v)}`;
  return undefined;
}

/** A volume field must be 0 or within the magnitude range, so ratios between bars stay finite. */
function volumeProblem(key: string, v: unknown): string | undefined {
  if (v !== undefined && !(v === 0 || (isInMagnitudeRange(v as number) && (v as number) > 0)))
    return `${key} must be 0 or within [${MIN_MAGNITUDE}, ${MAX_MAGNITUDE}], got ${describeValue(v)}`;
  return undefined;
}
