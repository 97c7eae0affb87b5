import { defaultLabels } from '../models/RegimeModel.js';
import type { RegimeSignal } from '../pipeline/signal.js';
import { cutByShares } from './cutByShares.js';
import type { EvaluationSpan } from './EvaluationSpan.js';
import { ewmaMeanSquare } from './ewmaMeanSquare.js';
import { forwardMeanSquare } from './forwardMeanSquare.js';
import { labelPersistence } from './labelPersistence.js';
import { observedReturns } from './observedReturns.js';
import { onsetLags } from './onsetLags.js';
import { quantile } from './quantile.js';
import { rocAuc } from './rocAuc.js';
import type {
  EvaluateSignalsOptions,
  LabelFigures,
  SignalEvaluation,
  SpanEvaluation,
} from './SignalEvaluation.js';
import { spanFromSignals } from './spanFromSignals.js';

const DAY_MS = 86_400_000;

/** The columns of one span that the figures are computed from (full length; −1/NaN = not counted). */
interface Prepared {
  name: string;
  bars: number;
  warmBars: number;
  gapBars: number;
  anomalies: number;
  outOfRange: number;
  days: number;
  /** Model state, −1 on cold bars. */
  state: Int8Array;
  /** EWMA cut into the model's shares, −1 on cold bars and before the EWMA has a value. */
  ewmaState: Int8Array;
  /** r² of observed returns of warm bars, NaN otherwise. */
  squaredReturn: Float64Array;
  /** Forward mean r² of warm bars, NaN where undefined. */
  forward: Float64Array;
  /** 1/0: forward volatility in the span's top decile, on the AUC's bars; −1 elsewhere. */
  target: Int8Array;
  score: Float64Array;
  ewma: Float64Array;
}

/**
 * Forward-skill evaluation of regime signals, span by span and pooled: what a bot needs to know
 * before acting on a model's regimes, next to a trivial baseline on the same bars. Pure and
 * browser-safe; give it the signals of one detector per span (a file, a symbol-month), or
 * {@link EvaluationSpan} columns (e.g. a peer model's hard labels).
 *
 * Definitions (r_t = ln(C_t / C_{t−1}), H = `horizonBars`):
 * - Only **warm** bars count; cold bars (warm-up, restarts) are not labels, and end a run.
 * - **Gap bars** (no trades) are labelled bars like any other in shares, runs and switches, but
 *   their return and the return of the bar after them are not observations (see
 *   {@link observedReturns}): they count in no volatility.
 * - **Shares**: warm bars per state. **Switches per day**: state changes between consecutive warm
 *   bars per day of warm bars. **Short runs**: share of runs (maximal same-state stretches) of at
 *   most `shortRunBars`. **A-B-A flips**: share of interior runs that are short and have the same
 *   state on both sides (see {@link labelPersistence}).
 * - **Concurrent volatility** of a state: √(mean r_t²) over its bars; Crisis/Stable is the last
 *   state's over the first's.
 * - **Forward volatility** of a bar: √(mean r² of bars t+1 … t+H) ({@link forwardMeanSquare});
 *   per state √ of the mean over its bars.
 * - **Forward AUC**: ROC AUC ({@link rocAuc}) of the regime score Σ k·p_k for "forward volatility
 *   at or above the span's `topQuantile` quantile", on warm bars with a forward volatility and an
 *   EWMA value; the baseline's AUC uses the causal EWMA of r² ({@link ewmaMeanSquare}, half-life
 *   `ewmaHalfLifeBars`) on the same bars. Pooled: all spans' bars together, each with its own span's
 *   threshold.
 * - **EWMA states**: the EWMA cut into the model's state shares of each span
 *   ({@link cutByShares}); all label figures are computed for them too.
 * - **Onset lag**: bars from the start of a top-decile episode to the first Crisis label, within H
 *   bars ({@link onsetLags}); median and mean over detected episodes.
 * - **Anomaly rate**: anomaly flags per warm bar; **out-of-range rate**: warm bars on which the
 *   detector said its inputs were outside the model's training range.
 *
 * @example
 * ```ts
 * const spans = files.map((bars) => bars.flatMap((bar) => [...createRegimeDetector().pushBar(bar)]));
 * const { pooled } = evaluateSignals(spans);
 * console.log(pooled.regime.forwardAuc, pooled.ewma.forwardAuc, pooled.regime.switchesPerDay);
 * ```
 */
