/**
 * Gaussian hidden Markov models: training, online filtering, decoding, persistence.
 *
 * @module
 */
export type { CovarianceType } from './CovarianceType.js';
export type {
  GaussianHMMFitOptions,
  GaussianHMMFitResult,
  GaussianHMMJSON,
  GaussianHMMOptions,
  HMMFilterState,
} from './GaussianHMM.js';
export { GaussianHMM } from './GaussianHMM.js';
