import ccxt from 'ccxt';
import type { CcxtExchange } from '../../../src/adapters/ccxt/CcxtExchange.js';
import type { FakeBinance } from '../binance/fakeBinance.js';
import type { FakeBybit } from './fakeBybit.js';

/** ccxt logs every frame it cannot parse to stdout; the tests count them through the fakes instead. */
const quiet = () => {};

/** A spot market as ccxt describes one, for `setMarkets` (so no test loads markets from the network). */
function spotMarket(id: string, base: string, quote: string) {
  return {
    id,
    lowercaseId: id.toLowerCase(),
    symbol: `${base}/${quote}`,
    base,
    quote,
    settle: undefined,
    baseId: base,
    quoteId: quote,
    type: 'spot',
    spot: true,
    margin: false,
    swap: false,
    future: false,
    option: false,
    contract: false,
    linear: undefined,
    inverse: undefined,
    active: true,
    precision: { amount: 1e-8, price: 1e-8 },
    limits: {},
    info: {},
  };
}

/** A USDT-settled linear perpetual, `BASE/USDT:USDT`. */
function linearMarket(id: string, base: string) {
  return {
    ...spotMarket(id, base, 'USDT'),
    symbol: `${base}/USDT:USDT`,
    settle: 'USDT',
    settleId: 'USDT',
    type: 'swap',
    spot: false,
    swap: true,
    contract: true,
    linear: true,
    inverse: false,
    contractSize: 1,
  };
}

/** `BTCUSDT` → `['BTC', 'USDT']` (the fakes list USDT pairs). */
function split(id: string): [string, string] {
  return [id.slice(0, -4), id.slice(-4)];
}

/** ccxt's real Binance class, its spot WebSocket and REST pointed at the fake, markets preset. */
export async function ccxtBinanceAt(
  fake: Pick<FakeBinance, 'wsUrl' | 'restUrl'>,
  ids: string[],
  config: object = {},
): Promise<CcxtExchange> {
  const exchange = new ccxt.pro.binance({ log: quiet, ...config });
  (exchange.urls.api as Record<string, unknown>).public = `${fake.restUrl}/api/v3`;
  ((exchange.urls.api as Record<string, unknown>).ws as Record<string, string>).spot = `${fake.wsUrl}/ws`;
  await exchange.loadHttpProxyAgent(); // ccxt needs it for ws:// (non-TLS) URLs
  exchange.setMarkets(ids.map((id) => spotMarket(id, ...split(id))) as never);
  return exchange as unknown as CcxtExchange;
}

/** ccxt's real Bybit class, its v5 public WebSocket and REST pointed at the fake, markets preset. */
export async function ccxtBybitAt(
  fake: FakeBybit,
  spot: string[],
  linear: string[] = [],
  config: object = {},
): Promise<CcxtExchange> {
  const exchange = new ccxt.pro.bybit({ log: quiet, ...config });
  const api = exchange.urls.api as Record<string, unknown>;
  for (const key of ['spot', 'futures', 'v2', 'public', 'private']) api[key] = fake.url;
  (api.ws as { public: Record<string, string> }).public = {
    spot: `${fake.wsUrl}/v5/public/spot`,
    linear: `${fake.wsUrl}/v5/public/linear`,
    inverse: `${fake.wsUrl}/v5/public/inverse`,
    option: `${fake.wsUrl}/v5/public/option`,
  };
  await exchange.loadHttpProxyAgent();
  exchange.setMarkets([
    ...spot.map((id) => spotMarket(id, ...split(id))),
    ...linear.map((id) => linearMarket(id, split(id)[0])),
  ] as never);
  return exchange as unknown as CcxtExchange;
}
