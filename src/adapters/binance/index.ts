/**
 * `microstream/binance`: live Binance trades that are never lost or duplicated across
 * reconnects, and paged kline history to warm a detector up. Node-only (uses `ws`).
 *
 * @example
 * ```ts
 * import { binanceTrades } from 'microstream/binance';
 * for await (const trade of binanceTrades({ symbols: ['BTCUSDT'] })) console.log(trade);
 * ```
 * @module microstream/binance
 * @packageDocumentation
 */

export { klineToBar } from '../../bars/binanceKline.js';
export { BinanceHttpError, BinanceRest, type BinanceRestOptions, type RestRetry } from './BinanceRest.js';
export { type BackoffOptions, backoffDelay } from './backoff.js';
export { type BinanceKlinesOptions, binanceKlines } from './binanceKlines.js';
export {
  type BinanceStreamEvent,
  BinanceSymbolError,
  type BinanceTradeStream,
  type BinanceTradesOptions,
  type BinanceTradesStats,
  binanceTrades,
  type MalformedFrame,
} from './binanceTrades.js';
export { type Clock, systemClock } from './clock.js';
export { BINANCE_MARKETS, type BinanceMarket, type MarketProfile } from './markets.js';
export { MalformedFrameError, TradeFrameParser } from './TradeFrameParser.js';
