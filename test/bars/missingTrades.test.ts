import { describe, expect, it } from 'vitest';
import { decodeTrade, encodeTrade } from '../../src/adapters/kafka/wireFormat.js';
import { BarAggregator } from '../../src/bars/BarAggregator.js';
import type { Bar } from '../../src/bars/bar.js';
import { invalidTradeReason, type Trade } from '../../src/bars/trade.js';
import { createRegimeDetector } from '../../src/index.js';

const MIN = 60_000;
const T0 = 1_767_225_600_000;
const trade = (time: number, id: number, missingBefore?: number): Trade => ({
  time,
  price: 100 + (id % 7),
  qty: 1,
  isBuyerMaker: id % 2 === 0,
  id,
  ...(missingBefore === undefined ? {} : { missingBefore }),
});

function run(trades: Trade[], aggregator = new BarAggregator({ symbol: 'BTCUSDT' })): Bar[] {
  const bars: Bar[] = [];
  for (const t of trades) bars.push(...aggregator.push(t));
  bars.push(...aggregator.flush());
  return bars;
}

describe('Trade.missingBefore → Bar.missingTrades (the shared gap contract)', () => {
  it('sums missingBefore of the trades folded into a bar; 0 on other bars and on gap bars', () => {
    const bars = run([
      trade(T0, 1),
      trade(T0 + 1_000, 2),
      // 997 trades lost, then 3 more lost before id 1004: both marks land in the second bar.
      trade(T0 + MIN + 5, 1000, 997),
      trade(T0 + MIN + 10, 1004, 3),
      trade(T0 + 3 * MIN, 1005),
    ]);
    expect(bars.map((b) => [(b.openTime - T0) / MIN, b.gap, b.missingTrades])).toEqual([
      [0, false, 0],
      [1, false, 1000],
      [2, true, 0],
      [3, false, 0],
    ]);
  });

  it('out of order within the lateness, the sum is the same', () => {
    const trades = [trade(T0 + 10, 5, 4), trade(T0 + 5, 1), trade(T0 + 20, 9, 2), trade(T0 + 15, 7)];
    const lateness = { symbol: 'BTCUSDT', allowedLatenessMs: 5_000 };
    const inOrder = run(
      [...trades].sort((a, b) => a.time - b.time),
      new BarAggregator(lateness),
    );
    const shuffled = run(trades, new BarAggregator(lateness));
    expect(shuffled).toEqual(inOrder);
    expect(inOrder[0].missingTrades).toBe(6);
  });

  it('survives snapshot and restore mid-bar; a snapshot without the field restores as 0', () => {
    const before = new BarAggregator({ symbol: 'BTCUSDT' });
    before.push(trade(T0, 1, 40));
    const snapshot = JSON.parse(JSON.stringify(before.snapshot()));
    expect(snapshot.open[0].missingTrades).toBe(40);
    const after = new BarAggregator({ symbol: 'BTCUSDT' });
    after.restore(snapshot);
    expect(run([trade(T0 + 5, 2, 2)], after)[0].missingTrades).toBe(42);

    delete snapshot.open[0].missingTrades;
    const old = new BarAggregator({ symbol: 'BTCUSDT' });
    old.restore(snapshot);
    expect(run([trade(T0 + 5, 2)], old)[0].missingTrades).toBe(0);
    snapshot.open[0].missingTrades = -1;
    expect(() => new BarAggregator({ symbol: 'BTCUSDT' }).restore(snapshot)).toThrow(
      /open\[0\]\.missingTrades/,
    );
  });

  it('refuses a missingBefore that is not a positive integer, counting the trade invalid', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, '3', 2 ** 53]) {
      expect(invalidTradeReason({ ...trade(T0, 1), missingBefore: bad })).toMatch(/missingBefore must be/);
      const aggregator = new BarAggregator();
      aggregator.push({ ...trade(T0, 1), missingBefore: bad } as Trade);
      expect(aggregator.stats()).toMatchObject({ accepted: 0, invalid: 1 });
    }
    expect(invalidTradeReason(trade(T0, 1, 1))).toBeUndefined();
  });

  it('refuses trade times before 2010 (seconds given as milliseconds), saying so', () => {
    const seconds = Math.floor(T0 / 1000); // 1767225600: 1970-01-21 when read as ms
    expect(invalidTradeReason(trade(seconds, 1))).toMatch(
      /before 2010-01-01 .*seconds given as milliseconds/,
    );
    const aggregator = new BarAggregator();
    expect(aggregator.push(trade(seconds, 1))).toEqual([]);
    expect(aggregator.stats()).toMatchObject({ accepted: 0, invalid: 1 });
    expect(invalidTradeReason(trade(1_262_304_000_000, 1))).toBeUndefined(); // 2010-01-01T00:00Z itself
  });

  it('reaches the signal through the detector, and travels through the Kafka wire format', () => {
    const detector = createRegimeDetector({ symbol: 'BTCUSDT' });
    const signals = [
      ...detector.pushTrade(trade(T0, 1)),
      ...detector.pushTrade(trade(T0 + MIN, 60, 58)),
      ...detector.pushTrade(trade(T0 + 2 * MIN, 61)),
      ...detector.flush(),
    ];
    expect(signals.map((s) => s.bar.missingTrades)).toEqual([0, 58, 0]);
    expect(decodeTrade(encodeTrade(trade(T0, 60, 58)))?.missingBefore).toBe(58);
  });
});
