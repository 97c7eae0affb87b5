import { version as libraryVersion } from '../../package.json';
import { IsolationForest } from '../anomaly/IsolationForest.js';
import type { Bar } from '../bars/bar.js';
import { FeatureStage } from '../features/FeatureStage.js';
import { DEFAULT_FEATURES, FEATURE_SETS, type FeatureSet, parseFeatureSet } from '../features/featureSpec.js';
import { Scaler } from '../features/Scaler.js';
import { GaussianHMM } from '../hmm/GaussianHMM.js';
import { DEFAULT_DECISION_RULE, parseDecisionRule, type RegimeDecisionRule } from './decisionRule.js';
import {
  defaultLabels,
  MAX_MODEL_STATES,
  RegimeModel,
  type TrainingReport,
  type TrainingSequence,
} from './RegimeModel.js';
import { regimeReport } from './regimeReport.js';

/**
 * Progress of {@link trainModel}, for a progress display.
 *
 * @example
 * ```ts
 * trainModel({ bars, onProgress: (p) => p.stage === 'hmm' && console.error(p.iteration, p.logLikelihood) });
 * ```
 */
export type TrainingProgress =
  | { stage: 'features'; sequences: number; bars: number; trainingBars: number }
  | { stage: 'forest'; trees: number }
  | { stage: 'hmm'; iteration: number; logLikelihood: number }
  | { stage: 'report' };

/**
 * Options of {@link trainModel}.
 *
 * @example
 * ```ts
 * const options: TrainModelOptions = { bars: [march, may], features: 'default', seed: 1 };
 * ```
 */
export interface TrainModelOptions {
  /** Bar sequences, each in time order. A sequence is split wherever bars are missing: never glued across a hole. */
  bars: readonly (readonly Bar[])[];
  /** A feature set or the name of one (`default`, `original`, `microstructure`); default `default`. */
  features?: FeatureSet | string;
  /** Number of HMM states (default 3: Stable, Volatile, Crisis). */
  states?: number;
  /** Seed of the forest and the HMM initialisation (default 0). */
  seed?: number;
  /** Share of training bars the forest's threshold flags as anomalies (default 0.05). */
  contamination?: number;
  /** Decision rule stored in the model (default `DEFAULT_DECISION_RULE`: hysteresis, margin 0.4, 4-bar minimum dwell). */
  decision?: RegimeDecisionRule;
  /** Dirichlet pseudo-count added to every transition row in EM (default 0); larger = stickier regimes. */
  transPrior?: number;
  /** HMM covariance type (default `full`). */
  covariance?: 'full' | 'diag';
  /** Most EM iterations (default 100). */
  maxIter?: number;
  /** Isolation trees (default 100). */
  nEstimators?: number;
  /** State labels (default Stable/Volatile/Crisis for 3 states). */
  labels?: readonly string[];
  /**
   * Symbol recorded in the model. Default: the bars' symbol; for bars of several symbols, their
   * distinct symbols in input order joined by `,` (e.g. `'ALGOUSDT,AVAXUSDT'`), so a multi-symbol
   * model never claims to be one symbol's. Each sequence's symbol is in `provenance.sequences`.
   */
  symbol?: string;
  /** Bar interval (default: the first bar's `closeTime − openTime + 1`). */
  intervalMs?: number;
  onProgress?: (progress: TrainingProgress) => void;
}

/**
 * Trains a regime model: features of every warm bar, a scaler frozen on them, an Isolation Forest
 * on the standardised rows, and a Gaussian HMM whose states are ordered by the first volatility
 * feature (realized, Parkinson, then range), so state 0 is the calmest. Deterministic: the same
 * bars and options give a model with identical JSON bytes.
 *
 * Each contiguous run of bars is its own sequence: the feature windows restart in it, and the HMM
 * treats it as a separate sequence (no transition is learnt across a hole).
 *
 * @example
 * ```ts
 * const { model, report } = trainModel({ bars: [barsOfMarch, barsOfMay], seed: 1, transPrior: 100 });
 * console.log(report.crisisToStableVolatility, report.states.map((s) => s.meanDwellBars));
 * writeFileSync('model.json', JSON.stringify(model));
 * ```
 */
