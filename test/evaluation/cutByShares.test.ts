import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutByShares } from '../../src/evaluation/cutByShares.js';

describe('cutByShares', () => {
  it('hand-computed cases', () => {
    expect(Array.from(cutByShares([5, 1, 3, 2], [0.5, 0.25, 0.25]))).toEqual([2, 0, 1, 0]);
    expect(Array.from(cutByShares([1, 2, 3], [0, 0, 1]))).toEqual([2, 2, 2]);
    expect(Array.from(cutByShares([3, 3, 3, 3], [2, 2]))).toEqual([0, 0, 1, 1]);
    expect(cutByShares([], [1, 1])).toHaveLength(0);
  });

  it('gives each state its share (to the nearest bar) and never ranks a lower value in a higher state', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { maxLength: 200 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 }),
        (values, raw) => {
          const shares = raw.some((x) => x > 0) ? raw : raw.map(() => 1);
          const total = shares.reduce((a, b) => a + b, 0);
          const state = cutByShares(values, shares);
          const n = values.length;
          let cumulative = 0;
          let before = 0;
          shares.forEach((share, k) => {
            cumulative += share;
            const end = k === shares.length - 1 ? n : Math.round((n * cumulative) / total);
            const count = state.filter((s) => s === k).length;
            expect(count).toBe(Math.max(0, end - before));
            before = Math.max(before, end);
          });
          values.forEach((a, i) => {
            values.forEach((b, j) => {
              if (a < b) expect(state[i]).toBeLessThanOrEqual(state[j]);
            });
          });
        },
      ),
    );
  });
});
