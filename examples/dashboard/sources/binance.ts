import { type BinanceMarket, binanceTrades } from '../../../src/adapters/binance/index.js';
import type { RegimeModel } from '../../../src/index.js';
import type { SignalSource } from './source.js';
import { tradeSource } from './trades.js';

/** Options of {@link binanceSource}. */
export interface BinanceSourceOptions {
  /** Symbols to follow, e.g. `['BTCUSDT', 'ETHUSDT']`. */
  symbols: string[];
  /** `'spot'` (default) or `'usdm'` (USD-M futures). */
  market?: BinanceMarket;
  /** Model of the detectors (default: the bundled BTCUSDT 1-minute model). */
  model?: RegimeModel;
  /** WebSocket and REST base URLs (default: Binance's for the market). */
  wsUrl?: string;
  restUrl?: string;
}

/**
 * Live Binance aggregate trades (`microstream/binance`, gap-free across reconnects) through one
 * detector per symbol. A bar waits 2 s after its end for late trades, and bars of a quiet symbol
 * close on the wall clock, so every symbol gets a signal every minute. Signals are cold (`warm:
 * false`, shown as "warming up") until the feature windows have filled with live bars.
 *
 * @example
 * ```ts
 * const dashboard = await startDashboard({ source: binanceSource({ symbols: ['BTCUSDT', 'ETHUSDT'] }) });
 * ```
 */
export function binanceSource(options: BinanceSourceOptions): SignalSource {
  const { symbols, market = 'spot', wsUrl, restUrl } = options;
  return tradeSource({
    name: `binance ${market}`,
    symbols,
    model: options.model,
    trades: (signal) =>
      binanceTrades({
        symbols,
        market,
        stream: 'aggTrade',
        signal,
        wsUrl,
        restUrl,
        onMalformed: (m) => process.stderr.write(`binance: malformed frame skipped (${m.reason})\n`),
      }),
    allowedLatenessMs: 2000,
    advanceEveryMs: 1000,
  });
}
