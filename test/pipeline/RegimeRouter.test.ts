import { beforeAll, describe, expect, it } from 'vitest';
import type { Trade } from '../../src/bars/trade.js';
import { defaultModel } from '../../src/models/defaultModel.js';
import { createRegimeDetector } from '../../src/pipeline/RegimeDetector.js';
import { createRegimeRouter, type RegimeRouterOptions } from '../../src/pipeline/RegimeRouter.js';
import type { RegimeSignal } from '../../src/pipeline/signal.js';
import { replayBars, tradesFromBars } from './testData.js';

let btc: Trade[];
let eth: Trade[];
let merged: Trade[];

beforeAll(async () => {
  const bars = await replayBars(120);
  btc = tradesFromBars(bars).map((t) => ({ ...t, symbol: 'BTCUSDT' }));
  // A second symbol: the first 90 minutes at another price level, with two empty minutes.
  eth = tradesFromBars(bars.slice(0, 90), new Set([40, 41])).map((t) => ({
    ...t,
    symbol: 'ETHUSDT',
    price: t.price / 30,
  }));
  merged = [...btc, ...eth].sort(
    (a, b) => a.time - b.time || (a.symbol as string).localeCompare(b.symbol as string),
  );
});

const json = (signals: readonly RegimeSignal[]) => JSON.parse(JSON.stringify(signals));

function alone(trades: Trade[], symbol: string): RegimeSignal[] {
  const d = createRegimeDetector({ symbol });
  return [...trades.flatMap((t) => d.pushTrade(t)), ...d.flush()];
}

describe('RegimeRouter', () => {
  it('gives each symbol the signals of its own detector, all sharing one model', () => {
    const router = createRegimeRouter();
    const signals = [...merged.flatMap((t) => router.pushTrade(t)), ...router.flush()];
    expect(router.symbols()).toEqual(['BTCUSDT', 'ETHUSDT']);
    for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
      const mine = signals.filter((s) => s.symbol === symbol);
      expect(json(mine)).toEqual(json(alone(symbol === 'BTCUSDT' ? btc : eth, symbol)));
    }
    expect(router.get('BTCUSDT')?.model).toBe(defaultModel());
    expect(router.get('ETHUSDT')?.model).toBe(router.get('BTCUSDT')?.model);
    expect(router.get('XRPUSDT')).toBeUndefined();
  });

  it('refuses a bad option or model when it is made, not at the first symbol of a stream', () => {
    const bad: [RegimeRouterOptions, RegExp][] = [
      [{ allowedLatenessMs: -1 }, /allowedLatenessMs must be/],
      [{ errorPolicy: 'ignore' as never }, /errorPolicy must be 'skip' or 'throw'/],
      [{ onReject: 'log' as never }, /onReject must be a function/],
      [{ maxGapBars: -1 }, /maxGapBars must be/],
      [{ model: { labels: [] } as never }, /model must be a RegimeModel/],
    ];
    for (const [options, message] of bad) expect(() => createRegimeRouter(options)).toThrow(message);
  });

  it('stats() adds up its detectors counters', () => {
    const router = createRegimeRouter();
    for (const trade of merged) router.push(trade);
    router.push({ symbol: 'ETHUSDT', time: Number.NaN, price: 1, qty: 1, isBuyerMaker: false });
    router.flush();
    const each = ['BTCUSDT', 'ETHUSDT'].map((symbol) => router.get(symbol)!.stats());
    const stats = router.stats();
    expect(stats.symbols).toBe(2);
    for (const key of ['signals', 'gapBars', 'coldBars', 'anomalies', 'regimeChanges', 'restarts'] as const)
      expect(stats[key], key).toBe(each[0][key] + each[1][key]);
    expect(stats.signals).toBeGreaterThan(200);
    expect(stats.gapBars).toBe(2);
    expect(stats.rejectedTrades).toEqual({ duplicate: 0, late: 0, invalid: 1 });
  });

  it('advance() closes the bars of every symbol', () => {
    const router = createRegimeRouter();
    for (const t of merged.slice(0, 20)) router.pushTrade(t);
    const last = merged[19].time;
    const closed = router.advance(Math.floor(last / 60_000 + 1) * 60_000);
    expect(new Set(closed.map((s) => s.symbol))).toEqual(new Set(['BTCUSDT', 'ETHUSDT']));
    expect(router.advance(last)).toHaveLength(0);
  });

  it('continues identically after snapshot → JSON → restore', () => {
    const whole = createRegimeRouter();
    const expected = [...merged.flatMap((t) => whole.pushTrade(t)), ...whole.flush()];
    const first = createRegimeRouter();
    const cut = 333;
    const before = merged.slice(0, cut).flatMap((t) => first.pushTrade(t));
    const second = createRegimeRouter();
    second.restore(JSON.parse(JSON.stringify(first.snapshot())));
    expect(second.symbols()).toEqual(first.symbols());
    const after = [...merged.slice(cut).flatMap((t) => second.pushTrade(t)), ...second.flush()];
    expect(json([...before, ...after])).toEqual(json(expected));
  });

  it('refuses a bad snapshot, naming the symbol and the field, and keeps its detectors', () => {
    const router = createRegimeRouter();
    for (const t of merged.slice(0, 50)) router.pushTrade(t);
    const snap = router.snapshot();
    const bad = {
      ...snap,
      detectors: { ...snap.detectors, ETHUSDT: { ...snap.detectors.ETHUSDT, state: 9 } },
    };
    expect(() => router.restore(bad)).toThrow(
      /^snapshot\.detectors\["ETHUSDT"\]\.state: expected an integer/,
    );
    expect(() => router.restore({ ...snap, format: 'x' })).toThrow(/snapshot\.format/);
    expect(router.symbols()).toEqual(['BTCUSDT', 'ETHUSDT']);
  });
});
