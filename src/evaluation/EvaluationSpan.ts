/**
 * One contiguous span of bars to evaluate (one file, one symbol-month), as columns of equal length
 * in bar order: what {@link evaluateSignals} reads. Build one from detector signals with
 * {@link spanFromSignals}, or fill the columns yourself to evaluate labels from elsewhere (a peer
 * model's hard labels: leave `score` out and the state index is the score).
 *
 * @example
 * ```ts
 * const span: EvaluationSpan = {
 *   name: 'peer on 2024-03',
 *   intervalMs: 60_000,
 *   states: 3,
 *   close: Float64Array.from(closes),
 *   state: Int8Array.from(labels), // −1 where the peer gives no label (cold)
 * };
 * ```
 */
export interface EvaluationSpan {
  /** Name shown in tables, e.g. the file name. */
  name: string;
  /** Bar interval in milliseconds (turns bar counts into days). */
  intervalMs: number;
  /** Number of regime states; state 0 is the calmest, `states − 1` the most volatile. */
  states: number;
  /** Close of each bar. */
  close: ArrayLike<number>;
  /** State of each bar, 0 … states − 1, or −1 for a cold bar (warm-up: not evaluated). */
  state: ArrayLike<number>;
  /** Regime score of each bar, Σ k·p_k of the filtered probabilities; default: the state itself. */
  score?: ArrayLike<number>;
  /** 1 (or true) where the bar was flagged as an anomaly; default: none. */
  anomaly?: ArrayLike<number | boolean>;
  /** 1 (or true) for a gap bar (no trades, close carried over); default: none. */
  gap?: ArrayLike<number | boolean>;
  /** 1 (or true) where the detector said its inputs were out of the model's range; default: none. */
  outOfRange?: ArrayLike<number | boolean>;
}
