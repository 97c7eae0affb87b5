import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { averagePathLength } from '../../src/anomaly/averagePathLength.js';
import { IsolationForest } from '../../src/anomaly/IsolationForest.js';
import { rocAuc, spearman } from './rankStatistics.js';

/**
 * Parity with scikit-learn's IsolationForest on the golden data sets written by
 * scripts/golden_forest.py. Trees are random, so scores are compared by rank, rates and AUC, not
 * number by number; how far two scikit-learn forests with different seeds disagree is in the
 * golden file too, and ours must agree with scikit-learn about as well as it agrees with itself.
 */
const dir = join(import.meta.dirname, '..', '..', 'fixtures', 'golden', 'forest');
const read = <T>(name: string): T => JSON.parse(readFileSync(join(dir, name), 'utf8'));

interface SklearnRun {
  scores: number[];
  offset: number;
  trainingAnomalyRate: number;
  selfSpearman: number;
  auc?: number;
  selfAuc?: number;
}
interface Golden {
  name: string;
  contamination: number;
  X: number[][];
  labels?: number[];
  sklearn: { version: string; nEstimators: Record<string, SklearnRun> };
}

describe('IsolationForest parity with scikit-learn', () => {
  it('computes c(n) as scikit-learn does', () => {
    const { n, c } = read<{ n: number[]; c: number[] }>('averagePathLength.json');
    for (const [i, size] of n.entries()) expect(averagePathLength(size)).toBeCloseTo(c[i], 13);
  });

  it('uses rank statistics that match scipy and scikit-learn (ties included)', () => {
    const s = read<{ a: number[]; b: number[]; labels: number[]; spearman: number; auc: number }>(
      'statistics.json',
    );
    expect(spearman(s.a, s.b)).toBeCloseTo(s.spearman, 12);
    expect(rocAuc(s.labels, s.b)).toBeCloseTo(s.auc, 12);
  });

  describe.each(['blob', 'mixture', 'student', 'btcusdt'])('%s', (name) => {
    const golden = read<Golden>(`${name}.json`);

    it.each(Object.keys(golden.sklearn.nEstimators))('%s trees', (trees) => {
      const sk = golden.sklearn.nEstimators[trees];
      const forest = new IsolationForest({
        nEstimators: Number(trees),
        contamination: golden.contamination,
        seed: 11,
      }).fit(golden.X);
      const scores = forest.scoreSamples(golden.X);
      const rho = spearman(scores, sk.scores);
      const rate = golden.X.filter((row) => forest.isAnomaly(row)).length / golden.X.length;
      const figures = [
        `${name}, ${trees} trees: Spearman ours/sklearn ${rho.toFixed(4)} (sklearn/sklearn ${sk.selfSpearman.toFixed(4)})`,
        `anomaly rate ${(100 * rate).toFixed(2)} % (contamination ${100 * golden.contamination} %, sklearn ${(100 * sk.trainingAnomalyRate).toFixed(2)} %)`,
        `threshold ${forest.threshold.toFixed(4)} (sklearn ${sk.offset.toFixed(4)})`,
      ];
      // The 100-tree comparison is bounded by Monte-Carlo noise (two scikit-learn forests agree to
      // 0.94–0.98 there); the ≥ 0.95 goal is checked with 300 trees, where that noise is small.
      if (trees === '300') expect(rho).toBeGreaterThanOrEqual(0.95);
      expect(rho).toBeGreaterThanOrEqual(sk.selfSpearman - 0.02);
      expect(Math.abs(rate - golden.contamination)).toBeLessThanOrEqual(0.005);
      if (golden.labels && sk.auc !== undefined) {
        const auc = rocAuc(
          golden.labels,
          Array.from(scores, (s) => -s),
        );
        figures.push(
          `ROC AUC ${auc.toFixed(4)} (sklearn ${sk.auc.toFixed(4)}, sklearn other seed ${sk.selfAuc?.toFixed(4)})`,
        );
        expect(Math.abs(auc - sk.auc)).toBeLessThanOrEqual(0.01);
      }
      console.log(figures.join('; '));
    });
  });
});
