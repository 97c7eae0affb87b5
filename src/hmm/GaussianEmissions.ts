import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { ModelValidationError } from '../util/validate.js';
import type { CovarianceType } from './GaussianHMM.js';

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * The Gaussian emission densities of an HMM, precomputed once so that evaluating them is cheap:
 * per state the mean, the lower Cholesky factor L of the covariance (Σ = L·Lᵀ) with the
 * reciprocals of its diagonal, and the normalising constant −½(D·log 2π + log|Σ|).
 *
 * The evaluation works on flat `Float64Array`s rather than `ml-matrix` objects because it runs once
 * per state per observation: plain indexed loops over typed arrays are what V8 compiles to tight
 * machine code, and they allocate nothing.
 *
 * @example
 * ```ts
 * const em = new GaussianEmissions('diag', 1, 2, Float64Array.of(0, 0), Float64Array.of(1, 4));
 * const out = new Float64Array(1);
 * em.logDensities([1, 2], 0, out, 0);   // log N([1, 2]; 0, diag(1, 4))
 * ```
 */
export class GaussianEmissions {
  readonly covariance: CovarianceType;
  readonly nStates: number;
  readonly nFeatures: number;
  /** K×D means, row-major. */
  readonly #means: Float64Array;
  /** Full: K lower-triangular D×D Cholesky factors, row-major. Diag: K×D standard deviations. */
  readonly #factors: Float64Array;
  /** Full: K×D reciprocals of the Cholesky diagonals. Diag: K×D reciprocal variances. */
  readonly #reciprocals: Float64Array;
  /** K constants −½(D·log 2π + log|Σ_k|). */
  readonly #logNorms: Float64Array;
  /** D scratch values for the whitened residual (full covariance). */
  readonly #whitened: Float64Array;

  /**
   * @param covars full: K·D·D row-major symmetric matrices (the lower triangle is used);
   *   diag: K·D variances.
   * @param path field name used in the error when a covariance is not positive definite.
   * @throws {ModelValidationError} when a covariance is not positive definite.
   */
  constructor(
    covariance: CovarianceType,
    nStates: number,
    nFeatures: number,
    means: Float64Array,
    covars: Float64Array,
    path = 'covars',
  ) {
    const K = nStates;
    const D = nFeatures;
    this.covariance = covariance;
    this.nStates = K;
    this.nFeatures = D;
    this.#means = Float64Array.from(means);
    this.#reciprocals = new Float64Array(K * D);
    this.#logNorms = new Float64Array(K);
    this.#whitened = new Float64Array(D);
    if (covariance === 'diag') {
      this.#factors = new Float64Array(K * D);
      for (let k = 0; k < K; k++) {
        let logDet = 0;
        for (let i = 0; i < D; i++) {
          const v = covars[k * D + i];
          if (!(v > 0) || !Number.isFinite(v))
            throw new ModelValidationError(`${path}[${k}][${i}]`, `variance must be positive, got ${v}`);
          this.#factors[k * D + i] = Math.sqrt(v);
          this.#reciprocals[k * D + i] = 1 / v;
          logDet += Math.log(v);
        }
        this.#logNorms[k] = -0.5 * (D * LOG_2PI + logDet);
      }
      return;
    }
    this.#factors = new Float64Array(K * D * D);
    for (let k = 0; k < K; k++) {
      const sym = new Matrix(D, D);
      for (let i = 0; i < D; i++) {
        for (let j = 0; j <= i; j++) {
          const v = covars[k * D * D + i * D + j];
          sym.set(i, j, v);
          sym.set(j, i, v);
        }
      }
      const chol = new CholeskyDecomposition(sym);
      if (!chol.isPositiveDefinite())
        throw new ModelValidationError(`${path}[${k}]`, 'covariance matrix is not positive definite');
      const L = chol.lowerTriangularMatrix;
      let logDet = 0;
      for (let i = 0; i < D; i++) {
        for (let j = 0; j <= i; j++) this.#factors[k * D * D + i * D + j] = L.get(i, j);
        const lii = L.get(i, i);
        this.#reciprocals[k * D + i] = 1 / lii;
        logDet += 2 * Math.log(lii);
      }
      if (!Number.isFinite(logDet))
        throw new ModelValidationError(`${path}[${k}]`, 'covariance matrix is not positive definite');
      this.#logNorms[k] = -0.5 * (D * LOG_2PI + logDet);
    }
  }

  /**
   * Writes log N(x; μ_k, Σ_k) for every state k to `out[outOffset + k]`, reading the observation
   * from `x[offset .. offset + D)`. Hot path: allocates nothing. A non-finite observation gives NaN.
   */
  logDensities(x: ArrayLike<number>, offset: number, out: Float64Array, outOffset: number): void {
    const K = this.nStates;
    const D = this.nFeatures;
    const means = this.#means;
    const factors = this.#factors;
    const reciprocals = this.#reciprocals;
    if (this.covariance === 'diag') {
      for (let k = 0; k < K; k++) {
        const base = k * D;
        let q = 0;
        for (let i = 0; i < D; i++) {
          const d = x[offset + i] - means[base + i];
          q += d * d * reciprocals[base + i];
        }
        out[outOffset + k] = this.#logNorms[k] - 0.5 * q;
      }
      return;
    }
    // Full: forward substitution L·z = x − μ, then q = |z|².
    const z = this.#whitened;
    for (let k = 0; k < K; k++) {
      const base = k * D;
      const lBase = base * D;
      let q = 0;
      for (let i = 0; i < D; i++) {
        let s = x[offset + i] - means[base + i];
        const row = lBase + i * D;
        for (let j = 0; j < i; j++) s -= factors[row + j] * z[j];
        const zi = s * reciprocals[base + i];
        z[i] = zi;
        q += zi * zi;
      }
      out[outOffset + k] = this.#logNorms[k] - 0.5 * q;
    }
  }

  /**
   * Turns D standard normal deviates `z` into a draw from state `k`'s Gaussian, μ_k + L_k·z,
   * written to `out[outOffset ..)`.
   */
  transform(k: number, z: ArrayLike<number>, out: Float64Array | number[], outOffset: number): void {
    const D = this.nFeatures;
    const base = k * D;
    for (let i = 0; i < D; i++) {
      let v = this.#means[base + i];
      if (this.covariance === 'diag') v += this.#factors[base + i] * z[i];
      else for (let j = 0; j <= i; j++) v += this.#factors[base * D + i * D + j] * z[j];
      out[outOffset + i] = v;
    }
  }
}
