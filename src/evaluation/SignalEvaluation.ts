/**
 * Figures of one labelling (the model's states, or the EWMA baseline cut into the same shares) on
 * the evaluated bars of a span or of all spans pooled. Ratios and figures without data are NaN
 * (`null` in JSON).
 *
 * @example
 * ```ts
 * const { regime, ewma } = evaluateSignals(spans).pooled;
 * console.log(regime.forwardAuc - ewma.forwardAuc, regime.shortRunShare, regime.switchesPerDay);
 * ```
 */
export interface LabelFigures {
  /** Share of warm bars in each state (sums to 1). */
  shares: number[];
  /** State changes between consecutive warm bars. */
  switches: number;
  /** `switches` per day of warm bars. */
  switchesPerDay: number;
  /** Runs of consecutive warm bars in one state. */
  runs: number;
  /** Mean run length in bars. */
  meanRunBars: number;
  /** Share of runs of at most `shortRunBars` bars (3 by default). */
  shortRunShare: number;
  /** Share of interior runs that are A-B-A flips: short, with the same state before and after. */
  flipShare: number;
  /** Concurrent realized volatility per state: √(mean r²) of the returns of the bars in the state. */
  realizedVolatility: number[];
  /** `realizedVolatility` of the last (Crisis) state over the first (Stable) state. */
  crisisStableVolatility: number;
  /** Forward realized volatility per state: √(mean over the state's bars of the next-`horizon` mean r²). */
  forwardVolatility: number[];
  /** `forwardVolatility` of the last state over the first. */
  forwardCrisisStableVolatility: number;
  /**
   * ROC AUC of the score (Σ k·p_k for the model, the EWMA of r² for the baseline) for "forward
   * volatility in the span's top decile", on the same bars for both.
   */
  forwardAuc: number;
  /** High-volatility episodes (runs of top-decile forward volatility) and how fast Crisis follows. */
  onset: {
    episodes: number;
    /** Episodes with a Crisis label within `horizon` bars of their start. */
    detected: number;
    /** Median onset lag in bars over detected episodes. */
    medianLagBars: number;
    /** Mean onset lag in bars over detected episodes. */
    meanLagBars: number;
  };
}

/**
 * Evaluation of one span (or all spans pooled): counts, the anomaly flag rate, and the figures of
 * the model's labels next to those of the EWMA baseline.
 *
 * @example
 * ```ts
 * for (const s of evaluateSignals(spans).spans) console.log(s.name, s.regime.shares, s.anomalyRate);
 * ```
 */
export interface SpanEvaluation {
  name: string;
  /** Bars (signals) in the span, cold ones included. */
  bars: number;
  /** Warm bars: the ones evaluated. */
  warmBars: number;
  /** Warm gap bars (labelled and counted; their returns are not observations). */
  gapBars: number;
  /** Days of warm bars (`warmBars × interval / 1 day`). */
  days: number;
  /** Warm bars with a forward volatility (the AUC's bars). */
  forwardBars: number;
  /** Of `forwardBars`, those in the span's top decile of forward volatility. */
  topDecileBars: number;
  /** Share of warm bars flagged as anomalies. */
  anomalyRate: number;
  /** Share of warm bars on which the detector said its inputs were out of the model's range. */
  outOfRangeRate: number;
  /** The model's labels and regime score. */
  regime: LabelFigures;
  /** The EWMA baseline: its AUC, and its value cut into the model's state shares of each span. */
  ewma: LabelFigures;
}

/**
 * The result of {@link evaluateSignals}: one evaluation per span, and all spans pooled (counts and
 * sums added up, AUC over every span's bars with each span's own top-decile threshold, lags of all
 * episodes).
 *
 * @example
 * ```ts
 * const { spans, pooled, options } = evaluateSignals(spans);
 * ```
 */
export interface SignalEvaluation {
  spans: SpanEvaluation[];
  pooled: SpanEvaluation;
  /** State labels, calmest first. */
  labels: string[];
  /** The definitions' parameters that were used. */
  options: Required<Omit<EvaluateSignalsOptions, 'labels'>>;
}

/**
 * Parameters of the definitions of {@link evaluateSignals}; the defaults are the ones the project
 * reports.
 *
 * @example
 * ```ts
 * evaluateSignals(spans, { horizonBars: 30, ewmaHalfLifeBars: 60 });
 * ```
 */
export interface EvaluateSignalsOptions {
  /** Forward window of the realized volatility to predict (default 60 bars). */
  horizonBars?: number;
  /** Half-life of the EWMA baseline of r² (default 30 bars). */
  ewmaHalfLifeBars?: number;
  /** Quantile above which forward volatility is "high" (default 0.9: the top decile). */
  topQuantile?: number;
  /** Longest run that counts as short (default 3 bars). */
  shortRunBars?: number;
  /** State labels, calmest first (default Stable/Volatile/Crisis for 3 states, else `State k`). */
  labels?: readonly string[];
}
