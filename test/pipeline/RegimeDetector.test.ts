import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { BarAggregator } from '../../src/bars/BarAggregator.js';
import type { Bar } from '../../src/bars/bar.js';
import type { Trade } from '../../src/bars/trade.js';
import { defaultModel } from '../../src/models/defaultModel.js';
import { trainModel } from '../../src/models/trainModel.js';
import { readAggTrades } from '../../src/node/readAggTrades.js';
import { createRegimeDetector, type RegimeDetectorOptions } from '../../src/pipeline/RegimeDetector.js';
import type { RegimeSignal } from '../../src/pipeline/signal.js';
import { shifty } from '../util/shifty.js';
import { replayBars, tradesFromBars } from './testData.js';

/** Bars of the bundled month: the default model warms up in 1 500, then a restart needs as many again. */
const BARS = 3_200;
const GAP_MINUTES = new Set([100, 101, 102, 250, 1_600, 1_601, 2_400]);
let bars: Bar[];
let trades: Trade[];

beforeAll(async () => {
  bars = await replayBars(BARS);
  trades = tradesFromBars(bars, GAP_MINUTES);
});

function run(options: RegimeDetectorOptions, input: readonly Trade[]): RegimeSignal[] {
  const detector = createRegimeDetector(options);
  return [...input.flatMap((t) => detector.pushTrade(t)), ...detector.flush()];
}

const json = (signals: readonly RegimeSignal[]) => JSON.parse(JSON.stringify(signals));

