export {
  createRegimeDetector,
  type DetectorSnapshot,
  OUT_OF_RANGE_SIGMA,
  OUT_OF_RANGE_WINDOW,
  RegimeDetector,
  type RegimeDetectorOptions,
  type RegimeDetectorStats,
} from './RegimeDetector.js';
export {
  createRegimeRouter,
  RegimeRouter,
  type RegimeRouterOptions,
  type RegimeRouterStats,
  type RouterSnapshot,
} from './RegimeRouter.js';
export type { RegimeLabel, RegimeSignal } from './signal.js';
