import { afterEach, describe, expect, it } from 'vitest';
import type { CcxtExchange } from '../../../src/adapters/ccxt/CcxtExchange.js';
import type { Trade } from '../../../src/bars/trade.js';
import { createRegimeRouter, type RegimeSignal } from '../../../src/index.js';
import { readAggTrades } from '../../../src/node/index.js';
import { collect, tempDir } from '../../node/tempFiles.js';
import { FakeBinance } from '../binance/fakeBinance.js';
import { ccxtBinanceAt, ccxtBybitAt } from './exchanges.js';
import { FakeBybit } from './fakeBybit.js';
import { type CcxtRun, startCcxtRun, waitFor } from './harness.js';

/**
 * Done when: a bot on any ccxt exchange gets the same signals it would get from a file of the
 * same trades. Each test generates 1 560 minutes of market time on a fake exchange (the default
 * model's detectors are warm after 1 500 bars), streams it
 * through REAL ccxt classes and ccxtTrades (with connections dropped mid-burst and frames
 * duplicated and reordered) into a router, and compares every signal with those of the same
 * trades, as the fake recorded them, written to aggTrades CSV files, read back with
 * `readAggTrades` and pushed into another router.
 */

const T0 = Date.UTC(2026, 0, 5, 12, 0);
const MINUTES = 1560;
/** Trade times per minute, 15 s apart. */
const TICKS = 4;
const LATENESS_MS = 2_000;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Signals of `trades` pushed directly, then every bar closed. */
function signalsOf(trades: Trade[]): RegimeSignal[] {
  const router = createRegimeRouter({ allowedLatenessMs: LATENESS_MS });
  const signals: RegimeSignal[] = [];
  for (const t of trades) signals.push(...router.pushTrade(t));
  signals.push(...router.advance(T0 + (MINUTES + 2) * 60_000));
  return signals;
}

/**
 * The trades of aggTrades CSV files (`rows` per symbol: Binance's export columns, or without the
 * id columns where the exchange's ids are not Binance's), read back with `readAggTrades`, in time
 * order (a stable sort: each file's order is kept).
 */
async function tradesFromFiles(
  files: { symbol: string; header: string; rows: string[] }[],
): Promise<Trade[]> {
  const dir = tempDir();
  cleanups.push(async () => dir.cleanup());
  const trades: Trade[] = [];
  for (const { symbol, header, rows } of files) {
    const path = dir.write(symbol.replace('/', '-'), `${header}\n${rows.join('\n')}\n`);
    const reader = readAggTrades(path, { symbol });
    trades.push(...(await collect(reader)));
    expect(reader.stats().malformed, `${path}: malformed lines`).toBe(0);
    expect(reader.stats().rows).toBe(rows.length);
  }
  return trades.sort((a, b) => a.time - b.time);
}

/** Runs ccxtTrades over `exchange` into a router until `count` trades came, then closes every bar. */
async function signalsThroughCcxt(
  exchange: CcxtExchange,
  symbols: string[],
  /** Publishes the trades; `caughtUp` waits until the stream delivered all published so far. */
  publish: (caughtUp: () => Promise<void>) => Promise<void>,
  expected: () => number,
): Promise<{ signals: RegimeSignal[]; missing: number }> {
  const router = createRegimeRouter({ allowedLatenessMs: LATENESS_MS });
  const signals: RegimeSignal[] = [];
  let delivered = 0;
  let missing = 0;
  let run: CcxtRun | undefined;
  const caughtUp = () =>
    waitFor('the stream to catch up', () => delivered >= expected() && run?.stream.stats().buffered === 0);
  run = startCcxtRun(exchange, symbols, {}, (trade) => {
    delivered++;
    missing += trade.missingBefore ?? 0;
    signals.push(...router.pushTrade(trade));
  });
  cleanups.push(async () => {
    run.controller.abort();
    await run.done.catch(() => {});
  });
  await publish(caughtUp);
  await waitFor('every trade through ccxt', () => delivered >= expected(), 20_000);
  signals.push(...router.advance(T0 + (MINUTES + 2) * 60_000));
  expect(run.stream.stats().duplicates, 'the faults did duplicate trades').toBeGreaterThan(0);
  return { signals, missing };
}

