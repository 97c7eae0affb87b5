export {
  type BaselineSnapshot,
  FeatureStage,
  type FeatureStageSnapshot,
  type FeatureStageStats,
} from './FeatureStage.js';
export {
  ABSOLUTE_FEATURES,
  DEFAULT_FEATURES,
  FEATURE_SETS,
  type FeatureBaseline,
  type FeatureDefinition,
  type FeatureKind,
  type FeatureSet,
  type FeatureTransform,
  MICROSTRUCTURE_FEATURES,
  ORIGINAL_FEATURES,
  parseFeatureSet,
} from './featureSpec.js';
export { RollingZScore, type RollingZScoreSnapshot } from './RollingZScore.js';
export { Scaler, type ScalerJSON } from './Scaler.js';
