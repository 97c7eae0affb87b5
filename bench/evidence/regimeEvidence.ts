/**
 * The regime evidence table: every method on the same walk-forward splits, every row computed by
 * the same `evaluateSignals` code, written as Markdown to docs/evidence/regime-evidence.md (and
 * every figure as JSON beside it).
 *
 *   npm run evidence:regime [-- --data ../shared/data --max-iter 100 --n-init 1 --no-jump]
 *
 * `--files N` keeps the first N spans of each market (a quick check, not the evidence).
 *
 * Splits: leave one BTCUSDT spot span out (train on the other seven), and train on every BTCUSDT
 * span, test on each Binance USD-M symbol. Methods per test span:
 * - ours (walk-forward): trainModel with the shipped default model's recipe on the split's
 *   training spans only;
 * - EWMA baseline: causal EWMA of r² (half-life 30 bars), cut into ours' state shares;
 * - shipped default: models/btcusdt-1m.json as it is now (trained on every BTC span: in sample
 *   there);
 * - previous default: bench/evidence/previous-default-btcusdt-1m.json, the default before issue 11
 *   (also trained on every BTC span);
 * - jump model: `jumpmodels` 0.1.1 (3 states, jump penalty 30, online prediction) on the same raw
 *   features, standardised on the training spans (bench/evidence/jump_model.py; needs
 *   `pip install -r bench/evidence/requirements.txt`).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fixed, formatTable, percent } from '../../src/cli/evaluate/evaluationTable.js';
import { trainingRecipe, WalkForwardTrainer } from '../../src/cli/evaluate/walkForward.js';
import type { EvaluationSpan } from '../../src/evaluation/EvaluationSpan.js';
import { evaluateSignals } from '../../src/evaluation/evaluateSignals.js';
import { regimeScore } from '../../src/evaluation/regimeScore.js';
import type { LabelFigures, SignalEvaluation } from '../../src/evaluation/SignalEvaluation.js';
import { defaultModel } from '../../src/models/defaultModel.js';
import { loadModel } from '../../src/models/loadModel.js';
import type { RegimeModel } from '../../src/models/RegimeModel.js';
import { readKlines } from '../../src/node/readKlines.js';
import { symbolFromFileName } from '../../src/node/symbolFromFileName.js';
import { createRegimeDetector } from '../../src/pipeline/RegimeDetector.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    'max-iter': { type: 'string', default: '100' },
    'n-init': { type: 'string', default: '1' },
    python: { type: 'string', default: 'python3' },
    'no-jump': { type: 'boolean', default: false },
    files: { type: 'string' },
    out: { type: 'string', default: join(root, 'docs', 'evidence', 'regime-evidence.md') },
  },
});
const log = (line: string) => process.stderr.write(`${line}\n`);
const dataDir =
  values.data ??
  [join(root, '..', 'shared', 'data'), join(root, '..', '..', 'shared', 'data')].find(existsSync);
if (dataDir === undefined || !existsSync(dataDir)) {
  log('no market data (../shared/data): give --data <dir> with binance-spot/ and binance-usdm/');
  process.exit(1);
}
const maxIter = Number(values['max-iter']);
const list = (dir: string, pattern: RegExp) =>
  readdirSync(join(dataDir, dir))
    .filter((f) => pattern.test(f))
    .sort()
    .map((f) => join(dataDir, dir, f));
const most = values.files === undefined ? undefined : Number(values.files);
const btc = list('binance-spot', /^BTCUSDT-1m-.*\.csv\.gz$/).slice(0, most);
const usdm = list('binance-usdm', /\.csv\.gz$/).slice(0, most);
const name = (file: string) => basename(file).replace(/\.csv\.gz$/, '');

interface Split {
  id: string;
  group: 'btc' | 'usdm';
  train: string[];
  test: string[];
}
const splits: Split[] = [
  ...btc.map((test) => ({
    id: `btc-without-${name(test)}`,
    group: 'btc' as const,
    train: btc.filter((f) => f !== test),
    test: [test],
  })),
  { id: 'btc-to-usdm', group: 'usdm', train: btc, test: usdm },
];

const shipped = defaultModel();
const previous = loadModel(readFileSync(join(here, 'previous-default-btcusdt-1m.json'), 'utf8'));
const featureNames = shipped.features.map((f) => f.name);

/** One file replayed with a model: its evaluation columns and (optionally) the raw features. */
async function replay(file: string, model: RegimeModel, withFeatures = false, argmax = false) {
  const detector = createRegimeDetector({
    model,
    symbol: symbolFromFileName(file),
    ...(argmax ? { decision: { rule: 'hysteresis' as const, margin: 0 } } : {}),
  });
  const close: number[] = [];
  const state: number[] = [];
  const score: number[] = [];
  const anomaly: number[] = [];
  const gap: number[] = [];
  const outOfRange: number[] = [];
  const features: number[] = [];
  for await (const bar of readKlines(file)) {
    for (const s of detector.pushBar(bar)) {
      close.push(s.bar.close);
      state.push(s.warm ? s.regime.state : -1);
      score.push(regimeScore(s.regime.probabilities));
      anomaly.push(s.warm && s.anomaly.isAnomaly ? 1 : 0);
      gap.push(s.bar.gap ? 1 : 0);
      outOfRange.push(s.warm && s.outOfRange ? 1 : 0);
      if (withFeatures) for (const f of featureNames) features.push(s.warm ? s.features[f] : Number.NaN);
    }
  }
  const span: EvaluationSpan = {
    name: name(file),
    intervalMs: model.intervalMs,
    states: model.hmm.nStates,
    close: Float64Array.from(close),
    state: Int8Array.from(state),
    score: Float64Array.from(score),
    anomaly: Uint8Array.from(anomaly),
    gap: Uint8Array.from(gap),
    outOfRange: Uint8Array.from(outOfRange),
  };
  return { span, features: Float64Array.from(features) };
}

