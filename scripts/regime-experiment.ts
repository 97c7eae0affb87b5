/**
 * The experiment behind the default model's design (issue 11): feature sets relative to each
 * symbol's own history, and decision rules on the filtered probabilities, judged out of sample.
 *
 * Walk-forward splits:
 * - `quick`: train on the six BTCUSDT spot spans up to 2024-11-04, test on the two later spans and
 *   on every USD-M month;
 * - `loso`: leave one BTCUSDT span out (train on the other seven, test on it), and the model
 *   trained on all eight tested on every USD-M month;
 * - `usdm`: leave one USD-M symbol out (train on the other four months, test on it).
 *
 * Per test span (every warm bar of the file replayed through `createRegimeDetector`): state shares,
 * switches per day and the share of runs of ≤ 3 bars under each decision rule (hysteresis margins,
 * asymmetric margins, confirmation, sticky transitions, fixed-lag smoothing: the labels of bar t,
 * and `@late` the same labels where a bot receives them, at bar t + lag), concurrent
 * Crisis/Stable realized volatility, the ROC AUC of the regime score Σ k·p_k for "forward 60-bar
 * realized volatility in the span's top decile" next to the same AUC of a causal EWMA of squared
 * returns (half-life 30 bars), the anomaly flag rate, and two reference labellings cut into the
 * model's own state shares (past bars only; 61 or 21 bars centred on the bar): what contrast
 * labels reach that do not follow single bars. Prints JSON lines (one per config and span) and a
 * summary table to stdout.
 *
 *   npx tsx scripts/regime-experiment.ts --split quick --config relative10d [--max-iter 150]
 *   npx tsx scripts/regime-experiment.ts --split loso --max-iter 400 --config default --config defaultPK10
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Bar } from '../src/bars/bar.js';
import { DEFAULT_FEATURES, type FeatureDefinition, type FeatureSet } from '../src/features/featureSpec.js';
import { decideStateHeld, nextStateBars } from '../src/models/decisionRule.js';
import type { RegimeModel } from '../src/models/RegimeModel.js';
import { trainModel } from '../src/models/trainModel.js';
import { readKlines } from '../src/node/readKlines.js';
import { createRegimeDetector } from '../src/pipeline/RegimeDetector.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data' },
    'max-iter': { type: 'string', default: '150' },
    split: { type: 'string', default: 'quick' },
    config: { type: 'string', multiple: true, default: ['relative10d'] },
  },
});
const log = (line: string) => process.stderr.write(`${line}\n`);
const DAY = 1440;

const rv = (halfLifeBars: number, minBars: number) =>
  ({ mode: 'difference', halfLifeBars, minBars }) as const;
const sc = (halfLifeBars: number, minBars: number) => ({ mode: 'scale', halfLifeBars, minBars }) as const;

function relativeSet(
  halfLife: number,
  minBars: number,
  withVolume: boolean,
  activityOffset: number | null = 0.01,
  volatilityWindow = 30,
): FeatureSet {
  const activity: FeatureSet =
    activityOffset === null
      ? []
      : [{ name: 'logActivity20', kind: 'activity', window: 20, transform: 'log', offset: activityOffset }];
  const set: FeatureSet = [
    { name: 'relReturn', kind: 'logReturn', transform: 'none', baseline: sc(halfLife, minBars) },
    ...activity,
    {
      name: `relLogRealizedVol${volatilityWindow}`,
      kind: 'realizedVolatility',
      window: volatilityWindow,
      transform: 'log',
      offset: 1e-6,
      baseline: rv(halfLife, minBars),
    },
  ];
  if (!withVolume) return set;
  return [
    ...set,
    {
      name: 'relLogVolume30',
      kind: 'meanVolume',
      window: 30,
      transform: 'log',
      offset: 1e-9,
      baseline: rv(halfLife, minBars),
    },
  ];
}

/** A short-window volatility feature relative to its own 10-day baseline, to add to a set. */
function shortVolatility(
  kind: 'realizedVolatility' | 'parkinsonVolatility',
  window: number,
  offset: number,
): FeatureDefinition {
  const name = kind === 'realizedVolatility' ? 'relLogRealizedVol' : 'relLogParkinsonVol';
  return {
    name: `${name}${window}${offset === 1e-6 ? '' : `o${offset}`}`,
    kind,
    window,
    transform: 'log',
    offset,
    baseline: rv(10 * DAY, DAY),
  };
}

