import { setTimeout as sleep } from 'node:timers/promises';
import type { Bar } from '../../../bars/bar.js';
import type { Trade } from '../../../bars/trade.js';
import type { RegimeModel } from '../../../models/RegimeModel.js';
import { createRegimeDetector } from '../../../pipeline/RegimeDetector.js';
import { createRegimeRouter } from '../../../pipeline/RegimeRouter.js';
import { binanceKlines } from '../../binance/binanceKlines.js';
import { binanceTrades } from '../../binance/binanceTrades.js';
import { type BinanceMarket, marketProfile } from '../../binance/markets.js';
import { positiveInteger } from '../../shared/optionChecks.js';
import type { SignalSource } from './source.js';

/** Options of {@link binanceSource}. */
export interface BinanceSourceOptions {
  /** Symbols to follow, e.g. `['BTCUSDT', 'ETHUSDT']`. */
  symbols: string[];
  /** `'spot'` (default) or `'usdm'` (USD-M futures). */
  market?: BinanceMarket;
  /** Model of the detectors (default: the bundled BTCUSDT 1-minute model). */
  model?: RegimeModel;
  /** Minutes of kline history each detector is warmed up from (default: the model's warm-up and 10 more). */
  warmUpMinutes?: number;
  /** WebSocket and REST base URLs (default: Binance's for the market). */
  wsUrl?: string;
  restUrl?: string;
}

const MINUTE = 60_000;
/** How long a bar waits after its end for late trades. */
const LATENESS_MS = 2_000;
/** How often bars of quiet symbols are closed on the wall clock. */
const ADVANCE_EVERY_MS = 1_000;
/** How long after a minute's end its kline is taken as final. */
const KLINE_SETTLE_MS = 2_000;

/**
 * Live Binance aggregate trades (`microstream/binance`, gap-free across reconnects) through one
 * detector per symbol, each warmed up from kline history (`binanceKlines` → `router.warmStart`)
 * at the symbol's first live trade, so its signals are warm from the first live bar and the page
 * starts with the history's signals. A minute the stream did not see whole (it began before the
 * stream was connected) is taken complete from REST once it has closed; the symbol's trades wait
 * meanwhile, and those of warmed minutes are counted late, never twice. A bar waits 2 s after its
 * end for late trades, and bars of a quiet symbol close on the wall clock, so every symbol gets a
 * signal every minute.
 *
 * @example
 * ```ts
 * const dashboard = await startDashboard({ source: binanceSource({ symbols: ['BTCUSDT', 'ETHUSDT'] }) });
 * ```
 */
export function binanceSource(options: BinanceSourceOptions): SignalSource {
  const { market = 'spot', wsUrl, restUrl, model } = options;
  marketProfile(market);
  if (
    !Array.isArray(options.symbols) ||
    options.symbols.length === 0 ||
    options.symbols.some((s) => typeof s !== 'string' || s === '')
  )
    throw new TypeError(`symbols must be a non-empty array of Binance symbols, e.g. ["BTCUSDT"]`);
  const symbols = [...options.symbols];
  // The model's warm-up (1 500 bars for the default model's baselines) and a little more; making
  // the detector also checks the model now, not when the dashboard starts the source.
  const defaultWarmUp = createRegimeDetector({ model }).warmUp + 10;
  const warmUpMinutes = positiveInteger('warmUpMinutes', options.warmUpMinutes ?? defaultWarmUp);
  return {
    name: `binance ${market}`,
    symbols,
    async run(emit, abort) {
      const router = createRegimeRouter({ model, allowedLatenessMs: LATENESS_MS });
      /** Live trades of the symbols not warmed up yet. */
      const heldBack = new Map<string, Trade[]>(symbols.map((s) => [s, []]));
      /** When the latest connection became ready: a minute starting after it is seen whole. */
      let connectedAt = Number.POSITIVE_INFINITY;
      const warmUps: Promise<void>[] = [];

      const warmUp = async (symbol: string, firstTrade: Trade): Promise<void> => {
        const firstMinute = Math.floor(firstTrade.time / MINUTE) * MINUTE;
        const seenWhole = firstMinute >= connectedAt;
        const history: Bar[] = [];
        try {
          if (!seenWhole)
            await sleep(Math.max(0, firstMinute + MINUTE + KLINE_SETTLE_MS - Date.now()), undefined, {
              signal: abort,
            });
          const klines = binanceKlines({
            symbol,
            interval: '1m',
            startTime: firstMinute - warmUpMinutes * MINUTE,
            endTime: seenWhole ? firstMinute - MINUTE : firstMinute,
            market,
            restUrl,
            signal: abort,
          });
          for await (const bar of klines) history.push(bar);
        } catch (error) {
          if (abort.aborted) return;
          process.stderr.write(
            `binance: ${symbol} starts cold, its warm-up failed: ${(error as Error).message}\n`,
          );
        }
        for (const signal of router.warmStart(symbol, history)) emit(signal);
        for (const trade of heldBack.get(symbol) ?? [])
          for (const signal of router.pushTrade(trade)) emit(signal);
        heldBack.delete(symbol);
      };

      const timer = setInterval(() => {
        for (const signal of router.advance(Date.now())) emit(signal);
      }, ADVANCE_EVERY_MS);
      const trades = binanceTrades({
        symbols,
        market,
        stream: 'aggTrade',
        signal: abort,
        wsUrl,
        restUrl,
        onMalformed: (m) => process.stderr.write(`binance: malformed frame skipped (${m.reason})\n`),
        onEvent: (e) => {
          if (e.type === 'connected') connectedAt = Date.now();
        },
      });
      try {
        for await (const trade of trades) {
          const symbol = trade.symbol as string;
          const waiting = heldBack.get(symbol);
          if (waiting === undefined) {
            for (const signal of router.pushTrade(trade)) emit(signal);
          } else {
            if (waiting.length === 0) warmUps.push(warmUp(symbol, trade));
            waiting.push(trade);
          }
          if (abort.aborted) return;
        }
      } finally {
        clearInterval(timer);
        await Promise.all(warmUps);
      }
    },
  };
}
