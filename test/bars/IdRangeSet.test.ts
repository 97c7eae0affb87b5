import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdRangeSet } from '../../src/bars/IdRangeSet.js';

describe('IdRangeSet', () => {
  it('keeps contiguous ids as one range', () => {
    const ids = new IdRangeSet();
    for (let id = 100; id < 1_100; id++) ids.addAbove(id);
    expect(ids.ranges).toBe(1);
    expect(ids.toJSON()).toEqual([100, 1_099]);
  });

  it('behaves like a Set of the ids added, in any order, with sorted disjoint ranges', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 80 }), (added) => {
        const ids = new IdRangeSet();
        const reference = new Set<number>();
        for (const id of added) {
          if (reference.size === 0 || id > Math.max(...reference)) ids.addAbove(id);
          else ids.add(id);
          reference.add(id);
        }
        for (let id = -1; id <= 61; id++) expect(ids.has(id)).toBe(reference.has(id));
        const bounds = ids.toJSON();
        for (let k = 1; k < bounds.length; k++)
          expect(bounds[k]).toBeGreaterThanOrEqual(bounds[k - 1] + (k % 2 === 0 ? 2 : 0));
        const copy = new IdRangeSet();
        copy.load(bounds);
        expect(copy.toJSON()).toEqual(bounds);
      }),
    );
  });

  it('forgets everything on clear()', () => {
    const ids = new IdRangeSet();
    ids.add(5);
    ids.clear();
    expect(ids.has(5)).toBe(false);
    expect(ids.ranges).toBe(0);
  });
});
