import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DECISION_RULE,
  decideState,
  decideStateHeld,
  MAX_MIN_DWELL_BARS,
  nextStateBars,
  parseDecisionRule,
} from '../../src/models/decisionRule.js';

/** The reported states of a whole sequence of filtered probabilities under a rule. */
function label(probabilities: number[][], margin: number, minDwellBars: number): number[] {
  const rule = { rule: 'hysteresis', margin, minDwellBars } as const;
  let state = -1;
  let bars = 0;
  return probabilities.map((p) => {
    const next = decideStateHeld(p, state, bars, rule);
    bars = nextStateBars(next, state, bars);
    state = next;
    return state;
  });
}

const simplex = fc
  .array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 })
  .map((w) => w.map((x) => x / w.reduce((a, b) => a + b, 0)));

describe('decision rule', () => {
  it('parses a rule with a minimum dwell, writes no hold as no field, and names a bad field', () => {
    expect(parseDecisionRule({ rule: 'hysteresis', margin: 0.4, minDwellBars: 4 })).toEqual({
      rule: 'hysteresis',
      margin: 0.4,
      minDwellBars: 4,
    });
    expect(parseDecisionRule({ rule: 'hysteresis', margin: 0.9, minDwellBars: 1 })).toEqual({
      rule: 'hysteresis',
      margin: 0.9,
    });
    expect(parseDecisionRule(DEFAULT_DECISION_RULE)).toEqual(DEFAULT_DECISION_RULE);
    for (const minDwellBars of [0, 2.5, MAX_MIN_DWELL_BARS + 1, '4', Number.NaN])
      expect(() =>
        parseDecisionRule({ rule: 'hysteresis', margin: 0, minDwellBars }, 'options.decision'),
      ).toThrow(/options\.decision\.minDwellBars/);
  });

  it('never reports a run shorter than the dwell (but the last), and equals plain hysteresis with a dwell of 1', () => {
    fc.assert(
      fc.property(
        fc.array(simplex, { minLength: 1, maxLength: 300 }),
        fc.double({ min: 0, max: 0.99, noNaN: true }),
        fc.integer({ min: 1, max: 12 }),
        (p, margin, dwell) => {
          const states = label(p, margin, dwell);
          const runs: number[] = [];
          let length = 0;
          states.forEach((s, t) => {
            if (t > 0 && s !== states[t - 1]) {
              runs.push(length);
              length = 0;
            }
            length++;
          });
          for (const run of runs) expect(run).toBeGreaterThanOrEqual(dwell);
          // Without a hold it is decideState step by step.
          let previous = -1;
          const plain = p.map((q) => (previous = decideState(q, previous, margin)));
          expect(label(p, margin, 1)).toEqual(plain);
          // A dwell only delays changes: at every change the new state is the one plain hysteresis
          // from the held state would pick.
          states.forEach((s, t) => {
            if (t > 0 && s !== states[t - 1]) expect(s).toBe(decideState(p[t], states[t - 1], margin));
          });
        },
      ),
    );
  });

  it('counts bars in state up to the longest dwell', () => {
    expect(nextStateBars(1, 1, 7)).toBe(8);
    expect(nextStateBars(0, 1, 7)).toBe(1);
    expect(nextStateBars(2, -1, 0)).toBe(1);
    expect(nextStateBars(1, 1, MAX_MIN_DWELL_BARS)).toBe(MAX_MIN_DWELL_BARS);
  });
});
