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
 * The prediction half of a forward step: P(z_t | x_1..t−1) = Σ_i α̂_{t−1}(i)·A(i, ·) from the filtered
 * probabilities at `alpha[prev ..)`, written to `predicted` (K values), which is returned.
 *
 * @example
 * ```ts
 * filterStep(K, predict(K, transMat, alpha, 0, scratch), logDensities, 0, alpha, 0);
 * ```
 */
export function predict(
  K: number,
  transMat: Float64Array,
  alpha: Float64Array,
  prev: number,
  predicted: Float64Array,
): Float64Array {
  if (K === 3) {
    // Three states (the detector's models) written out; see filterStep3 for why.
    const a0 = alpha[prev];
    const a1 = alpha[prev + 1];
    const a2 = alpha[prev + 2];
    predicted[0] = a0 * transMat[0] + a1 * transMat[3] + a2 * transMat[6];
    predicted[1] = a0 * transMat[1] + a1 * transMat[4] + a2 * transMat[7];
    predicted[2] = a0 * transMat[2] + a1 * transMat[5] + a2 * transMat[8];
    return predicted;
  }
  for (let j = 0; j < K; j++) {
    let p = 0;
    for (let i = 0; i < K; i++) p += alpha[prev + i] * transMat[i * K + j];
    predicted[j] = p;
  }
  return predicted;
}

/**
 * The update half of a forward step: combines the predicted probabilities P(z_t | x_1..t−1)
 * (`startProb` at t = 0, else from {@link predict}) with the log emission densities at
 * `emission[emissionAt ..)` and writes the filtered probabilities P(z_t | x_1..t) to `alpha[at ..)`,
 * which may be where the prediction came from (online filtering in place).
 *
 * On success `emission[emissionAt ..)` is overwritten with p(x_t | z_t = j) / p(x_t | x_1..t−1),
 * the factor {@link backwardStep} needs, and the return value is log p(x_t | x_1..t−1). When that
 * is not a positive finite number (a non-finite observation) nothing in `alpha` is written and the
 * return value is NaN.
 *
 * @example
 * ```ts
 * const alpha = new Float64Array(K);      // first step, online
 * const logp = filterStep(K, startProb, logDensities, 0, alpha, 0);
 * ```
 */
export function filterStep(
  K: number,
  predicted: Float64Array,
  emission: Float64Array,
  emissionAt: number,
  alpha: Float64Array,
  at: number,
): number {
  if (K === 3) return filterStep3(predicted, emission, emissionAt, alpha, at);
  // The largest log density among states that can be reached is the scale: its term is exactly 1
  // (exp(0), so its exp is skipped), and the normaliser is never 0 and never overflows.
  let scale = Number.NEGATIVE_INFINITY;
  let top = -1;
  for (let j = 0; j < K; j++) {
    if (predicted[j] > 0 && emission[emissionAt + j] > scale) {
      scale = emission[emissionAt + j];
      top = j;
    }
  }
  let norm = 0;
  for (let j = 0; j < K; j++) {
    const p = predicted[j];
    const b = j === top ? 1 : p > 0 ? Math.exp(emission[emissionAt + j] - scale) : 0;
    emission[emissionAt + j] = b;
    norm += p * b;
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
 * {@link filterStep} for three states, written out with the same operations in the same order (so
 * the same results to the last bit). Three states is what the detector's models use, and for them
 * the loops were a large share of the online step: written out, this function and the K = 3 case of
 * {@link predict} took the step (D = 3) from about 120 ns to 90; two exps and a log are about 45 ns
 * of what remains.
 */
function filterStep3(
  predicted: Float64Array,
  emission: Float64Array,
  emissionAt: number,
  alpha: Float64Array,
  at: number,
): number {
  const p0 = predicted[0];
  const p1 = predicted[1];
  const p2 = predicted[2];
  const l0 = emission[emissionAt];
  const l1 = emission[emissionAt + 1];
  const l2 = emission[emissionAt + 2];
  let scale = Number.NEGATIVE_INFINITY;
  let top = -1;
  if (p0 > 0 && l0 > scale) {
    scale = l0;
    top = 0;
  }
  if (p1 > 0 && l1 > scale) {
    scale = l1;
    top = 1;
  }
  if (p2 > 0 && l2 > scale) {
    scale = l2;
    top = 2;
  }
  const b0 = top === 0 ? 1 : p0 > 0 ? Math.exp(l0 - scale) : 0;
  const b1 = top === 1 ? 1 : p1 > 0 ? Math.exp(l1 - scale) : 0;
  const b2 = top === 2 ? 1 : p2 > 0 ? Math.exp(l2 - scale) : 0;
  const norm = p0 * b0 + p1 * b1 + p2 * b2;
  if (!(norm > 0 && norm < Number.POSITIVE_INFINITY)) return Number.NaN;
  const inv = 1 / norm;
  const e0 = b0 * inv;
  const e1 = b1 * inv;
  const e2 = b2 * inv;
  emission[emissionAt] = e0;
  emission[emissionAt + 1] = e1;
  emission[emissionAt + 2] = e2;
  alpha[at] = p0 * e0;
  alpha[at + 1] = p1 * e1;
  alpha[at + 2] = p2 * e2;
  return scale + Math.log(norm);
}

/**
 * One backward step from t to t−1: given β̂_t at `beta` and the scaled emissions of step t at
 * `emission[at ..)` (as left by {@link filterStep}), writes β̂_{t−1} to `betaPrev`. When `xiSum`
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
 * {@link filterStep} leaves them) and `alpha` receives the filtered probabilities P(z_t | x_1..t).
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
  const scratch = new Float64Array(K);
  let logLikelihood = 0;
  for (let t = 0; t < n; t++) {
    const at = (start + t) * K;
    const predicted = t === 0 ? startProb : predict(K, transMat, alpha, at - K, scratch);
    logLikelihood += filterStep(K, predicted, logEmission, at, alpha, at);
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
