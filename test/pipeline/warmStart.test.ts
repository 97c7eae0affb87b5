import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { BarAggregator } from '../../src/bars/BarAggregator.js';
import type { Bar } from '../../src/bars/bar.js';
import type { Trade } from '../../src/bars/trade.js';
import { createRegimeDetector, type RegimeDetectorOptions } from '../../src/pipeline/RegimeDetector.js';
import { createRegimeRouter } from '../../src/pipeline/RegimeRouter.js';
import type { RegimeSignal } from '../../src/pipeline/signal.js';
import { testStageContract } from '../contract/stageContract.js';
import { replayBars, tradesFromBars } from './testData.js';

const MINUTE = 60_000;
let bars: Bar[];

beforeAll(async () => {
  bars = await replayBars(1_700);
});

const json = (signals: readonly RegimeSignal[]) => JSON.parse(JSON.stringify(signals));

/** Trades of `later` (a slice of real bars), with ids above any a history could have used. */
function liveTrades(later: readonly Bar[], empty: ReadonlySet<number> = new Set()): Trade[] {
  return tradesFromBars(later, empty).map((t) => ({ ...t, id: (t.id as number) + 1_000_000 }));
}

/**
 * The reference: every bar through `pushBar` — the history as given, then the bars a
 * {@link BarAggregator} builds from the live trades (gap bars left to the detector to re-create).
 */
function viaPushBar(options: RegimeDetectorOptions, history: readonly Bar[], trades: readonly Trade[]) {
  const aggregator = new BarAggregator({ allowedLatenessMs: options.allowedLatenessMs });
  const built = [...trades.flatMap((t) => aggregator.push(t)), ...aggregator.flush()].filter((b) => !b.gap);
  const detector = createRegimeDetector(options);
  const old = history.flatMap((b) => detector.pushBar(b));
  const live = built.flatMap((b) => detector.pushBar(b));
  return { old, live };
}

function viaWarmStart(options: RegimeDetectorOptions, history: readonly Bar[], trades: readonly Trade[]) {
  const detector = createRegimeDetector(options);
  const old = detector.warmStart(history);
  const live = [...trades.flatMap((t) => detector.pushTrade(t)), ...detector.flush()];
  return { old, live, detector };
}

