/**
 * Cuts a score into states with given shares: the lowest `shares[0]` of the values become state 0,
 * the next `shares[1]` state 1, and so on (ties in input order). Used to turn the EWMA baseline
 * into "regimes" with exactly the model's state shares, so their contrast can be compared fairly.
 * Shares are normalised to sum to 1; the state of the value of rank i (0-based, ascending) is the
 * first k with i < round(n · (shares[0] + … + shares[k])).
 *
 * @example
 * ```ts
 * cutByShares([5, 1, 3, 2], [0.5, 0.25, 0.25]); // Int8Array [2, 0, 1, 0]
 * ```
 */
export function cutByShares(values: ArrayLike<number>, shares: readonly number[]): Int8Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
  const total = shares.reduce((a, b) => a + b, 0);
  const out = new Int8Array(n);
  let state = 0;
  let cumulative = shares[0] ?? 0;
  for (let rank = 0; rank < n; rank++) {
    while (state < shares.length - 1 && rank >= Math.round((n * cumulative) / total)) {
      state++;
      cumulative += shares[state];
    }
    out[order[rank]] = state;
  }
  return out;
}
