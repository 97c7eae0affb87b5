import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { TradeRejectedError } from '../../src/bars/TradeRejectedError.js';
import type { Trade } from '../../src/bars/trade.js';
import { detectorTransform } from '../../src/node/detectorTransform.js';
import { readAggTrades } from '../../src/node/readAggTrades.js';
import { createRegimeDetector } from '../../src/pipeline/RegimeDetector.js';
import type { RegimeSignal } from '../../src/pipeline/signal.js';

const FILE = 'fixtures/trades/BTCUSDT-aggTrades-2026-01-01T0000-0012.csv';

async function throughTransform(
  trades: AsyncIterable<Trade> | Trade[],
  flush?: boolean,
): Promise<RegimeSignal[]> {
  const out: RegimeSignal[] = [];
  await pipeline(Readable.from(trades), detectorTransform({ symbol: 'BTCUSDT', flush }), async (signals) => {
    for await (const s of signals) out.push(s);
  });
  return out;
}

describe('detectorTransform', () => {
  it('turns a real trade file into the same signals as detector.stream()', async () => {
    const expected: RegimeSignal[] = [];
    for await (const s of createRegimeDetector({ symbol: 'BTCUSDT' }).stream(readAggTrades(FILE)))
      expected.push(s);
    expect(expected).toHaveLength(13);
    expect(await throughTransform(readAggTrades(FILE))).toEqual(expected);
    expect(await throughTransform(readAggTrades(FILE), false)).toEqual(expected.slice(0, -1));
  });

  it("fails the stream with the rejection under errorPolicy 'throw'", async () => {
    const bad = [{ time: 1767225600039, price: -1, qty: 1, isBuyerMaker: false }];
    const run = pipeline(Readable.from(bad), detectorTransform({ errorPolicy: 'throw' }), async (signals) => {
      for await (const _ of signals);
    });
    await expect(run).rejects.toBeInstanceOf(TradeRejectedError);
  });

  it('refuses a flush option that is not a boolean (a string would have flushed)', () => {
    expect(() => detectorTransform({ flush: 'no' as never })).toThrow(/flush must be a boolean, got "no"/);
  });
});
