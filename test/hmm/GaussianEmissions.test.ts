import fc from 'fast-check';
import { determinant, inverse, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { GaussianEmissions } from '../../src/hmm/GaussianEmissions.js';

/** log N(x; μ, Σ) the textbook way, with ml-matrix's inverse and determinant. */
function referenceLogDensity(x: number[], mean: number[], covar: Matrix): number {
  const D = x.length;
  const d = Matrix.columnVector(x.map((v, i) => v - mean[i]));
  const q = d.transpose().mmul(inverse(covar)).mmul(d).get(0, 0);
  return -0.5 * (D * Math.log(2 * Math.PI) + Math.log(determinant(covar)) + q);
}

const value = fc.double({ min: -3, max: 3, noNaN: true });

/** K states in D dimensions (D = 1..6 reaches the straight-line kernels and the general loop), plus x. */
const modelArb = fc
  .record({ K: fc.integer({ min: 1, max: 4 }), D: fc.integer({ min: 1, max: 6 }) })
  .chain(({ K, D }) =>
    fc.record({
      means: fc.array(fc.array(value, { minLength: D, maxLength: D }), { minLength: K, maxLength: K }),
      // Σ = A·Aᵀ + ½·I: symmetric positive definite and not badly conditioned.
      factors: fc.array(fc.array(value, { minLength: D * D, maxLength: D * D }), {
        minLength: K,
        maxLength: K,
      }),
      variances: fc.array(
        fc.array(fc.double({ min: 0.05, max: 20, noNaN: true }), { minLength: D, maxLength: D }),
        { minLength: K, maxLength: K },
      ),
      x: fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: D, maxLength: D }),
    }),
  );

describe('GaussianEmissions.logDensities', () => {
  it('equals the textbook log-density for full covariances, D = 1..6', () => {
    fc.assert(
      fc.property(modelArb, ({ means, factors, x }) => {
        const K = means.length;
        const D = x.length;
        const covars = factors.map((a) => {
          const M = Matrix.from1DArray(D, D, a);
          return M.mmul(M.transpose()).add(Matrix.eye(D, D).mul(0.5));
        });
        const em = new GaussianEmissions(
          'full',
          K,
          D,
          Float64Array.from(means.flat()),
          Float64Array.from(covars.flatMap((c) => c.to1DArray())),
        );
        const out = new Float64Array(K);
        em.logDensities(x, 0, out, 0);
        for (let k = 0; k < K; k++) {
          const expected = referenceLogDensity(x, means[k], covars[k]);
          expect(Math.abs(out[k] - expected)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(expected)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('equals the textbook log-density for diagonal covariances, D = 1..6', () => {
    fc.assert(
      fc.property(modelArb, ({ means, variances, x }) => {
        const K = means.length;
        const D = x.length;
        const em = new GaussianEmissions(
          'diag',
          K,
          D,
          Float64Array.from(means.flat()),
          Float64Array.from(variances.flat()),
        );
        const out = new Float64Array(K);
        em.logDensities(x, 0, out, 0);
        for (let k = 0; k < K; k++) {
          const expected = referenceLogDensity(x, means[k], Matrix.diag(variances[k]));
          expect(Math.abs(out[k] - expected)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(expected)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reads the observation at the given offset and writes at the given output offset', () => {
    const em = new GaussianEmissions(
      'full',
      2,
      3,
      Float64Array.of(0, 0, 0, 1, 2, 3),
      Float64Array.of(2, 0.5, 0, 0.5, 1, 0.2, 0, 0.2, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1),
    );
    const rows = Float64Array.of(9, 9, 9, 0.5, -1, 2, 9);
    const out = new Float64Array(5).fill(7);
    em.logDensities(rows, 3, out, 2);
    const covar0 = new Matrix([
      [2, 0.5, 0],
      [0.5, 1, 0.2],
      [0, 0.2, 1],
    ]);
    expect(out[2]).toBeCloseTo(referenceLogDensity([0.5, -1, 2], [0, 0, 0], covar0), 12);
    expect(out[3]).toBeCloseTo(referenceLogDensity([0.5, -1, 2], [1, 2, 3], Matrix.eye(3, 3)), 12);
    expect([out[0], out[1], out[4]]).toEqual([7, 7, 7]);
  });
});
