import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { averagePathLength } from '../../src/anomaly/averagePathLength.js';

/** Exact harmonic number H(m) = 1 + 1/2 + … + 1/m, summed smallest terms first. */
function harmonic(m: number): number {
  let h = 0;
  for (let k = m; k >= 1; k--) h += 1 / k;
  return h;
}

describe('averagePathLength', () => {
  it('is 0 for n <= 1 and 1 for n = 2, as scikit-learn defines it', () => {
    expect(averagePathLength(0)).toBe(0);
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
  });

  it('equals 2·H(n−1) − 2(n−1)/n with H(m) ≈ ln m + γ, i.e. the exact form minus 1/m − 1/(6m²) + O(m⁻⁴)', () => {
    // H(m) = ln m + γ + 1/(2m) − 1/(12m²) + 1/(120m⁴) − …, so the approximation scikit-learn uses
    // sits below the exact closed form by 2·(1/(2m) − 1/(12m²)) up to 2/(120m⁴).
    for (let n = 3; n <= 5000; n++) {
      const m = n - 1;
      const exact = 2 * harmonic(m) - (2 * m) / n;
      const expected = exact - 2 * (1 / (2 * m) - 1 / (12 * m * m));
      expect(Math.abs(averagePathLength(n) - expected)).toBeLessThanOrEqual(2 / (120 * m ** 4) + 1e-12);
    }
  });

  it('grows with n and stays below 2·ln(n)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 10_000_000 }), (n) => {
        const c = averagePathLength(n);
        return averagePathLength(n + 1) > c && c < 2 * Math.log(n);
      }),
    );
  });
});
