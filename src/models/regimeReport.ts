import type { IsolationForest } from '../anomaly/IsolationForest.js';
import type { Scaler } from '../features/Scaler.js';
import type { GaussianHMM } from '../hmm/GaussianHMM.js';
import { decideStateHeld, nextStateBars, type RegimeDecisionRule } from './decisionRule.js';
import type { StateReport, TrainingReport } from './RegimeModel.js';

/**
 * Standardised feature rows and 1-minute log returns of contiguous sequences of warm bars.
 *
 * @example
 * ```ts
 * const data: ReportData = { sequences: [standardisedRows], returns: [logReturns] };
 * ```
 */
export interface ReportData {
  /** One entry per sequence: its standardised feature rows. */
  sequences: Float64Array[][];
  /** One entry per sequence: ln(C_t / C_{t−1}) of each row's bar. */
  returns: Float64Array[];
}

/**
 * The per-state figures of a fitted model on data, as a detector would see them: each sequence is
 * filtered online with `forwardStep` from a fresh filter state, and each bar is assigned the state
 * a detector reports: the decision rule (hysteresis and minimum dwell, see {@link RegimeDecisionRule}) applied
 * to the filtered probabilities. Gives shares, run lengths (dwell), realized volatility per state,
 * the transition matrix, and the anomaly rate of the forest.
 *
 * @example
 * ```ts
 * const report = regimeReport({ hmm, forest, scaler, names, labels, decision, fit }, data);
 * report.crisisToStableVolatility; // e.g. 5.8
 * ```
 */
export function regimeReport(
  model: {
    hmm: GaussianHMM;
    forest: IsolationForest;
    scaler: Scaler;
    names: readonly string[];
    labels: readonly string[];
    /** The decision rule a detector of this model applies (see {@link RegimeDecisionRule}). */
    decision: Readonly<RegimeDecisionRule>;
    fit: { logLikelihoodPerBar: number; iterations: number; converged: boolean };
  },
  data: ReportData,
): TrainingReport {
  const { hmm, forest, scaler, names, labels } = model;
  const k = hmm.nStates;
  const count = new Float64Array(k);
  const sumSq = new Float64Array(k);
  const runs = new Float64Array(k);
  let bars = 0;
  let anomalies = 0;
  data.sequences.forEach((rows, s) => {
    const filter = hmm.createFilterState();
    let previous = -1;
    let previousBars = 0;
    rows.forEach((z, t) => {
      hmm.forwardStep(filter, z);
      const state = decideStateHeld(filter.probabilities, previous, previousBars, model.decision);
      previousBars = nextStateBars(state, previous, previousBars);
      const r = data.returns[s][t];
      count[state]++;
      sumSq[state] += r * r;
      if (state !== previous) runs[state]++;
      previous = state;
      if (forest.score(z) < forest.threshold) anomalies++;
      bars++;
    });
  });
  const transMat = hmm.transMat;
  const means = hmm.means;
  const states: StateReport[] = labels.map((label, i) => ({
    label,
    means: Object.fromEntries(names.map((n, j) => [n, scaler.inverse(j, means[i][j])])),
    share: bars > 0 ? count[i] / bars : 0,
    meanDwellBars: runs[i] > 0 ? count[i] / runs[i] : 0,
    expectedDwellBars: 1 / (1 - Math.min(transMat[i][i], 1 - 1e-12)),
    realizedVolatility: count[i] > 0 ? Math.sqrt(sumSq[i] / count[i]) : 0,
  }));
  const stable = states[0].realizedVolatility;
  return {
    states,
    transitionMatrix: transMat,
    crisisToStableVolatility: stable > 0 ? states[k - 1].realizedVolatility / stable : 0,
    minMeanDwellBars: Math.min(...states.map((s) => s.meanDwellBars)),
    anomaly: { threshold: forest.threshold, rate: bars > 0 ? anomalies / bars : 0 },
    logLikelihoodPerBar: model.fit.logLikelihoodPerBar,
    iterations: model.fit.iterations,
    converged: model.fit.converged,
  };
}

/**
 * Index of the largest entry (the first on ties).
 *
 * @example
 * ```ts
 * argmax([0.2, 0.7, 0.1]); // 1
 * ```
 */
export function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}
