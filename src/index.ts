/**
 * microstream — real-time market microstructure and liquidity-regime estimation.
 *
 * The browser-safe core: no `node:` imports here. Node-only parts live in
 * `microstream/node`, `microstream/binance` and `microstream/kafka`.
 *
 * Every public name is listed here, by name: the surface is a decision, recorded in
 * `etc/microstream.api.md` (`npm run api` updates it; `npm test` fails when the two differ).
 *
 * @module microstream
 * @packageDocumentation
 */

// The estimators on their own.
export {
  IsolationForest,
  type IsolationForestJSON,
  type IsolationForestOptions,
  type IsolationTreeJSON,
} from './anomaly/index.js';
// Bars from trades (or from bars with holes).
export {
  type Bar,
  BarAggregator,
  type BarAggregatorOptions,
  type BarAggregatorSnapshot,
  type BarAggregatorStats,
  BarRegularizer,
  type BarRegularizerOptions,
  type BarRegularizerSnapshot,
  type BarRegularizerStats,
  type BarRejectReason,
  type BarSeriesOptions,
  type GapFillerSnapshot,
  invalidTradeReason,
  KeyedBarAggregator,
  type KeyedBarAggregatorOptions,
  type KeyedBarAggregatorSnapshot,
  type KeyedBarAggregatorStats,
  type LastBarSnapshot,
  MAX_INTERVAL_MS,
  MIN_INTERVAL_MS,
  type OpenBarSnapshot,
  type OptionalBarColumn,
  type RejectReason,
  type SkippedGap,
  type Trade,
  TradeRejectedError,
} from './bars/index.js';
// Judging a model out of sample (what `microstream evaluate` reports), and its building blocks.
export {
  cutByShares,
  type EvaluateSignalsOptions,
  type EvaluationSpan,
  evaluateSignals,
  ewmaMeanSquare,
  forwardMeanSquare,
  type LabelFigures,
  type LabelPersistence,
  labelPersistence,
  observedReturns,
  onsetLags,
  quantile,
  regimeScore,
  rocAuc,
  type SignalEvaluation,
  type SpanEvaluation,
  spanFromSignals,
} from './evaluation/index.js';
// Features of a bar, and their standardisation.
export {
  ABSOLUTE_FEATURES,
  type BaselineSnapshot,
  DEFAULT_FEATURES,
  FEATURE_SETS,
  type FeatureBaseline,
  type FeatureDefinition,
  type FeatureKind,
  type FeatureSet,
  FeatureStage,
  type FeatureStageSnapshot,
  type FeatureStageStats,
  type FeatureTransform,
  MICROSTRUCTURE_FEATURES,
  ORIGINAL_FEATURES,
  parseFeatureSet,
  RollingZScore,
  type RollingZScoreSnapshot,
  Scaler,
  type ScalerJSON,
} from './features/index.js';
export {
  type CovarianceType,
  GaussianHMM,
  type GaussianHMMFitOptions,
  type GaussianHMMFitResult,
  type GaussianHMMJSON,
  type GaussianHMMOptions,
  type HMMFilterState,
} from './hmm/index.js';
// Models: the bundled one, loading (validated), training, the model file's parts.
export {
  ARGMAX_RULE,
  DEFAULT_DECISION_RULE,
  decideState,
  decideStateHeld,
  defaultLabels,
  defaultModel,
  loadModel,
  MAX_MIN_DWELL_BARS,
  MODEL_FORMAT,
  MODEL_VERSION,
  nextStateBars,
  parseDecisionRule,
  type RegimeDecisionRule,
  RegimeModel,
  type RegimeModelJSON,
  type ReportData,
  regimeReport,
  type StateReport,
  type TrainingProgress,
  type TrainingProvenance,
  type TrainingReport,
  type TrainingSequence,
  type TrainModelOptions,
  trainModel,
} from './models/index.js';
// The pipeline: trades → bars → features → anomaly score → regime → one signal per bar.
export {
  createRegimeDetector,
  createRegimeRouter,
  type DetectorSnapshot,
  OUT_OF_RANGE_SIGMA,
  OUT_OF_RANGE_WINDOW,
  RegimeDetector,
  type RegimeDetectorOptions,
  type RegimeDetectorStats,
  type RegimeLabel,
  RegimeRouter,
  type RegimeRouterOptions,
  type RegimeRouterStats,
  type RegimeSignal,
  type RouterSnapshot,
} from './pipeline/index.js';
export type { Stage } from './stage.js';
export { ModelValidationError } from './util/validate.js';