export function trainModel(options: TrainModelOptions): { model: RegimeModel; report: TrainingReport } {
  const featureSetName =
    typeof options.features === 'string'
      ? options.features
      : options.features === undefined
        ? 'default'
        : (Object.keys(FEATURE_SETS).find(
            (n) => JSON.stringify(FEATURE_SETS[n]) === JSON.stringify(options.features),
          ) ?? 'custom');
  const declared = typeof options.features === 'string' ? FEATURE_SETS[options.features] : options.features;
  if (declared === undefined && typeof options.features === 'string') {
    throw new RangeError(
      `unknown feature set ${JSON.stringify(options.features)}: use one of ${Object.keys(FEATURE_SETS).join(', ')}`,
    );
  }
  const features = parseFeatureSet(JSON.parse(JSON.stringify(declared ?? DEFAULT_FEATURES)));
  const states = options.states ?? 3;
  const seed = options.seed ?? 0;
  const contamination = options.contamination ?? 0.05;
  const decision = parseDecisionRule(options.decision ?? DEFAULT_DECISION_RULE, 'options.decision');
  const transPrior = options.transPrior ?? 0;
  // Checked before any work, and never adjusted: the model records exactly what trained it.
  if (!(Number.isFinite(transPrior) && transPrior >= 0))
    throw new RangeError(`trainModel: transPrior must be a finite number >= 0, got ${transPrior}`);
  if (!(Number.isInteger(states) && states >= 1 && states <= MAX_MODEL_STATES))
    throw new RangeError(
      `trainModel: states must be a whole number from 1 to ${MAX_MODEL_STATES}, got ${states}`,
    );
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function')
    throw new TypeError(`trainModel: onProgress must be a function, got ${typeof options.onProgress}`);
  const covariance = options.covariance ?? 'full';
  const first = options.bars.find((s) => s.length > 0)?.[0];
  if (first === undefined) throw new RangeError('trainModel: no bars');
  const intervalMs = options.intervalMs ?? first.closeTime - first.openTime + 1;
  const symbol =
    options.symbol ?? [...new Set(options.bars.flatMap((s) => s.map((b) => b.symbol)))].join(',');
  const labels = options.labels ?? defaultLabels(states);
  const names = features.map((f) => f.name);

  const sequences = options.bars.flatMap((s) => splitAtHoles(s, intervalMs));
  const rows: Float64Array[][] = [];
  const returns: Float64Array[] = [];
  const provenance: TrainingSequence[] = [];
  let barsRead = 0;
  let trainingBars = 0;
  for (const sequence of sequences) {
    const stage = new FeatureStage(features);
    const seqRows: Float64Array[] = [];
    const seqReturns: number[] = [];
    for (let t = 0; t < sequence.length; t++) {
      const x = stage.push(sequence[t]);
      if (stage.warm) {
        seqRows.push(Float64Array.from(x));
        seqReturns.push(Math.log(sequence[t].close / sequence[t - 1].close));
      }
    }
    barsRead += sequence.length;
    provenance.push({
      symbol: sequence[0].symbol,
      from: sequence[0].openTime,
      to: sequence[sequence.length - 1].closeTime,
      bars: sequence.length,
    });
    if (seqRows.length >= 2) {
      rows.push(seqRows);
      returns.push(Float64Array.from(seqReturns));
      trainingBars += seqRows.length;
    }
    options.onProgress?.({ stage: 'features', sequences: provenance.length, bars: barsRead, trainingBars });
  }
  if (trainingBars < 10 * states) {
    throw new RangeError(
      `trainModel: only ${trainingBars} warm bars, ${10 * states} needed for ${states} states (10 per state; each sequence needs more than ${new FeatureStage(features).warmUp} bars to warm up)`,
    );
  }

  const scaler = Scaler.fit(rows.flat());
  const standardised = rows.map((seq) => seq.map((x) => scaler.transform(x, new Float64Array(x.length))));
  const X = standardised.flatMap((seq) => seq.map((z) => Array.from(z)));

  const nEstimators = options.nEstimators ?? 100;
  options.onProgress?.({ stage: 'forest', trees: nEstimators });
  const forest = new IsolationForest({ nEstimators, contamination, seed }).fit(X);

  const hmm = new GaussianHMM({
    states,
    covariance,
    seed,
    maxIter: options.maxIter ?? 100,
    transPrior: transPrior > 0 ? transPrior : undefined,
    orderBy: volatilityFeatureIndex(features),
  });
  const fit = hmm.fit(X, {
    lengths: standardised.map((s) => s.length),
    onIteration: (iteration, logLikelihood) =>
      options.onProgress?.({ stage: 'hmm', iteration, logLikelihood }),
  }).monitor!;

  options.onProgress?.({ stage: 'report' });
  const report = regimeReport(
    {
      hmm,
      forest,
      scaler,
      names,
      labels,
      decision,
      fit: {
        logLikelihoodPerBar: fit.logLikelihoods[fit.logLikelihoods.length - 1] / trainingBars,
        iterations: fit.iterations,
        converged: fit.converged,
      },
    },
    { sequences: standardised, returns },
  );
  const model = new RegimeModel({
    symbol,
    intervalMs,
    labels,
    features,
    decision,
    scaler,
    forest,
    hmm,
    provenance: {
      sequences: provenance,
      bars: barsRead,
      trainingBars,
      featureSet: featureSetName,
      seed,
      states,
      covariance,
      contamination,
      transPrior,
      libraryVersion,
    },
    report,
  });
  return { model, report };
}

/** Splits bars into runs of consecutive intervals; refuses bars out of time order. */
function splitAtHoles(bars: readonly Bar[], intervalMs: number): Bar[][] {
  const out: Bar[][] = [];
  let run: Bar[] = [];
  for (let i = 0; i < bars.length; i++) {
    const bar = bars[i];
    if (run.length > 0) {
      const step = bar.openTime - run[run.length - 1].openTime;
      if (step <= 0) {
        throw new RangeError(
          `trainModel: bars out of time order at ${new Date(bar.openTime).toISOString()} (sort them, drop duplicates)`,
        );
      }
      if (step !== intervalMs) {
        out.push(run);
        run = [];
      }
    }
    run.push(bar);
  }
  if (run.length > 0) out.push(run);
  return out;
}

/** The feature the HMM's states are ordered by: the first realized, Parkinson or range feature. */
function volatilityFeatureIndex(features: FeatureSet): number {
  for (const kind of ['realizedVolatility', 'parkinsonVolatility', 'range'] as const) {
    const i = features.findIndex((f) => f.kind === kind);
    if (i >= 0) return i;
  }
  return 0;
}
