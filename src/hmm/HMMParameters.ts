import { check, numberArray, numberMatrix } from '../util/validate.js';
import type { CovarianceType } from './CovarianceType.js';

/**
 * The parameters of a Gaussian HMM with K states and D features, as flat row-major typed arrays:
 * `startProb` K, `transMat` K·K, `means` K·D, `covars` K·D·D (full) or K·D (diag).
 */
export interface HMMParameters {
  covariance: CovarianceType;
  nStates: number;
  nFeatures: number;
  startProb: Float64Array;
  transMat: Float64Array;
  means: Float64Array;
  covars: Float64Array;
}

/** The parameters as plain arrays, the form users pass in and JSON stores. */
export interface PlainHMMParameters {
  startProb: number[];
  transMat: number[][];
  means: number[][];
  /** Full: K matrices D×D. Diag: K rows of D variances. */
  covars: number[][][] | number[][];
}

/** How far a probability vector's sum may be from 1. */
const STOCHASTIC_TOLERANCE = 1e-9;
/** How far apart (relative to the larger diagonal entry) a covariance's a[i][j] and a[j][i] may be. */
const SYMMETRY_TOLERANCE = 1e-9;

/**
 * Validates plain parameters and converts them to {@link HMMParameters}: shapes, finiteness,
 * probabilities in [0, 1] summing to 1 within 1e-9, symmetric covariance matrices (within 1e-9
 * relative; the lower triangle is kept). Positive definiteness is checked where the Cholesky
 * factors are computed ({@link GaussianEmissions}). Errors are {@link ModelValidationError}s
 * naming the field under `path` (e.g. `hmm.transMat[1]`).
 *
 * @example
 * ```ts
 * const p = parseParameters({ startProb: [1], transMat: [[1]], means: [[0]], covars: [[1]] }, 'diag', 'hmm');
 * ```
 */
export function parseParameters(
  raw: Partial<Record<keyof PlainHMMParameters, unknown>>,
  covariance: CovarianceType,
  path: string,
): HMMParameters {
  const at = (field: string) => (path ? `${path}.${field}` : field);
  check(Array.isArray(raw.means) && raw.means.length > 0, at('means'), 'expected a non-empty array of rows');
  const K = raw.means.length;
  check(Array.isArray(raw.means[0]) && raw.means[0].length > 0, at('means[0]'), 'expected a non-empty row');
  const D = (raw.means[0] as unknown[]).length;
  const means = numberMatrix(raw.means, at('means'), K, D);
  const startProb = numberArray(raw.startProb, at('startProb'), K);
  probabilityVector(startProb, at('startProb'));
  const transMat = numberMatrix(raw.transMat, at('transMat'), K, K);
  for (let i = 0; i < K; i++) probabilityVector(transMat[i], `${at('transMat')}[${i}]`);

  let covars: Float64Array;
  if (covariance === 'diag') {
    const rows = numberMatrix(raw.covars, at('covars'), K, D);
    for (let k = 0; k < K; k++)
      for (let i = 0; i < D; i++)
        check(rows[k][i] > 0, `${at('covars')}[${k}][${i}]`, `variance must be positive, got ${rows[k][i]}`);
    covars = Float64Array.from(rows.flat());
  } else {
    check(Array.isArray(raw.covars), at('covars'), `expected ${K} covariance matrices`);
    check(
      raw.covars.length === K,
      at('covars'),
      `expected ${K} covariance matrices, got ${raw.covars.length}`,
    );
    covars = new Float64Array(K * D * D);
    for (let k = 0; k < K; k++) {
      const field = `${at('covars')}[${k}]`;
      const m = numberMatrix((raw.covars as unknown[])[k], field, D, D);
      for (let i = 0; i < D; i++) {
        for (let j = 0; j <= i; j++) {
          const scale = Math.max(Math.abs(m[i][i]), Math.abs(m[j][j]));
          check(
            Math.abs(m[i][j] - m[j][i]) <= SYMMETRY_TOLERANCE * scale,
            `${field}[${i}][${j}]`,
            `covariance matrix is not symmetric: ${m[i][j]} vs ${m[j][i]} at [${j}][${i}]`,
          );
          covars[k * D * D + i * D + j] = m[i][j];
          covars[k * D * D + j * D + i] = m[i][j];
        }
      }
    }
  }
  return {
    covariance,
    nStates: K,
    nFeatures: D,
    startProb: Float64Array.from(startProb),
    transMat: Float64Array.from(transMat.flat()),
    means: Float64Array.from(means.flat()),
    covars,
  };
}

function probabilityVector(p: number[], path: string): void {
  let sum = 0;
  p.forEach((v, i) => {
    check(v >= 0 && v <= 1, `${path}[${i}]`, `probability must be in [0, 1], got ${v}`);
    sum += v;
  });
  check(
    Math.abs(sum - 1) <= STOCHASTIC_TOLERANCE,
    path,
    `probabilities must sum to 1 (within ${STOCHASTIC_TOLERANCE}), got ${sum}`,
  );
}

/** The parameters as plain arrays (copies). */
export function toPlainParameters(p: HMMParameters): PlainHMMParameters {
  const K = p.nStates;
  const D = p.nFeatures;
  const rows = (a: Float64Array, n: number, w: number) =>
    Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * w, (i + 1) * w)));
  return {
    startProb: Array.from(p.startProb),
    transMat: rows(p.transMat, K, K),
    means: rows(p.means, K, D),
    covars:
      p.covariance === 'diag'
        ? rows(p.covars, K, D)
        : Array.from({ length: K }, (_, k) => rows(p.covars.subarray(k * D * D, (k + 1) * D * D), D, D)),
  };
}

/**
 * The same model with its states renumbered: new state i is old state `order[i]`. Start
 * probabilities, both axes of the transition matrix, means and covariances move together.
 */
export function permuteStates(p: HMMParameters, order: ArrayLike<number>): HMMParameters {
  const K = p.nStates;
  const D = p.nFeatures;
  const c = p.covariance === 'diag' ? D : D * D;
  const out: HMMParameters = {
    ...p,
    startProb: new Float64Array(K),
    transMat: new Float64Array(K * K),
    means: new Float64Array(K * D),
    covars: new Float64Array(K * c),
  };
  for (let i = 0; i < K; i++) {
    const o = order[i];
    out.startProb[i] = p.startProb[o];
    for (let j = 0; j < K; j++) out.transMat[i * K + j] = p.transMat[o * K + order[j]];
    out.means.set(p.means.subarray(o * D, (o + 1) * D), i * D);
    out.covars.set(p.covars.subarray(o * c, (o + 1) * c), i * c);
  }
  return out;
}
