import fc from 'fast-check';
import { beforeAll } from 'vitest';
import type { Bar } from '../../src/bars/bar.js';
import type { Trade } from '../../src/bars/trade.js';
import { createRegimeDetector, type RegimeDetector } from '../../src/pipeline/RegimeDetector.js';
import type { RegimeSignal } from '../../src/pipeline/signal.js';
import { testStageContract } from '../contract/stageContract.js';
import { replayBars, tradesFromBars } from './testData.js';

let bars: Bar[] = [];
beforeAll(async () => {
  bars = await replayBars(300);
});

// Trades rebuilt from runs of real bars, with some minutes left without trades (gap bars).
const tradeRuns = fc
  .tuple(
    fc.integer({ min: 0, max: 200 }),
    fc.integer({ min: 0, max: 90 }),
    fc.array(fc.nat(89), { maxLength: 5 }),
  )
  .map(([start, length, empty]) => tradesFromBars(bars.slice(start, start + length), new Set(empty)));

const badTrades = fc.oneof(
  fc.record({
    time: fc.constant(Number.NaN),
    price: fc.constant(100),
    qty: fc.constant(1),
    isBuyerMaker: fc.boolean(),
  }),
  fc.record({
    time: fc.constant(1.7e12),
    price: fc.double({ max: 0 }),
    qty: fc.constant(1),
    isBuyerMaker: fc.boolean(),
  }),
  fc.record({
    time: fc.constant(1.7e12),
    price: fc.constant(100),
    qty: fc.constant(-1),
    isBuyerMaker: fc.boolean(),
  }),
);

testStageContract<RegimeDetector, Trade, RegimeSignal>({
  name: 'RegimeDetector',
  create: () => createRegimeDetector(),
  push: (detector, trade) => detector.pushTrade(trade),
  finish: (detector) => detector.flush(),
  inputs: tradeRuns,
  badInputs: badTrades,
  rejected: (detector) => detector.stats().rejectedTrades.invalid,
  numRuns: 20,
});
