import fc from 'fast-check';
import { beforeAll } from 'vitest';
import type { Bar } from '../../src/bars/bar.js';
import type { Trade } from '../../src/bars/trade.js';
import { createRegimeRouter } from '../../src/pipeline/RegimeRouter.js';
import { testStageContract } from '../contract/stageContract.js';
import { replayBars, tradesFromBars } from './testData.js';

let bars: Bar[] = [];
beforeAll(async () => {
  bars = await replayBars(300);
});

/** Trades of real bars under `symbol`, some minutes left without trades (gap bars). */
const symbolRun = (symbol: string) =>
  fc
    .tuple(
      fc.integer({ min: 0, max: 200 }),
      fc.integer({ min: 0, max: 60 }),
      fc.array(fc.nat(59), { maxLength: 4 }),
    )
    .map(([start, length, empty]) =>
      tradesFromBars(bars.slice(start, start + length), new Set(empty)).map((t) => ({ ...t, symbol })),
    );

// Two symbols' streams interleaved in time order, as one feed of a multi-symbol source.
const twoSymbols = fc
  .tuple(symbolRun('BTCUSDT'), symbolRun('ETHUSDT'))
  .map(([a, b]) => [...a, ...b].sort((x, y) => x.time - y.time));

testStageContract({
  name: 'RegimeRouter',
  create: () => createRegimeRouter(),
  finish: (router) => router.flush(),
  inputs: twoSymbols,
  badInputs: fc.record({
    symbol: fc.constantFrom('BTCUSDT', 'ETHUSDT'),
    time: fc.constant(Number.NaN),
    price: fc.constant(100),
    qty: fc.constant(1),
    isBuyerMaker: fc.boolean(),
  }) as fc.Arbitrary<Trade>,
  rejected: (router) => router.stats().rejectedTrades.invalid,
  numRuns: 10,
});
