export {
  IsolationForest,
  type IsolationForestJSON,
  type IsolationForestOptions,
  type IsolationTreeJSON,
} from './IsolationForest.js';
