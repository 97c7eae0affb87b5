import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultModel } from '../../src/models/defaultModel.js';
import { readKlines } from '../../src/node/readKlines.js';
import { createRegimeDetector } from '../../src/pipeline/RegimeDetector.js';

// Data-driven: replays the shipped model's whole training set (the project's shared Binance data,
// not part of the repository) through the public detector.
const DATA = '../shared/data/binance-spot';
const available = existsSync(DATA);
if (!available && process.env.CI !== 'true')
  console.warn(`shippedModel.test: skipped, ${DATA} is not on this machine`);

describe.runIf(available || process.env.CI === 'true')('the shipped BTCUSDT 1-minute model', () => {
  it('reproduces its stored report through createRegimeDetector and meets the acceptance figures', async () => {
    const model = defaultModel();
    const files = readdirSync(DATA)
      .filter((f) => /^BTCUSDT-1m-.*\.csv\.gz$/.test(f))
      .sort();
    const k = model.labels.length;
    const count = new Array(k).fill(0);
    const sumSq = new Array(k).fill(0);
    const runs = new Array(k).fill(0);
    let warm = 0;
    let anomalies = 0;
    // Bars scored within rounding of the threshold: the threshold is the contamination quantile of
    // the training scores, so one training bar sits exactly on it, and Math.exp/log may differ in
    // the last bit between V8 versions (Node 22 vs 24) — such a bar may fall either side.
    let onThreshold = 0;
    let sequences = 0;
    for (const file of files) {
      // maxGapBars 0: a hole is skipped and the detector restarts, as training splits sequences there.
      const detector = createRegimeDetector({ maxGapBars: 0, onSkippedGap: () => sequences++ });
      sequences++;
      let previousState = -1;
      let previousClose = Number.NaN;
      for await (const bar of readKlines(join(DATA, file))) {
        for (const s of detector.pushBar(bar)) {
          const r = Math.log(s.bar.close / previousClose);
          previousClose = s.bar.close;
          if (!s.warm) {
            previousState = -1;
            continue;
          }
          const state = s.regime.state;
          warm++;
          count[state]++;
          sumSq[state] += r * r;
          if (state !== previousState) runs[state]++;
          previousState = state;
          if (s.anomaly.isAnomaly) anomalies++;
          if (Math.abs(s.anomaly.score - s.anomaly.threshold) <= 1e-12 * Math.abs(s.anomaly.threshold))
            onThreshold++;
        }
      }
    }
    const report = model.report;
    expect(sequences).toBe(model.provenance.sequences.length);
    expect(warm).toBe(model.provenance.trainingBars);
    for (let i = 0; i < k; i++) {
      expect(count[i] / warm).toBeCloseTo(report.states[i].share, 12);
      expect(count[i] / runs[i]).toBeCloseTo(report.states[i].meanDwellBars, 9);
      expect(Math.sqrt(sumSq[i] / count[i])).toBeCloseTo(report.states[i].realizedVolatility, 12);
    }
    expect(onThreshold).toBeLessThanOrEqual(2);
    expect(Math.abs(anomalies - report.anomaly.rate * warm)).toBeLessThanOrEqual(onThreshold + 1e-6);

    // The acceptance figures, from what the detector emitted.
    const vol = (i: number) => Math.sqrt(sumSq[i] / count[i]);
    expect(vol(k - 1) / vol(0)).toBeGreaterThanOrEqual(3);
    for (let i = 0; i < k; i++) expect(count[i] / runs[i]).toBeGreaterThanOrEqual(10);
  }, 120_000);
});