export function evaluateSignals(
  spans: readonly (readonly RegimeSignal[] | EvaluationSpan)[],
  options: EvaluateSignalsOptions = {},
): SignalEvaluation {
  const used = {
    horizonBars: options.horizonBars ?? 60,
    ewmaHalfLifeBars: options.ewmaHalfLifeBars ?? 30,
    topQuantile: options.topQuantile ?? 0.9,
    shortRunBars: options.shortRunBars ?? 3,
  };
  if (!(Number.isInteger(used.horizonBars) && used.horizonBars >= 1))
    throw new RangeError(`evaluateSignals: horizonBars must be a whole number ≥ 1, got ${used.horizonBars}`);
  if (!(used.ewmaHalfLifeBars > 0))
    throw new RangeError(`evaluateSignals: ewmaHalfLifeBars must be > 0, got ${used.ewmaHalfLifeBars}`);
  if (!(used.topQuantile > 0 && used.topQuantile < 1))
    throw new RangeError(`evaluateSignals: topQuantile must be in (0, 1), got ${used.topQuantile}`);
  const columns = spans.map((s, i) => (isSignals(s) ? spanFromSignals(s, `span ${i + 1}`) : s));
  const k = Math.max(0, ...columns.filter((c) => c.close.length > 0).map((c) => c.states));
  for (const c of columns) {
    if (c.close.length > 0 && c.states !== k)
      throw new RangeError(`evaluateSignals: span ${c.name} has ${c.states} states, others ${k}`);
  }
  const labels = options.labels ? [...options.labels] : defaultLabels(k);
  if (labels.length !== k) throw new RangeError(`evaluateSignals: ${labels.length} labels for ${k} states`);
  const prepared = columns.map((c) => prepare(c, k, used));
  return {
    spans: prepared.map((p) => evaluate([p], p.name, k, used)),
    pooled: evaluate(prepared, 'pooled', k, used),
    labels,
    options: used,
  };
}

function isSignals(span: readonly RegimeSignal[] | EvaluationSpan): span is readonly RegimeSignal[] {
  return Array.isArray(span);
}

function prepare(
  span: EvaluationSpan,
  k: number,
  options: { horizonBars: number; ewmaHalfLifeBars: number; topQuantile: number },
): Prepared {
  const n = span.close.length;
  for (const [name, column] of [
    ['state', span.state],
    ['score', span.score],
    ['anomaly', span.anomaly],
    ['gap', span.gap],
    ['outOfRange', span.outOfRange],
  ] as const) {
    if (column !== undefined && column.length !== n)
      throw new RangeError(`evaluateSignals: span ${span.name} has ${n} closes but ${column.length} ${name}`);
  }
  const state = new Int8Array(n);
  let warmBars = 0;
  let gapBars = 0;
  let anomalies = 0;
  let outOfRange = 0;
  for (let t = 0; t < n; t++) {
    const s = span.state[t];
    if (!(Number.isInteger(s) && s >= -1 && s < k))
      throw new RangeError(`evaluateSignals: span ${span.name} bar ${t} has state ${s} (states: ${k})`);
    state[t] = s;
    if (s < 0) continue;
    warmBars++;
    if (span.gap?.[t]) gapBars++;
    if (span.anomaly?.[t]) anomalies++;
    if (span.outOfRange?.[t]) outOfRange++;
  }
  const returns = observedReturns(span.close, span.gap);
  const forwardAll = forwardMeanSquare(returns, options.horizonBars);
  const ewma = ewmaMeanSquare(returns, options.ewmaHalfLifeBars);
  const squaredReturn = new Float64Array(n).fill(Number.NaN);
  const forward = new Float64Array(n).fill(Number.NaN);
  const score = new Float64Array(n);
  const target = new Int8Array(n).fill(-1);
  const aucBars: number[] = [];
  const shares = new Array<number>(k).fill(0);
  for (let t = 0; t < n; t++) {
    if (state[t] < 0) continue;
    shares[state[t]]++;
    squaredReturn[t] = returns[t] * returns[t];
    forward[t] = forwardAll[t];
    score[t] = span.score === undefined ? state[t] : span.score[t];
    if (!Number.isNaN(forwardAll[t]) && !Number.isNaN(ewma[t])) aucBars.push(t);
  }
  const threshold = quantile(
    aucBars.map((t) => forward[t]),
    options.topQuantile,
  );
  for (const t of aucBars) target[t] = forward[t] >= threshold ? 1 : 0;

  const ewmaBars: number[] = [];
  for (let t = 0; t < n; t++) if (state[t] >= 0 && !Number.isNaN(ewma[t])) ewmaBars.push(t);
  const cut = cutByShares(
    ewmaBars.map((t) => ewma[t]),
    shares,
  );
  const ewmaState = new Int8Array(n).fill(-1);
  ewmaBars.forEach((t, i) => {
    ewmaState[t] = cut[i];
  });
  return {
    name: span.name,
    bars: n,
    warmBars,
    gapBars,
    anomalies,
    outOfRange,
    days: (warmBars * span.intervalMs) / DAY_MS,
    state,
    ewmaState,
    squaredReturn,
    forward,
    target,
    score,
    ewma,
  };
}

