import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EvaluationSpan } from '../../src/evaluation/EvaluationSpan.js';
import { evaluateSignals } from '../../src/evaluation/evaluateSignals.js';
import type { RegimeSignal } from '../../src/pipeline/signal.js';

const MINUTE = 60_000;

/** One detector-like signal per column entry (one-hot probabilities unless given). */
function signalsOf(span: EvaluationSpan, probabilities?: number[][]): RegimeSignal[] {
  return Array.from({ length: span.close.length }, (_, t) => {
    const state = span.state[t];
    return {
      symbol: 'X',
      interval: span.intervalMs,
      bar: {
        symbol: 'X',
        openTime: t * span.intervalMs,
        closeTime: (t + 1) * span.intervalMs - 1,
        open: span.close[t],
        high: span.close[t],
        low: span.close[t],
        close: span.close[t],
        volume: span.gap?.[t] ? 0 : 1,
        gap: Boolean(span.gap?.[t]),
      },
      features: {},
      anomaly: { score: 0, threshold: 0, isAnomaly: Boolean(span.anomaly?.[t]) },
      regime: {
        state: Math.max(state, 0),
        label: 'x',
        probabilities:
          probabilities?.[t] ??
          Array.from({ length: span.states }, (_, k) => (k === Math.max(state, 0) ? 1 : 0)),
        changed: false,
        mostProbableState: Math.max(state, 0),
        mostProbableLabel: 'x',
      },
      warm: state >= 0,
      outOfRange: Boolean(span.outOfRange?.[t]),
    };
  });
}

