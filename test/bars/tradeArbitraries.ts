import fc from 'fast-check';
import type { Trade } from '../../src/bars/trade.js';

/** Shape of a generated trade stream. */
export interface StreamShape {
  /** Largest step between consecutive trades, ms (fractions of a ms occur, as in µs exports). */
  maxStepMs: number;
  /** Occasionally a pause up to this long, to make empty intervals. */
  maxPauseMs?: number;
  maxTrades?: number;
  /**
   * Quantities k/1024 and prices on a 0.25 grid, so every sum is exact in doubles and a test can
   * compare totals with `===`. Otherwise quantities have 5 decimals and prices 2, like BTCUSDT.
   */
  dyadic?: boolean;
  symbol?: string;
}

const START = 1_767_225_600_000;

/**
 * Trades in time and id order, Binance aggTrade-like: contiguous aggregate ids, each covering 1–3
 * underlying trade ids, a random-walk price.
 */
export function orderedTrades(shape: StreamShape): fc.Arbitrary<Trade[]> {
  const step = fc.integer({ min: 0, max: shape.maxStepMs * 1000 });
  const pause = fc.integer({ min: 0, max: (shape.maxPauseMs ?? shape.maxStepMs) * 1000 });
  const item = fc.record({
    stepUs: fc.oneof({ arbitrary: step, weight: 9 }, { arbitrary: pause, weight: 1 }),
    ticks: fc.integer({ min: -40, max: 40 }),
    units: fc.integer({ min: 0, max: 100_000 }),
    isBuyerMaker: fc.boolean(),
    count: fc.integer({ min: 1, max: 3 }),
    // Now and then a trade after an unfillable gap in the feed (Trade.missingBefore).
    missing: fc.oneof(
      { arbitrary: fc.constant(0), weight: 19 },
      { arbitrary: fc.integer({ min: 1, max: 500 }), weight: 1 },
    ),
  });
  return fc
    .tuple(fc.integer({ min: 0, max: 3_600_000 }), fc.array(item, { maxLength: shape.maxTrades ?? 60 }))
    .map(([offset, items]) => {
      let time = START + offset;
      let ticks = 0;
      let id = 1_000;
      let tradeId = 50_000;
      return items.map((it): Trade => {
        time += it.stepUs / 1000;
        ticks += it.ticks;
        const trade: Trade = {
          time,
          price: shape.dyadic ? 80_000 + ticks / 4 : Math.round(8_700_000 + ticks) / 100,
          qty: shape.dyadic ? it.units / 1024 : it.units / 100_000,
          isBuyerMaker: it.isBuyerMaker,
          id: id++,
          firstId: tradeId,
          lastId: tradeId + it.count - 1,
        };
        if (shape.symbol !== undefined) trade.symbol = shape.symbol;
        if (it.missing > 0) trade.missingBefore = it.missing;
        tradeId += it.count;
        return trade;
      });
    });
}

/**
 * The same trades in an arrival order where each trade is delayed by 0..`latenessMs`: every trade
 * then arrives before the watermark passes its bar's end plus the lateness, so none is late.
 */
export function arrivalWithin(trades: Trade[], latenessMs: number): fc.Arbitrary<Trade[]> {
  return fc
    .array(fc.integer({ min: 0, max: latenessMs }), { minLength: trades.length, maxLength: trades.length })
    .map((delays) =>
      trades
        .map((trade, i) => ({ trade, at: trade.time + delays[i], i }))
        .sort((a, b) => a.at - b.at || a.i - b.i)
        .map((x) => x.trade),
    );
}

/** Malformed trades, each with exactly one bad field (or not an object at all). */
export const invalidTrades: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, undefined, 42, 'trade'),
  fc
    .record({
      field: fc.constantFrom('time', 'price', 'qty', 'isBuyerMaker', 'id', 'firstId', 'symbol'),
      value: fc.constantFrom<unknown>(Number.NaN, Number.POSITIVE_INFINITY, -1, 0, '1', null, 1.5, {}),
    })
    .filter(({ field, value }) => isBad(field, value))
    .map(({ field, value }) => ({
      time: START + 1000,
      price: 87_000,
      qty: 0.5,
      isBuyerMaker: false,
      id: 7,
      firstId: 7,
      lastId: 9,
      [field]: value,
    })),
);

function isBad(field: string, value: unknown): boolean {
  if (typeof value !== 'number') return field !== 'symbol' || typeof value !== 'string';
  switch (field) {
    case 'time':
      return !Number.isFinite(value);
    case 'price':
      return !(value > 0 && Number.isFinite(value));
    case 'qty':
      return !(value >= 0 && Number.isFinite(value));
    case 'isBuyerMaker':
    case 'symbol':
      return true;
    default: // ids: integers >= 0, firstId <= lastId (9)
      return !(Number.isSafeInteger(value) && value >= 0 && value <= 9);
  }
}
