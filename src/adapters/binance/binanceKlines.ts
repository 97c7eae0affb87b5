import { randomInt } from 'node:crypto';
import type { Bar } from '../../bars/bar.js';
import { KLINE_COLUMNS } from '../../node/readKlines.js';
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
  if (!Number.isFinite(options.startTime))
    throw new RangeError(`startTime must be epoch ms, got ${options.startTime}`);
  const endTime = options.endTime ?? clock.now();
  if (!Number.isFinite(endTime)) throw new RangeError(`endTime must be epoch ms, got ${endTime}`);
  const rest = new BinanceRest({
    restUrl: options.restUrl ?? profile.restUrl,
    weightPerMinute: options.weightPerMinute ?? profile.weightPerMinute,
    clock,
    random: () => randomInt(2 ** 47) / 2 ** 47,
    signal: options.signal,
  });
  const path = `${profile.restPath}/klines`;
  let cursor = options.startTime;
  while (cursor <= endTime) {
    const query = { symbol, interval: options.interval, startTime: cursor, endTime, limit: PAGE };
    const rows = await rest.get(path, query, profile.weights.klines);
    if (!Array.isArray(rows))
      throw new Error(`Binance ${path} answered with something other than a list of klines`);
    const now = clock.now();
    for (let i = 0; i < rows.length; i++) {
      const bar = klineToBar(rows[i], symbol, `${path} row ${i} of the page from ${cursor}`);
      if (!options.includeOpen && bar.closeTime >= now) return;
      yield bar;
      cursor = bar.openTime + 1;
    }
    if (rows.length < PAGE) return;
  }
}

/** Binance's kline columns that carry numbers: all but the trailing `ignore`. */
const COLUMNS = KLINE_COLUMNS.slice(0, -1);

/**
 * One Binance kline array (`[openTime, "open", "high", "low", "close", "volume", closeTime,
 * "quoteVolume", trades, "takerBuyVolume", "takerBuyQuoteVolume", "ignore"]`) as a {@link Bar}.
 *
 * @throws {TypeError} naming the column (Binance's name) that is missing or not a number.
 * @example
 * ```ts
 * klineToBar([1767225600000, '87648.21', '87648.22', '87632.74', '87648.00', '4.08049', 1767225659999, '357625.77', 1193, '2.1', '184000.1', '0'], 'BTCUSDT', 'row 0');
 * ```
 */
export function klineToBar(row: unknown, symbol: string, where: string): Bar {
  if (!Array.isArray(row) || row.length < COLUMNS.length) {
    throw new TypeError(`${where}: a kline must be an array of at least ${COLUMNS.length} columns`);
  }
  const v = COLUMNS.map((name, i) => {
    const x = Number(row[i]);
    if (!Number.isFinite(x) || (typeof row[i] !== 'string' && typeof row[i] !== 'number')) {
      throw new TypeError(`${where}: ${name} must be a number, got ${JSON.stringify(row[i])}`);
    }
    return x;
  });
  const [
    openTime,
    open,
    high,
    low,
    close,
    volume,
    closeTime,
    quoteVolume,
    trades,
    takerBuyVolume,
    takerBuyQuote,
  ] = v;
  return {
    symbol,
    openTime,
    closeTime,
    open,
    high,
    low,
    close,
    volume,
    quoteVolume,
    trades,
    takerBuyVolume,
    takerBuyQuoteVolume: takerBuyQuote,
    vwap: volume > 0 ? quoteVolume / volume : close,
    gap: false,
  };
}