describe('evaluateSignals: a hand-computed span', () => {
  // Bar 4 is a gap bar (close carried over): r4 and r5 are not observations.
  const close = [100, 101, 100.5, 102, 102, 103, 104, 103];
  const span: EvaluationSpan = {
    name: 'hand',
    intervalMs: MINUTE,
    states: 3,
    close,
    state: [-1, 0, 0, 2, 2, 2, 0, 0],
    anomaly: [0, 1, 0, 0, 0, 1, 0, 0],
    gap: [0, 0, 0, 0, 1, 0, 0, 0],
    outOfRange: [1, 0, 1, 1, 0, 0, 0, 0], // the first (cold) bar does not count
  };
  const r = (t: number) => Math.log(close[t] / close[t - 1]);
  const { spans, pooled } = evaluateSignals([span], { horizonBars: 2 });
  const e = spans[0];

  it('counts warm bars, gap bars, days and the anomaly rate', () => {
    expect(e.name).toBe('hand');
    expect(e.bars).toBe(8);
    expect(e.warmBars).toBe(7);
    expect(e.gapBars).toBe(1);
    expect(e.days).toBeCloseTo(7 / 1440, 15);
    expect(e.anomalyRate).toBeCloseTo(2 / 7, 15);
    expect(e.outOfRangeRate).toBeCloseTo(2 / 7, 15);
  });

  it('shares, switches, short runs and A-B-A flips', () => {
    const g = e.regime;
    expect(g.shares[0]).toBeCloseTo(4 / 7, 15);
    expect(g.shares[1]).toBe(0);
    expect(g.shares[2]).toBeCloseTo(3 / 7, 15);
    expect(g.switches).toBe(2);
    expect(g.switchesPerDay).toBeCloseTo(2 / (7 / 1440), 9);
    expect(g.runs).toBe(3);
    expect(g.meanRunBars).toBeCloseTo(7 / 3, 15);
    expect(g.shortRunShare).toBe(1);
    expect(g.flipShare).toBe(1); // 0 0 | 2 2 2 | 0 0: three bars of Crisis and back
  });

  it('concurrent and forward volatility per state leave out the gap bar and the bar after it', () => {
    const g = e.regime;
    const stable = Math.sqrt((r(1) ** 2 + r(2) ** 2 + r(6) ** 2 + r(7) ** 2) / 4);
    expect(g.realizedVolatility[0]).toBeCloseTo(stable, 15);
    expect(g.realizedVolatility[1]).toBeNaN();
    expect(g.realizedVolatility[2]).toBeCloseTo(Math.abs(r(3)), 15);
    expect(g.crisisStableVolatility).toBeCloseTo(Math.abs(r(3)) / stable, 12);
    // Forward mean r² over 2 bars: t1 (r2, r3), t2 (r3 only), t3 none, t4 (r6), t5 (r6, r7), t6/t7 past the end.
    const f1 = (r(2) ** 2 + r(3) ** 2) / 2;
    const f2 = r(3) ** 2;
    const f4 = r(6) ** 2;
    const f5 = (r(6) ** 2 + r(7) ** 2) / 2;
    expect(g.forwardVolatility[0]).toBeCloseTo(Math.sqrt((f1 + f2) / 2), 15);
    expect(g.forwardVolatility[2]).toBeCloseTo(Math.sqrt((f4 + f5) / 2), 15);
    expect(g.forwardCrisisStableVolatility).toBeCloseTo(Math.sqrt((f4 + f5) / (f1 + f2)), 12);
    expect(e.forwardBars).toBe(4);
  });

  it('forward AUC of the regime score and of the EWMA, and the onset lag', () => {
    // Top decile of {f1, f2, f4, f5} is f2 alone (bar 2, state 0); negatives: bar 1 (0), bars 4, 5 (2).
    expect(e.topDecileBars).toBe(1);
    expect(e.regime.forwardAuc).toBeCloseTo(0.5 / 3, 15);
    // EWMA (half-life 30) at bar 2 covers r1, r2; at bars 4 and 5 also r3 (the largest), at bar 1 only r1.
    const d = 2 ** (-1 / 30);
    const ewma1 = r(1) ** 2;
    const ewma2 = (d * r(1) ** 2 + r(2) ** 2) / (d + 1);
    const ewma4 = (d * d * r(1) ** 2 + d * r(2) ** 2 + r(3) ** 2) / (d * d + d + 1);
    const wins = [ewma1, ewma4, ewma4].reduce((a, x) => a + (x < ewma2 ? 1 : x === ewma2 ? 0.5 : 0), 0);
    expect(wins).toBe(0); // bar 2's EWMA is the lowest: the baseline ranks the positive last
    expect(e.ewma.forwardAuc).toBe(0);
    // The episode starts at bar 2; Crisis first at bar 3.
    expect(e.regime.onset).toEqual({ episodes: 1, detected: 1, medianLagBars: 1, meanLagBars: 1 });
  });

  it('the EWMA cut into the same shares, and the pooled result of one span is that span', () => {
    expect(e.ewma.shares).toEqual(e.regime.shares);
    expect({ ...pooled, name: 'hand' }).toEqual(e);
  });

  it('gives the same result from signals as from columns', () => {
    const fromSignals = evaluateSignals([signalsOf(span)], { horizonBars: 2 });
    expect({ ...fromSignals.spans[0], name: 'hand' }).toEqual(e);
  });
});

/** Random spans: closes from bounded returns, states with cold stretches, gaps, anomalies. */
const spanArb = fc
  .array(
    fc.record({
      r: fc.double({ min: -0.02, max: 0.02, noNaN: true }),
      state: fc.integer({ min: -1, max: 2 }),
      sticky: fc.boolean(),
      gap: fc.integer({ min: 0, max: 9 }),
      anomaly: fc.boolean(),
    }),
    { minLength: 1, maxLength: 300 },
  )
  .map((rows): EvaluationSpan => {
    const close: number[] = [];
    const state: number[] = [];
    let c = 100;
    rows.forEach((row, t) => {
      c *= Math.exp(row.gap === 0 ? 0 : row.r);
      close.push(c);
      state.push(row.sticky && t > 0 ? state[t - 1] : row.state);
    });
    return {
      name: 'random',
      intervalMs: MINUTE,
      states: 3,
      close,
      state,
      gap: rows.map((row) => (row.gap === 0 ? 1 : 0)),
      anomaly: rows.map((row) => row.anomaly),
    };
  });

