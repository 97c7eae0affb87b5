/** Euler–Mascheroni constant γ. */
const EULER_GAMMA = 0.5772156649015329;

/**
 * Average path length c(n) of an unsuccessful search in a binary search tree built from `n`
 * points: the expected depth at which an Isolation Forest leaf holding `n` training samples would
 * have isolated one of them. It normalises path lengths into scores and is added to the depth of a
 * leaf that still holds several samples.
 *
 * Computed exactly as scikit-learn's `_average_path_length`: c(n) = 2·H(n−1) − 2(n−1)/n with the
 * harmonic number H(i) approximated by ln(i) + γ, and c(n) = 0 for n ≤ 1, c(2) = 1.
 *
 * @see Liu, Ting & Zhou, "Isolation Forest", ICDM 2008, eq. 1.
 *
 * @example
 * ```ts
 * averagePathLength(256); // ≈ 10.2448
 * averagePathLength(2);   // 1
 * ```
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}
