import { IsolationForest } from '../anomaly/IsolationForest.js';
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS } from '../bars/barOptions.js';
import { parseFeatureSet } from '../features/featureSpec.js';
import { Scaler } from '../features/Scaler.js';
import { GaussianHMM } from '../hmm/GaussianHMM.js';
import { checkUntrustedValue, parseUntrustedJson } from '../util/safeJson.js';
import { boundedString, check, finiteNumber, integer, numberMatrix, plainObject } from '../util/validate.js';
import {
  MODEL_FORMAT,
  MODEL_VERSION,
  RegimeModel,
  type StateReport,
  type TrainingProvenance,
  type TrainingReport,
} from './RegimeModel.js';

/** Longest model `symbol`: a comma-separated list of the symbols it was trained on. */
const MAX_SYMBOL_LIST_LENGTH = 65_536;

/**
 * Loads and fully validates a model file (JSON text or an already-parsed object): known format and
 * version, a valid feature set, shapes consistent across features, scaler, forest and HMM,
 * finite numbers, stochastic HMM rows and positive-definite covariances, labels, provenance and
 * report, names (labels, feature names, symbols, versions) at most 64 characters without control
 * characters. Text over 64 MiB is refused before it is parsed. Anything else is refused with a `ModelValidationError` whose `path` names the field,
 * e.g. `hmm.transMat[1]` or `scaler.std`.
 *
 * @example
 * ```ts
 * const model = loadModel(readFileSync('model.json', 'utf8'));
 * const detector = createRegimeDetector({ model });
 * ```
 */
export function loadModel(jsonTextOrObject: string | unknown): RegimeModel {
  let json: unknown;
  if (typeof jsonTextOrObject === 'string') json = parseUntrustedJson(jsonTextOrObject);
  else {
    checkUntrustedValue(jsonTextOrObject);
    json = jsonTextOrObject;
  }
  const o = plainObject(json, 'model');
  check(
    o.format === MODEL_FORMAT,
    'format',
    `expected ${JSON.stringify(MODEL_FORMAT)}, got ${JSON.stringify(o.format)}`,
  );
  check(
    o.version === MODEL_VERSION,
    'version',
    `this library reads version ${MODEL_VERSION}, got ${JSON.stringify(o.version)}`,
  );
  const symbol = boundedString(o.symbol, 'symbol', 0, MAX_SYMBOL_LIST_LENGTH);
  const intervalMs = integer(o.intervalMs, 'intervalMs', MIN_INTERVAL_MS, MAX_INTERVAL_MS);
  const features = parseFeatureSet(o.features, 'features');
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
    states: integer(o.states, `${path}.states`, 1, 64),
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
