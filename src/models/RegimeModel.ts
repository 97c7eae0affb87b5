import type { IsolationForest, IsolationForestJSON } from '../anomaly/IsolationForest.js';
import type { FeatureDefinition } from '../features/featureSpec.js';
import type { Scaler, ScalerJSON } from '../features/Scaler.js';
import type { GaussianHMM, GaussianHMMJSON } from '../hmm/GaussianHMM.js';
import { boundedString } from '../util/validate.js';

/**
 * Format name of a model file.
 *
 * @example
 * ```ts
 * if (json.format !== MODEL_FORMAT) throw new Error('not a microstream model');
 * ```
 */
export const MODEL_FORMAT = 'microstream-model';
/**
 * Version of the model file format this library reads and writes.
 *
 * @example
 * ```ts
 * console.log(`reads model files of version ${MODEL_VERSION}`);
 * ```
 */
export const MODEL_VERSION = 1;

/**
 * One training sequence: a contiguous run of bars (sequences are never glued across a hole).
 *
 * @example
 * ```ts
 * for (const s of model.provenance.sequences) console.log(s.symbol, new Date(s.from), s.bars);
 * ```
 */
export interface TrainingSequence {
  symbol: string;
  /** openTime of the first bar, epoch ms. */
  from: number;
  /** closeTime of the last bar, epoch ms. */
  to: number;
  bars: number;
}

/**
 * Where a model came from: enough to train it again and get the same bytes.
 *
 * @example
 * ```ts
 * const { seed, featureSet, libraryVersion } = defaultModel().provenance;
 * ```
 */
export interface TrainingProvenance {
  /** The contiguous sequences trained on, in input order. */
  sequences: TrainingSequence[];
  /** Bars read (warm-up bars included). */
  bars: number;
  /** Warm bars the scaler, forest and HMM were fitted on. */
  trainingBars: number;
  /** Name of the feature set (`default`, `original`, `microstructure`) or `custom`. */
  featureSet: string;
  seed: number;
  states: number;
  covariance: 'full' | 'diag';
  contamination: number;
  /** Dirichlet pseudo-count added to every transition row (0 = plain maximum likelihood). */
  transPrior: number;
  /** Version of microstream that trained the model. */
  libraryVersion: string;
}

/**
 * Per-state figures of a {@link TrainingReport}.
 *
 * @example
 * ```ts
 * for (const s of model.report.states) console.log(s.label, s.share, s.meanDwellBars);
 * ```
 */
export interface StateReport {
  label: string;
  /** HMM state means in each feature's own units (after its transform, before standardisation). */
  means: Record<string, number>;
  /** Share of training bars whose filtered most probable state is this one. */
  share: number;
  /** Mean length in bars of runs of this state on the filtered path (what a detector emits). */
  meanDwellBars: number;
  /** Mean dwell implied by the transition matrix, 1 / (1 − a_kk). */
  expectedDwellBars: number;
  /** Realized volatility of 1-minute log returns, √(mean r²), over the bars in this state. */
  realizedVolatility: number;
}

/**
 * What training found, stored in the model and printed by `microstream train`.
 *
 * @example
 * ```ts
 * const { report } = trainModel({ bars });
 * if (report.crisisToStableVolatility < 3) console.warn('weak separation');
 * ```
 */
export interface TrainingReport {
  states: StateReport[];
  /** Transition matrix, rows = from-state, in state order. */
  transitionMatrix: number[][];
  /** Realized volatility in the last (Crisis) state over that in state 0 (Stable). */
  crisisToStableVolatility: number;
  /** Smallest `meanDwellBars` over the states. */
  minMeanDwellBars: number;
  anomaly: {
    threshold: number;
    /** Share of training bars scored below the threshold. */
    rate: number;
  };
  /** Final log-likelihood per bar, EM iterations run and whether EM converged. */
  logLikelihoodPerBar: number;
  iterations: number;
  converged: boolean;
}

/**
 * A model file: one JSON document.
 *
 * @example
 * ```ts
 * const json: RegimeModelJSON = model.toJSON();
 * writeFileSync('model.json', JSON.stringify(json));
 * ```
 */
export interface RegimeModelJSON {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  symbol: string;
  intervalMs: number;
  labels: string[];
  features: FeatureDefinition[];
  provenance: TrainingProvenance;
  report: TrainingReport;
  scaler: ScalerJSON;
  hmm: GaussianHMMJSON;
  forest: IsolationForestJSON;
}

/**
 * A loaded regime model: the feature set, the frozen scaler, the Isolation Forest and the Gaussian
 * HMM, with labels, interval, provenance and the training report. Immutable once built; one
 * instance can be shared by any number of detectors. Get one from {@link loadModel},
 * {@link defaultModel} or {@link trainModel}.
 *
 * @example
 * ```ts
 * const model = defaultModel();
 * console.log(model.labels, model.features.map((f) => f.name), model.report.crisisToStableVolatility);
 * writeFileSync('copy.json', JSON.stringify(model));
 * ```
 */
export class RegimeModel {
  readonly symbol: string;
  readonly intervalMs: number;
  /** State labels in state order (calmest first), e.g. `['Stable', 'Volatile', 'Crisis']`. */
  readonly labels: readonly string[];
  readonly features: readonly FeatureDefinition[];
  readonly scaler: Scaler;
  readonly forest: IsolationForest;
  readonly hmm: GaussianHMM;
  readonly provenance: TrainingProvenance;
  readonly report: TrainingReport;

  constructor(parts: {
    symbol: string;
    intervalMs: number;
    labels: readonly string[];
    features: readonly FeatureDefinition[];
    scaler: Scaler;
    forest: IsolationForest;
    hmm: GaussianHMM;
    provenance: TrainingProvenance;
    report: TrainingReport;
  }) {
    this.symbol = parts.symbol;
    this.intervalMs = parts.intervalMs;
    this.labels = Object.freeze([...parts.labels]);
    this.features = Object.freeze(parts.features.map((f) => Object.freeze({ ...f })));
    this.scaler = parts.scaler;
    this.forest = parts.forest;
    this.hmm = parts.hmm;
    this.provenance = parts.provenance;
    this.report = parts.report;
  }

  /** A copy with other state labels, e.g. `model.withLabels(['calm', 'busy', 'panic'])`. */
  withLabels(labels: readonly string[]): RegimeModel {
    if (labels.length !== this.labels.length)
      throw new RangeError(`expected ${this.labels.length} labels, got ${labels.length}`);
    for (const [i, label] of labels.entries()) boundedString(label, `labels[${i}]`, 1);
    return new RegimeModel({ ...this, labels });
  }

  /** The model file (one JSON document). */
  toJSON(): RegimeModelJSON {
    return {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      symbol: this.symbol,
      intervalMs: this.intervalMs,
      labels: [...this.labels],
      features: this.features.map((f) => ({ ...f })),
      provenance: this.provenance,
      report: this.report,
      scaler: this.scaler.toJSON(),
      hmm: this.hmm.toJSON(),
      forest: this.forest.toJSON(),
    };
  }
}

/**
 * Default labels for `k` states in volatility order.
 *
 * @example
 * ```ts
 * defaultLabels(3); // ['Stable', 'Volatile', 'Crisis']
 * ```
 */
export function defaultLabels(k: number): string[] {
  if (k === 3) return ['Stable', 'Volatile', 'Crisis'];
  if (k === 2) return ['Stable', 'Crisis'];
  return Array.from({ length: k }, (_, i) => `State ${i}`);
}
