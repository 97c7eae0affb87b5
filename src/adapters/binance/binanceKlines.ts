import { randomInt } from 'node:crypto';
import type { Bar } from '../../bars/bar.js';
import { klineToBar } from '../../bars/binanceKline.js';
import { positive } from '../shared/optionChecks.js';
import { BinanceRest } from './BinanceRest.js';
import { type Clock, systemClock } from './clock.js';
import { type BinanceMarket, marketProfile } from './markets.js';

/**
 * Settings of {@link binanceKlines}.
 *
 * @example
 * ```ts
 * const options: BinanceKlinesOptions = { symbol: 'ETHUSDT', interval: '5m', startTime: Date.parse('2026-01-01'), market: 'usdm' };
 * ```
 */
export interface BinanceKlinesOptions {
  /** Symbol, e.g. `'BTCUSDT'` (any case). */
  symbol: string;
  /** Binance kline interval, e.g. `'1m'`, `'5m'`, `'1h'`. */
  interval: string;
  /** First kline open time wanted, epoch ms. */
  startTime: number;
  /** Last kline open time wanted, epoch ms (default: now). */
  endTime?: number;
  /** `'spot'` (default) or `'usdm'`. */
  market?: BinanceMarket;
  /** REST base URL (default: the market's). */
  restUrl?: string;
  /** Aborting stops the paging and the pending request. */
  signal?: AbortSignal;
  /** Also yield the kline still open at `now` (default false: closed klines only). */
  includeOpen?: boolean;
  /** REST weight per minute (default: the market's limit). */
  weightPerMinute?: number;
  clock?: Clock;
}

const PAGE = 1000;

/**
 * Paged kline history from Binance REST (`/api/v3/klines`, usdm `/fapi/v1/klines`, 1000 per
 * request, within the weight limit, `Retry-After` honoured) as {@link Bar}s carrying every
 * kline column, oldest first. Use it to warm a detector up so its signals are warm from the
 * first live bar. Only closed klines are yielded unless `includeOpen` is set.
 *
 * @example
 * ```ts
 * const now = Date.now();
 * for await (const bar of binanceKlines({ symbol: 'BTCUSDT', interval: '1m', startTime: now - 3_600_000 })) {
 *   detector.pushBar(bar);
 * }
 * ```
 */
export async function* binanceKlines(options: BinanceKlinesOptions): AsyncGenerator<Bar> {
  const profile = marketProfile(options.market ?? 'spot');
  const clock = options.clock ?? systemClock;
  const symbol = String(options.symbol).toUpperCase();
  if (!/^[A-Z0-9_-]+$/.test(symbol))
    throw new TypeError(`symbol: ${JSON.stringify(options.symbol)} is not a symbol name`);
  const startTime = options.startTime;
  if (!Number.isFinite(startTime)) throw new RangeError(`startTime must be epoch ms, got ${startTime}`);
  const endTime = options.endTime ?? clock.now();
  if (!Number.isFinite(endTime)) throw new RangeError(`endTime must be epoch ms, got ${endTime}`);
  // Read once; Binance itself names a bad interval (code -1120, see BinanceHttpError).
  const interval = String(options.interval);
  const includeOpen = options.includeOpen ?? false;
  const rest = new BinanceRest({
    restUrl: options.restUrl ?? profile.restUrl,
    weightPerMinute: positive('weightPerMinute', options.weightPerMinute ?? profile.weightPerMinute),
    clock,
    random: () => randomInt(2 ** 47) / 2 ** 47,
    signal: options.signal,
  });
  const path = `${profile.restPath}/klines`;
  let cursor = startTime;
  while (cursor <= endTime) {
    const query = { symbol, interval, startTime: cursor, endTime, limit: PAGE };
    const rows = await rest.get(path, query, profile.weights.klines);
    if (!Array.isArray(rows))
      throw new Error(`Binance ${path} answered with something other than a list of klines`);
    const now = clock.now();
    for (let i = 0; i < rows.length; i++) {
      const bar = klineToBar(rows[i], symbol, `${path} row ${i} of the page from ${cursor}`);
      if (!includeOpen && bar.closeTime >= now) return;
      yield bar;
      cursor = bar.openTime + 1;
    }
    if (rows.length < PAGE) return;
  }
}