/** A feature set with every baseline's half-life set to `days` days. */
function withHalfLife(set: FeatureSet, days: number): FeatureSet {
  return set.map((f) =>
    f.baseline === undefined ? f : { ...f, baseline: { ...f.baseline, halfLifeBars: days * DAY } },
  );
}

/** The default set with its 60-bar volatility window replaced by `window` bars. */
function defaultWithWindow(window: number): FeatureSet {
  return DEFAULT_FEATURES.map((f) =>
    f.kind === 'realizedVolatility' ? { ...f, name: `relativeLogRealizedVol${window}`, window } : f,
  );
}

const CONFIGS: Record<string, FeatureSet | string> = {
  default: 'default',
  absolute: 'absolute',
  microstructure: 'microstructure',
  relative10d: relativeSet(10 * DAY, DAY, false),
  relative10dVolume: relativeSet(10 * DAY, DAY, true),
  relative10dVolumeNoActivity: relativeSet(10 * DAY, DAY, true, null),
  relative10dActivity01: relativeSet(10 * DAY, DAY, false, 0.1),
  relative10dVolumeActivity01: relativeSet(10 * DAY, DAY, true, 0.1),
  relative10dActivity01RV60: relativeSet(10 * DAY, DAY, false, 0.1, 60),
  relative10dActivity01RV15: relativeSet(10 * DAY, DAY, false, 0.1, 15),
  relative3d: relativeSet(3 * DAY, DAY, false),
  relative10dMin3d: relativeSet(10 * DAY, 3 * DAY, false),
  relative10dMin6h: relativeSet(10 * DAY, 360, false),
  // A second, short volatility feature next to the 60-bar one (the contrast goal).
  defaultRV10: [...DEFAULT_FEATURES, shortVolatility('realizedVolatility', 10, 1e-6)],
  defaultRV15: [...DEFAULT_FEATURES, shortVolatility('realizedVolatility', 15, 1e-6)],
  defaultPK5: [...DEFAULT_FEATURES, shortVolatility('parkinsonVolatility', 5, 1e-5)],
  defaultPK10: [...DEFAULT_FEATURES, shortVolatility('parkinsonVolatility', 10, 1e-5)],
  defaultPK15: [...DEFAULT_FEATURES, shortVolatility('parkinsonVolatility', 15, 1e-5)],
  defaultPK10o6: [...DEFAULT_FEATURES, shortVolatility('parkinsonVolatility', 10, 1e-6)],
  defaultPK10o4: [...DEFAULT_FEATURES, shortVolatility('parkinsonVolatility', 10, 1e-4)],
  rv30PK10: [...defaultWithWindow(30), shortVolatility('parkinsonVolatility', 10, 1e-5)],
  rv30PK15: [...defaultWithWindow(30), shortVolatility('parkinsonVolatility', 15, 1e-5)],
  defaultRV15PK10: [
    ...DEFAULT_FEATURES,
    shortVolatility('realizedVolatility', 15, 1e-6),
    shortVolatility('parkinsonVolatility', 10, 1e-5),
  ],
  // Without the activity ratio: on a coarse-tick symbol volume bursts need not move the price.
  noActivityPK10: [
    ...DEFAULT_FEATURES.filter((f) => f.kind !== 'activity'),
    shortVolatility('parkinsonVolatility', 10, 1e-5),
  ],
  // Parkinson's range estimator for the 60-bar window too (the states are ordered by the first
  // realized-volatility feature, so the 60-bar one comes first).
  pk60PK10: [
    ...DEFAULT_FEATURES.filter((f) => f.kind !== 'realizedVolatility'),
    { ...shortVolatility('parkinsonVolatility', 60, 1e-5), name: 'relLogParkinsonVol60' },
    shortVolatility('parkinsonVolatility', 10, 1e-5),
  ],
  // Slower baselines keep more of the between-day variation of volatility (the spans are 3–5 weeks).
  hl20PK10: withHalfLife([...DEFAULT_FEATURES, shortVolatility('parkinsonVolatility', 10, 1e-5)], 20),
  hl30PK10: withHalfLife([...DEFAULT_FEATURES, shortVolatility('parkinsonVolatility', 10, 1e-5)], 30),
  hl30: withHalfLife(DEFAULT_FEATURES, 30),
  rv45PK10: [...defaultWithWindow(45), shortVolatility('parkinsonVolatility', 10, 1e-5)],
  rv40PK10: [...defaultWithWindow(40), shortVolatility('parkinsonVolatility', 10, 1e-5)],
};

