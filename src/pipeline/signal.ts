import type { Bar } from '../bars/bar.js';

/**
 * Regime labels of the canonical 3-state model, in state order (calmest first).
 *
 * @example
 * ```ts
 * const label: RegimeLabel = signal.regime.label; // 'Stable' | 'Volatile' | 'Crisis' or your own
 * ```
 */
export type RegimeLabel = 'Stable' | 'Volatile' | 'Crisis' | (string & {});

/**
 * The pipeline's output: exactly one per closed bar, gap bars included (and flagged by `bar.gap`).
 *
 * @example
 * ```ts
 * for await (const s of detector.stream(trades)) {
 *   if (s.warm && s.regime.changed) console.log(s.bar.openTime, s.regime.label, s.anomaly.score);
 * }
 * ```
 */
export interface RegimeSignal {
  /** Symbol of the bar. */
  symbol: string;
  /** Bar interval in milliseconds. */
  interval: number;
  /** The closed bar this signal is about. */
  bar: Bar;
  /** Feature values of this bar in the model's declared order, before standardisation. */
  features: Record<string, number>;
  anomaly: {
    /** Isolation Forest `scoreSamples` value: higher = more normal (scikit-learn's convention). */
    score: number;
    /** Scores below this threshold are anomalies. */
    threshold: number;
    isAnomaly: boolean;
  };
  regime: {
    /** Most probable state (0 = calmest). */
    state: number;
    /** Label of `state`, e.g. `'Stable'`. */
    label: RegimeLabel;
    /** Filtered state probabilities P(state | bars so far), summing to 1. */
    probabilities: number[];
    /** True on the bar where the most probable state differs from the previous bar's. */
    changed: boolean;
  };
  /** False until every feature window is full: a cold start, not a real reading. */
  warm: boolean;
}
