import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StateStatistics } from '../../../src/cli/evaluate/StateStatistics.js';
import type { RegimeSignal } from '../../../src/pipeline/signal.js';

const LABELS = ['Stable', 'Volatile', 'Crisis'];

function signal(t: number, close: number, warm: boolean, state: number): RegimeSignal {
  return {
    symbol: 'X',
    interval: 60_000,
    bar: {
      symbol: 'X',
      openTime: t * 60_000,
      closeTime: t * 60_000 + 59_999,
      open: close,
      high: close,
      low: close,
      close,
      volume: 1,
      gap: false,
    },
    features: {},
    anomaly: { score: -0.5, threshold: -0.6, isAnomaly: false },
    regime: {
      state,
      label: LABELS[state],
      probabilities: [0, 0, 0].map((_, k) => (k === state ? 1 : 0)),
      changed: false,
      mostProbableState: state,
      mostProbableLabel: LABELS[state],
    },
    warm,
    outOfRange: false,
  };
}

/** Replays: each a list of (close, warm, state). */
const replays = fc.array(
  fc.array(
    fc.tuple(fc.double({ min: 1, max: 2, noNaN: true }), fc.boolean(), fc.integer({ min: 0, max: 2 })),
    { maxLength: 60 },
  ),
  { minLength: 1, maxLength: 4 },
);

/** The figures by their definitions: every warm bar after the first bar of its replay, runs of equal state. */
function reference(data: [number, boolean, number][][]) {
  const returns: number[][] = [[], [], []];
  const runs = [0, 0, 0];
  const longest = [0, 0, 0];
  for (const replay of data) {
    let run = { state: -1, length: 0 };
    for (let i = 0; i < replay.length; i++) {
      const [close, warm, state] = replay[i];
      if (!warm || i === 0) {
        run = { state: -1, length: 0 };
        continue;
      }
      returns[state].push(Math.log(close / replay[i - 1][0]));
      if (state !== run.state) {
        runs[state]++;
        run = { state, length: 0 };
      }
      run.length++;
      longest[state] = Math.max(longest[state], run.length);
    }
  }
  return { returns, runs, longest };
}

function feed(stats: StateStatistics, data: [number, boolean, number][][], peekEvery = 0): void {
  let t = 0;
  for (const replay of data) {
    for (const [close, warm, state] of replay) {
      stats.add(signal(t++, close, warm, state));
      if (peekEvery > 0 && t % peekEvery === 0) stats.result();
    }
    stats.endSequence();
  }
}

describe('StateStatistics', () => {
  it('gives every state its bars, runs, longest run and return moments by their definitions', () => {
    fc.assert(
      fc.property(replays, (data) => {
        const stats = new StateStatistics(LABELS);
        feed(stats, data);
        const ref = reference(data);
        const total = ref.returns.reduce((n, r) => n + r.length, 0);
        stats.result().forEach((s, k) => {
          const r = ref.returns[k];
          expect(s.bars).toBe(r.length);
          expect(s.runs).toBe(ref.runs[k]);
          expect(s.longestRunBars).toBe(ref.longest[k]);
          expect(s.share).toBeCloseTo(total > 0 ? r.length / total : 0, 12);
          expect(s.meanDwellBars).toBeCloseTo(ref.runs[k] > 0 ? r.length / ref.runs[k] : 0, 12);
          const mean = r.length > 0 ? r.reduce((a, b) => a + b, 0) / r.length : 0;
          expect(s.meanReturn).toBeCloseTo(mean, 12);
          expect(s.realizedVolatility).toBeCloseTo(
            Math.sqrt(r.length > 0 ? r.reduce((a, b) => a + b * b, 0) / r.length : 0),
            12,
          );
          expect(s.sdReturn).toBeCloseTo(
            Math.sqrt(r.length > 0 ? r.reduce((a, b) => a + (b - mean) ** 2, 0) / r.length : 0),
            9,
          );
        });
      }),
      // Two nearly equal returns (sd ~1e-7 against a mean of 0.69): E[r²] − mean² lost the sd here.
      {
        examples: [
          [
            [
              [
                [1, false, 0],
                [1.9999997339917466, true, 2],
                [1, false, 0],
                [1.9999999646023474, true, 2],
              ],
              [],
            ],
          ],
        ],
      },
    );
  });

  it('reads the same whether or not result() was called along the way', () => {
    fc.assert(
      fc.property(replays, fc.integer({ min: 1, max: 7 }), (data, every) => {
        const plain = new StateStatistics(LABELS);
        const peeked = new StateStatistics(LABELS);
        feed(plain, data);
        feed(peeked, data, every);
        expect(peeked.result()).toEqual(plain.result());
      }),
    );
  });
});