describe('RegimeDetector', () => {
  it('emits exactly one signal per closed bar, gap bars included and flagged', () => {
    const detector = createRegimeDetector({ symbol: 'BTCUSDT' });
    const signals = [...trades.flatMap((t) => detector.pushTrade(t)), ...detector.flush()];
    expect(signals).toHaveLength(bars.length);
    signals.forEach((s, i) => {
      expect(s.bar.openTime).toBe(bars[i].openTime);
      expect(s.bar.gap).toBe(GAP_MINUTES.has(i));
      expect(s.symbol).toBe('BTCUSDT');
      expect(s.interval).toBe(60_000);
      if (!s.bar.gap)
        expect([s.bar.open, s.bar.high, s.bar.low, s.bar.close]).toEqual([
          bars[i].open,
          bars[i].high,
          bars[i].low,
          bars[i].close,
        ]);
    });
    const stats = detector.stats();
    expect(stats.signals).toBe(bars.length);
    expect(stats.gapBars).toBe(GAP_MINUTES.size);
    expect(stats.coldBars).toBe(detector.warmUp);
    expect(stats.trades?.accepted).toBe(trades.length);
  });

  it('is cold for exactly the warm-up, and regime.changed marks exactly the bars whose state differs', () => {
    const model = defaultModel();
    const detector = createRegimeDetector();
    const signals = [...trades.flatMap((t) => detector.pushTrade(t)), ...detector.flush()];
    // The 60-bar volatility window, then a day of history for the baselines.
    expect(detector.warmUp).toBe(60 + 1_440);
    const margin = model.decision.margin;
    const minDwell = model.decision.minDwellBars ?? 1;
    expect(margin).toBeGreaterThan(0);
    expect(minDwell).toBeGreaterThan(1);
    const start = model.hmm.startProb;
    let previous = -1;
    let previousBars = 0;
    const runs: number[] = [];
    let changes = 0;
    let argmaxChanges = 0;
    signals.forEach((s, i) => {
      expect(s.warm).toBe(i >= detector.warmUp);
      const p = s.regime.probabilities;
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      const best = p.indexOf(Math.max(...p));
      expect(s.regime.mostProbableState).toBe(best);
      expect(s.regime.mostProbableLabel).toBe(model.labels[best]);
      // Minimum dwell, then hysteresis: a newly reported state stays for minDwell bars; after that it
      // moves only when the filter's favourite beats it by the margin.
      const held = s.warm && previous >= 0 && previousBars < minDwell;
      const expected = held
        ? previous
        : !s.warm || previous < 0 || p[best] - p[previous] > margin
          ? best
          : previous;
      expect(s.regime.state).toBe(expected);
      expect(s.regime.label).toBe(model.labels[s.regime.state]);
      expect(Object.keys(s.features)).toEqual(model.features.map((f) => f.name));
      if (!s.warm) {
        expect(p).toEqual(start);
        expect(s.regime.changed).toBe(false);
        expect(s.anomaly.isAnomaly).toBe(false);
        return;
      }
      expect(s.regime.changed).toBe(previous >= 0 && s.regime.state !== previous);
      expect(s.anomaly.isAnomaly).toBe(s.anomaly.score < s.anomaly.threshold);
      if (s.regime.changed) {
        changes++;
        runs.push(previousBars);
      }
      if (i > detector.warmUp && best !== signals[i - 1].regime.mostProbableState) argmaxChanges++;
      previousBars = s.regime.state === previous ? previousBars + 1 : 1;
      previous = s.regime.state;
    });
    expect(changes).toBeGreaterThan(0);
    // No reported run is shorter than the dwell.
    expect(Math.min(...runs)).toBeGreaterThanOrEqual(minDwell);
    // The rule holds the label through the filter's brief flips.
    expect(changes).toBeLessThan(argmaxChanges);
    expect(detector.stats().regimeChanges).toBe(changes);
  });

  it('gives the same signals for the same bars through pushBar and pushTrade', () => {
    const aggregator = new BarAggregator();
    const built = [...trades.flatMap((t) => aggregator.push(t)), ...aggregator.flush()];
    const viaBars = createRegimeDetector();
    // Only bars with trades: the bar path must re-create the gap bars itself.
    const fromBars = built.filter((b) => !b.gap).flatMap((b) => viaBars.pushBar(b));
    const fromTrades = run({}, trades);
    expect(fromBars).toHaveLength(bars.length);
    expect(json(fromBars)).toEqual(json(fromTrades));
  });

  it('gives the same signals live (pushTrade with a clock calling advance) as replayed through stream()', async () => {
    const replay = createRegimeDetector();
    const replayed: RegimeSignal[] = [];
    for await (const s of replay.stream(trades)) replayed.push(s);

    const live = createRegimeDetector();
    const seen: RegimeSignal[] = [];
    let clock = trades[0].time;
    for (const t of trades) {
      // The clock ticks every 10 s of event time, as a timer would between trades.
      while (clock + 10_000 < t.time) {
        clock += 10_000;
        seen.push(...live.advance(clock));
      }
      seen.push(...live.pushTrade(t));
    }
    seen.push(...live.flush());
    expect(json(seen)).toEqual(json(replayed));
  });

  it('replays a real Binance aggTrades file exactly as pushing its trades one by one', async () => {
    const file = 'fixtures/trades/BTCUSDT-aggTrades-2026-01-01T0000-0012.csv';
    const replayed: RegimeSignal[] = [];
    for await (const s of createRegimeDetector().stream(readAggTrades(file))) replayed.push(s);
    const live = createRegimeDetector();
    const pushed: RegimeSignal[] = [];
    for await (const t of readAggTrades(file)) pushed.push(...live.pushTrade(t));
    expect(json(pushed)).toEqual(json(replayed.slice(0, -1)));
    expect(replayed).toHaveLength(13); // 12 full minutes and the partial 00:12, flushed at the end
    expect(replayed[0].bar).toMatchObject({
      open: 87648.21,
      high: 87648.22,
      low: 87632.74,
      close: 87648,
      trades: 1193,
    });
    expect(replayed.every((s) => !s.warm)).toBe(true);
  });

  it('continues identically after snapshot → JSON → restore at any trade', () => {
    const whole = run({}, trades);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: trades.length }), (cut) => {
        const first = createRegimeDetector();
        const before = trades.slice(0, cut).flatMap((t) => first.pushTrade(t));
        const resumed = createRegimeDetector();
        resumed.restore(JSON.parse(JSON.stringify(first.snapshot())));
        const after = [...trades.slice(cut).flatMap((t) => resumed.pushTrade(t)), ...resumed.flush()];
        expect(json([...before, ...after])).toEqual(json(whole));
        expect(resumed.stats().signals).toBe(whole.length);
      }),
      { numRuns: 30 },
    );
  });

  it('continues identically in a fresh process restored from a snapshot', () => {
    const whole = run({}, trades);
    const cuts = [0, 37, 401, 410, 1003, 6_010, 6_403, trades.length - 2];
    const cases = cuts.map((cut) => {
      const d = createRegimeDetector();
      const before = trades.slice(0, cut).flatMap((t) => d.pushTrade(t)).length;
      return { before, snapshot: d.snapshot(), trades: trades.slice(cut) };
    });
    const stdout = execFileSync('npx', ['tsx', 'test/pipeline/resumeChild.ts'], {
      input: JSON.stringify({ options: {}, cases }),
      encoding: 'utf8',
      maxBuffer: 256 << 20,
    });
    const continued = JSON.parse(stdout) as RegimeSignal[][];
    continued.forEach((signals, i) => {
      expect(signals).toEqual(json(whole.slice(cases[i].before)));
    });
  }, 60_000);

  it('restarts the windows after a hole longer than maxGapBars, and warms up again', () => {
    const skip = new Set(Array.from({ length: 10 }, (_, i) => 1_600 + i));
    const spans: unknown[] = [];
    const detector = createRegimeDetector({ maxGapBars: 5, onSkippedGap: (s) => spans.push(s) });
    const input = tradesFromBars(bars, skip);
    const signals = [...input.flatMap((t) => detector.pushTrade(t)), ...detector.flush()];
    expect(signals).toHaveLength(bars.length - 5);
    expect(signals.slice(1_600, 1_605).every((s) => s.bar.gap)).toBe(true);
    expect(signals[1_605].bar.openTime).toBe(bars[1_610].openTime);
    expect(spans).toEqual([
      { fromOpenTime: bars[1_605].openTime, toOpenTime: bars[1_609].openTime, bars: 5 },
    ]);
    // The gap bars still read from the old windows; the windows restart at the next bar with trades.
    expect(signals[1_604].warm).toBe(true);
    expect(signals.slice(1_605, 1_605 + detector.warmUp).every((s) => !s.warm)).toBe(true);
    expect(signals[1_605 + detector.warmUp].warm).toBe(true);
    expect(signals[1_605 + detector.warmUp].regime.changed).toBe(false);
    expect(detector.stats().restarts).toBe(1);
  });

  it('counts bad trades and carries on as if they had not been pushed', () => {
    const bad: Trade[] = [
      { time: Number.NaN, price: 1, qty: 1, isBuyerMaker: false },
      { time: trades[0].time, price: -5, qty: 1, isBuyerMaker: false },
      trades[9], // a duplicate of a trade in the open bar
    ];
    const withBad = [...trades.slice(0, 10), ...bad, ...trades.slice(10)];
    const rejected: string[] = [];
    const detector = createRegimeDetector({ onReject: (reason) => rejected.push(reason) });
    const signals = [...withBad.flatMap((t) => detector.pushTrade(t)), ...detector.flush()];
    expect(json(signals)).toEqual(json(run({}, trades)));
    expect(rejected).toEqual(['invalid', 'invalid', 'duplicate']);
    detector.pushTrade(trades[3]); // its bar closed long ago
    expect(detector.stats().rejectedTrades.late).toBe(1);
    expect(detector.stats().rejectedTrades).toEqual({ duplicate: 1, late: 1, invalid: 2 });
  });

  it("with normalize 'rolling20' re-standardises over 20 bars, and refuses a snapshot of the other mode", () => {
    const rolling = run({ normalize: 'rolling20' }, trades);
    const frozen = run({}, trades);
    // The z-score window fills with 20 warm feature vectors after the feature warm-up.
    const warmUp = createRegimeDetector({ normalize: 'rolling20' }).warmUp;
    expect(warmUp).toBe(1_500 + 19);
    expect(rolling.map((s) => s.warm)).toEqual(rolling.map((_, i) => i >= warmUp));
    expect(rolling.map((s) => s.features)).toEqual(frozen.map((s) => s.features));
    expect(rolling.map((s) => s.anomaly.score)).not.toEqual(frozen.map((s) => s.anomaly.score));
    const d = createRegimeDetector({ normalize: 'rolling20' });
    for (const t of trades.slice(0, 50)) d.pushTrade(t);
    expect(() => createRegimeDetector().restore(d.snapshot())).toThrow(/snapshot\.normalizer/);
  });

  it('says when most of the last 60 warm bars lie beyond 4σ of the training data, in the signal and in stats()', () => {
    // A model of absolute features trained on the real month, then fed the same month with every
    // return amplified 30 times: its volatility feature leaves the training range.
    const { model } = trainModel({
      bars: [bars.slice(0, 2_000)],
      features: 'absolute',
      nEstimators: 10,
      seed: 1,
    });
    let close = bars[0].close;
    const wild: Bar[] = bars.map((b, i) => {
      if (i > 0) close *= (b.close / bars[i - 1].close) ** 30;
      return { ...b, open: close, high: close, low: close, close };
    });
    const input = [
      ...bars.slice(0, 400),
      ...wild.slice(400).map((b) => ({ ...b, openTime: b.openTime, closeTime: b.closeTime })),
    ];
    const detector = createRegimeDetector({ model });
    const first = createRegimeDetector({ model });
    const signals = input.flatMap((b, i) => {
      if (i < 700) first.pushBar(b);
      return detector.pushBar(b);
    });
    // The rule, from its definition: a bar is far when a feature is > 4 training σ from the mean.
    const far = signals.map(
      (s) =>
        s.warm &&
        model.features.some(
          (f, j) => Math.abs(s.features[f.name] - model.scaler.mean[j]) > 4 * model.scaler.std[j],
        ),
    );
    signals.forEach((s, i) => {
      const recent = far
        .slice(0, i + 1)
        .filter((_, k) => signals[k].warm)
        .slice(-60);
      expect(s.outOfRange, `bar ${i}`).toBe(s.warm && 2 * recent.filter(Boolean).length > 60);
    });
    expect(signals.slice(0, 400).some((s) => s.outOfRange)).toBe(false);
    expect(signals.at(-1)?.outOfRange).toBe(true);
    expect(detector.stats().outOfRange).toBe(true);
    expect(detector.stats().outOfRangeBars).toBe(far.filter(Boolean).length);
    // The window survives a snapshot.
    const resumed = createRegimeDetector({ model });
    resumed.restore(JSON.parse(JSON.stringify(first.snapshot())));
    expect(json(input.slice(700).flatMap((b) => resumed.pushBar(b)))).toEqual(json(signals.slice(700)));
    expect(() => resumed.restore({ ...first.snapshot(), outOfRange: [2 ** 30, 0] })).toThrow(
      /snapshot\.outOfRange\[0\]/,
    );
  });

  it('holds a new state for minDwellBars bars, through a snapshot taken inside the dwell', () => {
    const decision = { rule: 'hysteresis', margin: 0, minDwellBars: 6 } as const;
    const detector = createRegimeDetector({ decision });
    const signals = bars.flatMap((b) => detector.pushBar(b));
    const changes = signals.flatMap((s, i) => (s.regime.changed ? [i] : []));
    expect(changes.length).toBeGreaterThan(2);
    // Every run between two changes lasts at least 6 bars.
    for (let c = 1; c < changes.length; c++) expect(changes[c] - changes[c - 1]).toBeGreaterThanOrEqual(6);
    const first = changes[0];
    for (let i = first; i < first + 6; i++) expect(signals[i].regime.state).toBe(signals[first].regime.state);
    // A snapshot on each bar of the dwell continues bit for bit.
    for (let cut = first + 1; cut <= first + 6; cut++) {
      const before = createRegimeDetector({ decision });
      for (const b of bars.slice(0, cut)) before.pushBar(b);
      const snapshot = JSON.parse(JSON.stringify(before.snapshot()));
      expect(snapshot.stateBars).toBe(Math.min(cut - first, 1440));
      const resumed = createRegimeDetector({ decision });
      resumed.restore(snapshot);
      expect(json(bars.slice(cut).flatMap((b) => resumed.pushBar(b)))).toEqual(json(signals.slice(cut)));
    }
    // A snapshot from before the dwell existed holds nothing; a bad count is refused.
    const before = createRegimeDetector({ decision });
    for (const b of bars.slice(0, first + 1)) before.pushBar(b);
    const { stateBars: _, ...old } = before.snapshot();
    const resumed = createRegimeDetector({ decision: { rule: 'hysteresis', margin: 0 } });
    resumed.restore(old);
    const free = createRegimeDetector({ decision: { rule: 'hysteresis', margin: 0 } });
    free.restore(before.snapshot());
    expect(json(bars.slice(first + 1).flatMap((b) => resumed.pushBar(b)))).toEqual(
      json(bars.slice(first + 1).flatMap((b) => free.pushBar(b))),
    );
    for (const bad of [-1, 1.5, 1441, '3'])
      expect(() => createRegimeDetector().restore({ ...before.snapshot(), stateBars: bad })).toThrow(
        /snapshot\.stateBars/,
      );
  });

  it('takes either trades or bars, and names what is wrong in a bad snapshot', () => {
    const d = createRegimeDetector();
    d.pushTrade(trades[0]);
    expect(() => d.pushBar(bars[0])).toThrow(/takes trades/);
    const snap = d.snapshot();
    expect(() => createRegimeDetector().restore({ ...snap, state: 7 })).toThrow(/snapshot\.state/);
    expect(() =>
      createRegimeDetector().restore({ ...snap, filter: { probabilities: [1], steps: 0 } }),
    ).toThrow(/snapshot\.filter\.probabilities/);
    expect(() => createRegimeDetector().restore({ ...snap, format: 'x' })).toThrow(/snapshot\.format/);
  });
});