function evaluate(
  spans: readonly Prepared[],
  name: string,
  k: number,
  options: { horizonBars: number; shortRunBars: number },
): SpanEvaluation {
  let bars = 0;
  let warmBars = 0;
  let gapBars = 0;
  let anomalies = 0;
  let outOfRange = 0;
  let days = 0;
  let forwardBars = 0;
  let topDecileBars = 0;
  for (const s of spans) {
    bars += s.bars;
    warmBars += s.warmBars;
    gapBars += s.gapBars;
    anomalies += s.anomalies;
    outOfRange += s.outOfRange;
    days += s.days;
    for (let t = 0; t < s.bars; t++) {
      if (s.target[t] < 0) continue;
      forwardBars++;
      topDecileBars += s.target[t];
    }
  }
  return {
    name,
    bars,
    warmBars,
    gapBars,
    days,
    forwardBars,
    topDecileBars,
    anomalyRate: warmBars > 0 ? anomalies / warmBars : Number.NaN,
    outOfRangeRate: warmBars > 0 ? outOfRange / warmBars : Number.NaN,
    regime: labelFigures(spans, 'state', 'score', k, days, options),
    ewma: labelFigures(spans, 'ewmaState', 'ewma', k, days, options),
  };
}

function labelFigures(
  spans: readonly Prepared[],
  labelsOf: 'state' | 'ewmaState',
  scoreOf: 'score' | 'ewma',
  k: number,
  days: number,
  options: { horizonBars: number; shortRunBars: number },
): LabelFigures {
  const count = new Float64Array(k);
  const returnCount = new Float64Array(k);
  const returnSum = new Float64Array(k);
  const forwardCount = new Float64Array(k);
  const forwardSum = new Float64Array(k);
  let runs = 0;
  let switches = 0;
  let shortRuns = 0;
  let interiorRuns = 0;
  let flips = 0;
  const lags: number[] = [];
  let missed = 0;
  const scores: number[] = [];
  const targets: number[] = [];
  for (const s of spans) {
    const state = s[labelsOf];
    const score = s[scoreOf];
    for (let t = 0; t < s.bars; t++) {
      const j = state[t];
      if (j < 0) continue;
      count[j]++;
      if (!Number.isNaN(s.squaredReturn[t])) {
        returnCount[j]++;
        returnSum[j] += s.squaredReturn[t];
      }
      if (!Number.isNaN(s.forward[t])) {
        forwardCount[j]++;
        forwardSum[j] += s.forward[t];
      }
    }
    for (let t = 0; t < s.bars; t++) {
      if (s.target[t] < 0) continue;
      scores.push(score[t]);
      targets.push(s.target[t]);
    }
    const p = labelPersistence(state, options.shortRunBars);
    runs += p.runs;
    switches += p.switches;
    shortRuns += p.shortRuns;
    interiorRuns += p.interiorRuns;
    flips += p.flips;
    const onset = onsetLags(state, s.target, k - 1, options.horizonBars);
    lags.push(...onset.lags);
    missed += onset.missed;
  }
  let total = 0;
  for (const c of count) total += c;
  const realizedVolatility = Array.from(returnSum, (sum, j) => Math.sqrt(sum / returnCount[j]));
  const forwardVolatility = Array.from(forwardSum, (sum, j) => Math.sqrt(sum / forwardCount[j]));
  lags.sort((a, b) => a - b);
  return {
    shares: Array.from(count, (c) => (total > 0 ? c / total : Number.NaN)),
    switches,
    switchesPerDay: days > 0 ? switches / days : Number.NaN,
    runs,
    meanRunBars: runs > 0 ? total / runs : Number.NaN,
    shortRunShare: runs > 0 ? shortRuns / runs : Number.NaN,
    flipShare: interiorRuns > 0 ? flips / interiorRuns : Number.NaN,
    realizedVolatility,
    crisisStableVolatility: realizedVolatility[k - 1] / realizedVolatility[0],
    forwardVolatility,
    forwardCrisisStableVolatility: forwardVolatility[k - 1] / forwardVolatility[0],
    forwardAuc: rocAuc(scores, targets),
    onset: {
      episodes: lags.length + missed,
      detected: lags.length,
      medianLagBars: quantile(lags, 0.5),
      meanLagBars: lags.length > 0 ? lags.reduce((a, b) => a + b, 0) / lags.length : Number.NaN,
    },
  };
}
