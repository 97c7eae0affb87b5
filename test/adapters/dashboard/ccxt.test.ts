import { afterEach, describe, expect, it } from 'vitest';
import type { CcxtExchange } from '../../../src/adapters/ccxt/index.js';
import { ccxtSource } from '../../../src/adapters/dashboard/sources/ccxt.js';
import { type Dashboard, startDashboard } from '../../../src/adapters/dashboard/startDashboard.js';
import { createRegimeRouter, type RegimeSignal } from '../../../src/index.js';
import { ccxtBybitAt } from '../ccxt/exchanges.js';
import { FakeBybit } from '../ccxt/fakeBybit.js';
import { DashboardClient } from './dashboardClient.js';

const minute = 60_000;

let fake: FakeBybit | undefined;
let exchange: CcxtExchange | undefined;
let dashboard: Dashboard | undefined;

afterEach(async () => {
  await dashboard?.close();
  await exchange?.close();
  await fake?.close();
});

/**
 * `--source ccxt:<exchange>`: the dashboard's ccxt source over the real ccxt Bybit class and the
 * fake Bybit on 127.0.0.1. The trades are dated an hour ahead, so the wall clock closes no bar:
 * the page must get exactly the signals of the same trades pushed into a router directly.
 */
describe('dashboard with --source ccxt:bybit (fake Bybit on 127.0.0.1)', () => {
  it('shows the signals of every live trade under the unified symbol', async () => {
    fake = await FakeBybit.start({ spot: ['BTCUSDT', 'ETHUSDT'] });
    const f = fake;
    exchange = await ccxtBybitAt(f, ['BTCUSDT', 'ETHUSDT']);
    dashboard = await startDashboard({
      source: ccxtSource({ exchange, symbols: ['BTC/USDT', 'ETH/USDT'] }),
      port: 0,
      historyLimit: 500,
    });
    const d = dashboard;
    for (let i = 0; !(f.subscribed('BTCUSDT') && f.subscribed('ETHUSDT')); i++) {
      if (i > 500) throw new Error('the dashboard never subscribed to the fake Bybit');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const t0 = Math.floor(Date.now() / minute) * minute + 60 * minute;
    for (let m = 0; m < 30; m++) {
      for (let k = 0; k < 6; k++) {
        f.publish('BTCUSDT', 1 + (k % 2), t0 + m * minute + k * 10_000);
        if (m % 2 === 0) f.publish('ETHUSDT', 1, t0 + m * minute + k * 10_000);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const router = createRegimeRouter({ allowedLatenessMs: 2_000 });
    const expected: RegimeSignal[] = [];
    const trades = ['BTCUSDT', 'ETHUSDT'].flatMap((id) =>
      f.history(id).map((t) => ({
        time: t.time,
        price: Number(t.price),
        qty: Number(t.size),
        isBuyerMaker: t.side === 'Sell',
        symbol: `${id.slice(0, 3)}/USDT`,
      })),
    );
    for (const t of trades.sort((a, b) => a.time - b.time)) expected.push(...router.pushTrade(t));
    expect(expected.length).toBeGreaterThan(40);

    const client = new DashboardClient(d.url);
    await client.opened();
    await client.until(() => d.stats().signals === expected.length, 'every signal');
    client.subscribe('BTC/USDT');
    const btc = expected.filter((s) => s.symbol === 'BTC/USDT');
    await client.until(() => client.signals.length === btc.length, 'the BTC/USDT history');
    expect(client.signals).toEqual(btc);
    expect(d.stats().symbols.sort()).toEqual(['BTC/USDT', 'ETH/USDT']);
    client.close();
  }, 60_000);
});
