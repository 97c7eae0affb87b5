import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ewmaMeanSquare } from '../../src/evaluation/ewmaMeanSquare.js';
import { forwardMeanSquare } from '../../src/evaluation/forwardMeanSquare.js';
import { observedReturns } from '../../src/evaluation/observedReturns.js';

const returnsArb = fc.array(
  fc.oneof(fc.double({ min: -0.05, max: 0.05, noNaN: true }), fc.constant(Number.NaN)),
  { maxLength: 80 },
);

describe('observedReturns', () => {
  it('is NaN on the first bar, gap bars, the bar after a gap and bad closes', () => {
    const r = observedReturns([100, 101, 101, 102, 0, 5, 6], [0, 0, 1, 0, 0, 0, 0]);
    expect(r[0]).toBeNaN();
    expect(r[1]).toBeCloseTo(Math.log(1.01), 15);
    expect(r[2]).toBeNaN();
    expect(r[3]).toBeNaN();
    expect(r[4]).toBeNaN();
    expect(r[5]).toBeNaN();
    expect(r[6]).toBeCloseTo(Math.log(6 / 5), 15);
    expect(Array.from(observedReturns([1, 2]))).toEqual([Number.NaN, Math.log(2)]);
  });
});

describe('forwardMeanSquare', () => {
  it('hand-computed case', () => {
    const f = forwardMeanSquare(Float64Array.of(Number.NaN, 0.01, -0.02, 0.01), 2);
    expect(f[0]).toBeCloseTo(2.5e-4, 15);
    expect(f[1]).toBeCloseTo(2.5e-4, 15);
    expect(f[2]).toBeNaN();
    expect(f[3]).toBeNaN();
  });

  it('needs half the window observed', () => {
    const nan = Number.NaN;
    const f = forwardMeanSquare(Float64Array.of(0, 0.02, nan, nan, nan, 0.01), 4);
    expect(f[0]).toBeNaN(); // only r1 of r1…r4 observed: 1 < 4 / 2
    expect(f[1]).toBeNaN(); // t + 4 is past the end
    expect(forwardMeanSquare(Float64Array.of(0, 0.02, 0.04, nan, nan), 4)[0]).toBeCloseTo(1e-3, 15);
  });

  it('gives windows holding the same returns in the same order the same value, wherever they sit (ties stay ties)', () => {
    // Found by the evaluation's AUC property: after a big return, running-sum differences
    // rounded windows {0, 0, 0.02} and {0.02, 0, 0} apart, splitting a tie at the top-decile cut.
    const nan = Number.NaN;
    const r = Float64Array.of(nan, -7.2e-5, 0.02, nan, nan, 0, 0, 0.02, nan);
    const f = forwardMeanSquare(r, 5);
    expect(f[1]).toBe(f[2]);
    expect(f[2]).toBe(f[3]);
    fc.assert(
      fc.property(returnsArb, fc.integer({ min: 1, max: 10 }), (prefix, h) => {
        const window = Array.from({ length: h }, (_, j) => (j % 3 === 1 ? Number.NaN : 0.001 * (j + 1)));
        const a = forwardMeanSquare([...prefix, 0, ...window, 0], h)[prefix.length];
        const b = forwardMeanSquare([0, ...window], h)[0];
        expect(Object.is(a, b)).toBe(true);
      }),
    );
  });

  it('equals the mean of the observed squared returns of the next bars, summed in bar order (brute force)', () => {
    fc.assert(
      fc.property(returnsArb, fc.integer({ min: 1, max: 10 }), (r, h) => {
        const f = forwardMeanSquare(r, h);
        r.forEach((_, t) => {
          const window = r.slice(t + 1, t + 1 + h).filter((x) => !Number.isNaN(x));
          if (t + h >= r.length || 2 * window.length < h || window.length === 0) expect(f[t]).toBeNaN();
          else expect(f[t]).toBe(window.reduce((a, x) => a + x * x, 0) / window.length);
        });
      }),
    );
  });
});

describe('ewmaMeanSquare', () => {
  it('hand-computed case (half-life 1: weights halve each bar)', () => {
    const e = ewmaMeanSquare(Float64Array.of(Number.NaN, 0.01, 0.03, Number.NaN), 1);
    expect(e[0]).toBeNaN();
    expect(e[1]).toBeCloseTo(1e-4, 15);
    expect(e[2]).toBeCloseTo((0.5e-4 + 9e-4) / 1.5, 15);
    expect(e[3]).toBe(e[2]);
  });

  it('is causal, stays within the range of r² seen, and equals r² when it is constant', () => {
    fc.assert(
      fc.property(returnsArb, fc.double({ min: 0.5, max: 100, noNaN: true }), (r, halfLife) => {
        const e = ewmaMeanSquare(r, halfLife);
        const prefix = ewmaMeanSquare(r.slice(0, Math.floor(r.length / 2)), halfLife);
        prefix.forEach((x, t) => {
          expect(Object.is(x, e[t]) || x === e[t]).toBe(true);
        });
        let lo = Number.POSITIVE_INFINITY;
        let hi = 0;
        r.forEach((x, t) => {
          if (!Number.isNaN(x)) {
            lo = Math.min(lo, x * x);
            hi = Math.max(hi, x * x);
          }
          if (hi === 0 && lo === Number.POSITIVE_INFINITY) expect(e[t]).toBeNaN();
          else {
            expect(e[t]).toBeGreaterThanOrEqual(lo * (1 - 1e-12));
            expect(e[t]).toBeLessThanOrEqual(hi * (1 + 1e-12));
          }
        });
        const constant = ewmaMeanSquare(new Float64Array(20).fill(0.003), halfLife);
        for (const x of constant) expect(x).toBeCloseTo(9e-6, 18);
      }),
    );
  });
});