/**
 * Decision rules applied offline to the filtered probabilities `p` (the model's transition matrix
 * `a` lets a rule re-filter: sticky transitions and fixed-lag smoothing recover each bar's emission
 * likelihoods from the filter, up to scale, as p_t / (Aᵀ p_{t−1})).
 */
type Rule = { name: string; decide: (p: Float64Array[], out: Int8Array, a: number[][]) => void };
const RULES: Rule[] = [
  { name: 'argmax', decide: (p, out) => hysteresis(p, out, 0) },
  ...[0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97].map((m) => ({
    name: `margin${m}`,
    decide: (p: Float64Array[], out: Int8Array) => hysteresis(p, out, m),
  })),
  ...[2, 3, 5].map((l) => ({
    name: `confirm${l}`,
    decide: (p: Float64Array[], out: Int8Array) => confirm(p, out, l),
  })),
  // Asymmetric margins: towards a calmer state / towards a more volatile one.
  ...[
    [0.9, 0.5],
    [0.9, 0.7],
    [0.9, 0.8],
    [0.95, 0.8],
    [0.5, 0.9],
    [0.7, 0.9],
  ].map(([down, up]) => ({
    name: `asym${down}/${up}`,
    decide: (p: Float64Array[], out: Int8Array) => asymmetric(p, out, down, up),
  })),
  // A weight on the middle states before the rule: fewer, more extreme calm and wild labels.
  ...[
    [1.5, 0.9],
    [2, 0.9],
    [3, 0.9],
    [2, 0.8],
  ].map(([w, m]) => ({
    name: `mid${w}+m${m}`,
    decide: (p: Float64Array[], out: Int8Array) => hysteresis(weightMiddle(p, w), out, m),
  })),
  // A minimum dwell: after a switch the state is held for `d` bars, then the margin applies.
  ...[4, 5, 6, 8]
    .flatMap((d) => [0, 0.1, 0.2, 0.3, 0.4].map((m) => [d, m]))
    .map(([d, m]) => ({
      name: `dwell${d}+m${m}`,
      decide: (p: Float64Array[], out: Int8Array) => minDwell(p, out, d, m),
    })),
  // Sticky transitions (A' = (1−s)A + sI at filter time), with a smaller margin.
  ...[
    [0.5, 0],
    [0.5, 0.5],
    [0.8, 0],
    [0.8, 0.5],
    [0.9, 0.3],
  ].map(([s, m]) => ({
    name: `sticky${s}+m${m}`,
    decide: (p: Float64Array[], out: Int8Array, a: number[][]) => hysteresis(sticky(p, a, s), out, m),
  })),
  // Fixed-lag smoothing (the label of bar t is known at bar t + lag), with a margin.
  ...[
    [1, 0.9],
    [2, 0.9],
    [3, 0.9],
    [3, 0.7],
  ].map(([lag, m]) => ({
    name: `lag${lag}+m${m}`,
    decide: (p: Float64Array[], out: Int8Array, a: number[][]) => hysteresis(fixedLag(p, a, lag), out, m),
  })),
  // The same labels as a bot has them: the label of bar t reaches it at bar t + lag.
  ...[
    [1, 0.9],
    [2, 0.9],
    [3, 0.7],
  ].map(([lag, m]) => ({
    name: `lag${lag}+m${m}@late`,
    decide: (p: Float64Array[], out: Int8Array, a: number[][]) => {
      hysteresis(fixedLag(p, a, lag), out, m);
      out.copyWithin(lag, 0, out.length - lag);
    },
  })),
];

/** Emission likelihoods, up to a per-bar scale, recovered from the filter: p_t / (Aᵀ p_{t−1}). */
function emissions(p: Float64Array[], a: number[][]): Float64Array[] {
  const k = a.length;
  return p.map((pt, t) => {
    const e = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      let pred = 0;
      if (t === 0) pred = 1;
      else for (let i = 0; i < k; i++) pred += p[t - 1][i] * a[i][j];
      e[j] = pt[j] / Math.max(pred, 1e-300);
    }
    return e;
  });
}

