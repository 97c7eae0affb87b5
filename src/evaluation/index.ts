export { cutByShares } from './cutByShares.js';
export type { EvaluationSpan } from './EvaluationSpan.js';
export { evaluateSignals } from './evaluateSignals.js';
export { ewmaMeanSquare } from './ewmaMeanSquare.js';
export { forwardMeanSquare } from './forwardMeanSquare.js';
export { type LabelPersistence, labelPersistence } from './labelPersistence.js';
export { observedReturns } from './observedReturns.js';
export { onsetLags } from './onsetLags.js';
export { quantile } from './quantile.js';
export { regimeScore } from './regimeScore.js';
export { rocAuc } from './rocAuc.js';
export type {
  EvaluateSignalsOptions,
  LabelFigures,
  SignalEvaluation,
  SpanEvaluation,
} from './SignalEvaluation.js';
export { spanFromSignals } from './spanFromSignals.js';
