import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { ModelValidationError } from '../util/validate.js';
import type { CovarianceType } from './CovarianceType.js';

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * The Gaussian emission densities of an HMM, precomputed once so that evaluating them is cheap:
 * per state the mean, the lower Cholesky factor L of the covariance (Σ = L·Lᵀ) with the
 * reciprocals of its diagonal, and the normalising constant −½(D·log 2π + log|Σ|).
 *
 * The evaluation works on flat `Float64Array`s rather than `ml-matrix` objects because it runs once
 * per state per observation: plain indexed loops over typed arrays are what V8 compiles to tight
 * machine code, and they allocate nothing. Full covariances with D ≤ 4 have straight-line kernels.
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
  /** What the densities read, state after state: see {@link fullStride} and {@link diagStride}. */
  readonly #packed: Float64Array;
  /** D scratch values for the whitened residual (full covariance, D > 4). */
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
    this.#whitened = new Float64Array(D);
    if (covariance === 'diag') {
      this.#factors = new Float64Array(K * D);
      this.#packed = new Float64Array(K * diagStride(D));
      let at = 0;
      for (let k = 0; k < K; k++) {
        let logDet = 0;
        for (let i = 0; i < D; i++) this.#packed[at++] = means[k * D + i];
        for (let i = 0; i < D; i++) {
          const v = covars[k * D + i];
          if (!(v > 0) || !Number.isFinite(v))
            throw new ModelValidationError(`${path}[${k}][${i}]`, `variance must be positive, got ${v}`);
          this.#factors[k * D + i] = Math.sqrt(v);
          this.#packed[at++] = 1 / v;
          logDet += Math.log(v);
        }
        this.#packed[at++] = -0.5 * (D * LOG_2PI + logDet);
      }
      return;
    }
    this.#factors = new Float64Array(K * D * D);
    this.#packed = new Float64Array(K * fullStride(D));
    let at = 0;
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
      for (let i = 0; i < D; i++) this.#packed[at++] = means[k * D + i];
      for (let i = 0; i < D; i++) {
        for (let j = 0; j <= i; j++) this.#factors[k * D * D + i * D + j] = L.get(i, j);
        for (let j = 0; j < i; j++) this.#packed[at++] = L.get(i, j);
        const lii = L.get(i, i);
        this.#packed[at++] = 1 / lii;
        logDet += 2 * Math.log(lii);
      }
      if (!Number.isFinite(logDet))
        throw new ModelValidationError(`${path}[${k}]`, 'covariance matrix is not positive definite');
      this.#packed[at++] = -0.5 * (D * LOG_2PI + logDet);
    }
  }

  /**
   * Writes log N(x; μ_k, Σ_k) for every state k to `out[outOffset + k]`, reading the observation
   * from `x[offset .. offset + D)`. Hot path: allocates nothing. A non-finite observation gives NaN.
   */
  logDensities(x: ArrayLike<number>, offset: number, out: Float64Array, outOffset: number): void {
    const K = this.nStates;
    const D = this.nFeatures;
    const packed = this.#packed;
    if (this.covariance === 'diag') diagLogDensities(x, offset, K, D, packed, out, outOffset);
    // Full covariance with D ≤ 4: straight-line kernels. The general loop costs three times as much
    // for D = 3 (60 ns instead of 21 for three states), and it dominated the online forwardStep.
    else if (D === 1) fullLogDensities1(x, offset, K, packed, out, outOffset);
    else if (D === 2) fullLogDensities2(x, offset, K, packed, out, outOffset);
    else if (D === 3) fullLogDensities3(x, offset, K, packed, out, outOffset);
    else if (D === 4) fullLogDensities4(x, offset, K, packed, out, outOffset);
    else fullLogDensities(x, offset, K, D, packed, this.#whitened, out, outOffset);
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

/**
 * Values per state in the packed diagonal-covariance parameters: the mean (D values), the reciprocal
 * variances (D values), the normalising constant −½(D·log 2π + log|Σ|).
 */
function diagStride(D: number): number {
  return 2 * D + 1;
}

/**
 * Values per state in the packed full-covariance parameters: the mean μ (D values), then for each
 * row i of the Cholesky factor L its entries left of the diagonal followed by 1 / L_ii, then the
 * normalising constant. For D = 3: μ0 μ1 μ2 | 1/L00 | L10 1/L11 | L20 L21 1/L22 | logNorm.
 */
function fullStride(D: number): number {
  return D + (D * (D + 1)) / 2 + 1;
}

/** Diagonal-covariance log densities of all K states: a weighted sum of squares per state. */
function diagLogDensities(
  x: ArrayLike<number>,
  offset: number,
  K: number,
  D: number,
  p: Float64Array,
  out: Float64Array,
  outOffset: number,
): void {
  const stride = diagStride(D);
  for (let k = 0, b = 0; k < K; k++, b += stride) {
    let q = 0;
    for (let i = 0; i < D; i++) {
      const d = x[offset + i] - p[b + i];
      q += d * d * p[b + D + i];
    }
    out[outOffset + k] = p[b + 2 * D] - 0.5 * q;
  }
}

/**
 * Full-covariance log densities of all K states, any D: forward substitution L·z = x − μ, then
 * log N = logNorm − ½|z|². `z` is D scratch values.
 */
function fullLogDensities(
  x: ArrayLike<number>,
  offset: number,
  K: number,
  D: number,
  p: Float64Array,
  z: Float64Array,
  out: Float64Array,
  outOffset: number,
): void {
  for (let k = 0, b = 0; k < K; k++) {
    let at = b + D;
    let q = 0;
    for (let i = 0; i < D; i++) {
      let s = x[offset + i] - p[b + i];
      for (let j = 0; j < i; j++) s -= p[at++] * z[j];
      const zi = s * p[at++];
      z[i] = zi;
      q += zi * zi;
    }
    out[outOffset + k] = p[at] - 0.5 * q;
    b = at + 1;
  }
}

// The kernels below are `fullLogDensities` written out for one D, with the same operations in the
// same order (so the same results to the last bit). Hot path: they allocate nothing.

/** Full-covariance log densities of all K states for D = 1. */
function fullLogDensities1(
  x: ArrayLike<number>,
  offset: number,
  K: number,
  p: Float64Array,
  out: Float64Array,
  outOffset: number,
): void {
  const x0 = x[offset];
  for (let k = 0, b = 0; k < K; k++, b += 3) {
    const z0 = (x0 - p[b]) * p[b + 1];
    out[outOffset + k] = p[b + 2] - 0.5 * (z0 * z0);
  }
}

/** Full-covariance log densities of all K states for D = 2. */
function fullLogDensities2(
  x: ArrayLike<number>,
  offset: number,
  K: number,
  p: Float64Array,
  out: Float64Array,
  outOffset: number,
): void {
  const x0 = x[offset];
  const x1 = x[offset + 1];
  for (let k = 0, b = 0; k < K; k++, b += 6) {
    const z0 = (x0 - p[b]) * p[b + 2];
    const z1 = (x1 - p[b + 1] - p[b + 3] * z0) * p[b + 4];
    out[outOffset + k] = p[b + 5] - 0.5 * (z0 * z0 + z1 * z1);
  }
}

/**
 * Full-covariance log densities of all K states for D = 3: `out[outOffset + k]` = log N(x; μ_k, Σ_k)
 * for x at `x[offset ..)`, read once for all states.
 */
function fullLogDensities3(
  x: ArrayLike<number>,
  offset: number,
  K: number,
  p: Float64Array,
  out: Float64Array,
  outOffset: number,
): void {
  const x0 = x[offset];
  const x1 = x[offset + 1];
  const x2 = x[offset + 2];
  for (let k = 0, b = 0; k < K; k++, b += 10) {
    const z0 = (x0 - p[b]) * p[b + 3];
    const z1 = (x1 - p[b + 1] - p[b + 4] * z0) * p[b + 5];
    const z2 = (x2 - p[b + 2] - p[b + 6] * z0 - p[b + 7] * z1) * p[b + 8];
    out[outOffset + k] = p[b + 9] - 0.5 * (z0 * z0 + z1 * z1 + z2 * z2);
  }
}

/** Full-covariance log densities of all K states for D = 4. */
function fullLogDensities4(
  x: ArrayLike<number>,
  offset: number,
  K: number,
  p: Float64Array,
  out: Float64Array,
  outOffset: number,
): void {
  const x0 = x[offset];
  const x1 = x[offset + 1];
  const x2 = x[offset + 2];
  const x3 = x[offset + 3];
  for (let k = 0, b = 0; k < K; k++, b += 15) {
    const z0 = (x0 - p[b]) * p[b + 4];
    const z1 = (x1 - p[b + 1] - p[b + 5] * z0) * p[b + 6];
    const z2 = (x2 - p[b + 2] - p[b + 7] * z0 - p[b + 8] * z1) * p[b + 9];
    const z3 = (x3 - p[b + 3] - p[b + 10] * z0 - p[b + 11] * z1 - p[b + 12] * z2) * p[b + 13];
    out[outOffset + k] = p[b + 14] - 0.5 * (z0 * z0 + z1 * z1 + z2 * z2 + z3 * z3);
  }
}