function sticky(p: Float64Array[], a: number[][], s: number): Float64Array[] {
  const k = a.length;
  const b = a.map((row, i) => row.map((x, j) => (1 - s) * x + (i === j ? s : 0)));
  const e = emissions(p, a);
  const q: Float64Array[] = [];
  for (let t = 0; t < p.length; t++) {
    const qt = new Float64Array(k);
    let z = 0;
    for (let j = 0; j < k; j++) {
      let pred = 0;
      if (t === 0) pred = p[0][j];
      else for (let i = 0; i < k; i++) pred += q[t - 1][i] * b[i][j];
      qt[j] = (t === 0 ? 1 : e[t][j]) * pred;
      z += qt[j];
    }
    for (let j = 0; j < k; j++) qt[j] /= z;
    q.push(qt);
  }
  return q;
}

/** P(s_t | y_1..t+lag): the filter at t times a backward pass over the next `lag` bars. */
function fixedLag(p: Float64Array[], a: number[][], lag: number): Float64Array[] {
  const k = a.length;
  const e = emissions(p, a);
  return p.map((pt, t) => {
    let beta = new Float64Array(k).fill(1);
    for (let u = Math.min(t + lag, p.length - 1); u > t; u--) {
      const next = new Float64Array(k);
      let z = 0;
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) next[i] += a[i][j] * e[u][j] * beta[j];
        z += next[i];
      }
      for (let i = 0; i < k; i++) next[i] /= z;
      beta = next;
    }
    const q = new Float64Array(k);
    let z = 0;
    for (let i = 0; i < k; i++) {
      q[i] = pt[i] * beta[i];
      z += q[i];
    }
    for (let i = 0; i < k; i++) q[i] /= z;
    return q;
  });
}

/** Hysteresis with one margin towards calmer states (lower index) and another towards volatile ones. */
function asymmetric(p: Float64Array[], out: Int8Array, down: number, up: number): void {
  let s = -1;
  for (let t = 0; t < p.length; t++) {
    const j = argmax(p[t]);
    if (s < 0 || (j !== s && p[t][j] - p[t][s] > (j < s ? down : up))) s = j;
    out[t] = s;
  }
}

function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

function hysteresis(p: Float64Array[], out: Int8Array, margin: number): void {
  let s = -1;
  for (let t = 0; t < p.length; t++) {
    const j = argmax(p[t]);
    if (s < 0 || (j !== s && p[t][j] - p[t][s] > margin)) s = j;
    out[t] = s;
  }
}

/** The probabilities with every state but the first and last weighted by `w`, renormalised. */
function weightMiddle(p: Float64Array[], w: number): Float64Array[] {
  return p.map((pt) => {
    const q = Float64Array.from(pt);
    let sum = 0;
    for (let j = 0; j < q.length; j++) {
      if (j > 0 && j < q.length - 1) q[j] *= w;
      sum += q[j];
    }
    for (let j = 0; j < q.length; j++) q[j] /= sum;
    return q;
  });
}

/** The detector's own rule: hold a new state `d` bars, then hysteresis with `margin`. */
function minDwell(p: Float64Array[], out: Int8Array, d: number, margin: number): void {
  const rule = { rule: 'hysteresis', margin, minDwellBars: d } as const;
  let s = -1;
  let bars = 0;
  for (let t = 0; t < p.length; t++) {
    const next = decideStateHeld(p[t], s, bars, rule);
    bars = nextStateBars(next, s, bars);
    s = next;
    out[t] = s;
  }
}

/** Switch only once the filter's argmax has differed from the current state for `l` bars in a row. */
function confirm(p: Float64Array[], out: Int8Array, l: number): void {
  let s = -1;
  let pending = -1;
  let n = 0;
  for (let t = 0; t < p.length; t++) {
    const j = argmax(p[t]);
    if (s < 0) s = j;
    else if (j === s) n = 0;
    else {
      if (j === pending) n++;
      else {
        pending = j;
        n = 1;
      }
      if (n >= l) {
        s = j;
        n = 0;
      }
    }
    out[t] = s;
  }
}

