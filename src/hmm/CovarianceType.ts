/**
 * Covariance structure of the state Gaussians: one full D×D matrix per state, or D variances.
 *
 * @example
 * ```ts
 * const covariance: CovarianceType = 'diag';
 * ```
 */
export type CovarianceType = 'full' | 'diag';