describe('RegimeDetector.warmStart', () => {
  it('gives the live bars exactly the signals of pushBar over the history and the bars of the trades', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 120 }), // history length
        fc.array(fc.nat(119), { maxLength: 4 }), // minutes missing from the history
        fc.integer({ min: 0, max: 6 }), // empty minutes between the last kline and the first trade
        fc.array(fc.nat(59), { maxLength: 4 }), // live minutes without trades
        fc.constantFrom(0, 2_000),
        fc.constantFrom(1_440, 3),
        (length, missing, hole, empty, allowedLatenessMs, maxGapBars) => {
          const history = bars.slice(0, length).filter((_, i) => !missing.includes(i));
          const later = bars.slice(length + hole, length + hole + 60);
          const trades = liveTrades(later, new Set(empty));
          const options = { allowedLatenessMs, maxGapBars };
          const expected = viaPushBar(options, history, trades);
          const got = viaWarmStart(options, history, trades);
          expect(json(got.old)).toEqual(json(expected.old));
          expect(got.live.length).toBeGreaterThan(0);
          expect(json(got.live)).toEqual(json(expected.live));
          expect(got.detector.stats().rejectedTrades).toEqual({ duplicate: 0, late: 0, invalid: 0 });
        },
      ),
      { numRuns: 25 },
    );
  });

  it('fills the minutes between the last kline and the first trade with gap bars', () => {
    const detector = createRegimeDetector();
    detector.warmStart(bars.slice(0, 40));
    const signals = [
      ...liveTrades(bars.slice(43, 45)).flatMap((t) => detector.pushTrade(t)),
      ...detector.flush(),
    ];
    expect(signals.map((s) => [s.bar.openTime, s.bar.gap])).toEqual([
      [bars[40].openTime, true],
      [bars[41].openTime, true],
      [bars[42].openTime, true],
      [bars[43].openTime, false],
      [bars[44].openTime, false],
    ]);
    expect(signals[0].bar.close).toBe(bars[39].close);
  });

  it('makes the first live signal warm when the history covers the warm-up, and not when it is one bar short', () => {
    const detector = createRegimeDetector();
    const n = detector.warmUp;
    const firstLive = (history: readonly Bar[]) => {
      const d = createRegimeDetector();
      const old = d.warmStart(history);
      const live = liveTrades(bars.slice(n, n + 2)).flatMap((t) => d.pushTrade(t));
      return { old, first: live[0] };
    };
    const enough = firstLive(bars.slice(0, n));
    expect(enough.old.every((s) => !s.warm)).toBe(true);
    expect(enough.first.bar.openTime).toBe(bars[n].openTime);
    expect(enough.first.warm).toBe(true);
    const short = firstLive(bars.slice(1, n));
    expect(short.first.bar.openTime).toBe(bars[n].openTime);
    expect(short.first.warm).toBe(false);
  });

  it.each([0, 2_000])(
    'counts a trade inside the warmed range as late, never in a live bar (lateness %i ms)',
    (allowedLatenessMs) => {
      const rejected: string[] = [];
      const options: RegimeDetectorOptions = {
        allowedLatenessMs,
        onReject: (reason) => rejected.push(reason),
      };
      const history = bars.slice(0, 50);
      const trades = liveTrades(bars.slice(50, 60));
      const clean = viaWarmStart(options, history, trades).live;

      const detector = createRegimeDetector(options);
      detector.warmStart(history);
      const stale: Trade[] = [
        { time: bars[49].openTime + 30_000, price: bars[49].close, qty: 5, isBuyerMaker: false, id: 1 },
        { time: bars[10].openTime, price: bars[10].open, qty: 5, isBuyerMaker: true, id: 2 },
        { time: bars[49].closeTime, price: bars[49].close, qty: 5, isBuyerMaker: true, id: 3 },
      ];
      const fromStale = stale.flatMap((t) => detector.pushTrade(t));
      const live = [...trades.flatMap((t) => detector.pushTrade(t)), ...detector.flush()];
      expect(fromStale).toEqual([]);
      expect(rejected).toEqual(['late', 'late', 'late']);
      expect(detector.stats().rejectedTrades.late).toBe(3);
      expect(detector.stats().trades?.accepted).toBe(trades.length);
      expect(json(live)).toEqual(json(clean));
    },
  );

  it('takes a trade of the minute right after the history into the first live bar', () => {
    const detector = createRegimeDetector({ allowedLatenessMs: 2_000 });
    detector.warmStart(bars.slice(0, 50));
    const first = bars[50].openTime;
    detector.pushTrade({ time: first, price: 100, qty: 1, isBuyerMaker: false });
    const [signal] = detector.advance(first + MINUTE + 2_000);
    expect(detector.stats().rejectedTrades.late).toBe(0);
    expect(signal.bar).toMatchObject({ openTime: first, open: 100, volume: 1, gap: false });
  });

  it('continues identically after snapshot → JSON → restore right after warmStart', () => {
    const history = bars.slice(0, 80);
    const trades = liveTrades(bars.slice(82, 140));
    const options = { allowedLatenessMs: 2_000 };
    const uninterrupted = viaWarmStart(options, history, trades).live;
    const before = createRegimeDetector(options);
    before.warmStart(history);
    const after = createRegimeDetector(options);
    after.restore(JSON.parse(JSON.stringify(before.snapshot())));
    expect(after.snapshot()).toEqual(before.snapshot());
    const live = [...trades.flatMap((t) => after.pushTrade(t)), ...after.flush()];
    expect(json(live)).toEqual(json(uninterrupted));
    expect(() => after.warmStart(history)).toThrow(/before the first pushTrade/);
  });

  it('is only allowed before the first trade, once, and on a trade-fed detector', () => {
    const history = bars.slice(0, 10);
    const afterTrade = createRegimeDetector();
    afterTrade.pushTrade(liveTrades(bars.slice(20, 21))[0]);
    expect(() => afterTrade.warmStart(history)).toThrow(/before the first pushTrade or advance/);
    const afterAdvance = createRegimeDetector();
    afterAdvance.advance(bars[20].openTime);
    expect(() => afterAdvance.warmStart(history)).toThrow(/before the first pushTrade or advance/);
    const twice = createRegimeDetector();
    twice.warmStart(history);
    expect(() => twice.warmStart(bars.slice(10, 20))).toThrow(/only once/);
    expect(() => twice.pushBar(bars[10])).toThrow(/takes trades/);
    const barFed = createRegimeDetector();
    barFed.pushBar(bars[0]);
    expect(() => barFed.warmStart(history)).toThrow(/takes bars, use pushBar/);
  });

  it('reports bad history bars to onRejectBar and carries on with the good ones', () => {
    const rejectedBars: string[] = [];
    const detector = createRegimeDetector({ onRejectBar: (reason) => rejectedBars.push(reason) });
    const history = [bars[0], { ...bars[1], close: Number.NaN }, bars[2], bars[2], bars[1]];
    const signals = detector.warmStart(history);
    expect(rejectedBars).toEqual(['invalid', 'duplicate', 'outOfOrder']);
    expect(signals.map((s) => [s.bar.openTime, s.bar.gap])).toEqual([
      [bars[0].openTime, false],
      [bars[1].openTime, true],
      [bars[2].openTime, false],
    ]);
  });
});

describe('RegimeRouter.warmStart', () => {
  it('warms each symbol like its own detector', () => {
    const eth = (b: Bar) => ({ ...b, symbol: 'ETHUSDT' });
    const history = bars.slice(0, 1_600).map(eth);
    const trades = liveTrades(bars.slice(1_601, 1_640).map(eth));
    const router = createRegimeRouter();
    const old = router.warmStart('ETHUSDT', history);
    const live = [...trades.flatMap((t) => router.pushTrade(t)), ...router.flush()];
    const alone = viaWarmStart({ symbol: 'ETHUSDT' }, history, trades);
    expect(json(old)).toEqual(json(alone.old));
    expect(json(live)).toEqual(json(alone.live));
    expect(live[0].warm).toBe(true);
    expect(router.symbols()).toEqual(['ETHUSDT']);
    expect(() => router.warmStart('ETHUSDT', history)).toThrow(/only once/);
  });
});

// The stage contract (determinism, snapshot/restore anywhere, bad trades) holds for a warm-started
// detector too; runs may start inside the warmed range, whose trades are then late.
testStageContract({
  name: 'RegimeDetector after warmStart',
  create: () => {
    const detector = createRegimeDetector();
    detector.warmStart(bars.slice(0, 60));
    return detector;
  },
  push: (detector, trade: Trade) => detector.pushTrade(trade),
  finish: (detector) => detector.flush(),
  inputs: fc
    .tuple(fc.integer({ min: 50, max: 150 }), fc.integer({ min: 0, max: 60 }))
    .map(([start, length]) => liveTrades(bars.slice(start, start + length))),
  badInputs: fc.record({
    time: fc.constant(Number.NaN),
    price: fc.constant(100),
    qty: fc.constant(1),
    isBuyerMaker: fc.boolean(),
  }),
  rejected: (detector) => detector.stats().rejectedTrades.invalid,
  numRuns: 15,
});