/** ROC AUC of `score` for the binary `label`, ties averaged (Mann–Whitney). */
function auc(score: number[], label: boolean[]): number {
  const idx = score.map((_, i) => i).sort((a, b) => score[a] - score[b]);
  let rankSum = 0;
  let pos = 0;
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && score[idx[j + 1]] === score[idx[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++)
      if (label[idx[k]]) {
        rankSum += rank;
        pos++;
      }
    i = j + 1;
  }
  const neg = idx.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

interface SpanResult {
  span: string;
  bars: number;
  anomalyRate: number;
  auc: number;
  aucEwma: number;
  outOfRangeShare: number;
  /**
   * Reference labels cut into the shares of the reported state (margin 0.9): Crisis/Stable
   * realized volatility when the calmest bars by a score are called Stable and the wildest Crisis.
   * `pastOnly`: EWMA of r² over the previous bars only (half-life 30 bars), what any causal label
   * can know from past returns without the bar it labels; `centered`, `centered21`: mean r² over
   * the 61 / 21 bars around the bar (30 / 10 bars of hindsight, not causal).
   */
  reference: { pastOnly: number; centered: number; centered21: number };
  rules: Record<
    string,
    { shares: number[]; shortRuns: number; switchesPerDay: number; crisisToStable: number }
  >;
}

interface Collected {
  score: number[];
  ewma: number[];
  label: boolean[];
}

function evaluateSpan(model: RegimeModel, name: string, bars: readonly Bar[], pooled: Collected): SpanResult {
  const detector = createRegimeDetector({ model });
  const probabilities: Float64Array[] = [];
  const returns: number[] = [];
  const ewmaAt: number[] = [];
  const pastAt: number[] = [];
  let ewma = 0;
  let weight = 0;
  const a = 2 ** (-1 / 30);
  let previousClose = Number.NaN;
  let anomalies = 0;
  let outOfRange = 0;
  const z = new Float64Array(model.features.length);
  for (const bar of bars) {
    for (const s of detector.pushBar(bar)) {
      const r = Number.isNaN(previousClose) ? 0 : Math.log(s.bar.close / previousClose);
      previousClose = s.bar.close;
      const past = weight > 0 ? ewma / weight : 0;
      ewma = a * ewma + (1 - a) * r * r;
      weight = a * weight + (1 - a);
      if (!s.warm) continue;
      pastAt.push(past);
      probabilities.push(Float64Array.from(s.regime.probabilities));
      returns.push(r);
      ewmaAt.push(ewma / weight);
      if (s.anomaly.isAnomaly) anomalies++;
      model.scaler.transform(Object.values(s.features), z);
      let far = false;
      for (const v of z) if (Math.abs(v) > 4) far = true;
      if (far) outOfRange++;
    }
  }
  const n = probabilities.length;
  const k = model.hmm.nStates;
  // Forward 60-bar realized volatility and its top decile.
  const H = 60;
  const fwd: number[] = [];
  let acc = 0;
  for (let t = 1; t <= Math.min(H, n - 1); t++) acc += returns[t] ** 2;
  for (let t = 0; t + H < n; t++) {
    fwd.push(acc / H);
    acc += returns[t + H + 1] ** 2 - returns[t + 1] ** 2;
    if (t + H + 1 >= n) break;
  }
  const m = fwd.length;
  const sorted = [...fwd].sort((x, y) => x - y);
  const cut = sorted[Math.floor(0.9 * m)];
  const label = fwd.map((v) => v >= cut);
  const score = probabilities.slice(0, m).map((p) => p.reduce((s, x, i) => s + i * x, 0));
  const ew = ewmaAt.slice(0, m);
  pooled.score.push(...score);
  pooled.ewma.push(...ew);
  pooled.label.push(...label);
  const rules: SpanResult['rules'] = {};
  const decided = new Int8Array(n);
  for (const rule of RULES) {
    rule.decide(probabilities, decided, model.hmm.transMat);
    const count = new Float64Array(k);
    const sq = new Float64Array(k);
    let runs = 0;
    let short = 0;
    let runLength = 0;
    for (let t = 0; t < n; t++) {
      count[decided[t]]++;
      sq[decided[t]] += returns[t] ** 2;
      if (t > 0 && decided[t] !== decided[t - 1]) {
        runs++;
        if (runLength <= 3) short++;
        runLength = 0;
      }
      runLength++;
    }
    // The last run is cut by the end of the span: count it only as a run.
    runs++;
    const vol = (i: number) => Math.sqrt(sq[i] / Math.max(count[i], 1));
    rules[rule.name] = {
      shares: Array.from(count, (c) => c / n),
      shortRuns: short / runs,
      switchesPerDay: ((runs - 1) / n) * DAY,
      crisisToStable: vol(k - 1) / vol(0),
    };
  }
  const squares = returns.map((x) => x * x);
  const centered = (halfWidth: number) =>
    squares.map((_, t) => {
      let sum = 0;
      let count = 0;
      for (let u = Math.max(0, t - halfWidth); u <= Math.min(n - 1, t + halfWidth); u++) {
        sum += squares[u];
        count++;
      }
      return sum / count;
    });
  const shares = rules['margin0.9'].shares;
  return {
    span: name,
    bars: n,
    anomalyRate: anomalies / n,
    auc: auc(score, label),
    aucEwma: auc(ew, label),
    outOfRangeShare: outOfRange / n,
    reference: {
      pastOnly: contrastByScore(pastAt, squares, shares[0], shares[k - 1]),
      centered: contrastByScore(centered(30), squares, shares[0], shares[k - 1]),
      centered21: contrastByScore(centered(10), squares, shares[0], shares[k - 1]),
    },
    rules,
  };
}

/** √(mean r² of the top `high` share of bars by score / mean r² of the bottom `low` share). */
function contrastByScore(score: number[], squares: number[], low: number, high: number): number {
  const n = score.length;
  const order = score.map((_, i) => i).sort((x, y) => score[x] - score[y] || x - y);
  const lowCount = Math.floor(low * n);
  const highCount = Math.floor(high * n);
  let lowSum = 0;
  let highSum = 0;
  for (let i = 0; i < lowCount; i++) lowSum += squares[order[i]];
  for (let i = n - highCount; i < n; i++) highSum += squares[order[i]];
  return Math.sqrt(highSum / highCount / (lowSum / lowCount));
}

/** One line per rule: the goals' worst cases over the spans. */
function summarise(results: SpanResult[]): void {
  const btc = results.filter((r) => r.span.startsWith('BTCUSDT'));
  const other = results.filter((r) => !r.span.startsWith('BTCUSDT'));
  const bars = results.reduce((n, r) => n + r.bars, 0);
  const worst = (rs: SpanResult[], f: (r: SpanResult) => number, pick: (...x: number[]) => number) =>
    rs.length === 0 ? Number.NaN : pick(...rs.map(f));
  const aucGap = worst(results, (r) => r.auc - r.aucEwma, Math.min);
  const anomaly = `${(100 * worst(results, (r) => r.anomalyRate, Math.min)).toFixed(1)}–${(100 * worst(results, (r) => r.anomalyRate, Math.max)).toFixed(1)}%`;
  const pooledRate = (rs: SpanResult[]) =>
    rs.reduce((n, r) => n + r.anomalyRate * r.bars, 0) / rs.reduce((n, r) => n + r.bars, 0);
  console.log(
    `worst AUC − EWMA over spans ${aucGap.toFixed(3)}; anomaly rate ${anomaly} (pooled BTC ${(100 * pooledRate(btc)).toFixed(1)}% / other ${(100 * pooledRate(other)).toFixed(1)}%); bars ${bars}`,
  );
  console.log(
    '| rule | share min–max | runs≤3 max BTC / other | switches/day pooled (BTC / other) | C/S min BTC (spans < 3×) / other (< 2.5×) |',
  );
  console.log('|---|---|---|---|---|');
  for (const rule of RULES.map((r) => r.name)) {
    const q = (r: SpanResult) => r.rules[rule];
    const sw = (rs: SpanResult[]) =>
      rs.reduce((n, r) => n + (q(r).switchesPerDay * r.bars) / DAY, 0) /
      (rs.reduce((n, r) => n + r.bars, 0) / DAY);
    console.log(
      `| ${rule} | ${(100 * worst(results, (r) => Math.min(...q(r).shares), Math.min)).toFixed(1)}–${(100 * worst(results, (r) => Math.max(...q(r).shares), Math.max)).toFixed(1)}% | ${(100 * worst(btc, (r) => q(r).shortRuns, Math.max)).toFixed(1)} / ${(100 * worst(other, (r) => q(r).shortRuns, Math.max)).toFixed(1)}% | ${sw(results).toFixed(1)} (${sw(btc).toFixed(1)} / ${sw(other).toFixed(1)}) | ${worst(btc, (r) => q(r).crisisToStable, Math.min).toFixed(2)} (${btc.filter((r) => q(r).crisisToStable < 3).length}) / ${worst(other, (r) => q(r).crisisToStable, Math.min).toFixed(2)} (${other.filter((r) => q(r).crisisToStable < 2.5).length}) |`,
    );
  }
}

async function readBars(path: string): Promise<Bar[]> {
  const bars: Bar[] = [];
  for await (const bar of readKlines(path)) bars.push(bar);
  return bars;
}

const dataDir = values.data as string;
const spotFiles = readdirSync(join(dataDir, 'binance-spot'))
  .filter((f) => /^BTCUSDT-1m-.*\.csv\.gz$/.test(f))
  .sort();
const usdmFiles = readdirSync(join(dataDir, 'binance-usdm'))
  .filter((f) => f.endsWith('.csv.gz'))
  .sort();
const spot = await Promise.all(spotFiles.map((f) => readBars(join(dataDir, 'binance-spot', f))));
const usdm = await Promise.all(usdmFiles.map((f) => readBars(join(dataDir, 'binance-usdm', f))));
log(`read ${spot.length} spot spans, ${usdm.length} USD-M months`);

const splits: { train: number[]; trainUsdm?: number[]; test: { name: string; bars: Bar[] }[] }[] = [];
if (values.split === 'quick') {
  splits.push({
    train: [0, 1, 2, 3, 4, 5],
    test: [
      ...[6, 7].map((i) => ({ name: spotFiles[i], bars: spot[i] })),
      ...usdm.map((bars, i) => ({ name: usdmFiles[i], bars })),
    ],
  });
} else if (values.split === 'usdm') {
  // Leave one USD-M symbol out (train on the other four months, test on it).
  for (let i = 0; i < usdm.length; i++)
    splits.push({
      train: [],
      trainUsdm: usdm.map((_, j) => j).filter((j) => j !== i),
      test: [{ name: usdmFiles[i], bars: usdm[i] }],
    });
} else {
  for (let i = 0; i < spot.length; i++)
    splits.push({
      train: spot.map((_, j) => j).filter((j) => j !== i),
      test: [{ name: spotFiles[i], bars: spot[i] }],
    });
  splits.push({ train: spot.map((_, j) => j), test: usdm.map((bars, i) => ({ name: usdmFiles[i], bars })) });
}

const maxIter = Number(values['max-iter']);
for (const config of values.config as string[]) {
  const features = CONFIGS[config];
  if (features === undefined) throw new Error(`unknown config ${config}`);
  const results: SpanResult[] = [];
  const pooled: Collected = { score: [], ewma: [], label: [] };
  for (const split of splits) {
    const started = performance.now();
    const { model } = trainModel({
      bars: [...split.train.map((i) => spot[i]), ...(split.trainUsdm ?? []).map((i) => usdm[i])],
      features,
      seed: 0,
      maxIter,
      contamination: 0.05,
      symbol: 'experiment',
    });
    log(
      `${config}: trained on ${split.train.length} spans in ${((performance.now() - started) / 1000).toFixed(0)} s (${model.report.iterations} iterations)`,
    );
    for (const t of split.test) {
      const r = evaluateSpan(model, t.name, t.bars, pooled);
      results.push(r);
      console.log(JSON.stringify({ config, ...r }));
    }
  }
  const pooledAuc = auc(pooled.score, pooled.label);
  const pooledEwma = auc(pooled.ewma, pooled.label);
  console.log(`\n## ${config}: pooled AUC ${pooledAuc.toFixed(3)} vs EWMA ${pooledEwma.toFixed(3)}`);
  summarise(results);
  console.log(
    '| span | AUC | EWMA | anomaly | outOfRange | rule | shares S/V/C | runs≤3 | switches/day | C/S vol | reference C/S past-only / centred 61 / 21 |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    for (const [name, q] of Object.entries(r.rules)) {
      if (!['argmax', 'margin0.9'].includes(name)) continue;
      console.log(
        `| ${r.span.replace(/\.csv\.gz$/, '')} | ${r.auc.toFixed(3)} | ${r.aucEwma.toFixed(3)} | ${(100 * r.anomalyRate).toFixed(1)}% | ${(100 * r.outOfRangeShare).toFixed(1)}% | ${name} | ${q.shares.map((s) => (100 * s).toFixed(0)).join('/')} | ${(100 * q.shortRuns).toFixed(1)}% | ${q.switchesPerDay.toFixed(1)} | ${q.crisisToStable.toFixed(2)} | ${r.reference.pastOnly.toFixed(2)} / ${r.reference.centered.toFixed(2)} / ${r.reference.centered21.toFixed(2)} |`,
      );
    }
  }
}
