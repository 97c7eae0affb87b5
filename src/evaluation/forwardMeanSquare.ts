/**
 * Forward realized variance of each bar: the mean of the squared observed returns of the next
 * `horizon` bars, r²_{t+1} … r²_{t+horizon} (NaN returns are not observed and left out). NaN when
 * the span ends before t + horizon or fewer than half of those returns were observed. Its square
 * root is the forward realized volatility the evaluation predicts. O(n).
 *
 * @example
 * ```ts
 * forwardMeanSquare(Float64Array.of(NaN, 0.01, -0.02, 0.01), 2); // [2.5e-4, 2.5e-4, NaN, NaN]
 * ```
 */
export function forwardMeanSquare(returns: ArrayLike<number>, horizon: number): Float64Array {
  const n = returns.length;
  const sum = new Float64Array(n + 1);
  const count = new Int32Array(n + 1);
  for (let t = 0; t < n; t++) {
    const r = returns[t];
    const seen = Number.isNaN(r) ? 0 : 1;
    sum[t + 1] = sum[t] + (seen ? r * r : 0);
    count[t + 1] = count[t] + seen;
  }
  const out = new Float64Array(n).fill(Number.NaN);
  for (let t = 0; t + horizon < n; t++) {
    const m = count[t + horizon + 1] - count[t + 1];
    if (2 * m >= horizon && m > 0) out[t] = Math.max(0, sum[t + horizon + 1] - sum[t + 1]) / m;
  }
  return out;
}
