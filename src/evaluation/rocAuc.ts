/**
 * Area under the ROC curve of `score` for the 0/1 `label` (the Mann–Whitney statistic): the chance
 * that a random positive scores above a random negative, ties counted half. 1 = the score ranks
 * every positive above every negative, 0.5 = no better than chance, 0 = exactly backwards. NaN when
 * there are no positives or no negatives. Ties share their mean rank, so a constant score gives 0.5.
 * O(n log n).
 *
 * @example
 * ```ts
 * rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]); // 0.75
 * ```
 */
export function rocAuc(score: ArrayLike<number>, label: ArrayLike<number | boolean>): number {
  const n = score.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a] - score[b]);
  let positives = 0;
  let rankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && score[order[j + 1]] === score[order[i]]) j++;
    const meanRank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) {
      if (label[order[t]]) {
        positives++;
        rankSum += meanRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
