import { describe, expect, it } from 'vitest';
import { BarAggregator } from '../../src/bars/BarAggregator.js';
import type { Bar } from '../../src/bars/bar.js';
import type { Trade } from '../../src/bars/trade.js';

// JSON has no -0: a -0 that reached a bar would read back as 0 after snapshot → restore, and the
// restored run would differ from the uninterrupted one (vitest's toEqual tells -0 from 0).
// (Trade times before 2010 are refused, so a -0 can only come in as an id.)
describe('BarAggregator and -0', () => {
  const T0 = 1_767_225_600_000;
  const trades: Trade[] = [
    { time: T0, price: 10, qty: 1, isBuyerMaker: false, id: -0 },
    { time: T0 + 5, price: 11, qty: 2, isBuyerMaker: true, id: 1 },
    { time: T0 + 60_000, price: 12, qty: 1, isBuyerMaker: false, id: 2 },
    { time: T0 + 120_000, price: 13, qty: 1, isBuyerMaker: false, id: 3 },
  ];

  it('emits no -0 in a bar, so a restored run equals an uninterrupted one', () => {
    const straight = new BarAggregator();
    const expected: Bar[] = trades.flatMap((t) => [...straight.push(t)]);
    expect(expected[0].openTime).toBe(T0);
    expect(Object.is(expected[0].firstTradeId, 0)).toBe(true);

    const first = new BarAggregator();
    const got: Bar[] = trades.slice(0, 2).flatMap((t) => [...first.push(t)]);
    const second = new BarAggregator();
    second.restore(JSON.parse(JSON.stringify(first.snapshot())));
    for (const t of trades.slice(2)) got.push(...second.push(t));
    expect(got).toEqual(expected);
  });
});