describe('evaluateSignals: invariants', () => {
  it('shares sum to 1, the EWMA has the model shares, AUCs lie in [0, 1], pooled counts add up', () => {
    fc.assert(
      fc.property(fc.array(spanArb, { minLength: 1, maxLength: 4 }), (spans) => {
        const { spans: each, pooled } = evaluateSignals(spans, { horizonBars: 10 });
        for (const e of [...each, pooled]) {
          if (e.warmBars === 0) {
            expect(e.regime.shares.every(Number.isNaN)).toBe(true);
            continue;
          }
          expect(e.regime.shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
          expect(e.regime.switches).toBeLessThanOrEqual(e.warmBars - 1);
          expect(e.regime.runs).toBeGreaterThan(e.regime.switches);
          for (const auc of [e.regime.forwardAuc, e.ewma.forwardAuc]) {
            if (!Number.isNaN(auc)) {
              expect(auc).toBeGreaterThanOrEqual(0);
              expect(auc).toBeLessThanOrEqual(1);
            }
          }
          expect(e.anomalyRate).toBeGreaterThanOrEqual(0);
          expect(e.anomalyRate).toBeLessThanOrEqual(1);
        }
        each.forEach((e) => {
          // The EWMA is cut into the model's shares, to the nearest bar of the bars with an EWMA value.
          const ewmaBars = Math.round(e.ewma.meanRunBars * e.ewma.runs);
          if (!(ewmaBars > 0)) return;
          e.ewma.shares.forEach((share, k) => {
            expect(Math.abs(share - e.regime.shares[k])).toBeLessThanOrEqual(1 / ewmaBars + 1e-12);
          });
        });
        const sum = (key: 'bars' | 'warmBars' | 'gapBars' | 'forwardBars' | 'topDecileBars') =>
          each.reduce((a, e) => a + e[key], 0);
        for (const key of ['bars', 'warmBars', 'gapBars', 'forwardBars', 'topDecileBars'] as const)
          expect(pooled[key]).toBe(sum(key));
        expect(pooled.regime.switches).toBe(each.reduce((a, e) => a + e.regime.switches, 0));
        expect(pooled.regime.runs).toBe(each.reduce((a, e) => a + e.regime.runs, 0));
      }),
      { numRuns: 60 },
    );
  });

  it('a perfect score (the forward volatility itself) has AUC 1, its negation 0', () => {
    fc.assert(
      fc.property(spanArb, (span) => {
        const horizon = 5;
        const n = span.close.length;
        // Forward mean r² by brute force, with the evaluation's rules for gaps.
        const gap = span.gap ?? [];
        const observed = (t: number) =>
          t >= 1 && !gap[t] && !gap[t - 1] ? Math.log(span.close[t] / span.close[t - 1]) : Number.NaN;
        const forward = Array.from({ length: n }, (_, t) => {
          const window = Array.from({ length: horizon }, (_, j) => observed(t + 1 + j)).filter(
            (x) => !Number.isNaN(x),
          );
          return t + horizon < n && 2 * window.length >= horizon
            ? window.reduce((a, x) => a + x * x, 0) / window.length
            : 0;
        });
        const perfect = evaluateSignals([{ ...span, score: forward }], { horizonBars: horizon }).pooled;
        const negated = evaluateSignals([{ ...span, score: forward.map((x) => -x) }], {
          horizonBars: horizon,
        }).pooled;
        if (perfect.topDecileBars === 0 || perfect.topDecileBars === perfect.forwardBars) {
          expect(perfect.regime.forwardAuc).toBeNaN();
        } else {
          expect(perfect.regime.forwardAuc).toBe(1);
          expect(negated.regime.forwardAuc).toBe(0);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('refuses inconsistent spans and bad options', () => {
    const ok: EvaluationSpan = { name: 'a', intervalMs: MINUTE, states: 3, close: [1, 2], state: [0, 1] };
    expect(() => evaluateSignals([{ ...ok, state: [0] }])).toThrow(/2 closes but 1 state/);
    expect(() => evaluateSignals([{ ...ok, state: [0, 3] }])).toThrow(/bar 1 has state 3/);
    expect(() => evaluateSignals([ok, { ...ok, states: 2 }])).toThrow(/has 2 states, others 3/);
    expect(() => evaluateSignals([ok], { horizonBars: 0 })).toThrow(/horizonBars/);
    expect(() => evaluateSignals([ok], { topQuantile: 1 })).toThrow(/topQuantile/);
    expect(() => evaluateSignals([ok], { labels: ['a', 'b'] })).toThrow(/2 labels for 3 states/);
    expect(evaluateSignals([ok]).labels).toEqual(['Stable', 'Volatile', 'Crisis']);
  });
});
