import type { Trade } from '../../../bars/trade.js';
import type { RegimeModel } from '../../../models/RegimeModel.js';
import { createRegimeRouter } from '../../../pipeline/RegimeRouter.js';
import { quoteValue } from '../../../util/validate.js';
import { timerMs } from '../../shared/optionChecks.js';
import type { SignalSource } from './source.js';

/** Options of {@link tradeSource}. */
export interface TradeSourceOptions {
  /** Name shown on the page, e.g. `'binance'`. */
  name: string;
  /** Symbols the trades will carry (`trade.symbol`), in display order. */
  symbols: string[];
  /** Opens the trade stream; it must end when `abort` fires. */
  trades: (abort: AbortSignal) => AsyncIterable<Trade>;
  /** Model of the detectors (default: the bundled BTCUSDT 1-minute model). */
  model?: RegimeModel;
  /** How long a bar waits for late trades after its end (default 0). */
  allowedLatenessMs?: number;
  /**
   * Every this many ms of wall-clock time, bars whose end plus lateness has passed are closed
   * even if no later trade came (a quiet market). 0 (the default) closes bars only on trades.
   */
  advanceEveryMs?: number;
}

/**
 * Runs a trade stream through `createRegimeRouter` (one detector per `trade.symbol`): each trade
 * that closes a bar emits that bar's signal at once.
 *
 * @example
 * ```ts
 * const source = tradeSource({
 *   name: 'binance',
 *   symbols: ['BTCUSDT'],
 *   trades: (signal) => binanceTrades({ symbols: ['BTCUSDT'], signal }),
 *   allowedLatenessMs: 1000,
 *   advanceEveryMs: 1000,
 * });
 * ```
 */
export function tradeSource(options: TradeSourceOptions): SignalSource {
  const { name, symbols, trades, model, allowedLatenessMs = 0, advanceEveryMs = 0 } = options;
  if (typeof name !== 'string' || name === '')
    throw new TypeError(`name must be a non-empty string, got ${quoteValue(name)}`);
  if (!Array.isArray(symbols) || symbols.some((s) => typeof s !== 'string'))
    throw new TypeError(`symbols must be an array of symbols, got ${quoteValue(symbols)}`);
  if (typeof trades !== 'function')
    throw new TypeError('trades must be a function that opens the trade stream');
  if (advanceEveryMs !== 0) timerMs('advanceEveryMs', advanceEveryMs);
  // Checks the model and allowedLatenessMs now, not at the first trade.
  createRegimeRouter({ model, allowedLatenessMs });
  return {
    name,
    symbols: [...symbols],
    async run(emit, abort) {
      const router = createRegimeRouter({ model, allowedLatenessMs });
      const timer =
        advanceEveryMs > 0
          ? setInterval(() => {
              for (const signal of router.advance(Date.now())) emit(signal);
            }, advanceEveryMs)
          : undefined;
      try {
        for await (const trade of trades(abort)) {
          for (const signal of router.pushTrade(trade)) emit(signal);
          if (abort.aborted) return;
        }
      } finally {
        clearInterval(timer);
      }
    },
  };
}
