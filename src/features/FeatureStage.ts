import type { Bar } from '../bars/bar.js';
import { isInMagnitudeRange, MAX_MAGNITUDE, MIN_MAGNITUDE } from '../bars/magnitudes.js';
import type { Stage } from '../stage.js';
import { check, finiteNumber, integer, numberArray, plainCopy, plainObject } from '../util/validate.js';
import {
  type FeatureBaseline,
  type FeatureDefinition,
  type FeatureSet,
  REQUIRED_COLUMN,
} from './featureSpec.js';
import { RollingWindow } from './RollingWindow.js';

/**
 * The feature stage's whole state as plain JSON.
 *
 * @example
 * ```ts
 * const copy = new FeatureStage(DEFAULT_FEATURES);
 * copy.restore(JSON.parse(JSON.stringify(stage.snapshot())));
 * ```
 */
export interface FeatureStageSnapshot {
  /** Bars seen since the start (or the last reset). */
  bars: number;
  /** Close of the last bar, `null` before the first. */
  previousClose: number | null;
  /** Last average trade size, carried over bars without trades. */
  averageTradeSize: number;
  /** Each feature's window contents, oldest first (`null` for features without a window). */
  windows: (number[] | null)[];
  /**
   * Each feature's baseline EWMA (`null` for features without a baseline): the weighted sum, the
   * sum of weights and the number of bars averaged. Absent in snapshots of stages without baselines
   * taken before baselines existed.
   */
  baselines?: (BaselineSnapshot | null)[];
}

/**
 * The state of one feature's baseline EWMA (see {@link FeatureBaseline}).
 *
 * @example
 * ```ts
 * const b: BaselineSnapshot = { sum: -6.1, weight: 0.5, bars: 14_400 };
 * ```
 */
export interface BaselineSnapshot {
  sum: number;
  weight: number;
  bars: number;
}

/** Added to the mean square under a `scale` baseline: a 1-minute volatility of 0.01 bp. */
const SCALE_FLOOR = 1e-12;

/**
 * Counters of a {@link FeatureStage}.
 *
 * @example
 * ```ts
 * const { bars, warm } = stage.stats();
 * ```
 */
export interface FeatureStageStats {
  /** Bars pushed since construction or the last `reset()`. */
  bars: number;
  /** True once every window is full and every baseline has its history. */
  warm: boolean;
}

const LN2X4 = 4 * Math.LN2;

/**
 * Turns bars into feature vectors, one bar at a time, for a declared {@link FeatureSet}.
 *
 * `push(bar)` writes the raw (transformed, not standardised) vector into `values` — the same
 * `Float64Array` every time — and returns it. Rolling windows are typed-array ring buffers: the
 * per-bar path allocates nothing.
 *
 * **Warm-up.** `warm` stays false for the first `warmUp` bars, until every window is full
 * (e.g. 20 previous volumes for a 20-bar activity ratio) and, for features relative to the
 * symbol's own history (`baseline`, see {@link FeatureBaseline}), until each baseline has averaged
 * its `minBars` bars after that. Cold values are computed over what the windows hold (an empty
 * window or baseline gives the neutral value), so they are finite, but they are not readings to
 * act on.
 *
 * **Gap bars** (`gap: true`: no trades; OHLC = previous close, volume 0) are what they claim: a
 * minute without trading. They give a log return of 0, a range of 0, an activity ratio of 0, an
 * order-flow imbalance of 0, an Amihud value of 0, a trade intensity of 0 and carry the previous
 * average trade size; they enter every window as such, so a long gap reads as a quiet, illiquid
 * market rather than being hidden. (A hole longer than the bar stage's `maxGapBars` is not filled;
 * the detector then calls `reset()` and the stage warms up again.) The `log` transform's offset
 * keeps these zeros finite.
 *
 * **Missing columns.** A feature that needs a column the bar lacks (e.g. `trades` on an
 * OHLCV-only kline) throws an error naming the feature and the column on the first such bar.
 *
 * @example
 * ```ts
 * const stage = new FeatureStage(DEFAULT_FEATURES);
 * for (const bar of bars) {
 *   const x = stage.push(bar);
 *   if (stage.warm) console.log(stage.names.map((n, i) => `${n}=${x[i]}`).join(' '));
 * }
 * ```
 */
