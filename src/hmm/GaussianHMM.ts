import { Random } from '../util/random.js';
import { checkUntrustedValue } from '../util/safeJson.js';
import { check, finiteNumber, integer, plainCopy, plainObject, quoteValue } from '../util/validate.js';
import { baumWelch, initialParameters } from './baumWelch.js';
import type { CovarianceType } from './CovarianceType.js';
import { filterStep, forward, forwardBackward, predict } from './forwardBackward.js';
import { GaussianEmissions } from './GaussianEmissions.js';
import {
  type HMMParameters,
  type PlainHMMParameters,
  parseParameters,
  permuteStates,
  toPlainParameters,
} from './HMMParameters.js';
import { flattenObservations, sequenceLengths } from './observations.js';
import { viterbi } from './viterbi.js';

/**
 * Hyper-parameters of {@link GaussianHMM}, and optionally known parameters.
 *
 * @example
 * ```ts
 * const options: GaussianHMMOptions = { states: 3, covariance: 'full', seed: 7, transPrior: 1, orderBy: 1 };
 * ```
 */
export interface GaussianHMMOptions {
  /** Number of hidden states K (default 3; taken from `means` when parameters are given). */
  states?: number;
  /** Covariance structure (default `'full'`). */
  covariance?: CovarianceType;
  /** Seed of the k-means++ initialisation (default 0). */
  seed?: number;
  /** Maximum EM iterations (default 100). */
  maxIter?: number;
  /** Stop EM when an iteration gains less than this in total log-likelihood (default 1e-4, like hmmlearn's absolute `tol`). */
  tol?: number;
  /**
   * Covariance floor (default 1e-3): added to the diagonal of the initial covariance (as hmmlearn),
   * and after every M-step the smallest variance (diag) or eigenvalue (full) is raised to it, so no
   * state collapses onto a few points.
   */
  minCovar?: number;
  /** Dirichlet pseudo-count added to every transition count in the M-step (default 0, hmmlearn's `transmat_prior = 1`). */
  transPrior?: number;
  /** Feature whose state means order the states ascending after fit (default 0). */
  orderBy?: number;
  /** Known start probabilities (K). Give all four of `startProb`, `transMat`, `means`, `covars` or none. */
  startProb?: number[];
  /** Known transition matrix (K×K, rows sum to 1). */
  transMat?: number[][];
  /** Known state means (K×D). */
  means?: number[][];
  /** Known covariances: K×D×D for `'full'`, K×D variances for `'diag'`. */
  covars?: number[][][] | number[][];
}

/**
 * Options of {@link GaussianHMM.fit}.
 *
 * @example
 * ```ts
 * hmm.fit(X, { lengths: [500, 300], onIteration: (i, ll) => console.log(i, ll) });
 * ```
 */
export interface GaussianHMMFitOptions {
  /** Lengths of the independent sequences laid end to end in X (hmmlearn's `lengths`); default one sequence. */
  lengths?: number[];
  /** Called after each E-step with the 0-based iteration and the total log-likelihood before the update. */
  onIteration?: (iteration: number, logLikelihood: number) => void;
}

/**
 * How the last {@link GaussianHMM.fit} went, kept on {@link GaussianHMM.monitor} (hmmlearn's
 * `monitor_`): the log-likelihood of every EM iteration and whether it converged.
 *
 * @example
 * ```ts
 * const { logLikelihoods, converged, iterations } = hmm.fit(X).monitor!;
 * ```
 */
export interface GaussianHMMFitResult {
  /**
   * Total log-likelihood of the training data at each iteration, under the parameters before its
   * M-step (hmmlearn's convention). Near convergence it can dip by a hair — measured ≤ 2e-10
   * relative with the default priors, more with a large `transPrior` or a binding `minCovar` —
   * because the M-step maximises the likelihood together with the priors: see `logPosteriors`.
   */
  logLikelihoods: number[];
  /**
   * `logLikelihoods` plus the log-density of the priors — hmmlearn's default covariance prior and
   * `transPrior` — at the same parameters, up to a constant: the quantity EM maximises, which never
   * decreases beyond rounding.
   */
  logPosteriors: number[];
  /** True when the last iteration gained less than `tol`; false when `maxIter` ran out first. */
  converged: boolean;
  /** Number of EM iterations run. */
  iterations: number;
}