const started = performance.now();
const work = join(root, 'bench', '.cache', 'evidence');
mkdirSync(work, { recursive: true });

// 1. Every file once with the shipped model: its spans, and the raw features for the jump model.
const shippedSpans = new Map<string, EvaluationSpan>();
const manifest = {
  columns: featureNames.length,
  files: {} as Record<string, { path: string; rows: number }>,
  splits: splits.map((s) => ({ id: s.id, train: s.train.map(name), test: s.test.map(name) })),
};
for (const file of [...btc, ...usdm]) {
  const { span, features } = await replay(file, shipped, true);
  shippedSpans.set(file, span);
  const n = span.close.length;
  const rows = new Float64Array(n * (featureNames.length + 1));
  for (let t = 0; t < n; t++) {
    const r =
      t > 0 && !span.gap?.[t] && !span.gap?.[t - 1]
        ? Math.log(span.close[t] / span.close[t - 1])
        : Number.NaN;
    rows[t * (featureNames.length + 1)] = r;
    for (let j = 0; j < featureNames.length; j++)
      rows[t * (featureNames.length + 1) + 1 + j] = features[t * featureNames.length + j];
  }
  const path = join(work, `${name(file)}.f64`);
  writeFileSync(path, new Uint8Array(rows.buffer));
  manifest.files[name(file)] = { path, rows: n };
  log(`replayed ${name(file)} with the shipped model: ${n} bars`);
}
writeFileSync(join(work, 'manifest.json'), JSON.stringify(manifest));

// 2. The jump model runs beside our training (it only needs the features). Its labels are kept
// under bench/.cache, keyed by a hash of its inputs: a re-run with the same features reuses them.
const jumpKey = createHash('sha256');
jumpKey.update(
  JSON.stringify({
    splits: manifest.splits,
    nInit: values['n-init'],
    script: readFileSync(join(here, 'jump_model.py')),
  }),
);
for (const entry of Object.values(manifest.files)) jumpKey.update(readFileSync(entry.path));
const jumpOut = join(work, `jump-labels-${jumpKey.digest('hex').slice(0, 16)}.json`);
const jumpLabels: Promise<Record<string, Record<string, number[]>> | string> = values['no-jump']
  ? Promise.resolve('not run (--no-jump)')
  : existsSync(jumpOut)
    ? Promise.resolve(JSON.parse(readFileSync(jumpOut, 'utf8')))
    : new Promise((resolve) => {
        const child = spawn(
          values.python as string,
          [
            join(here, 'jump_model.py'),
            join(work, 'manifest.json'),
            jumpOut,
            '--n-init',
            values['n-init'] as string,
          ],
          { stdio: ['ignore', 'inherit', 'pipe'] },
        );
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk;
          process.stderr.write(chunk);
        });
        child.on('error', (error) => resolve(`not run (${error.message})`));
        child.on('close', (code) =>
          resolve(
            code === 0
              ? JSON.parse(readFileSync(jumpOut, 'utf8'))
              : `not run (jump_model.py exited ${code}: ${stderr.trim().split('\n').pop()})`,
          ),
        );
      });

