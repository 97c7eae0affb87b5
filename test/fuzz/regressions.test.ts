import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BarAggregator } from '../../src/bars/BarAggregator.js';
import type { Bar } from '../../src/bars/bar.js';
import { invalidTradeReason, type Trade } from '../../src/bars/trade.js';
import { loadModel } from '../../src/models/loadModel.js';
import { createRegimeDetector } from '../../src/pipeline/RegimeDetector.js';
import { createRegimeRouter } from '../../src/pipeline/RegimeRouter.js';
import type { RegimeSignal } from '../../src/pipeline/signal.js';
import { ModelValidationError } from '../../src/util/validate.js';
import { firstNonFinite } from './hostileValues.js';

// Each case is an input the fuzzers in this folder found, shrunk, with the invariant it broke.

const START = 1_767_225_600_000;
const MINUTE = 60_000;

function trade(i: number, fields: Partial<Trade> = {}): Trade {
  return {
    time: START + i * MINUTE,
    price: 87_000 + (i % 7),
    qty: 0.5,
    isBuyerMaker: i % 2 === 0,
    id: i + 1,
    ...fields,
  };
}

function bar(minute: number, fields: Partial<Bar> = {}): Bar {
  return {
    symbol: 'BTCUSDT',
    openTime: START + minute * MINUTE,
    closeTime: START + minute * MINUTE + MINUTE - 1,
    open: 87_000,
    high: 87_010,
    low: 86_990,
    close: 87_005,
    volume: 3,
    quoteVolume: 3 * 87_000,
    trades: 40,
    takerBuyVolume: 1.5,
    takerBuyQuoteVolume: 1.5 * 87_000,
    gap: false,
    ...fields,
  };
}

function signalsOfTrades(trades: Trade[]): { signals: RegimeSignal[]; invalid: number } {
  const detector = createRegimeDetector();
  const signals: RegimeSignal[] = [];
  for (const t of trades) signals.push(...detector.pushTrade(t));
  signals.push(...detector.flush());
  return { signals, invalid: detector.stats().rejectedTrades.invalid };
}

describe('fuzz regressions: trades', () => {
  it('a quantity whose notional overflows (qty 1e308 at 87 000) is invalid, not a NaN quote volume', () => {
    const agg = new BarAggregator();
    expect(agg.push(trade(0, { qty: 1e308 }))).toEqual([]);
    expect(agg.stats().invalid).toBe(1);
    expect(invalidTradeReason(trade(0, { qty: 2 ** 51 / 87_000 }))).toBeUndefined();
    expect(invalidTradeReason(trade(0, { qty: 2 ** 52 / 87_000 }))).toMatch(
      /price × qty must be at most 2\^51/,
    );
  });

  it('a subnormal price (ln of close / previous close = -Infinity) is invalid, and leaves the signals finite', () => {
    const trades = Array.from({ length: 120 }, (_, i) => trade(i, i === 60 ? { price: 5e-324 } : {}));
    const { signals, invalid } = signalsOfTrades(trades);
    expect(invalid).toBe(1);
    for (const s of signals) expect(firstNonFinite(s)).toBeUndefined();
    expect(invalidTradeReason(trade(0, { price: 1e-101 }))).toMatch(/^price must be within/);
    expect(invalidTradeReason(trade(0, { price: 1e101, qty: 0 }))).toMatch(/^price must be within/);
  });

  it('a time beyond a Date’s range (-2.95e20 ms, where openTime + interval === openTime) is invalid', () => {
    const agg = new BarAggregator();
    agg.push(trade(0, { time: -295_147_905_179_353_300_000 }));
    agg.push(trade(1));
    expect(agg.stats().invalid).toBe(1);
    // Before the fix the open bar at such a time could not even be restored from its own snapshot.
    const copy = new BarAggregator();
    copy.restore(JSON.parse(JSON.stringify(agg.snapshot())));
    expect(copy.flush()).toEqual(agg.flush());
    expect(() => new BarAggregator().advance(1e300)).toThrow(RangeError);
  });
});

describe('fuzz regressions: bars', () => {
  function run(bars: Bar[]) {
    const detector = createRegimeDetector({ normalize: 'rolling20' });
    const signals: RegimeSignal[] = [];
    for (const b of bars) signals.push(...detector.pushBar(b));
    return { signals, invalid: detector.stats().bars?.invalid };
  }

  it('high below low (ln of the range = NaN) is invalid', () => {
    const { signals, invalid } = run([bar(0, { high: 5e-324 }), bar(1)]);
    expect(invalid).toBe(1);
    expect(signals).toHaveLength(1);
    for (const s of signals) expect(firstNonFinite(s)).toBeUndefined();
  });

  it('a subnormal volume followed by a normal one (activity ratio = Infinity) is invalid', () => {
    const bars = [bar(0, { volume: 5e-324, quoteVolume: 4.3e-319 }), bar(1, { volume: 8.9e-16 })];
    const { signals, invalid } = run(bars);
    expect(invalid).toBe(1);
    for (const s of signals) expect(firstNonFinite(s)).toBeUndefined();
  });

  it('a fractional or negative trade count is invalid', () => {
    expect(run([bar(0, { trades: 0.5 }), bar(1, { trades: -3 })]).invalid).toBe(2);
  });
});

