import fc from 'fast-check';
import { BarAggregator } from '../../src/bars/BarAggregator.js';
import { BarRegularizer } from '../../src/bars/BarRegularizer.js';
import type { Bar } from '../../src/bars/bar.js';
import { KeyedBarAggregator } from '../../src/bars/KeyedBarAggregator.js';
import type { Trade } from '../../src/bars/trade.js';
import { testStageContract } from '../contract/stageContract.js';
import { arrivalWithin, invalidTrades, orderedTrades } from './tradeArbitraries.js';

const shape = { maxStepMs: 1_200, maxPauseMs: 9_000, maxTrades: 60 };
const aggregatorOptions = { intervalMs: 1_000, allowedLatenessMs: 1_500, maxGapBars: 4 };

// Arrival out of order beyond the lateness (some trades late) and repeated trades (duplicates).
const messyTrades = (trades: fc.Arbitrary<Trade[]>) =>
  trades.chain((ts) =>
    fc.tuple(arrivalWithin(ts, 3_000), fc.array(fc.nat(), { maxLength: 5 })).map(([arrival, repeats]) => {
      const out = [...arrival];
      if (ts.length > 0)
        for (const r of repeats) out.splice(r % (out.length + 1), 0, { ...ts[r % ts.length] });
      return out;
    }),
  );

/** A trade, or a watermark for `advance()` (a heartbeat of the source). */
type TradeOrWatermark = Trade | { advanceTo: number };

// Heartbeats between trades: up to 4 s after the trade before them.
const withHeartbeats = (trades: fc.Arbitrary<Trade[]>): fc.Arbitrary<TradeOrWatermark[]> =>
  trades.chain((ts) =>
    fc
      .array(fc.option(fc.integer({ min: 0, max: 4_000 }), { freq: 3 }), {
        minLength: ts.length,
        maxLength: ts.length,
      })
      .map((beats) =>
        ts.flatMap((t, i): TradeOrWatermark[] =>
          beats[i] === null ? [t] : [t, { advanceTo: t.time + beats[i]! }],
        ),
      ),
  );

testStageContract({
  name: 'BarAggregator',
  create: () => new BarAggregator(aggregatorOptions),
  push: (agg, input: TradeOrWatermark) =>
    typeof input === 'object' && input !== null && 'advanceTo' in input
      ? agg.advance(input.advanceTo)
      : agg.push(input as Trade),
  finish: (agg) => agg.flush(),
  inputs: withHeartbeats(messyTrades(orderedTrades(shape))),
  badInputs: invalidTrades,
  rejected: (agg) => agg.stats().invalid,
});

const symbols = fc.constantFrom('BTCUSDT', 'ETHUSDT', 'SOLUSDT');
testStageContract({
  name: 'KeyedBarAggregator',
  create: () => new KeyedBarAggregator(aggregatorOptions),
  push: (keyed, trade: Trade) => keyed.push(trade),
  finish: (keyed) => keyed.flush(),
  inputs: messyTrades(
    orderedTrades(shape).chain((ts) =>
      fc
        .array(symbols, { minLength: ts.length, maxLength: ts.length })
        .map((picked) => ts.map((t, i) => ({ ...t, symbol: picked[i] }))),
    ),
  ),
  badInputs: invalidTrades,
  rejected: (keyed) => keyed.stats().invalid,
});

// Bars as a file reader gives them: in order with holes, some repeated or out of order.
const fileBars = fc
  .array(
    fc.record({
      skip: fc.integer({ min: 0, max: 7 }),
      close: fc.integer({ min: 1, max: 1_000 }),
      back: fc.boolean(),
    }),
    {
      maxLength: 60,
    },
  )
  .map((items) => {
    let minute = 0;
    return items.map(({ skip, close, back }): Bar => {
      minute = back ? minute - skip : minute + skip;
      const openTime = 1_767_225_600_000 + minute * 60_000;
      return {
        symbol: 'X',
        openTime,
        closeTime: openTime + 59_999,
        open: close,
        high: close,
        low: close,
        close,
        volume: skip,
        gap: false,
      };
    });
  });
const invalidBars = fc.constantFrom<unknown>(
  null,
  {
    symbol: 'X',
    openTime: 1_767_225_600_001,
    closeTime: 0,
    open: 1,
    high: 1,
    low: 1,
    close: 1,
    volume: 1,
    gap: false,
  },
  {
    symbol: 'X',
    openTime: 1_767_225_600_000,
    closeTime: 0,
    open: 1,
    high: 1,
    low: 1,
    close: 0,
    volume: 1,
    gap: false,
  },
  {
    symbol: 'X',
    openTime: 1_767_225_600_000,
    closeTime: 0,
    open: 1,
    high: 1,
    low: 1,
    close: 1,
    volume: Number.NaN,
    gap: false,
  },
  { symbol: 'X', openTime: 1_767_225_600_000, closeTime: 0, open: 1, high: 1, low: 1, close: 1, volume: 1 },
);

testStageContract({
  name: 'BarRegularizer',
  create: () => new BarRegularizer({ maxGapBars: 3 }),
  push: (reg, bar: Bar) => reg.push(bar),
  finish: (reg) => reg.flush(),
  inputs: fileBars,
  badInputs: invalidBars,
  rejected: (reg) => reg.stats().invalid,
});