// 3. Ours, walk-forward, with the shipped model's recipe.
const trainer = new WalkForwardTrainer(trainingRecipe(shipped, maxIter));
const oursSpans = new Map<string, EvaluationSpan>();
const argmaxSpans = new Map<string, EvaluationSpan>();
for (const split of splits) {
  const model = await trainer.model(split.train, log);
  for (const file of split.test) {
    oursSpans.set(`${split.id}/${file}`, (await replay(file, model)).span);
    argmaxSpans.set(`${split.id}/${file}`, (await replay(file, model, false, true)).span);
  }
}
const previousSpans = new Map<string, EvaluationSpan>();
for (const file of [...btc, ...usdm]) previousSpans.set(file, (await replay(file, previous)).span);
log('replayed every file with the previous default');
const usdmModel = loadModel(readFileSync(join(root, 'models', 'usdm-microstructure-1m.json'), 'utf8'));
const usdmSpans = new Map<string, EvaluationSpan>();
for (const file of usdm) usdmSpans.set(file, (await replay(file, usdmModel)).span);
log('replayed the USD-M files with the shipped USD-M model');
const jump = await jumpLabels;

// 4. Every method through the same evaluation, per split group (pooled over its test spans).
type Method =
  | 'ours (walk-forward)'
  | 'ours, filter argmax'
  | 'EWMA baseline'
  | 'shipped default'
  | 'previous default'
  | 'shipped USD-M model'
  | 'jump model';
const groups = { btc: 'BTCUSDT spot, leave one span out', usdm: 'train on BTCUSDT spot, test on USD-M' };
const results: Record<string, Record<string, SignalEvaluation>> = {};
for (const group of ['btc', 'usdm'] as const) {
  const tests = splits
    .filter((s) => s.group === group)
    .flatMap((s) => s.test.map((file) => ({ split: s, file })));
  const ours = evaluateSignals(tests.map(({ split, file }) => oursSpans.get(`${split.id}/${file}`)!));
  results[group] = {
    'ours (walk-forward)': ours,
    'ours, filter argmax': evaluateSignals(
      tests.map(({ split, file }) => argmaxSpans.get(`${split.id}/${file}`)!),
    ),
    'shipped default': evaluateSignals(tests.map(({ file }) => shippedSpans.get(file)!)),
    'previous default': evaluateSignals(tests.map(({ file }) => previousSpans.get(file)!)),
  };
  if (group === 'usdm')
    results[group]['shipped USD-M model'] = evaluateSignals(tests.map(({ file }) => usdmSpans.get(file)!));
  if (typeof jump !== 'string') {
    results[group]['jump model'] = evaluateSignals(
      tests.map(({ split, file }) => {
        const base = shippedSpans.get(file)!;
        const { score: _, anomaly: __, ...rest } = base;
        return { ...rest, state: Int8Array.from(jump[split.id][name(file)]) };
      }),
    );
  }
}

