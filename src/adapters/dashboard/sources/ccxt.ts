import type { RegimeModel } from '../../../models/RegimeModel.js';
import { type CcxtExchange, ccxtTrades } from '../../ccxt/index.js';
import type { SignalSource } from './source.js';
import { tradeSource } from './trades.js';

/** Options of {@link ccxtSource}. */
export interface CcxtSourceOptions {
  /** A ccxt exchange id (`'bybit'`, `'okx'`, …) or an exchange you configured (`new ccxt.pro.bybit({...})`). */
  exchange: string | CcxtExchange;
  /** ccxt unified symbols, e.g. `['BTC/USDT', 'ETH/USDT:USDT']`; signals carry them unchanged. */
  symbols: string[];
  /** Model of the detectors (default: the bundled BTCUSDT 1-minute model). */
  model?: RegimeModel;
}

/** How long a bar waits after its end for late trades. */
const LATENESS_MS = 2_000;
/** How often bars of quiet symbols are closed on the wall clock. */
const ADVANCE_EVERY_MS = 1_000;

/**
 * Live trades of any ccxt exchange (`microstream/ccxt`: no duplicates, gaps filled from REST or
 * reported) through one detector per symbol. The detectors start cold: their signals are `warm`
 * once their feature windows have filled with live bars. A bar waits 2 s after its end for late
 * trades, and bars of a quiet symbol close on the wall clock. Unfillable gaps are logged.
 *
 * @example
 * ```ts
 * const dashboard = await startDashboard({ source: ccxtSource({ exchange: 'bybit', symbols: ['BTC/USDT'] }) });
 * ```
 */
export function ccxtSource(options: CcxtSourceOptions): SignalSource {
  const { exchange, symbols, model } = options;
  const id = typeof exchange === 'string' ? exchange : exchange.id;
  return tradeSource({
    name: `ccxt ${id}`,
    symbols,
    model,
    allowedLatenessMs: LATENESS_MS,
    advanceEveryMs: ADVANCE_EVERY_MS,
    trades: (signal) =>
      ccxtTrades(exchange, symbols, {
        signal,
        onEvent: (e) => {
          if (e.type === 'gapUnfilled')
            process.stderr.write(
              `ccxt ${id}: ${e.symbol} lost ${e.exact ? '' : 'at least '}${e.missing} trades (${e.reason})\n`,
            );
        },
      }),
  });
}
