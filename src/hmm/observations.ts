/**
 * Checks an observation matrix (rows of equal length, finite numbers) and copies it into one flat
 * row-major `Float64Array`, the layout the HMM's loops read. `nFeatures` is the required row length
 * (the model's D), or undefined to take it from the first row.
 *
 * @throws {RangeError} naming the first offending row or value, e.g. `X[12][1] is NaN`.
 * @example
 * ```ts
 * const { data, N, D } = flattenObservations([[1, 2], [3, 4]]);   // data = [1, 2, 3, 4]
 * ```
 */
export function flattenObservations(
  X: readonly (readonly number[] | ArrayLike<number>)[],
  nFeatures?: number,
): { data: Float64Array; N: number; D: number } {
  if (!Array.isArray(X)) throw new RangeError('X must be an array of observation rows');
  const N = X.length;
  const D = nFeatures ?? X[0]?.length ?? 0;
  if (D < 1) throw new RangeError('X must have at least one row with at least one feature');
  const data = new Float64Array(N * D);
  for (let n = 0; n < N; n++) {
    const row = X[n];
    if (row?.length !== D)
      throw new RangeError(`X[${n}] has ${row?.length ?? 'no'} values, expected ${D} (one per feature)`);
    for (let i = 0; i < D; i++) {
      const v = row[i];
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new RangeError(`X[${n}][${i}] is ${String(v)}: observations must be finite numbers`);
      data[n * D + i] = v;
    }
  }
  return { data, N, D };
}

/**
 * Checks hmmlearn-style `lengths` (positive integers summing to N) and returns them; undefined
 * means one sequence of all N rows (none when N is 0).
 *
 * @throws {RangeError} when the lengths are not positive integers or do not add up to N.
 * @example
 * ```ts
 * sequenceLengths([3, 2], 5);   // [3, 2]
 * ```
 */
export function sequenceLengths(lengths: readonly number[] | undefined, N: number): readonly number[] {
  if (lengths === undefined) return N > 0 ? [N] : [];
  let sum = 0;
  lengths.forEach((n, i) => {
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`lengths[${i}] is ${n}: every sequence length must be a positive integer`);
    sum += n;
  });
  if (sum !== N) throw new RangeError(`lengths add up to ${sum}, but X has ${N} rows`);
  return lengths;
}
