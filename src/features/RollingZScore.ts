import { check, integer, numberArray, plainCopy, plainObject } from '../util/validate.js';
import { RollingWindow } from './RollingWindow.js';

/**
 * A {@link RollingZScore}'s state as plain JSON: each feature's window, oldest first.
 *
 * @example
 * ```ts
 * const saved: RollingZScoreSnapshot = z.snapshot();
 * other.restore(saved);
 * ```
 */
export interface RollingZScoreSnapshot {
  windows: number[][];
}

/**
 * The original system's standardisation, kept for comparison only: each feature is z-scored
 * against its own last `window` values (this bar's included; sample standard deviation, as
 * pandas' `rolling(20).std()`; 0 when that deviation is 0).
 *
 * Why it is a bad idea: the reference moves with the market. A crisis that lasts longer than the
 * window becomes the new normal — after 20 one-minute bars of turmoil its own bars are the
 * baseline, the z-scores fall back towards 0 and the regime model sees calm. Frozen training
 * statistics ({@link Scaler}) do not have this blind spot.
 *
 * @example
 * ```ts
 * const z = new RollingZScore(3, 20);
 * const out = new Float64Array(3);
 * z.transform(features, out); // after 20 bars, out is a 20-bar z-score per feature
 * ```
 */
export class RollingZScore {
  readonly window: number;
  #windows: RollingWindow[];
  #scratch: Float64Array;

  constructor(size: number, window = 20) {
    this.window = integer(window, 'window', 2, 10_000);
    this.#windows = Array.from({ length: size }, () => new RollingWindow(window));
    this.#scratch = new Float64Array(window);
  }

  /** True once every window is full. */
  get full(): boolean {
    return this.#windows[0].full;
  }

  /** Adds `x` to the windows and writes its rolling z-score into `out`. Allocates nothing. */
  transform(x: ArrayLike<number>, out: Float64Array): Float64Array {
    for (let j = 0; j < this.#windows.length; j++) {
      const w = this.#windows[j];
      w.push(x[j]);
      const n = w.count;
      const mean = w.mean();
      w.copyTo(this.#scratch);
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (this.#scratch[i] - mean) ** 2;
      const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
      out[j] = sd > 0 ? (x[j] - mean) / sd : 0;
    }
    return out;
  }

  /** Forgets all history. */
  reset(): void {
    for (const w of this.#windows) w.clear();
  }

  snapshot(): RollingZScoreSnapshot {
    return { windows: this.#windows.map((w) => w.toArray()) };
  }

  /** Restores a state from {@link RollingZScore.snapshot | snapshot}; validates it first. */
  restore(snapshot: unknown, path = 'normalizer'): void {
    const s = plainObject(plainCopy(snapshot, path), path);
    check(
      Array.isArray(s.windows) && s.windows.length === this.#windows.length,
      `${path}.windows`,
      `expected ${this.#windows.length} windows`,
    );
    const contents = s.windows.map((v, j) => {
      const values = numberArray(v, `${path}.windows[${j}]`);
      check(values.length <= this.window, `${path}.windows[${j}]`, `expected at most ${this.window} values`);
      return values;
    });
    for (let j = 0; j < this.#windows.length; j++) this.#windows[j].fill(contents[j]);
  }
}