/**
 * State of an online filter: P(z_t | x_1..t) after `steps` observations. Plain data: copy
 * `probabilities` and `steps` to save it, assign them back to resume.
 *
 * @example
 * ```ts
 * const state = hmm.createFilterState();
 * hmm.forwardStep(state, row);
 * const mostLikely = state.probabilities.indexOf(Math.max(...state.probabilities));
 * ```
 */
export interface HMMFilterState {
  /** K filtered state probabilities; before any observation, the start probabilities. */
  probabilities: Float64Array;
  /** Observations taken in so far. */
  steps: number;
}

/**
 * A {@link GaussianHMM} as plain JSON: hyper-parameters and parameters, numbers exactly as in the model.
 *
 * @example
 * ```ts
 * const json: GaussianHMMJSON = hmm.toJSON();
 * json.transMat[0];   // transition probabilities out of state 0
 * ```
 */
export interface GaussianHMMJSON extends PlainHMMParameters {
  format: typeof FORMAT;
  version: typeof VERSION;
  covariance: CovarianceType;
  seed: number;
  maxIter: number;
  tol: number;
  minCovar: number;
  transPrior: number;
  orderBy: number;
}

const FORMAT = 'microstream/gaussian-hmm';
const VERSION = 1;
const PARAMETER_FIELDS = ['startProb', 'transMat', 'means', 'covars'] as const;
const HYPER_PARAMETER_FIELDS = [
  'covariance',
  'seed',
  'maxIter',
  'tol',
  'minCovar',
  'transPrior',
  'orderBy',
] as const;

interface ResolvedOptions {
  states: number;
  covariance: CovarianceType;
  seed: number;
  maxIter: number;
  tol: number;
  minCovar: number;
  transPrior: number;
  orderBy: number;
  params?: HMMParameters;
}

/**
 * A hidden Markov model with Gaussian emissions (full or diagonal covariances), with hmmlearn's
 * conventions: Baum–Welch training (seeded k-means++ start, hmmlearn's M-step and priors, several
 * sequences through `lengths`), log-likelihood `score`, forward–backward posteriors `smooth`
 * (hmmlearn's `predict_proba`), Viterbi `decode`, and `sample`. On top of hmmlearn: online filtering
 * one observation at a time with {@link GaussianHMM.forwardStep} (no allocation, Cholesky factors
 * precomputed), states put in a canonical order after training (ascending mean of feature
 * `orderBy`, so state 0 is the calmest), and an exact, validated JSON round trip.
 *
 * All recursions run in scaled probability space or log space, so a sequence of any length
 * never underflows.
 *
 * @example
 * ```ts
 * const hmm = new GaussianHMM({ states: 3, covariance: 'full', seed: 7 });
 * const { logLikelihoods, converged } = hmm.fit(X).monitor!;
 * const state = hmm.createFilterState();
 * for (const x of liveRows) hmm.forwardStep(state, x);   // state.probabilities = P(z_t | x_1..t)
 * const path = hmm.decode(X);
 * const copy = GaussianHMM.fromJSON(JSON.parse(JSON.stringify(hmm)));
 * ```
 */
export class GaussianHMM {
  /** Covariance structure. */
  readonly covariance: CovarianceType;
  /** Seed of the k-means++ initialisation. */
  readonly seed: number;
  /** Maximum EM iterations. */
  readonly maxIter: number;
  /** EM stops when an iteration gains less than this in total log-likelihood. */
  readonly tol: number;
  /** Covariance floor. */
  readonly minCovar: number;
  /** Dirichlet pseudo-count added to every transition count in the M-step. */
  readonly transPrior: number;
  /** Feature whose state means order the states after fit. */
  readonly orderBy: number;
  #states: number;
  #params: HMMParameters | undefined;
  #monitor: GaussianHMMFitResult | undefined;
  #emissions: GaussianEmissions | undefined;
  /** forwardStep scratch: K log densities and K predicted probabilities (so a step allocates nothing). */
  #logDensities = new Float64Array(0);
  #predicted = new Float64Array(0);

  /**
   * @throws {ModelValidationError} naming the option that is invalid (e.g. `transMat[1]`).
   */
  constructor(options: GaussianHMMOptions = {}) {
    const o = resolveOptions(options as Record<string, unknown>, '');
    this.covariance = o.covariance;
    this.seed = o.seed;
    this.maxIter = o.maxIter;
    this.tol = o.tol;
    this.minCovar = o.minCovar;
    this.transPrior = o.transPrior;
    this.orderBy = o.orderBy;
    this.#states = o.states;
    if (o.params) this.#setParameters(o.params);
  }

