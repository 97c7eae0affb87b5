import { check, finiteNumber, integer, plainObject, quoteValue } from '../util/validate.js';

/** Longest minimum dwell a rule may ask for: one day of 1-minute bars. */
export const MAX_MIN_DWELL_BARS = 1440;

/**
 * How a detector turns the filter's state probabilities into the regime it reports — the
 * probabilities themselves stay the filter's.
 *
 * `hysteresis`: the reported state changes only when another state's filtered probability exceeds
 * the current state's by more than `margin`; then it becomes that (most probable) state. With
 * margin 0 it is the filter's most probable state (on an exact tie the current state stays).
 * A margin of 0.9 means the filter must be at least 95 % sure of the new state before the label
 * moves. `minDwellBars` (default 1: no hold) keeps a newly reported state for at least that many
 * warm bars, the bar of the change included, before it may change again: with 4, no reported run is
 * shorter than 4 bars, while a change after a calm stretch is reported at once. The bundled
 * default model uses margin 0.4 with a 4-bar dwell (see the model cards in `docs/models/`).
 *
 * @example
 * ```ts
 * const rule: RegimeDecisionRule = { rule: 'hysteresis', margin: 0.4, minDwellBars: 4 };
 * createRegimeDetector({ decision: { rule: 'hysteresis', margin: 0 } }); // the filter's argmax
 * ```
 */
export interface RegimeDecisionRule {
  rule: 'hysteresis';
  /** In [0, 1): how much more probable the new state must be than the current one. */
  margin: number;
  /**
   * An integer in [1, {@link MAX_MIN_DWELL_BARS}]: warm bars a newly reported state is held, the bar
   * of the change included, before it may change again. Absent: 1 (no hold).
   */
  minDwellBars?: number;
}

/**
 * The rule {@link trainModel} stores in new models unless told otherwise: hysteresis with margin
 * 0.4 and a 4-bar minimum dwell, chosen on walk-forward evidence (the model cards in
 * `docs/models/`): on every BTCUSDT span left out in turn and five USD-M months never trained on,
 * no reported run is shorter than 4 bars (argmax: 13–35 % of runs are ≤ 3 bars) and the pooled
 * switches per day fall from 22.3 to 16.5, for at most 3 % less Crisis/Stable contrast than the
 * argmax on the worst span (margin 0.9 alone: 7 % less, at 12.9 switches a day).
 *
 * @example
 * ```ts
 * trainModel({ bars, decision: DEFAULT_DECISION_RULE });
 * ```
 */
export const DEFAULT_DECISION_RULE: Readonly<RegimeDecisionRule> = Object.freeze({
  rule: 'hysteresis',
  margin: 0.4,
  minDwellBars: 4,
});

/**
 * The rule of models that do not declare one (model files of version 1): the filter's argmax.
 *
 * @example
 * ```ts
 * ARGMAX_RULE.margin; // 0
 * ```
 */
export const ARGMAX_RULE: Readonly<RegimeDecisionRule> = Object.freeze({ rule: 'hysteresis', margin: 0 });

/**
 * Validates an untrusted decision rule (from a model file or options); errors are
 * `ModelValidationError`s naming the field, e.g. `decision.margin`.
 *
 * @example
 * ```ts
 * const rule = parseDecisionRule({ rule: 'hysteresis', margin: 0.4, minDwellBars: 4 }, 'decision');
 * ```
 */
export function parseDecisionRule(value: unknown, path = 'decision'): RegimeDecisionRule {
  const o = plainObject(value, path);
  check(o.rule === 'hysteresis', `${path}.rule`, `expected 'hysteresis', got ${quoteValue(o.rule)}`);
  const margin = finiteNumber(o.margin, `${path}.margin`);
  check(margin >= 0 && margin < 1, `${path}.margin`, `expected a number in [0, 1), got ${margin}`);
  if (o.minDwellBars === undefined) return { rule: 'hysteresis', margin };
  const minDwellBars = integer(o.minDwellBars, `${path}.minDwellBars`, 1, MAX_MIN_DWELL_BARS);
  // One canonical form: no hold is written as no field, so such models keep their bytes.
  return minDwellBars === 1 ? { rule: 'hysteresis', margin } : { rule: 'hysteresis', margin, minDwellBars };
}

/**
 * The state to report after a filter step: `current` (−1 before the first warm bar) unless the
 * most probable state beats it by more than the rule's margin. The minimum dwell is the caller's:
 * see {@link decideStateHeld}. Allocates nothing.
 *
 * @example
 * ```ts
 * decideState([0.05, 0.9, 0.05], 0, 0.8); // 1: 0.9 − 0.05 > 0.8
 * decideState([0.3, 0.6, 0.1], 0, 0.8);   // 0: stays
 * ```
 */
export function decideState(probabilities: ArrayLike<number>, current: number, margin: number): number {
  let best = 0;
  for (let i = 1; i < probabilities.length; i++) if (probabilities[i] > probabilities[best]) best = i;
  if (current < 0 || best === current) return best;
  return probabilities[best] - probabilities[current] > margin ? best : current;
}

/**
 * One step of a {@link RegimeDecisionRule}, minimum dwell included: the state to report, given the
 * reported state `current` (−1 before the first warm bar) and `currentBars`, the warm bars it has
 * been reported so far. While `currentBars` is below the rule's `minDwellBars` the state stays;
 * then {@link decideState} decides. Track the count with {@link nextStateBars}. Allocates nothing.
 *
 * @example
 * ```ts
 * const rule = { rule: 'hysteresis', margin: 0.4, minDwellBars: 4 } as const;
 * decideStateHeld([0.05, 0.05, 0.9], 0, 2, rule); // 0: reported for 2 bars only, held
 * decideStateHeld([0.05, 0.05, 0.9], 0, 4, rule); // 2
 * ```
 */
export function decideStateHeld(
  probabilities: ArrayLike<number>,
  current: number,
  currentBars: number,
  rule: Readonly<RegimeDecisionRule>,
): number {
  if (current >= 0 && currentBars < (rule.minDwellBars ?? 1)) return current;
  return decideState(probabilities, current, rule.margin);
}

/**
 * The warm bars `state` has been reported after this bar: 1 after a change, else one more than
 * `previousBars`, saturating at {@link MAX_MIN_DWELL_BARS} (every rule is satisfied there, and the
 * count stays small in snapshots).
 *
 * @example
 * ```ts
 * nextStateBars(1, 1, 7); // 8: the same state, one bar more
 * nextStateBars(0, 1, 7); // 1: a change
 * nextStateBars(2, -1, 0); // 1: the first warm bar
 * ```
 */
export function nextStateBars(state: number, previous: number, previousBars: number): number {
  return state === previous ? Math.min(previousBars + 1, MAX_MIN_DWELL_BARS) : 1;
}
