/**
 * The Binance market a stream or request goes to.
 *
 * @example
 * ```ts
 * const market: BinanceMarket = 'usdm';
 * ```
 */
export type BinanceMarket = 'spot' | 'usdm';

/**
 * Endpoints and published limits of one Binance market.
 *
 * @example
 * ```ts
 * const { restUrl, weightPerMinute }: MarketProfile = BINANCE_MARKETS.usdm;
 * ```
 */
export interface MarketProfile {
  /** WebSocket base URL (the adapter appends `/stream`). */
  wsUrl: string;
  /** REST base URL. */
  restUrl: string;
  /** REST path prefix, `/api/v3` or `/fapi/v1`. */
  restPath: string;
  /** Streams one connection may carry. */
  streamsPerConnection: number;
  /** Messages (subscriptions, pings, pongs) a client may send per second on one connection. */
  messagesPerSecond: number;
  /** REST request weight allowed per minute per IP. */
  weightPerMinute: number;
  /** Request weights of the endpoints used here (the `X-MBX-USED-WEIGHT-1M` header corrects the count). */
  weights: { aggTrades: number; historicalTrades: number; klines: number; exchangeInfo: number };
}

/**
 * Binance's public endpoints and limits, as documented for each market.
 *
 * @example
 * ```ts
 * BINANCE_MARKETS.spot.streamsPerConnection; // 1024
 * ```
 */
export const BINANCE_MARKETS: Readonly<Record<BinanceMarket, MarketProfile>> = {
  spot: {
    wsUrl: 'wss://stream.binance.com:9443',
    restUrl: 'https://api.binance.com',
    restPath: '/api/v3',
    streamsPerConnection: 1024,
    messagesPerSecond: 5,
    weightPerMinute: 6000,
    weights: { aggTrades: 4, historicalTrades: 25, klines: 2, exchangeInfo: 20 },
  },
  usdm: {
    wsUrl: 'wss://fstream.binance.com',
    restUrl: 'https://fapi.binance.com',
    restPath: '/fapi/v1',
    streamsPerConnection: 200,
    messagesPerSecond: 10,
    weightPerMinute: 2400,
    weights: { aggTrades: 20, historicalTrades: 20, klines: 5, exchangeInfo: 1 },
  },
};

/**
 * The profile of `market`; throws a RangeError naming the valid markets unless it is one.
 *
 * @example
 * ```ts
 * marketProfile('spot').restPath; // '/api/v3'
 * ```
 */
export function marketProfile(market: string): MarketProfile {
  if (market !== 'spot' && market !== 'usdm') {
    throw new RangeError(`market must be 'spot' or 'usdm', got ${JSON.stringify(market)}`);
  }
  return BINANCE_MARKETS[market];
}
