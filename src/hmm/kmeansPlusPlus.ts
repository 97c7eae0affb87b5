import type { Random } from '../util/random.js';

/**
 * K cluster centres of N points in D dimensions: k-means++ seeding (the first centre uniformly,
 * each next one with probability proportional to the squared distance to the nearest centre
 * chosen so far) followed by Lloyd iterations until no point changes cluster, the centres move
 * less than scikit-learn's tolerance (total squared shift ≤ 1e-4 × mean feature variance) or
 * `maxIter` passes.
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

  // scikit-learn's stopping rule: total squared centre shift at most 1e-4 × the mean feature variance.
  const tolerance = 1e-4 * meanVariance(X, N, D);
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
    let shift = 0;
    for (let k = 0; k < K; k++) {
      if (counts[k] === 0) continue;
      for (let d = 0; d < D; d++) {
        const c = sums[k * D + d] / counts[k];
        shift += (c - centres[k * D + d]) ** 2;
        centres[k * D + d] = c;
      }
    }
    if (changed === 0 || shift <= tolerance) break;
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

function meanVariance(X: Float64Array, N: number, D: number): number {
  let total = 0;
  for (let d = 0; d < D; d++) {
    let mean = 0;
    for (let n = 0; n < N; n++) mean += X[n * D + d];
    mean /= N;
    let v = 0;
    for (let n = 0; n < N; n++) v += (X[n * D + d] - mean) ** 2;
    total += v / N;
  }
  return total / D;
}