function expectSameSignals(actual: RegimeSignal[], expected: RegimeSignal[]) {
  expect(expected.filter((s) => s.warm).length, 'warm signals to compare').toBeGreaterThan(30);
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++)
    expect(actual[i], `signal ${i} (${expected[i].symbol})`).toEqual(expected[i]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('signals from ccxtTrades == signals from an aggTrades file of the same trades', () => {
  it('Binance through ccxt, with drops, duplicates and reordering', async () => {
    const ids = ['BTCUSDT', 'ETHUSDT'];
    const fake = await FakeBinance.start({ symbols: ids, messagesPerSecond: 50 });
    cleanups.push(() => fake.close());
    fake.volatility = 0.002;
    const exchange = await ccxtBinanceAt(fake, ids);
    cleanups.push(() => exchange.close());
    const unified: Record<string, string> = { BTCUSDT: 'BTC/USDT', ETHUSDT: 'ETH/USDT' };
    const { signals, missing } = await signalsThroughCcxt(
      exchange,
      Object.values(unified),
      async (caughtUp) => {
        await waitFor('subscriptions', () =>
          ids.every((id) =>
            fake.connections.some(
              (c) =>
                c.closedAt === undefined &&
                c.streams.size > 0 &&
                c.streams.has(`${id.toLowerCase()}@aggTrade`),
            ),
          ),
        );
        fake.faults = { duplicate: 0.05, reorder: 0.05, malformed: 0 };
        for (let m = 0; m < MINUTES; m++) {
          const drop = m === 500 || m === 1201;
          if (drop) fake.dropAfter(5);
          for (let k = 0; k < TICKS; k++)
            for (const id of ids) fake.publish(id, 1 + ((m + k) % 3), T0 + m * 60_000 + k * 15_000);
          // After a drop the market goes on only once the stream is back (no test of REST's reach here).
          if (drop) await caughtUp();
          if (m % 20 === 0) await sleep(2);
        }
      },
      () => ids.reduce((n, id) => n + fake.history(id).length, 0),
    );
    const fromFile = await tradesFromFiles(
      ids.map((id) => ({
        symbol: unified[id],
        header: 'agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker',
        rows: fake
          .history(id)
          .map((t) => [t.aggId, t.price, t.qty, t.tradeId, t.tradeId, t.time, t.isBuyerMaker].join(',')),
      })),
    );
    expect(missing).toBe(0);
    const bySymbol = (list: RegimeSignal[], s: string) => list.filter((x) => x.symbol === s);
    const expected = signalsOf(fromFile);
    for (const s of Object.values(unified)) expectSameSignals(bySymbol(signals, s), bySymbol(expected, s));
  });

  it('Bybit through ccxt, with a drop REST can fill, and duplicates', async () => {
    const fake = await FakeBybit.start({ spot: ['BTCUSDT'], tradesPerMessage: 2 });
    cleanups.push(() => fake.close());
    const exchange = await ccxtBybitAt(fake, ['BTCUSDT']);
    cleanups.push(() => exchange.close());
    const { signals, missing } = await signalsThroughCcxt(
      exchange,
      ['BTC/USDT'],
      async (caughtUp) => {
        await waitFor('subscription', () => fake.subscribed('BTCUSDT'));
        // No reordering here: without sequential ids, trades come in the order the exchange sent them.
        fake.faults = { duplicate: 0.05, reorder: 0, malformed: 0 };
        for (let m = 0; m < MINUTES; m++) {
          if (m === 800) {
            fake.dropAfter(3);
            fake.publish('BTCUSDT', 8, T0 + m * 60_000);
            await waitFor('the resubscription', () => fake.subscribed('BTCUSDT'), 5000);
          } else fake.publish('BTCUSDT', 1 + (m % 3), T0 + m * 60_000);
          for (let k = 1; k < TICKS; k++) fake.publish('BTCUSDT', 1 + (k % 3), T0 + m * 60_000 + k * 15_000);
          // Bybit's REST keeps only the last 60 spot trades: a faster market than the fill would
          // make an honest, reported gap (tested elsewhere), not what this test is about.
          if (m === 800) await caughtUp();
          if (m % 20 === 0) await sleep(2);
        }
      },
      () => fake.history('BTCUSDT').length,
    );
    expect(missing).toBe(0);
    // Bybit's spot ids are beyond 2^53 (ccxtTrades keeps them only as tradeId): a file without ids.
    const fromFile = await tradesFromFiles([
      {
        symbol: 'BTC/USDT',
        header: 'price,quantity,transact_time,is_buyer_maker',
        rows: fake.history('BTCUSDT').map((t) => [t.price, t.size, t.time, t.side === 'Sell'].join(',')),
      },
    ]);
    expectSameSignals(signals, signalsOf(fromFile));
  });
});
