import type { Random } from '../util/random.js';

/**
 * K cluster centres of N points in D dimensions: k-means++ seeding (the first centre uniformly,
 * each next one with probability proportional to the squared distance to the nearest centre
 * chosen so far) followed by Lloyd iterations until no point changes cluster or `maxIter` passes.
 * Deterministic for a given `rng` state. A cluster that loses all its points keeps its centre.
 *
 * @param X N·D values, row-major.
 * @returns K·D centre coordinates, row-major.
 * @example
 * ```ts
 * const centres = kmeansPlusPlus(Float64Array.of(0, 0.1, 5, 5.2), 4, 1, 2, new Random(0));
 * ```
 */
export function kmeansPlusPlus(
  X: Float64Array,
  N: number,
  D: number,
  K: number,
  rng: Random,
  maxIter = 100,
): Float64Array {
  const centres = new Float64Array(K * D);
  const nearest = new Float64Array(N).fill(Number.POSITIVE_INFINITY);
  let chosen = rng.int(N);
  for (let k = 0; k < K; k++) {
    for (let d = 0; d < D; d++) centres[k * D + d] = X[chosen * D + d];
    if (k === K - 1) break;
    let total = 0;
    for (let n = 0; n < N; n++) {
      const dist = squaredDistance(X, n * D, centres, k * D, D);
      if (dist < nearest[n]) nearest[n] = dist;
      total += nearest[n];
    }
    if (total === 0) {
      chosen = rng.int(N);
      continue;
    }
    let target = rng.float() * total;
    chosen = N - 1;
    for (let n = 0; n < N; n++) {
      target -= nearest[n];
      if (target < 0) {
        chosen = n;
        break;
      }
    }
  }

  const assignment = new Int32Array(N).fill(-1);
  const sums = new Float64Array(K * D);
  const counts = new Float64Array(K);
  for (let iter = 0; iter < maxIter; iter++) {
    let changed = 0;
    sums.fill(0);
    counts.fill(0);
    for (let n = 0; n < N; n++) {
      let best = 0;
      let bestDist = squaredDistance(X, n * D, centres, 0, D);
      for (let k = 1; k < K; k++) {
        const dist = squaredDistance(X, n * D, centres, k * D, D);
        if (dist < bestDist) {
          bestDist = dist;
          best = k;
        }
      }
      if (assignment[n] !== best) {
        assignment[n] = best;
        changed++;
      }
      counts[best]++;
      for (let d = 0; d < D; d++) sums[best * D + d] += X[n * D + d];
    }
    for (let k = 0; k < K; k++) {
      if (counts[k] === 0) continue;
      for (let d = 0; d < D; d++) centres[k * D + d] = sums[k * D + d] / counts[k];
    }
    if (changed === 0) break;
  }
  return centres;
}

function squaredDistance(a: Float64Array, aAt: number, b: Float64Array, bAt: number, D: number): number {
  let s = 0;
  for (let d = 0; d < D; d++) {
    const diff = a[aAt + d] - b[bAt + d];
    s += diff * diff;
  }
  return s;
}
