import type { CcxtExchange, CcxtTrade } from './CcxtExchange.js';

/**
 * What {@link ccxtTrades} must know of an exchange beyond ccxt's unified API.
 *
 * @example
 * ```ts
 * const profile: ExchangeProfile = exchangeProfile(exchange, 'BTC/USDT');
 * ```
 */
export interface ExchangeProfile {
  /** Extra params of `watchTrades` (Binance: the `aggTrade` stream, whose ids REST also serves). */
  watchParams: object;
  /**
   * Trade ids are integers that grow by exactly one per trade and symbol: a jump is a gap, and
   * the gap is filled by id (`fromId`), so fills are exact and the missing count is exact.
   */
  sequentialIds: boolean;
  /** `fetchTrades` params that start a page at trade id `fromId` (with `sequentialIds`). */
  fromIdParams?: (fromId: number) => object;
  /** Trades per `fetchTrades` page (undefined: the exchange's default). */
  pageLimit: number | undefined;
  /** Underlying trade id range of an aggregate trade (Binance's `f`/`l`), so bars count trades as Binance's klines do. */
  idRange?: (trade: CcxtTrade) => { firstId: number; lastId: number } | undefined;
}

const binance: Omit<ExchangeProfile, 'pageLimit'> = {
  watchParams: { name: 'aggTrade' },
  sequentialIds: true,
  fromIdParams: (fromId) => ({ fromId }),
  idRange: (trade) => {
    const info = trade.info as { f?: unknown; l?: unknown } | undefined;
    const firstId = Number(info?.f);
    const lastId = Number(info?.l);
    return Number.isSafeInteger(firstId) && Number.isSafeInteger(lastId) && firstId <= lastId
      ? { firstId, lastId }
      : undefined;
  },
};

/**
 * The profile of `exchange` for `symbol`. Known: Binance (spot, USD-M, COIN-M: aggregate trades,
 * sequential ids, fills by id), Bybit (recent trades only: 60 per request on spot, 1000 on
 * derivatives) and OKX (100 per request). Any other exchange gets the generic profile: opaque
 * ids, fills by time from `fetchTrades(symbol, since)`.
 *
 * @example
 * ```ts
 * exchangeProfile(bybit, 'BTC/USDT').pageLimit; // 60
 * ```
 */
export function exchangeProfile(exchange: CcxtExchange, symbol: string): ExchangeProfile {
  switch (exchange.id) {
    case 'binance':
    case 'binanceusdm':
    case 'binancecoinm':
      return { ...binance, pageLimit: 1000 };
    case 'bybit':
      return { watchParams: {}, sequentialIds: false, pageLimit: exchange.market(symbol).spot ? 60 : 1000 };
    case 'okx':
      return { watchParams: {}, sequentialIds: false, pageLimit: 100 };
    default:
      return { watchParams: {}, sequentialIds: false, pageLimit: undefined };
  }
}
