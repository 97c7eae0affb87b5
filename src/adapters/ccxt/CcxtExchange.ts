/**
 * The part of a ccxt exchange (`new ccxt.pro.bybit()`, ccxt 4.x) that {@link ccxtTrades} uses,
 * written out so that microstream's types do not depend on ccxt being installed.
 *
 * @example
 * ```ts
 * import ccxt from 'ccxt';
 * const exchange: CcxtExchange = new ccxt.pro.bybit();
 * ```
 */
export interface CcxtExchange {
  /** The exchange's ccxt id, e.g. `'bybit'`. */
  id: string;
  /** Which unified methods the exchange has. */
  has: Record<string, boolean | string | undefined>;
  /** Exchange options; `tradesLimit` is the size of ccxt's trade cache per symbol (default 1000). */
  options: Record<string, unknown>;
  /** Markets by unified symbol, once loaded. */
  markets?: Record<string, unknown>;
  loadMarkets(reload?: boolean): Promise<Record<string, unknown>>;
  /** The market of a unified symbol; throws ccxt's `BadSymbol` for an unknown one. */
  market(symbol: string): { symbol: string; id: string; spot?: boolean; type?: string };
  watchTrades?(symbol: string, since?: number, limit?: number, params?: object): Promise<CcxtTrade[]>;
  watchTradesForSymbols?(
    symbols: string[],
    since?: number,
    limit?: number,
    params?: object,
  ): Promise<CcxtTrade[]>;
  fetchTrades?(symbol: string, since?: number, limit?: number, params?: object): Promise<CcxtTrade[]>;
  /** Headers of the latest REST response (ccxt keeps them unless `enableLastResponseHeaders` is false). */
  last_response_headers?: Record<string, string>;
  /** Closes every WebSocket connection of the exchange. */
  close(): Promise<unknown>;
  /** Called by ccxt when one of its WebSocket clients closes or fails. */
  onClose?(client: unknown, error: unknown): void;
  onError?(client: unknown, error: unknown): void;
}

/**
 * A trade as ccxt's unified API returns it (only the fields microstream reads).
 *
 * @example
 * ```ts
 * const t: CcxtTrade = { id: '1', symbol: 'BTC/USDT', timestamp: 1767225600039, price: 87648.21, amount: 0.001, side: 'buy' };
 * ```
 */
export interface CcxtTrade {
  id?: string;
  symbol?: string;
  timestamp?: number;
  price?: number;
  amount?: number;
  side?: string;
  /** The exchange's raw trade. */
  info?: unknown;
}
