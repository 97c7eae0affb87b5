/**
 * The evidence behind the default feature set: trains a model per feature set with `trainModel`
 * on some spans and replays others it never saw through `createRegimeDetector`, then prints
 * markdown tables for docs/models-and-evaluation.md.
 *
 * - BTCUSDT spot (OHLCV only): train on the six spans up to 2024-11-04, hold out the two latest
 *   (2024-11-30 to 2025-02-04). Sets: the original three, the original three with log transforms,
 *   the default with the log range added (the default before this evidence), and the default (log
 *   return, log activity, 30-bar log realized volatility).
 * - Binance USD-M (every kline column): each month's first 75 % trains, its last 25 % is held out.
 *   Sets: original, default with the log range, default, microstructure.
 *
 * Per set: Crisis/Stable realized volatility of 1-minute returns and the mean dwell per state
 * (filtered most probable state, as the detector emits it), in sample and held out, and the HMM's
 * log-likelihood per bar of the standardised features, in sample and held out.
 *
 *   npx tsx scripts/feature-evidence.ts [--data ../shared/data] [--max-iter 400] > evidence.md
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Bar } from '../src/bars/bar.js';
import { StateStatistics, type StateSummary } from '../src/cli/evaluate/StateStatistics.js';
import { FEATURE_SETS, type FeatureSet, ORIGINAL_FEATURES } from '../src/features/featureSpec.js';
import type { RegimeModel } from '../src/models/RegimeModel.js';
import { trainModel } from '../src/models/trainModel.js';
import { readKlines } from '../src/node/readKlines.js';
import { createRegimeDetector } from '../src/pipeline/RegimeDetector.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data' },
    'max-iter': { type: 'string', default: '400' },
  },
});
const dataDir = values.data as string;
const maxIter = Number(values['max-iter']);
const log = (line: string) => process.stderr.write(`${line}\n`);

/** The original three with log transforms for their heavy tails (no volatility window). */
const ORIGINAL_LOGGED: FeatureSet = [
  ORIGINAL_FEATURES[0],
  { name: 'logRange', kind: 'range', transform: 'log', offset: 1e-5 },
  { name: 'logActivity20', kind: 'activity', window: 20, transform: 'log', offset: 0.01 },
];

/**
 * The microstructure set of format version 1: the absolute default plus order-flow imbalance and
 * trade intensity. (This script is the evidence behind the format-version-1 default, now
 * `ABSOLUTE_FEATURES`; rows named "default" are that set. The current, relative default was chosen
 * with `scripts/regime-experiment.ts`, see `docs/models/btcusdt-1m.md`.)
 */
const ABSOLUTE_MICROSTRUCTURE: FeatureSet = [
  ...FEATURE_SETS.absolute,
  { name: 'orderFlowImbalance', kind: 'orderFlowImbalance', transform: 'none' },
  { name: 'logTradeIntensity20', kind: 'tradeIntensity', window: 20, transform: 'log', offset: 0.01 },
];

/** The default set with the log range after the log return (the default before this evidence). */
const WITH_RANGE: FeatureSet = [
  FEATURE_SETS.absolute[0],
  ORIGINAL_LOGGED[1],
  ...FEATURE_SETS.absolute.slice(1),
];

interface Evaluation {
  summaries: StateSummary[];
  logLikelihoodPerBar: number;
  bars: number;
}

/** Replays each sequence through a fresh detector; per-state figures and the HMM's log-likelihood. */
function evaluate(model: RegimeModel, sequences: readonly (readonly Bar[])[]): Evaluation {
  const stats = new StateStatistics(model.labels);
  const z = new Float64Array(model.features.length);
  let logLikelihood = 0;
  let bars = 0;
  for (const sequence of sequences) {
    const detector = createRegimeDetector({ model });
    const rows: number[][] = [];
    for (const bar of sequence) {
      for (const signal of detector.pushBar(bar)) {
        stats.add(signal);
        if (!signal.warm) continue;
        model.scaler.transform(Object.values(signal.features), z);
        rows.push(Array.from(z));
      }
    }
    stats.endSequence();
    if (rows.length > 0) logLikelihood += model.hmm.score(rows);
    bars += rows.length;
  }
  return { summaries: stats.result(), logLikelihoodPerBar: logLikelihood / bars, bars };
}

