import { CholeskyDecomposition, EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { Random } from '../util/random.js';
import type { CovarianceType } from './CovarianceType.js';
import { forwardBackward } from './forwardBackward.js';
import { GaussianEmissions } from './GaussianEmissions.js';
import type { HMMParameters } from './HMMParameters.js';
import { kmeansPlusPlus } from './kmeansPlusPlus.js';

/**
 * hmmlearn's `GaussianHMM` defaults for the covariance prior of its M-step (`covars_prior = 1e-2`,
 * added to every entry of the scatter matrix, and `covars_weight = 1`), kept so that our training
 * and hmmlearn's solve the same problem. As a prior density this is log p(Σ) = −½·tr(Ψ·Σ⁻¹) with
 * Ψ = 1e-2 in every entry (full), and −½·1e-2/σ² per variance (diag), up to a constant.
 */
const COVARS_PRIOR = 1e-2;
const COVARS_WEIGHT = 1;

/** Settings of {@link baumWelch}. */
export interface BaumWelchOptions {
  maxIter: number;
  /** Stop when an iteration gains less than this in total log-likelihood (hmmlearn's `tol`). */
  tol: number;
  /** Lower bound on every variance (diag) or on the smallest eigenvalue of every covariance (full). */
  minCovar: number;
  /** Pseudo-count added to every (non-structural-zero) transition count in the M-step. */
  transPrior: number;
  onIteration?: (iteration: number, logLikelihood: number) => void;
}

/** What {@link baumWelch} returns. */
export interface BaumWelchResult {
  params: HMMParameters;
  /** Total log-likelihood of the data under the parameters of each iteration, before its M-step. */
  logLikelihoods: number[];
  /**
   * The same plus the log-density of the priors (the covariance prior, `transPrior`) at those
   * parameters, up to a constant: the quantity each EM iteration maximises, so it never decreases.
   */
  logPosteriors: number[];
  converged: boolean;
}

/**
 * Starting parameters for EM, as hmmlearn chooses them except for the random parts: means from
 * seeded k-means++ (hmmlearn: scikit-learn's KMeans), every covariance the sample covariance of all
 * data plus `minCovar` on the diagonal (as hmmlearn), uniform start and transition probabilities
 * (hmmlearn: random Dirichlet draws).
 *
 * @param X N·D observations, row-major.
 * @example
 * ```ts
 * const init = initialParameters(X, N, D, 3, 'full', 1e-3, new Random(0));
 * ```
 */
export function initialParameters(
  X: Float64Array,
  N: number,
  D: number,
  K: number,
  covariance: CovarianceType,
  minCovar: number,
  rng: Random,
): HMMParameters {
  const means = kmeansPlusPlus(X, N, D, K, rng);
  const mean = new Float64Array(D);
  for (let n = 0; n < N; n++) for (let i = 0; i < D; i++) mean[i] += X[n * D + i];
  for (let i = 0; i < D; i++) mean[i] /= N;
  const cov = new Float64Array(D * D);
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < D; i++) {
      const di = X[n * D + i] - mean[i];
      for (let j = 0; j <= i; j++) cov[i * D + j] += di * (X[n * D + j] - mean[j]);
    }
  }
  for (let i = 0; i < D; i++) {
    for (let j = 0; j <= i; j++) {
      cov[i * D + j] /= N - 1;
      cov[j * D + i] = cov[i * D + j];
    }
    cov[i * D + i] += minCovar;
  }
  const size = covariance === 'diag' ? D : D * D;
  const covars = new Float64Array(K * size);
  for (let k = 0; k < K; k++) {
    if (covariance === 'diag') for (let i = 0; i < D; i++) covars[k * D + i] = cov[i * D + i];
    else covars.set(cov, k * size);
  }
  return {
    covariance,
    nStates: K,
    nFeatures: D,
    startProb: new Float64Array(K).fill(1 / K),
    transMat: new Float64Array(K * K).fill(1 / K),
    means,
    covars,
  };
}

/**
 * Baum–Welch (EM) for a Gaussian HMM from `init`, over sequences of the given lengths laid end to
 * end in `X` (N·D values, row-major). Each iteration runs the scaled forward–backward pass over every
 * sequence, records the total log-likelihood (under the parameters before the update, as hmmlearn
 * reports it) and applies hmmlearn's M-step; it stops after `maxIter` iterations or when an
 * iteration gains less than `tol`.
 *
 * @example
 * ```ts
 * const { params, logLikelihoods, logPosteriors, converged } = baumWelch(X, [N], init, { maxIter: 100, tol: 1e-4, minCovar: 1e-3, transPrior: 0 });
 * ```
 */