describe('RegimeDetector after a long silence (issue 12)', () => {
  it('advance() a day after the last trade gives gap bars that are scored but never flagged as anomalies', () => {
    const detector = createRegimeDetector({ symbol: 'BTCUSDT' });
    const start = 1_767_225_600_000;
    const signals = [];
    // Past the warm-up (detector.warmUp bars) with a trade every 20 s, then nothing until
    // advance() 1 400 minutes later.
    const n = (detector.warmUp + 60) * 3;
    for (let i = 0; i < n; i++) {
      signals.push(
        ...detector.pushTrade({
          time: start + i * 20_000,
          price: 87_000 + (i % 17),
          qty: 0.01 + (i % 5) / 100,
          isBuyerMaker: i % 2 === 0,
          id: i,
        }),
      );
    }
    const before = signals.length;
    signals.push(...detector.advance(start + n * 20_000 + 1_400 * 60_000));
    const gaps = signals.slice(before).filter((s) => s.bar.gap);
    expect(gaps.length).toBeGreaterThan(1_300);
    expect(gaps.every((s) => s.warm)).toBe(true);
    // The forest does find them unusual (what used to flag them)...
    expect(gaps.filter((s) => s.anomaly.score < s.anomaly.threshold).length).toBeGreaterThan(1_000);
    // ...but a minute without trades is a gap, not an anomaly.
    expect(gaps.filter((s) => s.anomaly.isAnomaly)).toEqual([]);
    expect(detector.stats().anomalies).toBe(signals.filter((s) => s.anomaly.isAnomaly).length);
  });
});

