/**
 * One-bar log returns ln(C_t / C_{t−1}) of a span, NaN where the return was not observed: the
 * first bar, a gap bar (no trades: its close is carried over, so its "return" of 0 is not a
 * reading), the first bar after a gap (its return spans the whole hole), and any bar whose close
 * or previous close is not a positive finite number.
 *
 * @example
 * ```ts
 * observedReturns([100, 101, 101, 102], [0, 0, 1, 0]); // [NaN, ln(1.01), NaN, NaN]
 * ```
 */
export function observedReturns(close: ArrayLike<number>, gap?: ArrayLike<number | boolean>): Float64Array {
  const n = close.length;
  const r = new Float64Array(n).fill(Number.NaN);
  for (let t = 1; t < n; t++) {
    if (gap !== undefined && (gap[t] || gap[t - 1])) continue;
    const a = close[t - 1];
    const b = close[t];
    if (a > 0 && b > 0 && Number.isFinite(a) && Number.isFinite(b)) r[t] = Math.log(b / a);
  }
  return r;
}
