import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelPersistence } from '../../src/evaluation/labelPersistence.js';

/** Runs as [state, length, stretch] by a direct split, for the brute-force comparison. */
function splitRuns(states: number[]): [number, number, number][] {
  const runs: [number, number, number][] = [];
  let stretch = 0;
  states.forEach((s, t) => {
    if (s < 0) {
      if (t > 0 && states[t - 1] >= 0) stretch++;
      return;
    }
    const last = runs[runs.length - 1];
    if (last !== undefined && t > 0 && states[t - 1] === s) last[1]++;
    else runs.push([s, 1, stretch]);
  });
  return runs;
}

describe('labelPersistence', () => {
  it('hand-computed cases', () => {
    expect(labelPersistence(Int8Array.of(0, 0, 1, 0, 0), 3)).toEqual({
      runs: 3,
      switches: 2,
      shortRuns: 3,
      interiorRuns: 1,
      flips: 1,
    });
    expect(labelPersistence(Int8Array.of(0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0), 3)).toEqual({
      runs: 3,
      switches: 2,
      shortRuns: 0,
      interiorRuns: 1,
      flips: 0, // B lasts 4 bars: a real excursion, not a flip
    });
    expect(labelPersistence(Int8Array.of(0, 1, 2, -1, 2, 2, 2, 2), 3)).toEqual({
      runs: 4,
      switches: 2, // none across the cold bar
      shortRuns: 3,
      interiorRuns: 1,
      flips: 0, // 0-1-2 is no A-B-A
    });
    expect(labelPersistence(Int8Array.of(-1, -1), 3)).toEqual({
      runs: 0,
      switches: 0,
      shortRuns: 0,
      interiorRuns: 0,
      flips: 0,
    });
  });

  it('matches a direct split into runs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1, max: 2 }), { maxLength: 120 }),
        fc.integer({ min: 1, max: 5 }),
        (states, short) => {
          const runs = splitRuns(states);
          const p = labelPersistence(Int8Array.from(states), short);
          const stretches = new Set(runs.map((r) => r[2])).size;
          expect(p.runs).toBe(runs.length);
          expect(p.switches).toBe(runs.length - stretches);
          expect(p.shortRuns).toBe(runs.filter((r) => r[1] <= short).length);
          let interior = 0;
          let flips = 0;
          for (let i = 1; i + 1 < runs.length; i++) {
            if (runs[i - 1][2] !== runs[i][2] || runs[i + 1][2] !== runs[i][2]) continue;
            interior++;
            if (runs[i - 1][0] === runs[i + 1][0] && runs[i][1] <= short) flips++;
          }
          expect(p.interiorRuns).toBe(interior);
          expect(p.flips).toBe(flips);
        },
      ),
    );
  });
});