describe('RegimeDetector and a bar that changes while it is read', () => {
  it('gives the signals of the values its checks saw: a NaN read later never reaches the filter', async () => {
    const bars = await replayBars(1_700); // warm from bar ~1 500 on
    const at = 1_650;
    const reference = createRegimeDetector({ symbol: 'BTCUSDT' });
    const expected = json(bars.flatMap((b) => reference.pushBar(b)));
    expect(expected[1_699].warm).toBe(true);
    for (const field of ['close', 'volume', 'high'] as const) {
      for (let k = 1; k <= 4; k++) {
        const detector = createRegimeDetector({ symbol: 'BTCUSDT' });
        const { value, reads } = shifty(bars[at], field, k, Number.NaN);
        const signals = bars.flatMap((b, i) => detector.pushBar(i === at ? value : b));
        expect(reads(), `${field}, ${k} honest reads`).toBeLessThanOrEqual(k);
        expect(json(signals), `${field}, ${k} honest reads`).toEqual(expected);
      }
    }
  });
});

describe('RegimeDetector and its options object', () => {
  it('keeps the options it was made with: changing the object afterwards (for another detector) changes nothing', () => {
    const T0 = 1_767_225_600_000;
    const rejected: string[] = [];
    const options: RegimeDetectorOptions = {
      symbol: 'BTCUSDT',
      allowedLatenessMs: 0,
      onReject: (r) => rejected.push(r),
    };
    const detector = createRegimeDetector(options);
    // The aggregator is made at the first trade: after these changes, with the values given above.
    options.allowedLatenessMs = 120_000;
    options.onReject = () => {};
    const trade = (time: number, id: number): Trade => ({
      time,
      price: 100,
      qty: 1,
      isBuyerMaker: false,
      id,
    });
    detector.pushTrade(trade(T0 + 61_000, 1)); // with lateness 0, the watermark is past the first minute
    detector.pushTrade(trade(T0 + 30_000, 2)); // late with 0 ms, in time with 120 s
    expect(detector.stats().rejectedTrades.late).toBe(1);
    expect(rejected).toEqual(['late']);
  });

  it('refuses a bad option when it is made, not at the first trade or bar of a stream', () => {
    const bad: [RegimeDetectorOptions, RegExp][] = [
      [{ allowedLatenessMs: -1 }, /allowedLatenessMs must be/],
      [{ allowedLatenessMs: Number.NaN }, /allowedLatenessMs must be/],
      [{ errorPolicy: 'ignore' as never }, /errorPolicy must be 'skip' or 'throw'/],
      [{ onReject: 'log' as never }, /onReject must be a function/],
      [{ onRejectBar: 1 as never }, /onRejectBar must be a function/],
      [{ onSkippedGap: {} as never }, /onSkippedGap must be a function/],
      [{ intervalMs: 500 }, /intervalMs must be/],
      [{ maxGapBars: -1 }, /maxGapBars must be/],
    ];
    for (const [options, message] of bad) expect(() => createRegimeDetector(options)).toThrow(message);
  });

  it('refuses a model that is not a RegimeModel, such as the parsed JSON of a model file', () => {
    const json = JSON.parse(JSON.stringify(createRegimeDetector().model.toJSON()));
    expect(() => createRegimeDetector({ model: json })).toThrow(/model must be a RegimeModel.*loadModel/);
    expect(() => createRegimeDetector({ model: 'btcusdt-1m' as never })).toThrow(
      /model must be a RegimeModel/,
    );
  });
});
