import { describe, expect, it } from 'vitest';
import { BarAggregator } from '../../src/bars/BarAggregator.js';
import type { Bar } from '../../src/bars/bar.js';
import { shifty } from '../util/shifty.js';

const I = 60_000;
const T = 1_767_225_600_000; // 2026-01-01T00:00Z, a minute boundary
const kline: Bar = {
  symbol: 'BTCUSDT',
  openTime: T,
  closeTime: T + I - 1,
  open: 100,
  high: 103,
  low: 99,
  close: 101,
  volume: 7,
  quoteVolume: 707,
  trades: 12,
  gap: false,
};
const trade = (time: number, price: number, id: number) => ({ time, price, qty: 1, isBuyerMaker: false, id });

describe('BarAggregator.startAfter', () => {
  it.each([0, 2_500])(
    'continues right after the bar: gap bars, then bars of trades; earlier trades are late (lateness %i)',
    (allowedLatenessMs) => {
      const agg = new BarAggregator({ symbol: 'BTCUSDT', allowedLatenessMs });
      agg.startAfter(kline);
      expect(agg.push(trade(T + 30_000, 200, 1))).toEqual([]); // inside the bar given
      expect(agg.push(trade(T - 5 * I, 200, 2))).toEqual([]); // before it
      expect(agg.stats()).toMatchObject({ late: 2, accepted: 0 });
      const bars = [
        ...agg.push(trade(T + 3 * I + 1, 110, 3)),
        ...agg.push(trade(T + 4 * I + allowedLatenessMs, 111, 4)),
        ...agg.flush(),
      ];
      expect(bars.map((b) => [b.openTime, b.gap, b.close])).toEqual([
        [T + I, true, 101],
        [T + 2 * I, true, 101],
        [T + 3 * I, false, 110],
        [T + 4 * I, false, 111],
      ]);
      // Gap bars after the given bar have its optional fields, as a BarRegularizer's would.
      expect(bars[0]).toMatchObject({ quoteVolume: 0, trades: 0, volume: 0 });
      expect(bars[0].takerBuyVolume).toBeUndefined();
      expect(agg.stats()).toMatchObject({ late: 2, accepted: 2, bars: 2, gapBars: 2 });
    },
  );

  it('takes a trade of the next interval into the next bar, not as late', () => {
    const agg = new BarAggregator({ allowedLatenessMs: 2_000 });
    agg.startAfter(kline);
    agg.push(trade(T + I, 150, 1));
    const [bar] = agg.advance(T + 2 * I + 2_000);
    expect(bar).toMatchObject({ openTime: T + I, open: 150, close: 150, volume: 1, gap: false });
    expect(agg.stats().late).toBe(0);
  });

  it('keeps its position through snapshot → JSON → restore', () => {
    const a = new BarAggregator({ symbol: 'BTCUSDT' });
    a.startAfter(kline);
    const b = new BarAggregator({ symbol: 'BTCUSDT' });
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    expect(b.snapshot()).toEqual(a.snapshot());
    const run = (agg: BarAggregator) => [
      ...[trade(T + 20_000, 1, 1), trade(T + 2 * I, 102, 2)].flatMap((t) => agg.push(t)),
      ...agg.flush(),
    ];
    expect(run(b)).toEqual(run(a));
    expect(b.stats().late).toBe(1);
  });

  it('refuses an aggregator that has started, and a bar off the interval grid', () => {
    const pushed = new BarAggregator();
    pushed.push(trade(T + 5 * I, 100, 1));
    expect(() => pushed.startAfter(kline)).toThrow(/fresh aggregator/);
    const advanced = new BarAggregator();
    advanced.advance(T);
    expect(() => advanced.startAfter(kline)).toThrow(/fresh aggregator/);
    const twice = new BarAggregator();
    twice.startAfter(kline);
    expect(() => twice.startAfter({ ...kline, openTime: T + I })).toThrow(/fresh aggregator/);
    expect(() => new BarAggregator().startAfter({ ...kline, openTime: T + 1 })).toThrow(
      /multiple of the interval/,
    );
    expect(() => new BarAggregator().startAfter({ ...kline, close: Number.NaN })).toThrow(/bar.close/);
  });
});

describe('BarAggregator.startAfter and a bar that changes while it is read', () => {
  it('remembers the values it checked: gap bars copy the close that passed, or it throws', () => {
    for (const [field, lie] of [
      ['close', Number.NaN],
      ['openTime', T + 1],
    ] as const) {
      for (let k = 0; k <= 3; k++) {
        const { value, reads } = shifty(kline, field, k, lie);
        const agg = new BarAggregator({ symbol: 'BTCUSDT' });
        try {
          agg.startAfter(value);
        } catch (error) {
          expect(k, `${field}: only a lie from the first read is refused`).toBe(0);
          expect(error).toBeInstanceOf(RangeError);
          continue;
        }
        expect(reads(), `${field}, ${k} honest reads`).toBeLessThanOrEqual(k);
        const bars = [...agg.push(trade(T + 3 * I + 1, 110, 1)), ...agg.flush()];
        expect(
          bars.map((b) => [b.openTime, b.close]),
          `${field}, ${k} honest reads`,
        ).toEqual([
          [T + I, 101],
          [T + 2 * I, 101],
          [T + 3 * I, 110],
        ]);
      }
    }
  });
});
