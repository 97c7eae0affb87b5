/**
 * `microstream/ccxt`: live trades from any exchange of ccxt (an optional peer dependency:
 * `npm install ccxt`), never duplicated, with gaps filled from REST or shown in the stream.
 * Node-only.
 *
 * @example
 * ```ts
 * import { ccxtTrades } from 'microstream/ccxt';
 * for await (const trade of ccxtTrades('bybit', ['BTC/USDT'])) console.log(trade);
 * ```
 * @module microstream/ccxt
 * @packageDocumentation
 */

export type { CcxtExchange, CcxtTrade } from './CcxtExchange.js';
export {
  type CcxtMalformedTrade,
  type CcxtStreamEvent,
  CcxtSymbolError,
  type CcxtTradeStream,
  type CcxtTradesOptions,
  type CcxtTradesStats,
  ccxtTrades,
  type ExchangeTrade,
} from './ccxtTrades.js';
export { type ExchangeProfile, exchangeProfile } from './exchangeProfiles.js';
export { createCcxtExchange } from './loadCcxt.js';
