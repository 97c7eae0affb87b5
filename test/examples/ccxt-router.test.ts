import { afterEach, describe, expect, it } from 'vitest';
import { runCcxtRouter } from '../../examples/ccxt-router.js';
import type { CcxtExchange } from '../../src/adapters/ccxt/index.js';
import { createRegimeRouter, type RegimeSignal, type Trade } from '../../src/index.js';
import { FakeBinance, tradeOf } from '../adapters/binance/fakeBinance.js';
import { ccxtBinanceAt, ccxtBybitAt } from '../adapters/ccxt/exchanges.js';
import { FakeBybit } from '../adapters/ccxt/fakeBybit.js';
import { waitFor } from '../adapters/ccxt/harness.js';

const minute = 60_000;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Signals of `trades` pushed directly into a fresh router. */
function direct(trades: Trade[]): RegimeSignal[] {
  const router = createRegimeRouter({ allowedLatenessMs: 2_000 });
  return trades.sort((a, b) => a.time - b.time).flatMap((t) => [...router.pushTrade(t)]);
}

/**
 * examples/ccxt-router.ts on the real ccxt Binance and Bybit classes against the local fakes:
 * BTC/USDT on both exchanges (two markets, two detectors), ETH/USDT on Binance, SOL/USDT on
 * Bybit. Trades are dated an hour ahead so the wall clock closes no bar.
 */
describe('examples/ccxt-router.ts (two exchanges, fakes on 127.0.0.1)', () => {
  it('gives every exchange and symbol exactly the signals of its own trades', async () => {
    const binance = await FakeBinance.start({ symbols: ['BTCUSDT', 'ETHUSDT'], messagesPerSecond: 50 });
    cleanups.push(() => binance.close());
    const bybit = await FakeBybit.start({ spot: ['BTCUSDT', 'SOLUSDT'] });
    cleanups.push(() => bybit.close());
    const exchanges: CcxtExchange[] = [
      await ccxtBinanceAt(binance, ['BTCUSDT', 'ETHUSDT']),
      await ccxtBybitAt(bybit, ['BTCUSDT', 'SOLUSDT']),
    ];
    for (const e of exchanges) cleanups.push(() => e.close());
    const controller = new AbortController();
    const got = new Map<string, RegimeSignal[]>();
    const running = runCcxtRouter(
      [
        { exchange: exchanges[0], symbols: ['BTC/USDT', 'ETH/USDT'] },
        { exchange: exchanges[1], symbols: ['BTC/USDT', 'SOL/USDT'] },
      ],
      {
        signal: controller.signal,
        onSignal: (id, s) => got.set(`${id} ${s.symbol}`, [...(got.get(`${id} ${s.symbol}`) ?? []), s]),
      },
    );
    cleanups.push(async () => {
      controller.abort();
      await running;
    });
    await waitFor(
      'the subscriptions',
      () =>
        ['btcusdt', 'ethusdt'].every((s) =>
          binance.connections.some((c) => c.streams.has(`${s}@aggTrade`)),
        ) &&
        bybit.subscribed('BTCUSDT') &&
        bybit.subscribed('SOLUSDT'),
    );
    const t0 = Math.floor(Date.now() / minute) * minute + 60 * minute;
    for (let m = 0; m < 25; m++) {
      for (let k = 0; k < 6; k++) {
        const time = t0 + m * minute + k * 10_000;
        binance.publish('BTCUSDT', 2, time);
        binance.publish('ETHUSDT', 1, time);
        bybit.publish('BTCUSDT', 1, time);
        bybit.publish('SOLUSDT', 2, time);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    const expected = new Map<string, RegimeSignal[]>([
      ['binance BTC/USDT', direct(binance.history('BTCUSDT').map((t) => tradeOf(t, 'BTC/USDT')))],
      ['binance ETH/USDT', direct(binance.history('ETHUSDT').map((t) => tradeOf(t, 'ETH/USDT')))],
      ['bybit BTC/USDT', direct(bybit.history('BTCUSDT').map((t) => bybitTrade(t, 'BTC/USDT')))],
      ['bybit SOL/USDT', direct(bybit.history('SOLUSDT').map((t) => bybitTrade(t, 'SOL/USDT')))],
    ]);
    await waitFor('every signal', () => [...expected].every(([k, v]) => got.get(k)?.length === v.length));
    for (const [key, signals] of expected) {
      expect(signals.length, key).toBe(24);
      expect(got.get(key), key).toEqual(signals);
    }
    // The same symbol on two exchanges is two markets: their bars differ.
    expect(got.get('binance BTC/USDT')?.[3].bar.close).not.toBe(got.get('bybit BTC/USDT')?.[3].bar.close);
  }, 60_000);
});

function bybitTrade(t: ReturnType<FakeBybit['history']>[number], symbol: string): Trade {
  return {
    time: t.time,
    price: Number(t.price),
    qty: Number(t.size),
    isBuyerMaker: t.side === 'Sell',
    symbol,
  };
}
