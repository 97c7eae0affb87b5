import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/util/random.js';

describe('Random', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const draw = (seed: number) => {
      const r = new Random(seed);
      return Array.from({ length: 20 }, () => r.uint32());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('float() stays in [0, 1) and int(n) in [0, n)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 1000 }), (seed, n) => {
        const r = new Random(seed);
        for (let i = 0; i < 50; i++) {
          const u = r.float();
          const k = r.int(n);
          if (!(u >= 0 && u < 1) || !Number.isInteger(k) || k < 0 || k >= n) return false;
        }
        return true;
      }),
    );
  });

  it('is close to uniform and normal in distribution', () => {
    const r = new Random(1);
    const n = 200_000;
    const counts = new Array(10).fill(0);
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      counts[r.int(10)]++;
      const z = r.normal();
      sum += z;
      sumSq += z * z;
    }
    const chi2 = counts.reduce((acc, c) => acc + (c - n / 10) ** 2 / (n / 10), 0);
    expect(chi2).toBeLessThan(27.9); // p = 0.001 for 9 degrees of freedom
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(0.02);
  });

  it('rejects seeds and ranges it cannot honour', () => {
    expect(() => new Random(Number.NaN)).toThrow(RangeError);
    expect(() => new Random(0).int(0)).toThrow(RangeError);
  });
});
