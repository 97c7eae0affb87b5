import { IsolationForest, type IsolationForestJSON } from '../anomaly/IsolationForest.js';
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS } from '../bars/barOptions.js';
import { type FeatureDefinition, parseFeatureSet } from '../features/featureSpec.js';
import { Scaler, type ScalerJSON } from '../features/Scaler.js';
import { GaussianHMM, type GaussianHMMJSON } from '../hmm/GaussianHMM.js';
import { checkUntrustedValue } from '../util/safeJson.js';
import {
  boundedString,
  check,
  finiteNumber,
  integer,
  numberMatrix,
  plainCopy,
  plainObject,
  quoteValue,
} from '../util/validate.js';
import { ARGMAX_RULE, parseDecisionRule, type RegimeDecisionRule } from './decisionRule.js';

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
 * Version of the model file format this library writes. Version 2 added the decision rule
 * (`decision`) and features relative to the symbol's own history (`features[i].baseline`); files
 * of version 1 still load, with the filter's argmax as their decision rule.
 *
 * @example
 * ```ts
 * console.log(`writes model files of version ${MODEL_VERSION}`);
 * ```
 */
export const MODEL_VERSION = 2;

/** Longest model `symbol`: a comma-separated list of the symbols it was trained on. */
const MAX_SYMBOL_LIST_LENGTH = 65_536;
/** Most HMM states a model may have: `trainModel` refuses more, and so does loading one. */
export const MAX_MODEL_STATES = 64;

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
  /** Share of training bars a detector reports in this state (the decision rule on the filtered probabilities). */
  share: number;
  /** Mean length in bars of runs of this state on the reported path (what a detector emits). */
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
  /** How detectors turn the filtered probabilities into the reported state. */
  decision: RegimeDecisionRule;
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
  /** How detectors turn the filtered probabilities into the reported state (a detector option may override it). */
  readonly decision: Readonly<RegimeDecisionRule>;
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
    decision: RegimeDecisionRule;
    scaler: Scaler;
    forest: IsolationForest;
    hmm: GaussianHMM;
    provenance: TrainingProvenance;
    report: TrainingReport;
  }) {
    this.symbol = parts.symbol;
    this.intervalMs = parts.intervalMs;
    this.labels = Object.freeze([...parts.labels]);
    this.features = Object.freeze(
      parts.features.map((f) =>
        Object.freeze(
          f.baseline === undefined ? { ...f } : { ...f, baseline: Object.freeze({ ...f.baseline }) },
        ),
      ),
    );
    this.decision = Object.freeze({ ...parts.decision });
    this.scaler = parts.scaler;
    this.forest = parts.forest;
    this.hmm = parts.hmm;
    this.provenance = parts.provenance;
    this.report = parts.report;
  }

  /**
   * Builds a model from its parsed JSON (a {@link RegimeModel.toJSON} document, e.g. `JSON.parse` of a
   * model file) and validates it fully: known format and version, a valid feature set, shapes
   * consistent across features, scaler, forest and HMM, finite numbers, stochastic HMM rows and
   * positive-definite covariances, labels, provenance and report, names (labels, feature names,
   * symbols, versions) at most 64 characters without control characters. Anything else is refused
   * with a `ModelValidationError` whose `path` names the field, e.g. `hmm.transMat[1]`. `loadModel`
   * does the same from JSON text, with limits on its size and nesting.
   *
   * @example
   * ```ts
   * const copy = RegimeModel.fromJSON(JSON.parse(JSON.stringify(model)));
   * ```
   */
  static fromJSON(json: unknown): RegimeModel {
    const data = plainCopy(json, '$');
    checkUntrustedValue(data);
    const o = plainObject(data, 'model');
    check(
      o.format === MODEL_FORMAT,
      'format',
      `expected ${JSON.stringify(MODEL_FORMAT)}, got ${quoteValue(o.format)}`,
    );
    check(
      o.version === MODEL_VERSION || o.version === 1,
      'version',
      `this library reads versions 1 and ${MODEL_VERSION}, got ${quoteValue(o.version)}`,
    );
    const symbol = boundedString(o.symbol, 'symbol', 0, MAX_SYMBOL_LIST_LENGTH);
    const intervalMs = integer(o.intervalMs, 'intervalMs', MIN_INTERVAL_MS, MAX_INTERVAL_MS);
    const features = parseFeatureSet(o.features, 'features');
    let decision = { ...ARGMAX_RULE };
    if (o.version === 1) {
      // Version 1 had neither: a file that claims it and carries them was not written by this library.
      for (const [i, f] of features.entries())
        check(
          f.baseline === undefined,
          `features[${i}].baseline`,
          'baselines need a model file of version 2',
        );
      check(o.decision === undefined, 'decision', 'a decision rule needs a model file of version 2');
    } else decision = parseDecisionRule(o.decision, 'decision');
    const d = features.length;
    const scaler = Scaler.fromJSON(o.scaler, d, 'scaler');
    const hmm = GaussianHMM.fromJSON(o.hmm, 'hmm');
    check(
      hmm.nFeatures === d,
      'hmm.means',
      `expected ${d} features (one per declared feature), got ${hmm.nFeatures}`,
    );
    const forest = IsolationForest.fromJSON(o.forest);
    check(
      forest.nFeatures === d,
      'forest.nFeatures',
      `expected ${d} (one per declared feature), got ${forest.nFeatures}`,
    );
    const k = hmm.nStates;
    check(
      Array.isArray(o.labels) && o.labels.length === k,
      'labels',
      `expected ${k} labels, one per HMM state`,
    );
    const labels = (o.labels as unknown[]).map((l, i) => {
      return boundedString(l, `labels[${i}]`, 1);
    });
    return new RegimeModel({
      symbol,
      intervalMs,
      labels,
      features,
      decision,
      scaler,
      forest,
      hmm,
      provenance: parseProvenance(o.provenance),
      report: parseReport(
        o.report,
        k,
        features.map((f) => f.name),
      ),
    });
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
      features: this.features.map((f) =>
        f.baseline === undefined ? { ...f } : { ...f, baseline: { ...f.baseline } },
      ),
      decision: { ...this.decision },
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

function parseProvenance(value: unknown, path = 'provenance'): TrainingProvenance {
  const o = plainObject(value, path);
  check(Array.isArray(o.sequences), `${path}.sequences`, 'expected an array');
  const sequences = (o.sequences as unknown[]).map((s, i) => {
    const at = `${path}.sequences[${i}]`;
    const q = plainObject(s, at);
    return {
      symbol: boundedString(q.symbol, `${at}.symbol`),
      from: finiteNumber(q.from, `${at}.from`),
      to: finiteNumber(q.to, `${at}.to`),
      bars: integer(q.bars, `${at}.bars`, 1, Number.MAX_SAFE_INTEGER),
    };
  });
  const featureSet = boundedString(o.featureSet, `${path}.featureSet`);
  check(
    o.covariance === 'full' || o.covariance === 'diag',
    `${path}.covariance`,
    "expected 'full' or 'diag'",
  );
  const libraryVersion = boundedString(o.libraryVersion, `${path}.libraryVersion`);
  return {
    sequences,
    bars: integer(o.bars, `${path}.bars`, 0, Number.MAX_SAFE_INTEGER),
    trainingBars: integer(o.trainingBars, `${path}.trainingBars`, 0, Number.MAX_SAFE_INTEGER),
    featureSet,
    seed: finiteNumber(o.seed, `${path}.seed`),
    states: integer(o.states, `${path}.states`, 1, MAX_MODEL_STATES),
    covariance: o.covariance,
    contamination: finiteNumber(o.contamination, `${path}.contamination`),
    transPrior: finiteNumber(o.transPrior, `${path}.transPrior`),
    libraryVersion,
  };
}

function parseReport(value: unknown, k: number, names: string[], path = 'report'): TrainingReport {
  const o = plainObject(value, path);
  check(Array.isArray(o.states) && o.states.length === k, `${path}.states`, `expected ${k} entries`);
  const states = (o.states as unknown[]).map((s, i): StateReport => {
    const at = `${path}.states[${i}]`;
    const q = plainObject(s, at);
    const label = boundedString(q.label, `${at}.label`);
    const means = plainObject(q.means, `${at}.means`);
    for (const name of names) finiteNumber(means[name], `${at}.means.${name}`);
    return {
      label,
      means: Object.fromEntries(names.map((n) => [n, means[n] as number])),
      share: finiteNumber(q.share, `${at}.share`),
      meanDwellBars: finiteNumber(q.meanDwellBars, `${at}.meanDwellBars`),
      expectedDwellBars: finiteNumber(q.expectedDwellBars, `${at}.expectedDwellBars`),
      realizedVolatility: finiteNumber(q.realizedVolatility, `${at}.realizedVolatility`),
    };
  });
  const anomaly = plainObject(o.anomaly, `${path}.anomaly`);
  check(typeof o.converged === 'boolean', `${path}.converged`, 'expected a boolean');
  return {
    states,
    transitionMatrix: numberMatrix(o.transitionMatrix, `${path}.transitionMatrix`, k, k),
    crisisToStableVolatility: finiteNumber(o.crisisToStableVolatility, `${path}.crisisToStableVolatility`),
    minMeanDwellBars: finiteNumber(o.minMeanDwellBars, `${path}.minMeanDwellBars`),
    anomaly: {
      threshold: finiteNumber(anomaly.threshold, `${path}.anomaly.threshold`),
      rate: finiteNumber(anomaly.rate, `${path}.anomaly.rate`),
    },
    logLikelihoodPerBar: finiteNumber(o.logLikelihoodPerBar, `${path}.logLikelihoodPerBar`),
    iterations: integer(o.iterations, `${path}.iterations`, 0, Number.MAX_SAFE_INTEGER),
    converged: o.converged,
  };
}