export function baumWelch(
  X: Float64Array,
  lengths: readonly number[],
  init: HMMParameters,
  opts: BaumWelchOptions,
): BaumWelchResult {
  const K = init.nStates;
  const D = init.nFeatures;
  const N = X.length / D;
  const full = init.covariance === 'full';
  const logEmission = new Float64Array(N * K);
  const alpha = new Float64Array(N * K);
  const gamma = new Float64Array(N * K);
  const stats = {
    start: new Float64Array(K),
    trans: new Float64Array(K * K),
    post: new Float64Array(K),
    obs: new Float64Array(K * D),
    obs2: new Float64Array(full ? K * D * D : K * D),
  };
  const logLikelihoods: number[] = [];
  const logPosteriors: number[] = [];
  let params = init;
  let converged = false;
  for (let iter = 0; iter < opts.maxIter; iter++) {
    const emissions = new GaussianEmissions(params.covariance, K, D, params.means, params.covars);
    for (let t = 0; t < N; t++) emissions.logDensities(X, t * D, logEmission, t * K);
    for (const a of Object.values(stats)) a.fill(0);
    let logLikelihood = 0;
    let start = 0;
    for (const n of lengths) {
      logLikelihood += forwardBackward(
        K,
        params.startProb,
        params.transMat,
        logEmission,
        start,
        n,
        alpha,
        gamma,
        stats.trans,
      );
      for (let k = 0; k < K; k++) stats.start[k] += gamma[start * K + k];
      start += n;
    }
    accumulateMoments(X, gamma, N, K, D, full, stats.post, stats.obs, stats.obs2);
    logLikelihoods.push(logLikelihood);
    logPosteriors.push(logLikelihood + logPrior(params, opts.transPrior));
    opts.onIteration?.(iter, logLikelihood);
    params = maximize(params, stats, opts);
    if (iter > 0 && logLikelihood - logLikelihoods[iter - 1] < opts.tol) {
      converged = true;
      break;
    }
  }
  return { params, logLikelihoods, logPosteriors, converged };
}

/** Posterior-weighted counts, sums and (outer) sums of squares of the observations per state. */
function accumulateMoments(
  X: Float64Array,
  gamma: Float64Array,
  N: number,
  K: number,
  D: number,
  full: boolean,
  post: Float64Array,
  obs: Float64Array,
  obs2: Float64Array,
): void {
  for (let t = 0; t < N; t++) {
    const x = t * D;
    for (let k = 0; k < K; k++) {
      const g = gamma[t * K + k];
      if (g === 0) continue;
      post[k] += g;
      for (let i = 0; i < D; i++) {
        const gx = g * X[x + i];
        obs[k * D + i] += gx;
        if (!full) obs2[k * D + i] += gx * X[x + i];
        else for (let j = 0; j <= i; j++) obs2[(k * D + i) * D + j] += gx * X[x + j];
      }
    }
  }
}

/**
 * hmmlearn's M-step with its default priors (start and transition counts normalised, structural
 * zeros kept; means obs/post; covariances (covars_prior + scatter) / (max(covars_weight − D, 0) + post)
 * for full, / max(post, 1e-5) for diag), then the `minCovar` floor. A state that received no
 * posterior weight at all keeps its mean and covariance.
 */
