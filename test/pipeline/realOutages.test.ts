import { beforeAll, describe, expect, it } from 'vitest';
import type { Bar } from '../../src/bars/bar.js';
import type { SkippedGap } from '../../src/bars/GapFiller.js';
import type { RegimeModel } from '../../src/models/RegimeModel.js';
import { trainModel } from '../../src/models/trainModel.js';
import { readKlines } from '../../src/node/readKlines.js';
import { createRegimeDetector, type RegimeDetectorOptions } from '../../src/pipeline/RegimeDetector.js';
import type { RegimeSignal } from '../../src/pipeline/signal.js';
import { replayBars } from './testData.js';

// Real Binance outages inside the 2021 BTCUSDT span (see fixtures/README.md).
const OUTAGES = [
  { file: 'fixtures/klines/BTCUSDT-1m-2021-04-19_2021-04-20.csv.gz', missing: 150 },
  { file: 'fixtures/klines/BTCUSDT-1m-2021-04-24_2021-04-26.csv.gz', missing: 284 },
];

// The default model's baselines need 1 500 bars, more than these slices hold before their holes: a
// model of absolute features (warm after 30 bars), trained on the bundled 2024 month, reads them.
let model: RegimeModel;
beforeAll(async () => {
  model = trainModel({ bars: [await replayBars(10_000)], features: 'absolute', seed: 0 }).model;
});

async function replay(file: string, options: RegimeDetectorOptions = {}) {
  const detector = createRegimeDetector({ model, ...options });
  const bars: Bar[] = [];
  const signals: RegimeSignal[] = [];
  for await (const bar of readKlines(file)) {
    bars.push(bar);
    signals.push(...detector.pushBar(bar));
  }
  signals.push(...detector.flush());
  return { detector, bars, signals };
}

describe.each(OUTAGES)('a real outage ($missing minutes) through pushBar', ({ file, missing }) => {
  it('fills the hole with gap-bar signals and stays warm across it', async () => {
    const { detector, bars, signals } = await replay(file);
    expect(signals).toHaveLength(bars.length + missing);
    const gaps = signals.filter((s) => s.bar.gap);
    expect(gaps).toHaveLength(missing);
    const first = signals.indexOf(gaps[0]);
    expect(signals.slice(first, first + missing).every((s) => s.bar.gap)).toBe(true);
    for (let i = 1; i < signals.length; i++)
      expect(signals[i].bar.openTime - signals[i - 1].bar.openTime).toBe(60_000);
    for (const s of gaps) {
      expect(s.warm).toBe(true);
      expect(s.features.logReturn).toBe(0);
      expect(s.features.logActivity20).toBe(Math.log(0.01));
      for (const v of Object.values(s.features)) expect(Number.isFinite(v)).toBe(true);
      expect(Number.isFinite(s.anomaly.score)).toBe(true);
    }
    // The first minute of trading after the outage is a burst against a silent window.
    expect(signals[first + missing].features.logActivity20).toBe(Math.log(20 + 0.01));
    // A long silence is unusual to a model trained on live markets (the score says so), but a gap bar
    // is a gap, not an anomaly: it is never flagged (issue 12).
    expect(gaps.some((s) => s.anomaly.score < s.anomaly.threshold)).toBe(true);
    expect(gaps.some((s) => s.anomaly.isAnomaly)).toBe(false);
    expect(detector.stats()).toMatchObject({ gapBars: missing, restarts: 0, coldBars: detector.warmUp });
  });

  it('with maxGapBars below the hole, skips the rest, reports it and warms up again', async () => {
    const skipped: SkippedGap[] = [];
    const { detector, bars, signals } = await replay(file, {
      maxGapBars: 100,
      onSkippedGap: (s) => skipped.push(s),
    });
    expect(signals).toHaveLength(bars.length + 100);
    expect(skipped.map((s) => s.bars)).toEqual([missing - 100]);
    const resume = signals.findIndex((s, i) => i > 0 && signals[i - 1].bar.gap && !s.bar.gap);
    expect(signals.slice(resume, resume + detector.warmUp).every((s) => !s.warm)).toBe(true);
    expect(signals[resume + detector.warmUp].warm).toBe(true);
    expect(detector.stats()).toMatchObject({ gapBars: 100, restarts: 1, coldBars: 2 * detector.warmUp });
  });
});