// 5. The Markdown.
const labels = shipped.labels;
const header = [
  'test span',
  'method',
  ...labels.map((l) => `${l} %`),
  'switches/day',
  'runs ≤3',
  'A-B-A',
  `${labels[labels.length - 1]}/${labels[0]} vol`,
  'fwd vol ratio',
  'fwd AUC',
  'AUC − EWMA',
  'onset lag med/mean (hit)',
  'anomalies',
  'out of range',
];
const row = (
  span: string,
  method: Method,
  f: LabelFigures,
  ewmaAuc: number,
  anomalyRate: number,
  outOfRangeRate: number,
) => [
  span,
  method,
  ...f.shares.map((s) => percent(s, 1)),
  fixed(f.switchesPerDay, 1),
  percent(f.shortRunShare, 1),
  percent(f.flipShare, 1),
  fixed(f.crisisStableVolatility, 2),
  fixed(f.forwardCrisisStableVolatility, 2),
  fixed(f.forwardAuc, 3),
  method === 'EWMA baseline' ? '—' : fixed(f.forwardAuc - ewmaAuc, 3),
  `${fixed(f.onset.medianLagBars, 0)}/${fixed(f.onset.meanLagBars, 1)} (${f.onset.detected}/${f.onset.episodes})`,
  Number.isNaN(anomalyRate) ? '—' : percent(anomalyRate, 2),
  Number.isNaN(outOfRangeRate) ? '—' : percent(outOfRangeRate, 1),
];
const sections: string[] = [];
for (const group of ['btc', 'usdm'] as const) {
  const r = results[group];
  const ours = r['ours (walk-forward)'];
  const rows: string[][] = [];
  const spans = [...ours.spans.map((_, i) => i), -1];
  for (const i of spans) {
    const pick = (e: SignalEvaluation) => (i < 0 ? e.pooled : e.spans[i]);
    const base = pick(ours);
    const spanName = i < 0 ? '**pooled**' : base.name;
    rows.push(
      row(
        spanName,
        'ours (walk-forward)',
        base.regime,
        base.ewma.forwardAuc,
        base.anomalyRate,
        base.outOfRangeRate,
      ),
    );
    rows.push(row(spanName, 'EWMA baseline', base.ewma, base.ewma.forwardAuc, Number.NaN, Number.NaN));
    for (const method of [
      'ours, filter argmax',
      'shipped default',
      'previous default',
      'shipped USD-M model',
    ] as const) {
      if (r[method] === undefined) continue;
      const e = pick(r[method]);
      rows.push(row(spanName, method, e.regime, e.ewma.forwardAuc, e.anomalyRate, e.outOfRangeRate));
    }
    if (r['jump model']) {
      const e = pick(r['jump model']);
      rows.push(row(spanName, 'jump model', e.regime, e.ewma.forwardAuc, Number.NaN, Number.NaN));
    }
  }
  sections.push(`## ${groups[group]}\n\n${formatTable(header, rows, 'markdown')}`);
}
const p = shipped.provenance;
const pp = previous.provenance;
const minutes = ((performance.now() - started) / 60_000).toFixed(1);
const doc = `---
title: Regime evidence
---

# Regime evidence: walk-forward, next to a trivial baseline and peers

Generated by \`npm run evidence:regime\` (bench/evidence/regimeEvidence.ts) on ${new Date().toISOString().slice(0, 10)}
in ${minutes} min; every figure is also in [regime-evidence.json](regime-evidence.json). Every row is
computed by the same code, \`evaluateSignals\` (src/evaluation), on the same bars; the definitions
are in its documentation and in \`microstream evaluate --help\`.

**Data**: ${btc.length} BTCUSDT spot spans (1-minute klines) and ${usdm.length} Binance USD-M symbol-months
from \`shared/data\`.

**Splits**: *leave one BTC span out* — each BTC span is judged by a model trained on the other
${btc.length - 1}; *BTC to USD-M* — one model trained on every BTC span judges each USD-M symbol.
Pooled rows pool the test spans of the group (each span with its own top-decile threshold).
Read the pooled AUC with care: it ranks bars of different spans against each other, so a score
whose level means the same on every span (relative features) gains over the absolute EWMA there;
the per-span rows are the like-for-like comparison.

**Methods**
- *ours (walk-forward)*: \`trainModel\` with the shipped default's recipe (features ${featureNames.join(', ')};
  ${p.states} states, ${p.covariance} covariance, contamination ${p.contamination}, transition prior ${p.transPrior},
  seed ${p.seed}; decision rule ${shipped.decision.rule}, margin ${shipped.decision.margin}, minimum dwell ${shipped.decision.minDwellBars ?? 1} bars; ${maxIter} EM
  iterations at most) on the split's training spans only.
- *ours, filter argmax*: the same walk-forward models with the decision rule off (the filter's most
  probable state, hysteresis margin 0, no dwell): what the decision rule buys and costs.
- *EWMA baseline*: a causal EWMA of squared 1-bar returns (half-life 30 bars); its AUC uses the
  EWMA value, its other figures the EWMA cut into ours' state shares of each span.
- *shipped default*: models/btcusdt-1m.json as shipped now (trained on ${p.sequences.length} sequences
  of ${p.trainingBars} bars, all BTC spans: **in sample** on the BTC rows).
- *previous default*: the default before issue 11 (bench/evidence/previous-default-btcusdt-1m.json;
  trained on ${pp.trainingBars} bars, all BTC spans: **in sample** on the BTC rows).
- *shipped USD-M model* (USD-M rows only): models/usdm-microstructure-1m.json (features
  ${usdmModel.features.map((f) => f.name).join(', ')}), trained on these five USD-M months: **in sample**.
- *jump model*: ${
  typeof jump === 'string'
    ? jump
    : `\`jumpmodels\` 0.1.1, 3 states, jump penalty 30, online prediction (each label from bars up to
  its own), fitted (${values['n-init']} initialisations) on the same raw features standardised on the
  split's training spans, states ordered by training volatility`
}.

**Columns**: shares of warm bars per state; state switches per day; share of runs ≤ 3 bars; share of
interior runs that are short A-B-A flips; concurrent Crisis/Stable realized volatility; forward
(next 60 bars) Crisis/Stable volatility; ROC AUC of the regime score Σ k·p_k (the state for hard
labels) for forward volatility in the span's top decile, and its difference to the EWMA's on the
same bars; onset lag (bars from the start of a top-decile episode to the first Crisis label within
60 bars: median/mean, and episodes with one); anomaly flag rate; share of warm bars the detector
flagged as out of its model's range.

${sections.join('\n')}`;
mkdirSync(dirname(values.out as string), { recursive: true });
writeFileSync(values.out as string, doc);
writeFileSync(
  (values.out as string).replace(/\.md$/, '.json'),
  `${JSON.stringify({ splits: splits.map((s) => ({ ...s, train: s.train.map(name), test: s.test.map(name) })), results }, null, 1)}\n`,
);
log(`wrote ${values.out} in ${minutes} min`);
