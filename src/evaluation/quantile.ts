/**
 * The `q` quantile of the values (linear interpolation between order statistics, as NumPy's default
 * and R's type 7). NaN for no values.
 *
 * @example
 * ```ts
 * quantile([1, 2, 3, 4, 5], 0.9); // 4.6
 * ```
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const position = (n - 1) * q;
  const below = Math.floor(position);
  if (position === below) return sorted[below];
  const above = below + 1;
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}
