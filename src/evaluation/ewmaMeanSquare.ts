/**
 * The trivial baseline: a causal exponentially weighted mean of squared returns with a half-life
 * of `halfLifeBars`. At bar t it uses returns up to and including t (what is known when bar t
 * closes). Weights are normalised (Σ w r² / Σ w, so no start-up bias toward 0); unobserved (NaN)
 * returns are skipped and do not decay the weights. NaN before the first observed return.
 *
 * @example
 * ```ts
 * ewmaMeanSquare(Float64Array.of(NaN, 0.01, 0.03), 1); // [NaN, 1e-4, (0.5e-4 + 9e-4) / 1.5]
 * ```
 */
export function ewmaMeanSquare(returns: ArrayLike<number>, halfLifeBars: number): Float64Array {
  const decay = 2 ** (-1 / halfLifeBars);
  const n = returns.length;
  const out = new Float64Array(n);
  let sum = 0;
  let weight = 0;
  for (let t = 0; t < n; t++) {
    const r = returns[t];
    if (!Number.isNaN(r)) {
      sum = decay * sum + r * r;
      weight = decay * weight + 1;
    }
    out[t] = weight > 0 ? sum / weight : Number.NaN;
  }
  return out;
}
