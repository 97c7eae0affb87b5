/**
 * The forward–backward recursions of an HMM in scaled probability space: every forward step is
 * normalised to sum to one and its normaliser is kept as a log-likelihood increment, so sequences
 * of any length (a million bars and more) never underflow. Results equal hmmlearn's log-space
 * `forward_log` / `backward_log` to rounding.
 *
 * The functions work in place on flat row-major `Float64Array`s (state index fastest) and allocate
 * nothing: they run once per observation, in training and in online filtering.
 */

/**
 * One forward step. Predicts P(z_t | x_1..t−1) from the filtered probabilities at `alpha[prev ..)`
 * (or from `startProb` when `prev < 0`), combines it with the log emission densities at
 * `emission[at ..)` and writes the filtered probabilities P(z_t | x_1..t) to `alpha[at ..)`.
 * `prev` and `at` may be the same offset (online filtering in place).
 *
 * On success `emission[at ..)` is overwritten with p(x_t | z_t = j) / p(x_t | x_1..t−1), the
 * factor {@link backwardStep} needs, and the return value is log p(x_t | x_1..t−1). When that is
 * not a positive finite number (a non-finite observation) nothing in `alpha` is written and the
 * return value is NaN.
 *
 * @param predicted K scratch values.
 * @example
 * ```ts
 * const alpha = new Float64Array(K);      // one step, online
 * const logp = forwardStep(K, startProb, transMat, alpha, -1, 0, logDensities, 0, scratch);
 * ```
 */
export function forwardStep(
  K: number,
  startProb: Float64Array,
  transMat: Float64Array,
  alpha: Float64Array,
  prev: number,
  at: number,
  emission: Float64Array,
  emissionAt: number,
  predicted: Float64Array,
): number {
  // The largest log density among states that can be reached is the scale: its term is exactly 1,
  // so the normaliser is never 0 and never overflows.
  let scale = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < K; j++) {
    let p: number;
    if (prev < 0) p = startProb[j];
    else {
      p = 0;
      for (let i = 0; i < K; i++) p += alpha[prev + i] * transMat[i * K + j];
    }
    predicted[j] = p;
    if (p > 0 && emission[emissionAt + j] > scale) scale = emission[emissionAt + j];
  }
  let norm = 0;
  for (let j = 0; j < K; j++) {
    const b = predicted[j] > 0 ? Math.exp(emission[emissionAt + j] - scale) : 0;
    emission[emissionAt + j] = b;
    norm += predicted[j] * b;
  }
  if (!(norm > 0 && norm < Number.POSITIVE_INFINITY)) return Number.NaN;
  const inv = 1 / norm;
  for (let j = 0; j < K; j++) {
    const e = emission[emissionAt + j] * inv;
    emission[emissionAt + j] = e;
    alpha[at + j] = predicted[j] * e;
  }
  return scale + Math.log(norm);
}

/**
 * One backward step from t to t−1: given β̂_t at `beta` and the scaled emissions of step t at
 * `emission[at ..)` (as left by {@link forwardStep}), writes β̂_{t−1} to `betaPrev`. When `xiSum`
 * is given, adds the expected transition counts ξ_{t−1,t}(i, j) (computed from the filtered
 * probabilities α̂_{t−1} at `alpha[prev ..)`) to it. `weights` is K scratch values.
 */
export function backwardStep(
  K: number,
  transMat: Float64Array,
  alpha: Float64Array,
  prev: number,
  emission: Float64Array,
  at: number,
  beta: Float64Array,
  betaPrev: Float64Array,
  weights: Float64Array,
  xiSum: Float64Array | null,
): void {
  for (let j = 0; j < K; j++) weights[j] = emission[at + j] * beta[j];
  for (let i = 0; i < K; i++) {
    const a = xiSum === null ? 0 : alpha[prev + i];
    let s = 0;
    for (let j = 0; j < K; j++) {
      const term = transMat[i * K + j] * weights[j];
      s += term;
      if (xiSum !== null) xiSum[i * K + j] += a * term;
    }
    betaPrev[i] = s;
  }
}

/**
 * The forward pass over one sequence of `n` steps starting at row `start`: `logEmission` holds the
 * log emission densities (n·K values from row `start`, overwritten with scaled emissions as
 * {@link forwardStep} leaves them) and `alpha` receives the filtered probabilities P(z_t | x_1..t).
 * Returns the log-likelihood of the sequence.
 *
 * @example
 * ```ts
 * const logLikelihood = forward(K, startProb, transMat, logEmission, 0, n, alpha);
 * ```
 */
export function forward(
  K: number,
  startProb: Float64Array,
  transMat: Float64Array,
  logEmission: Float64Array,
  start: number,
  n: number,
  alpha: Float64Array,
): number {
  const predicted = new Float64Array(K);
  let logLikelihood = 0;
  for (let t = 0; t < n; t++) {
    const at = (start + t) * K;
    const prev = t === 0 ? -1 : at - K;
    logLikelihood += forwardStep(K, startProb, transMat, alpha, prev, at, logEmission, at, predicted);
  }
  return logLikelihood;
}

/**
 * Forward–backward over one sequence of `n` steps starting at row `start`: as {@link forward},
 * and `gamma` receives the smoothed posteriors P(z_t | x_1..n), each row normalised to sum to one.
 * Adds expected transition counts to `xiSum` when given. Returns the log-likelihood of the sequence.
 *
 * @example
 * ```ts
 * const logLikelihood = forwardBackward(K, startProb, transMat, logEmission, 0, n, alpha, gamma, null);
 * ```
 */
export function forwardBackward(
  K: number,
  startProb: Float64Array,
  transMat: Float64Array,
  logEmission: Float64Array,
  start: number,
  n: number,
  alpha: Float64Array,
  gamma: Float64Array,
  xiSum: Float64Array | null,
): number {
  const logLikelihood = forward(K, startProb, transMat, logEmission, start, n, alpha);
  const weights = new Float64Array(K);
  let beta = new Float64Array(K).fill(1);
  let betaPrev = new Float64Array(K);
  for (let t = n - 1; t >= 0; t--) {
    const at = (start + t) * K;
    let sum = 0;
    for (let i = 0; i < K; i++) {
      const g = alpha[at + i] * beta[i];
      gamma[at + i] = g;
      sum += g;
    }
    const inv = 1 / sum;
    for (let i = 0; i < K; i++) gamma[at + i] *= inv;
    if (t === 0) break;
    backwardStep(K, transMat, alpha, at - K, logEmission, at, beta, betaPrev, weights, xiSum);
    [beta, betaPrev] = [betaPrev, beta];
  }
  return logLikelihood;
}
