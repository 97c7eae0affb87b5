import { check, numberArray, plainCopy, plainObject } from '../util/validate.js';

/**
 * A {@link Scaler} as plain JSON (stored in the model file).
 *
 * @example
 * ```ts
 * const scaler = Scaler.fromJSON({ mean: [0, 1], std: [1, 2] }, 2);
 * ```
 */
export interface ScalerJSON {
  mean: number[];
  std: number[];
}

/**
 * Standardisation with statistics frozen at training: z = (x − mean) / std per feature. Stored in
 * the model, so a reading means the same thing in every market condition — unlike a rolling
 * z-score (see {@link RollingZScore}), which re-centres on whatever the recent bars were.
 *
 * @example
 * ```ts
 * const scaler = Scaler.fit([[1, 10], [3, 30]]); // mean [2, 20], std [1, 10]
 * const z = new Float64Array(2);
 * scaler.transform(Float64Array.of(3, 10), z);   // z = [1, -1]
 * ```
 */
export class Scaler {
  readonly mean: Float64Array;
  readonly std: Float64Array;

  constructor(mean: ArrayLike<number>, std: ArrayLike<number>) {
    if (mean.length !== std.length) throw new RangeError('mean and std must have the same length');
    this.mean = Float64Array.from(mean);
    this.std = Float64Array.from(std);
  }

  /**
   * Mean and population standard deviation of each column. A column that is constant — or
   * constant up to rounding, with a spread below 1e-12 of its magnitude — gets std 1: dividing by
   * a standard deviation made of rounding error would turn noise into huge values.
   */
  static fit(X: readonly ArrayLike<number>[]): Scaler {
    if (X.length === 0) throw new RangeError('cannot fit a scaler on no rows');
    const d = X[0].length;
    const mean = new Float64Array(d);
    const std = new Float64Array(d);
    for (const row of X) for (let j = 0; j < d; j++) mean[j] += row[j];
    for (let j = 0; j < d; j++) mean[j] /= X.length;
    for (const row of X) {
      for (let j = 0; j < d; j++) {
        const dev = row[j] - mean[j];
        std[j] += dev * dev;
      }
    }
    for (let j = 0; j < d; j++) {
      const sd = Math.sqrt(std[j] / X.length);
      std[j] = sd > 1e-12 * Math.abs(mean[j]) ? sd : 1;
    }
    return new Scaler(mean, std);
  }

  /** Number of features. */
  get size(): number {
    return this.mean.length;
  }

  /** Writes the standardised `x` into `out`. Allocates nothing. */
  transform(x: ArrayLike<number>, out: Float64Array): Float64Array {
    for (let j = 0; j < this.mean.length; j++) out[j] = (x[j] - this.mean[j]) / this.std[j];
    return out;
  }

  /** Maps a standardised value of feature `j` back to the feature's units. */
  inverse(j: number, z: number): number {
    return z * this.std[j] + this.mean[j];
  }

  toJSON(): ScalerJSON {
    return { mean: Array.from(this.mean), std: Array.from(this.std) };
  }

  /** Validates and loads; errors name the field (e.g. `scaler.std[1]`). */
  static fromJSON(json: unknown, size: number, path = 'scaler'): Scaler {
    const o = plainObject(plainCopy(json, path), path);
    const mean = numberArray(o.mean, `${path}.mean`, size);
    const std = numberArray(o.std, `${path}.std`, size);
    for (let j = 0; j < size; j++)
      check(std[j] > 0, `${path}.std[${j}]`, `expected a positive number, got ${std[j]}`);
    return new Scaler(mean, std);
  }
}