export class FeatureStage implements Stage<Bar, Float64Array, FeatureStageSnapshot, FeatureStageStats> {
  /** Feature names, in vector order. */
  readonly names: readonly string[];
  /** The declared features. */
  readonly definitions: FeatureSet;
  /** Number of cold bars at the start: the first warm bar is bar number `warmUp + 1`. */
  readonly warmUp: number;
  /** The latest feature vector (raw units after each feature's transform); overwritten by `push`. */
  readonly values: Float64Array;
  #windows: (RollingWindow | null)[];
  /** Bars before the baselines start: every window is full from the next bar on. */
  readonly #baseWarmUp: number;
  /** Per feature: index of its baseline's [sum, weight, bars] in the storage, or −1 (shared by the set's stages). */
  readonly #baselineAt: Int32Array;
  /** Per feature: the baseline EWMA's decay per bar, 2^(−1/halfLife) (0 without a baseline). */
  readonly #decay: Float64Array;
  readonly #storage: Float64Array;
  #columns: { feature: string; column: 'takerBuyVolume' | 'quoteVolume' | 'trades' }[];
  #bars = 0;
  #previousClose = Number.NaN;
  #averageTradeSize = 0;

  constructor(definitions: FeatureSet) {
    if (definitions.length === 0) throw new RangeError('a feature set needs at least one feature');
    this.definitions = definitions;
    this.names = definitions.map((d) => d.name);
    // One typed array holds the output vector, every window (see RollingWindow's storage) and
    // every baseline's [sum, weight, bars].
    const d = definitions.length;
    const windowed = definitions.reduce((n, def) => n + (def.window ?? 0), 0);
    const baselined = definitions.filter((def) => def.baseline !== undefined).length;
    const storage = new Float64Array(d + windowed + 3 * baselined);
    this.#storage = storage;
    this.values = storage.subarray(0, d);
    let offset = d;
    this.#windows = definitions.map((def) => {
      if (def.window === undefined) return null;
      const window = new RollingWindow(def.window, storage, offset);
      offset += def.window;
      return window;
    });
    const layout = baselineLayout(definitions, offset);
    this.#baselineAt = layout.at;
    this.#decay = layout.decay;
    this.#columns = [];
    for (const d of definitions) {
      const column = REQUIRED_COLUMN[d.kind];
      if (column !== null) this.#columns.push({ feature: d.name, column });
    }
    this.#baseWarmUp = Math.max(...definitions.map(coldBars));
    this.warmUp = this.#baseWarmUp + Math.max(0, ...definitions.map((def) => def.baseline?.minBars ?? 0));
  }

  /** True once every window is full (after `warmUp` bars). */
  get warm(): boolean {
    return this.#bars > this.warmUp;
  }

  /** Bars pushed since construction or the last `reset()`. */
  get bars(): number {
    return this.#bars;
  }

  /** Bars pushed and whether the windows are full. */
  stats(): FeatureStageStats {
    return { bars: this.#bars, warm: this.warm };
  }

  /** Computes the feature vector of `bar` into `values` and returns it. Allocates nothing. */
  push(bar: Bar): Float64Array {
    for (let i = 0; i < this.#columns.length; i++) {
      const need = this.#columns[i];
      if (bar[need.column] === undefined) {
        throw new Error(
          `feature ${need.feature} needs bar.${need.column}, which this bar lacks ` +
            '(OHLCV-only klines carry no trade counts or taker volume): use a model whose features need only OHLCV',
        );
      }
    }
    const hasPrevious = this.#bars > 0;
    const logReturn = hasPrevious ? Math.log(bar.close / this.#previousClose) : 0;
    const trades = bar.trades ?? 0;
    if (trades > 0) this.#averageTradeSize = bar.volume / trades;
    const defs = this.definitions;
    for (let i = 0; i < defs.length; i++) {
      const d = defs[i];
      const window = this.#windows[i];
      let x: number;
      switch (d.kind) {
        case 'logReturn':
          x = logReturn;
          break;
        case 'range':
          x = (bar.high - bar.low) / bar.open;
          break;
        case 'activity':
          x = ratioToMean(bar.volume, window as RollingWindow);
          break;
        case 'meanVolume': {
          const w = window as RollingWindow;
          w.push(bar.volume);
          x = w.mean();
          break;
        }
        case 'realizedVolatility': {
          const w = window as RollingWindow;
          if (hasPrevious) w.push(logReturn * logReturn);
          x = Math.sqrt(w.mean());
          break;
        }
        case 'parkinsonVolatility': {
          const w = window as RollingWindow;
          const hl = Math.log(bar.high / bar.low);
          w.push((hl * hl) / LN2X4);
          x = Math.sqrt(w.mean());
          break;
        }
        case 'orderFlowImbalance':
          x = bar.volume > 0 ? (2 * (bar.takerBuyVolume as number)) / bar.volume - 1 : 0;
          break;
        case 'amihud': {
          const q = bar.quoteVolume as number;
          x = q > 0 ? (Math.abs(logReturn) * 1e6) / q : 0;
          break;
        }
        case 'tradeIntensity':
          x = ratioToMean(trades, window as RollingWindow);
          break;
        case 'averageTradeSize':
          x = this.#averageTradeSize;
          break;
      }
      this.values[i] = this.#baselineAt[i] < 0 ? transform(d, x) : this.#relative(i, transform(d, x));
    }
    this.#previousClose = bar.close;
    this.#bars++;
    return this.values;
  }

  /**
   * `v` relative to feature `i`'s baseline of the previous bars; then `v` joins the baseline, once
   * every window is full.
   */
  #relative(i: number, v: number): number {
    const s = this.#storage;
    const at = this.#baselineAt[i];
    const scale = (this.definitions[i].baseline as FeatureBaseline).mode === 'scale';
    const sum = s[at];
    const weight = s[at + 1];
    let y = 0;
    if (weight > 0) y = scale ? v / Math.sqrt(sum / weight + SCALE_FLOOR) : v - sum / weight;
    if (this.#bars >= this.#baseWarmUp) {
      const a = this.#decay[i];
      s[at] = a * sum + (1 - a) * (scale ? v * v : v);
      s[at + 1] = a * weight + (1 - a);
      s[at + 2]++;
    }
    return y;
  }

  /** Forgets all history (e.g. after a hole too long to fill): the stage warms up again. */
  reset(): void {
    for (const w of this.#windows) w?.clear();
    for (const at of this.#baselineAt) if (at >= 0) this.#storage.fill(0, at, at + 3);
    this.#bars = 0;
    this.#previousClose = Number.NaN;
    this.#averageTradeSize = 0;
    this.values.fill(0);
  }

  /** The whole state as plain JSON. */
  snapshot(): FeatureStageSnapshot {
    return {
      bars: this.#bars,
      previousClose: this.#bars > 0 ? this.#previousClose : null,
      averageTradeSize: this.#averageTradeSize,
      windows: this.#windows.map((w) => (w === null ? null : w.toArray())),
      baselines: Array.from(this.#baselineAt, (at) =>
        at < 0
          ? null
          : { sum: this.#storage[at], weight: this.#storage[at + 1], bars: this.#storage[at + 2] },
      ),
    };
  }

  /** Restores a state from {@link FeatureStage.snapshot | snapshot}; validates it first (errors name the field). */
  restore(snapshot: unknown, path = 'features'): void {
    const s = plainObject(plainCopy(snapshot, path), path);
    const bars = integer(s.bars, `${path}.bars`, 0, Number.MAX_SAFE_INTEGER);
    const previousClose = bars > 0 ? finiteNumber(s.previousClose, `${path}.previousClose`) : Number.NaN;
    check(
      bars === 0 || isInMagnitudeRange(previousClose),
      `${path}.previousClose`,
      `expected a price in [${MIN_MAGNITUDE}, ${MAX_MAGNITUDE}]`,
    );
    const averageTradeSize = finiteNumber(s.averageTradeSize, `${path}.averageTradeSize`);
    check(averageTradeSize >= 0, `${path}.averageTradeSize`, 'expected a number >= 0');
    check(
      Array.isArray(s.windows) && s.windows.length === this.#windows.length,
      `${path}.windows`,
      `expected ${this.#windows.length} entries`,
    );
    const windows = s.windows as unknown[];
    const contents = this.#windows.map((w, i) => {
      const at = `${path}.windows[${i}]`;
      if (w === null) {
        check(windows[i] === null, at, 'expected null: this feature has no window');
        return null;
      }
      const values = numberArray(windows[i], at);
      check(values.length <= w.capacity, at, `expected at most ${w.capacity} values`);
      // Every window holds volumes, trade counts or squares: never negative, never near overflow.
      for (let k = 0; k < values.length; k++)
        check(
          values[k] >= 0 && values[k] <= MAX_MAGNITUDE,
          `${at}[${k}]`,
          `expected a number in [0, ${MAX_MAGNITUDE}]`,
        );
      return values;
    });
    const baselines = this.#restoreBaselines(s.baselines, `${path}.baselines`);
    this.#bars = bars;
    this.#previousClose = previousClose;
    this.#averageTradeSize = averageTradeSize;
    for (let i = 0; i < this.#windows.length; i++) this.#windows[i]?.fill(contents[i] as number[]);
    baselines.forEach((b, i) => {
      if (b !== null) this.#storage.set([b.sum, b.weight, b.bars], this.#baselineAt[i]);
    });
  }

  #restoreBaselines(value: unknown, path: string): (BaselineSnapshot | null)[] {
    const d = this.definitions.length;
    // Snapshots from before baselines existed have none, which is right for a stage without any.
    if (value === undefined && this.#baselineAt.every((at) => at < 0)) return new Array(d).fill(null);
    check(Array.isArray(value) && value.length === d, path, `expected ${d} entries`);
    return this.definitions.map((def, i) => {
      const at = `${path}[${i}]`;
      if (def.baseline === undefined) {
        check(value[i] === null, at, 'expected null: this feature has no baseline');
        return null;
      }
      const b = plainObject(value[i], at);
      const sum = finiteNumber(b.sum, `${at}.sum`);
      if (def.baseline.mode === 'scale')
        check(sum >= 0, `${at}.sum`, 'expected a number >= 0 (a mean square)');
      const weight = finiteNumber(b.weight, `${at}.weight`);
      check(weight >= 0 && weight <= 1, `${at}.weight`, 'expected a number in [0, 1]');
      const bars = integer(b.bars, `${at}.bars`, 0, Number.MAX_SAFE_INTEGER);
      check((bars === 0) === (weight === 0), `${at}.weight`, 'expected 0 exactly when no bar was averaged');
      return { sum, weight, bars };
    });
  }
}

/** Baseline layouts by feature set: see {@link baselineLayout}. */
const baselineLayouts = new WeakMap<FeatureSet, { at: Int32Array; decay: Float64Array }>();

/**
 * Where each feature's baseline [sum, weight, bars] lives in a stage's storage (from `offset`, after
 * the windows; −1 without a baseline) and its EWMA decay per bar, 2^(−1/halfLife). It depends on
 * the feature set only, so every stage of one set (every symbol of a router) shares the same two
 * typed arrays: each typed array costs a couple of hundred bytes, which matters per symbol.
 */
function baselineLayout(definitions: FeatureSet, offset: number): { at: Int32Array; decay: Float64Array } {
  let layout = baselineLayouts.get(definitions);
  if (layout === undefined) {
    const at = new Int32Array(definitions.length).fill(-1);
    const decay = new Float64Array(definitions.length);
    let next = offset;
    definitions.forEach((def, i) => {
      if (def.baseline === undefined) return;
      at[i] = next;
      decay[i] = 2 ** (-1 / def.baseline.halfLifeBars);
      next += 3;
    });
    layout = { at, decay };
    baselineLayouts.set(definitions, layout);
  }
  return layout;
}

/**
 * x / mean of the window (before x joins it). Without a reference the ratio is defined as: 1 while
 * the window is empty (a cold start, a placeholder); when the window holds only zeros (a hole of
 * at least `window` bars), 0 if x is 0 too (still nothing), else `capacity` (a burst after
 * silence: large and finite, as if x were `capacity` times the usual).
 */
function ratioToMean(x: number, window: RollingWindow): number {
  const empty = window.count === 0;
  const mean = window.mean();
  window.push(x);
  if (mean > 0) return x / mean;
  if (empty) return 1;
  return x > 0 ? window.capacity : 0;
}

function transform(d: FeatureDefinition, x: number): number {
  if (d.transform === 'log') return Math.log(x + (d.offset as number));
  if (d.transform === 'signedLog') return Math.sign(x) * Math.log1p(Math.abs(x));
  return x;
}

/** Bars before this feature's first fully-defined value. */
function coldBars(d: FeatureDefinition): number {
  switch (d.kind) {
    case 'logReturn':
    case 'amihud':
      return 1;
    case 'activity':
    case 'tradeIntensity':
    case 'realizedVolatility':
      return d.window as number;
    case 'meanVolume':
      return (d.window as number) - 1;
    case 'parkinsonVolatility':
      return (d.window as number) - 1;
    default:
      return 0;
  }
}
