import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rocAuc } from '../../src/evaluation/rocAuc.js';

/** Pairwise definition: P(score of a positive > score of a negative) + ½ P(tie). */
function pairwiseAuc(score: number[], label: number[]): number {
  let wins = 0;
  let pairs = 0;
  score.forEach((sp, i) => {
    if (!label[i]) return;
    score.forEach((sn, j) => {
      if (label[j]) return;
      pairs++;
      wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

const scored = fc
  .array(fc.record({ score: fc.integer({ min: -5, max: 5 }), label: fc.integer({ min: 0, max: 1 }) }), {
    minLength: 2,
    maxLength: 60,
  })
  .filter((rows) => rows.some((r) => r.label === 1) && rows.some((r) => r.label === 0));

describe('rocAuc', () => {
  it('hand-computed cases', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 15);
    expect(rocAuc([1, 2, 3, 4], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([1, 2, 3, 4], [1, 1, 0, 0])).toBe(0);
    expect(rocAuc([7, 7, 7, 7], [1, 0, 1, 0])).toBe(0.5);
    expect(rocAuc([1, 2, 2, 3], [0, 1, 0, 1])).toBeCloseTo(0.875, 15);
    expect(rocAuc([1, 2, 3], [true, false, true])).toBeCloseTo(0.5, 15);
  });

  it('is NaN without positives or without negatives', () => {
    expect(rocAuc([1, 2], [0, 0])).toBeNaN();
    expect(rocAuc([1, 2], [1, 1])).toBeNaN();
    expect(rocAuc([], [])).toBeNaN();
  });

  it('equals the pairwise definition, ties counted half', () => {
    fc.assert(
      fc.property(scored, (rows) => {
        const s = rows.map((r) => r.score);
        const l = rows.map((r) => r.label);
        expect(rocAuc(s, l)).toBeCloseTo(pairwiseAuc(s, l), 12);
      }),
    );
  });

  it('a perfect score gives 1, its negation 0, and negating any score gives 1 − AUC', () => {
    fc.assert(
      fc.property(scored, (rows) => {
        const l = rows.map((r) => r.label);
        expect(rocAuc(l, l)).toBe(1);
        expect(
          rocAuc(
            l.map((x) => -x),
            l,
          ),
        ).toBe(0);
        const s = rows.map((r) => r.score);
        expect(
          rocAuc(
            s.map((x) => -x),
            l,
          ),
        ).toBeCloseTo(1 - rocAuc(s, l), 12);
      }),
    );
  });

  it('depends only on the order of the scores', () => {
    fc.assert(
      fc.property(scored, (rows) => {
        const s = rows.map((r) => r.score);
        const l = rows.map((r) => r.label);
        expect(
          rocAuc(
            s.map((x) => Math.exp(x) * 3 + 1),
            l,
          ),
        ).toBeCloseTo(rocAuc(s, l), 12);
      }),
    );
  });
});
