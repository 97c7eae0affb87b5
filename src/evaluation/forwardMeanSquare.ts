/**
 * Forward realized variance of each bar: the mean of the squared observed returns of the next
 * `horizon` bars, r²_{t+1} … r²_{t+horizon} (NaN returns are not observed and left out). NaN when
 * the span ends before t + horizon or fewer than half of those returns were observed. Its square
 * root is the forward realized volatility the evaluation predicts.
 *
 * Each window is summed on its own, in bar order, in O(n · horizon): a window's value depends on its
 * own returns only, not on the bars before it, so two windows holding the same returns in the same
 * order get the same value to the last bit (as does any sum of them in bar order), and bars tied in
 * truth stay tied at the top-decile cut. Differences of running sums would round them apart (with
 * zeros, even windows holding the same returns in another order) and lose precision on long spans.
 *
 * @example
 * ```ts
 * forwardMeanSquare(Float64Array.of(NaN, 0.01, -0.02, 0.01), 2); // [2.5e-4, 2.5e-4, NaN, NaN]
 * ```
 */
export function forwardMeanSquare(returns: ArrayLike<number>, horizon: number): Float64Array {
  const n = returns.length;
  const out = new Float64Array(n).fill(Number.NaN);
  for (let t = 0; t + horizon < n; t++) {
    let sum = 0;
    let seen = 0;
    for (let j = t + 1; j <= t + horizon; j++) {
      const r = returns[j];
      if (Number.isNaN(r)) continue;
      sum += r * r;
      seen++;
    }
    if (seen > 0 && 2 * seen >= horizon) out[t] = sum / seen;
  }
  return out;
}
