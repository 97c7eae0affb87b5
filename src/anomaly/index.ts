export { averagePathLength } from './averagePathLength.js';
export {
  IsolationForest,
  type IsolationForestJSON,
  type IsolationForestOptions,
  type IsolationTreeJSON,
} from './IsolationForest.js';
