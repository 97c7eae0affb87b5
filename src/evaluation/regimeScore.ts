/**
 * The regime score Σ k·p_k of filtered state probabilities: 0 when surely the calmest state,
 * `k − 1` when surely the most volatile, in between otherwise. A single number that orders bars
 * by how volatile the model thinks they are, used for the forward-volatility ROC AUC.
 *
 * @example
 * ```ts
 * regimeScore([0.2, 0.5, 0.3]); // 0.5 + 0.6 = 1.1
 * ```
 */
export function regimeScore(probabilities: ArrayLike<number>): number {
  let score = 0;
  for (let k = 1; k < probabilities.length; k++) score += k * probabilities[k];
  return score;
}
