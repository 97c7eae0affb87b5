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
    /**
     * The reported state (0 = calmest): the decision rule applied to the filtered probabilities
     * (hysteresis by default, so it only moves when the filter is clearly sure). On cold bars, the
     * most probable state of the model's start probabilities.
     */
    state: number;
    /** Label of `state`, e.g. `'Stable'`. */
    label: RegimeLabel;
    /** Filtered state probabilities P(state | bars so far), summing to 1. */
    probabilities: number[];
    /** True on the warm bar where the reported state differs from the previous warm bar's. */
    changed: boolean;
    /** The filter's most probable state, before the decision rule (may flip where `state` holds). */
    mostProbableState: number;
    /** Label of `mostProbableState`. */
    mostProbableLabel: RegimeLabel;
  };
  /**
   * False until every feature window is full and every baseline has its history: a cold start,
   * not a real reading.
   */
  warm: boolean;
  /**
   * True while most of the last 60 warm bars had a feature more than 4 training standard
   * deviations away (the model's scaler): the model is reading a market unlike its training data,
   * and its regimes there mean little. Always false on cold bars.
   */
  outOfRange: boolean;
}
