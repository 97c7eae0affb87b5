/**
 * The most likely state path of one sequence (Viterbi, in log space so nothing underflows),
 * written to `path[start .. start + n)`. `logEmission` holds the log emission densities, n·K values
 * from row `start`, state index fastest. Ties go to the lowest state index, both in the recursion
 * and for the final state — the rule hmmlearn's `viterbi` follows (`std::max_element`).
 * Returns the log probability of the path.
 *
 * @example
 * ```ts
 * const path = new Int32Array(n);
 * const logProb = viterbi(K, startProb, transMat, logEmission, 0, n, path);
 * ```
 */
export function viterbi(
  K: number,
  startProb: Float64Array,
  transMat: Float64Array,
  logEmission: Float64Array,
  start: number,
  n: number,
  path: Int32Array,
): number {
  const logStart = startProb.map(Math.log);
  const logTrans = transMat.map(Math.log);
  const backPointers = new Int32Array(n * K);
  let score = new Float64Array(K);
  let next = new Float64Array(K);
  for (let j = 0; j < K; j++) score[j] = logStart[j] + logEmission[start * K + j];
  for (let t = 1; t < n; t++) {
    const at = (start + t) * K;
    for (let j = 0; j < K; j++) {
      let best = 0;
      let bestScore = score[0] + logTrans[j];
      for (let i = 1; i < K; i++) {
        const s = score[i] + logTrans[i * K + j];
        if (s > bestScore) {
          bestScore = s;
          best = i;
        }
      }
      backPointers[t * K + j] = best;
      next[j] = bestScore + logEmission[at + j];
    }
    [score, next] = [next, score];
  }
  let last = 0;
  for (let j = 1; j < K; j++) if (score[j] > score[last]) last = j;
  path[start + n - 1] = last;
  for (let t = n - 1; t > 0; t--) path[start + t - 1] = backPointers[t * K + path[start + t]];
  return score[last];
}
