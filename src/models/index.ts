export {
  ARGMAX_RULE,
  DEFAULT_DECISION_RULE,
  decideState,
  decideStateHeld,
  MAX_MIN_DWELL_BARS,
  nextStateBars,
  parseDecisionRule,
  type RegimeDecisionRule,
} from './decisionRule.js';
export { defaultModel } from './defaultModel.js';
export { loadModel } from './loadModel.js';
export {
  defaultLabels,
  MODEL_FORMAT,
  MODEL_VERSION,
  RegimeModel,
  type RegimeModelJSON,
  type StateReport,
  type TrainingProvenance,
  type TrainingReport,
  type TrainingSequence,
} from './RegimeModel.js';
export { type ReportData, regimeReport } from './regimeReport.js';
export { type TrainingProgress, type TrainModelOptions, trainModel } from './trainModel.js';