async function readBars(path: string): Promise<Bar[]> {
  const bars: Bar[] = [];
  for await (const bar of readKlines(path)) bars.push(bar);
  return bars;
}

function row(name: string, inSample: Evaluation, heldOut: Evaluation, model: RegimeModel): string {
  const ratio = (e: Evaluation) => {
    const s = e.summaries;
    return `${(s[s.length - 1].realizedVolatility / s[0].realizedVolatility).toFixed(2)}×`;
  };
  const dwell = (e: Evaluation) => e.summaries.map((s) => s.meanDwellBars.toFixed(1)).join(' / ');
  return `| ${name} (${model.features.length}) | ${ratio(inSample)} | ${ratio(heldOut)} | ${dwell(inSample)} | ${dwell(heldOut)} | ${inSample.logLikelihoodPerBar.toFixed(3)} | ${heldOut.logLikelihoodPerBar.toFixed(3)} |`;
}

async function study(
  title: string,
  sets: [string, FeatureSet][],
  train: Bar[][],
  heldOut: Bar[][],
): Promise<string> {
  const lines = [
    `**${title}** — ${train.reduce((n, s) => n + s.length, 0)} training bars, ${heldOut.reduce((n, s) => n + s.length, 0)} held-out bars`,
    '',
    '| features (count) | Crisis/Stable vol, train | held out | mean dwell S / V / C, train | held out | log-lik/bar, train | held out |',
    '|---|---:|---:|---|---|---:|---:|',
  ];
  for (const [name, features] of sets) {
    const started = performance.now();
    const { model } = trainModel({ bars: train, features, seed: 0, maxIter });
    log(
      `${title} / ${name}: trained in ${((performance.now() - started) / 1000).toFixed(0)} s, ${model.report.iterations} EM iterations${model.report.converged ? '' : ' (not converged)'}`,
    );
    lines.push(row(name, evaluate(model, train), evaluate(model, heldOut), model));
  }
  return lines.join('\n');
}

const spotDir = join(dataDir, 'binance-spot');
const spotFiles = readdirSync(spotDir)
  .filter((f) => /^BTCUSDT-1m-.*\.csv\.gz$/.test(f))
  .sort();
const spot = await Promise.all(spotFiles.map((f) => readBars(join(spotDir, f))));
log(`read ${spotFiles.length} BTCUSDT spans`);
const btc = await study(
  `BTCUSDT spot: train ${spotFiles.slice(0, -2).length} spans to 2024-11-04, hold out ${spotFiles.slice(-2).join(', ')}`,
  [
    ['original', FEATURE_SETS.original],
    ['original, log-transformed', ORIGINAL_LOGGED],
    ['default with the log range', WITH_RANGE],
    ['default', FEATURE_SETS.absolute],
  ],
  spot.slice(0, -2),
  spot.slice(-2),
);

const usdmDir = join(dataDir, 'binance-usdm');
const usdmFiles = readdirSync(usdmDir)
  .filter((f) => f.endsWith('.csv.gz'))
  .sort();
const usdm = await Promise.all(usdmFiles.map((f) => readBars(join(usdmDir, f))));
log(`read ${usdmFiles.length} USD-M months`);
const split = (bars: Bar[]) => Math.floor(bars.length * 0.75);
const futures = await study(
  `Binance USD-M (${usdmFiles.map((f) => f.split('-')[0]).join(', ')}): first 75 % of each month trains, last 25 % held out`,
  [
    ['original', FEATURE_SETS.original],
    ['default with the log range', WITH_RANGE],
    ['default', FEATURE_SETS.absolute],
    ['microstructure', ABSOLUTE_MICROSTRUCTURE],
  ],
  usdm.map((bars) => bars.slice(0, split(bars))),
  usdm.map((bars) => bars.slice(split(bars))),
);

process.stdout.write(`${btc}\n\n${futures}\n`);