function maximize(
  old: HMMParameters,
  stats: {
    start: Float64Array;
    trans: Float64Array;
    post: Float64Array;
    obs: Float64Array;
    obs2: Float64Array;
  },
  opts: BaumWelchOptions,
): HMMParameters {
  const K = old.nStates;
  const D = old.nFeatures;
  const full = old.covariance === 'full';
  const startProb = new Float64Array(K);
  for (let k = 0; k < K; k++) startProb[k] = old.startProb[k] === 0 ? 0 : Math.max(stats.start[k], 0);
  normalizeInPlace(startProb, old.startProb);
  const transMat = new Float64Array(K * K);
  for (let i = 0; i < K; i++) {
    const row = transMat.subarray(i * K, (i + 1) * K);
    for (let j = 0; j < K; j++)
      row[j] = old.transMat[i * K + j] === 0 ? 0 : Math.max(stats.trans[i * K + j] + opts.transPrior, 0);
    normalizeInPlace(row, old.transMat.subarray(i * K, (i + 1) * K));
  }

  const means = Float64Array.from(old.means);
  const covars = Float64Array.from(old.covars);
  for (let k = 0; k < K; k++) {
    const post = stats.post[k];
    if (!(post > 0)) continue;
    const mu = means.subarray(k * D, (k + 1) * D);
    for (let i = 0; i < D; i++) mu[i] = stats.obs[k * D + i] / post;
    if (!full) {
      const denom = Math.max(Math.max(COVARS_WEIGHT - 1, 0) + post, 1e-5);
      for (let i = 0; i < D; i++) {
        const obs = stats.obs[k * D + i];
        const scatter = stats.obs2[k * D + i] - 2 * mu[i] * obs + mu[i] * mu[i] * post;
        covars[k * D + i] = Math.max((COVARS_PRIOR + scatter) / denom, opts.minCovar);
      }
      continue;
    }
    const denom = Math.max(COVARS_WEIGHT - D, 0) + post;
    const c = covars.subarray(k * D * D, (k + 1) * D * D);
    for (let i = 0; i < D; i++) {
      for (let j = 0; j <= i; j++) {
        const scatter =
          stats.obs2[(k * D + i) * D + j] -
          stats.obs[k * D + i] * mu[j] -
          mu[i] * stats.obs[k * D + j] +
          mu[i] * mu[j] * post;
        c[i * D + j] = (COVARS_PRIOR + scatter) / denom;
        c[j * D + i] = c[i * D + j];
      }
    }
    clipEigenvalues(c, D, opts.minCovar);
  }
  return { ...old, startProb, transMat, means, covars };
}

/** Divides by the sum; a vector summing to 0 takes the values of `fallback` instead. */
function normalizeInPlace(v: Float64Array, fallback: Float64Array): void {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i];
  if (!(sum > 0)) {
    v.set(fallback);
    return;
  }
  for (let i = 0; i < v.length; i++) v[i] /= sum;
}

/**
 * Raises every eigenvalue of the symmetric D×D matrix `c` below `floor` to `floor`, keeping the
 * eigenvectors: the covariance that maximises the (penalised) likelihood subject to Σ ⪰ floor·I, so
 * EM stays monotone when the floor binds.
 */
function clipEigenvalues(c: Float64Array, D: number, floor: number): void {
  const m = new Matrix(D, D);
  for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) m.set(i, j, c[i * D + j]);
  const evd = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  if (Math.min(...values) >= floor) return;
  const V = evd.eigenvectorMatrix;
  for (let i = 0; i < D; i++) {
    for (let j = 0; j <= i; j++) {
      let v = 0;
      for (let e = 0; e < D; e++) v += V.get(i, e) * Math.max(values[e], floor) * V.get(j, e);
      c[i * D + j] = v;
      c[j * D + i] = v;
    }
  }
}

/**
 * Log-density of the priors at `p`, up to a constant: hmmlearn's covariance prior (see
 * {@link COVARS_PRIOR}) and the Dirichlet pseudo-counts `transPrior` on the transition rows
 * (structural zeros excluded).
 */
function logPrior(p: HMMParameters, transPrior: number): number {
  const K = p.nStates;
  const D = p.nFeatures;
  let sum = 0;
  if (transPrior > 0)
    for (let i = 0; i < K * K; i++) if (p.transMat[i] > 0) sum += transPrior * Math.log(p.transMat[i]);
  for (let k = 0; k < K; k++) {
    if (p.covariance === 'diag') {
      for (let i = 0; i < D; i++) sum -= (0.5 * COVARS_PRIOR) / p.covars[k * D + i];
      continue;
    }
    // 1ᵀ·Σ⁻¹·1 = |L⁻¹·1|², with Σ = L·Lᵀ.
    const sigma = new Matrix(D, D);
    for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) sigma.set(i, j, p.covars[(k * D + i) * D + j]);
    const x = new CholeskyDecomposition(sigma).solve(Matrix.ones(D, 1));
    sum -= 0.5 * COVARS_PRIOR * x.sum();
  }
  return sum;
}