describe('fuzz regressions: models', () => {
  it('a model whose interval no bar series accepts (1 ms) is refused at load, not at the first bar', () => {
    const model = JSON.parse(readFileSync('fixtures/hostile/valid-small.json', 'utf8'));
    model.intervalMs = 1;
    expect(() => loadModel(model)).toThrow(ModelValidationError);
    expect(() => loadModel(model)).toThrow(/^intervalMs: /);
    expect(() => createRegimeDetector({ intervalMs: 1 })).toThrow(RangeError);
  });
});

describe('fuzz regressions: values String() throws on', () => {
  const noPrototype = Object.create(null);
  const brokenToString = { toString: [] };

  it('a trade or a bar holding one is counted as invalid, not a TypeError out of push', () => {
    const agg = new BarAggregator();
    agg.push(noPrototype);
    agg.push(trade(0, { price: brokenToString as unknown as number }));
    expect(agg.stats().invalid).toBe(2);
    const detector = createRegimeDetector();
    detector.pushBar(bar(0, { volume: noPrototype }));
    detector.pushBar(brokenToString as unknown as Bar);
    expect(detector.stats().bars?.invalid).toBe(2);
  });

  it('a model holding one is refused with a ModelValidationError naming the field', () => {
    expect(() => loadModel('{"toString":[]}')).toThrow(ModelValidationError);
    const model = JSON.parse(readFileSync('fixtures/hostile/valid-small.json', 'utf8'));
    model.scaler.std = brokenToString;
    expect(() => loadModel(model)).toThrow(/^scaler\.std: expected an array of numbers, got an object/);
  });
});

describe('fuzz regressions: null where a model number belongs', () => {
  it('hmm.seed: null is refused, not read as the default seed 0', () => {
    const model = JSON.parse(readFileSync('fixtures/hostile/valid-small.json', 'utf8'));
    model.hmm.seed = null;
    expect(() => loadModel(model)).toThrow(/^hmm\.seed: got null/);
  });
});

describe('fuzz regressions: router', () => {
  it('null, or a symbol that is not a string, is counted as invalid, not a TypeError, and creates no detector', () => {
    const router = createRegimeRouter();
    router.pushTrade(null as unknown as Trade);
    router.pushTrade(trade(0, { symbol: 42 as unknown as string }));
    router.pushTrade(trade(0, { symbol: 'ETHUSDT', price: Number.NaN }));
    expect(router.symbols()).toEqual([]);
    expect(router.stats().rejectedTrades.invalid).toBe(3);
    expect(() => createRegimeRouter({ errorPolicy: 'throw' }).pushTrade(null as unknown as Trade)).toThrow();
    const barRouter = createRegimeRouter();
    barRouter.pushBar(undefined as unknown as Bar);
    expect(barRouter.get('')?.stats().bars?.invalid).toBe(1);
  });
});

describe('fuzz regressions: snapshots', () => {
  /** A warm detector's snapshot with an open bar, as plain JSON. */
  function snapshot() {
    const detector = createRegimeDetector();
    for (let i = 0; i < 60; i++) detector.pushTrade(trade(i));
    detector.pushTrade(trade(60, { time: START + 60 * MINUTE + 1 }));
    return JSON.parse(JSON.stringify(detector.snapshot()));
  }
  const refusal = (change: (s: ReturnType<typeof snapshot>) => void) => {
    const s = snapshot();
    change(s);
    const detector = createRegimeDetector();
    try {
      detector.restore(s);
    } catch (e) {
      expect(e).toBeInstanceOf(ModelValidationError);
      return (e as ModelValidationError).path;
    }
    throw new Error('restored');
  };

  it('an open bar with a price of 0 (NaN log return later) is refused', () => {
    expect(refusal((s) => (s.aggregator.open[0].close = 0))).toBe('snapshot.aggregator.open[0].close');
  });
  it('a negative value in a feature window (the square root of a negative mean) is refused', () => {
    const w = snapshot().features.windows.findIndex((values: number[] | null) => (values?.length ?? 0) > 1);
    expect(w).toBeGreaterThanOrEqual(0);
    expect(refusal((s) => (s.features.windows[w][1] = -1))).toBe(`snapshot.features.windows[${w}][1]`);
  });
  it('a previous close of 0 (an infinite log return) is refused', () => {
    expect(refusal((s) => (s.features.previousClose = 0))).toBe('snapshot.features.previousClose');
  });
  it('filter probabilities that are not a probability vector are refused', () => {
    expect(refusal((s) => (s.filter.probabilities[1] = -1774))).toBe('snapshot.filter.probabilities[1]');
    expect(refusal((s) => (s.filter.probabilities = [0.5, 0.5, 0.5]))).toBe('snapshot.filter.probabilities');
  });
  it('a version String() throws on is refused, not a TypeError', () => {
    expect(refusal((s) => (s.aggregator.version = { toString: [] }))).toBe('snapshot.aggregator.version');
  });
});