  /**
   * How the last {@link GaussianHMM.fit} went: log-likelihood per EM iteration, convergence.
   * `undefined` before `fit` and for a model built from parameters or JSON.
   */
  get monitor(): GaussianHMMFitResult | undefined {
    return this.#monitor;
  }

  /** Number of hidden states K. */
  get nStates(): number {
    return this.#states;
  }

  /** Number of features D (known once the model has parameters). */
  get nFeatures(): number {
    return this.#ready().nFeatures;
  }

  /** Start probabilities (copy). */
  get startProb(): number[] {
    return toPlainParameters(this.#ready()).startProb;
  }

  /** Transition matrix, rows = from-state (copy). */
  get transMat(): number[][] {
    return toPlainParameters(this.#ready()).transMat;
  }

  /** State means, K×D (copy). */
  get means(): number[][] {
    return toPlainParameters(this.#ready()).means;
  }

  /** Covariances: K×D×D (full) or K×D variances (diag) (copy). */
  get covars(): number[][][] | number[][] {
    return toPlainParameters(this.#ready()).covars;
  }

  /**
   * Trains the model by Baum–Welch from a seeded k-means++ start, replacing any parameters it had,
   * then puts the states in canonical order (ascending mean of feature `orderBy`). Returns the model
   * itself (scikit-learn's convention); the iterations' log-likelihoods are on {@link GaussianHMM.monitor}.
   *
   * @param X observations, one row of D features per step.
   * @throws {RangeError} on malformed X or lengths, or fewer rows than states.
   */
  fit(X: number[][], opts: GaussianHMMFitOptions = {}): this {
    const { data, N, D } = flattenObservations(X);
    const lengths = sequenceLengths(opts.lengths, N);
    const K = this.#states;
    if (N < Math.max(K, 2))
      throw new RangeError(`fit needs at least ${Math.max(K, 2)} observations, got ${N}`);
    if (this.orderBy >= D)
      throw new RangeError(`orderBy is ${this.orderBy}, but the observations have only ${D} features`);
    const init = initialParameters(data, N, D, K, this.covariance, this.minCovar, new Random(this.seed));
    const result = baumWelch(data, lengths, init, {
      maxIter: this.maxIter,
      tol: this.tol,
      minCovar: this.minCovar,
      transPrior: this.transPrior,
      onIteration: opts.onIteration,
    });
    const p = result.params;
    const order = Array.from({ length: K }, (_, k) => k).sort(
      (a, b) => p.means[a * D + this.orderBy] - p.means[b * D + this.orderBy] || a - b,
    );
    this.#setParameters(permuteStates(p, order));
    this.#monitor = {
      logLikelihoods: result.logLikelihoods,
      logPosteriors: result.logPosteriors,
      converged: result.converged,
      iterations: result.logLikelihoods.length,
    };
    return this;
  }

  /** A fresh online filter state, before any observation. */
  createFilterState(): HMMFilterState {
    return { probabilities: Float64Array.from(this.#ready().startProb), steps: 0 };
  }

  /**
   * Takes in one observation: updates `state.probabilities` in place to P(z_t | x_1..t) and returns
   * log p(x_t | x_1..t−1). Allocates nothing (the model holds the scratch arrays, so one model must
   * not run two forwardSteps at the same time — JavaScript's single thread never does). An
   * observation with a non-finite value (or fewer than D values) leaves the state unchanged and
   * returns NaN.
   *
   * @example
   * ```ts
   * const s = hmm.createFilterState();
   * const logp = hmm.forwardStep(s, [0.1, -0.2, 1.3]);
   * ```
   */
  forwardStep(state: HMMFilterState, x: ArrayLike<number>): number {
    const p = this.#ready();
    const K = p.nStates;
    if (state.probabilities.length !== K)
      throw new RangeError(
        `filter state has ${state.probabilities.length} probabilities, the model ${K} states`,
      );
    (this.#emissions as GaussianEmissions).logDensities(x, 0, this.#logDensities, 0);
    const alpha = state.probabilities;
    const predicted = state.steps === 0 ? p.startProb : predict(K, p.transMat, alpha, 0, this.#predicted);
    const logp = filterStep(K, predicted, this.#logDensities, 0, alpha, 0);
    if (!Number.isNaN(logp)) state.steps++;
    return logp;
  }

  /** Filtered state probabilities P(z_t | x_1..t) for every row (the online filter, run over X). */
  filter(X: number[][], lengths?: number[]): number[][] {
    const { alpha, N } = this.#forward(X, lengths);
    return rows(alpha, N, this.#states);
  }

  /** Smoothed state posteriors P(z_t | x_1..n) for every row (forward–backward; hmmlearn's `predict_proba`). */
  smooth(X: number[][], lengths?: number[]): number[][] {
    const { logEmission, N, seqs } = this.#emissionsOf(X, lengths);
    const p = this.#ready();
    const K = p.nStates;
    const alpha = new Float64Array(N * K);
    const gamma = new Float64Array(N * K);
    let start = 0;
    for (const n of seqs) {
      forwardBackward(K, p.startProb, p.transMat, logEmission, start, n, alpha, gamma, null);
      start += n;
    }
    return rows(gamma, N, K);
  }

  /** The most likely state path (Viterbi in log space; ties to the lower state, as hmmlearn). */
  decode(X: number[][], lengths?: number[]): Int32Array {
    const { logEmission, N, seqs } = this.#emissionsOf(X, lengths);
    const p = this.#ready();
    const path = new Int32Array(N);
    let start = 0;
    for (const n of seqs) {
      viterbi(p.nStates, p.startProb, p.transMat, logEmission, start, n, path);
      start += n;
    }
    return path;
  }

  /** Log-likelihood log p(X) (summed over the sequences when `lengths` is given), as hmmlearn's `score`. */
  score(X: number[][], lengths?: number[]): number {
    return this.#forward(X, lengths).logLikelihood;
  }

  /**
   * Draws `n` steps from the model with a seeded generator: the observations and the hidden states.
   *
   * @example
   * ```ts
   * const { X, states } = hmm.sample(1000, 42);
   * ```
   */
  sample(n: number, seed: number): { X: number[][]; states: Int32Array } {
    const p = this.#ready();
    const K = p.nStates;
    const D = p.nFeatures;
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`sample size must be a non-negative integer, got ${n}`);
    const rng = new Random(seed);
    const states = new Int32Array(n);
    const X: number[][] = [];
    const z = new Float64Array(D);
    let k = -1;
    for (let t = 0; t < n; t++) {
      k = k < 0 ? draw(rng, p.startProb, 0, K) : draw(rng, p.transMat, k * K, K);
      states[t] = k;
      for (let i = 0; i < D; i++) z[i] = rng.normal();
      const x = new Array<number>(D);
      (this.#emissions as GaussianEmissions).transform(k, z, x, 0);
      X.push(x);
    }
    return { X, states };
  }

  /** The model as plain JSON (numbers exactly as held, so `fromJSON` restores an identical model). */
  toJSON(): GaussianHMMJSON {
    return {
      format: FORMAT,
      version: VERSION,
      covariance: this.covariance,
      seed: this.seed,
      maxIter: this.maxIter,
      tol: this.tol,
      minCovar: this.minCovar,
      transPrior: this.transPrior,
      orderBy: this.orderBy,
      ...toPlainParameters(this.#ready()),
    };
  }

  /**
   * Restores a model saved by {@link GaussianHMM.toJSON}, validating everything: no `__proto__` /
   * `constructor` keys and no nesting deeper than 32 (as `parseUntrustedJson`), format and version,
   * hyper-parameters, shapes, finiteness, probabilities summing to 1 within 1e-9, symmetric positive
   * definite covariances.
   *
   * @param path prefix for error paths, e.g. `'hmm'` to get `hmm.transMat[2]`.
   * @throws {ModelValidationError} naming the offending field.
   * @example
   * ```ts
   * const hmm = GaussianHMM.fromJSON(JSON.parse(text));
   * ```
   */
  static fromJSON(json: unknown, path = ''): GaussianHMM {
    const where = path || 'GaussianHMM';
    const data = plainCopy(json, where);
    checkUntrustedValue(data, {}, where);
    const o = plainObject(data, where);
    const at = (field: string) => (path ? `${path}.${field}` : field);
    check(o.format === FORMAT, at('format'), `expected "${FORMAT}", got ${quoteValue(o.format)}`);
    check(o.version === VERSION, at('version'), `expected ${VERSION}, got ${quoteValue(o.version)}`);
    // toJSON writes every field: none may be left to a default (a null seed is not seed 0).
    for (const field of [...HYPER_PARAMETER_FIELDS, ...PARAMETER_FIELDS])
      check(
        o[field] !== undefined && o[field] !== null,
        at(field),
        o[field] === null ? 'got null' : 'missing',
      );
    const { format: _format, version: _version, ...options } = o;
    resolveOptions(options, path);
    return new GaussianHMM(options as GaussianHMMOptions);
  }

  #setParameters(p: HMMParameters): void {
    this.#emissions = new GaussianEmissions(p.covariance, p.nStates, p.nFeatures, p.means, p.covars);
    this.#params = p;
    this.#states = p.nStates;
    this.#logDensities = new Float64Array(p.nStates);
    this.#predicted = new Float64Array(p.nStates);
  }

  #ready(): HMMParameters {
    if (this.#params === undefined)
      throw new Error(
        'GaussianHMM has no parameters yet: call fit(X), or pass startProb, transMat, means and covars',
      );
    return this.#params;
  }

  #emissionsOf(X: number[][], lengths: number[] | undefined) {
    const p = this.#ready();
    const { data, N } = flattenObservations(X, p.nFeatures);
    const seqs = sequenceLengths(lengths, N);
    const logEmission = new Float64Array(N * p.nStates);
    const emissions = this.#emissions as GaussianEmissions;
    for (let t = 0; t < N; t++) emissions.logDensities(data, t * p.nFeatures, logEmission, t * p.nStates);
    return { logEmission, N, seqs };
  }

  #forward(X: number[][], lengths: number[] | undefined) {
    const { logEmission, N, seqs } = this.#emissionsOf(X, lengths);
    const p = this.#ready();
    const K = p.nStates;
    const alpha = new Float64Array(N * K);
    let logLikelihood = 0;
    let start = 0;
    for (const n of seqs) {
      logLikelihood += forward(K, p.startProb, p.transMat, logEmission, start, n, alpha);
      start += n;
    }
    return { alpha, N, logLikelihood };
  }
}

function resolveOptions(o: Record<string, unknown>, path: string): ResolvedOptions {
  const at = (field: string) => (path ? `${path}.${field}` : field);
  const covariance = o.covariance ?? 'full';
  check(
    covariance === 'full' || covariance === 'diag',
    at('covariance'),
    `expected "full" or "diag", got ${quoteValue(covariance)}`,
  );
  const resolved: ResolvedOptions = {
    covariance,
    states: integer(o.states ?? 3, at('states'), 1, 1000),
    seed: finiteNumber(o.seed ?? 0, at('seed')),
    maxIter: integer(o.maxIter ?? 100, at('maxIter'), 1, 1e9),
    tol: finiteNumber(o.tol ?? 1e-4, at('tol')),
    minCovar: finiteNumber(o.minCovar ?? 1e-3, at('minCovar')),
    transPrior: finiteNumber(o.transPrior ?? 0, at('transPrior')),
    orderBy: integer(o.orderBy ?? 0, at('orderBy'), 0, 1e6),
  };
  check(resolved.tol >= 0, at('tol'), `must be >= 0, got ${resolved.tol}`);
  check(resolved.minCovar > 0, at('minCovar'), `must be > 0, got ${resolved.minCovar}`);
  check(resolved.transPrior >= 0, at('transPrior'), `must be >= 0, got ${resolved.transPrior}`);
  const given = PARAMETER_FIELDS.filter((f) => o[f] !== undefined);
  if (given.length === 0) return resolved;
  for (const f of PARAMETER_FIELDS)
    check(o[f] !== undefined, at(f), `missing: give all of ${PARAMETER_FIELDS.join(', ')} or none`);
  const params = parseParameters(o, covariance, path);
  if (o.states !== undefined)
    check(
      o.states === params.nStates,
      at('states'),
      `is ${o.states}, but the parameters have ${params.nStates} states`,
    );
  check(
    resolved.orderBy < params.nFeatures,
    at('orderBy'),
    `is ${resolved.orderBy}, but the model has ${params.nFeatures} features`,
  );
  new GaussianEmissions(
    covariance,
    params.nStates,
    params.nFeatures,
    params.means,
    params.covars,
    at('covars'),
  );
  return { ...resolved, states: params.nStates, params };
}

/** Index drawn from the K probabilities at `p[offset ..)`. */
function draw(rng: Random, p: Float64Array, offset: number, K: number): number {
  const u = rng.float();
  let acc = 0;
  let last = 0;
  for (let k = 0; k < K; k++) {
    if (p[offset + k] <= 0) continue;
    acc += p[offset + k];
    last = k;
    if (u < acc) return k;
  }
  return last;
}

function rows(a: Float64Array, n: number, w: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * w, (i + 1) * w)));
}
