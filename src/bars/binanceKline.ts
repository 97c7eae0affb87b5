import type { Bar } from './bar.js';
import { MAX_TIME_MS } from './magnitudes.js';

/**
 * Binance's kline columns, in the order of its data exports, of its REST `klines` arrays and of
 * `microstream bars --format csv`. One browser-safe definition of the format, shared by the file
 * reader (`readKlines`, `microstream/node`) and the REST client (`binanceKlines`, `microstream/binance`).
 *
 * @example
 * ```ts
 * KLINE_COLUMNS.indexOf('close'); // 4
 * ```
 */
export const KLINE_COLUMNS = [
  'open_time',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'close_time',
  'quote_volume',
  'count',
  'taker_buy_volume',
  'taker_buy_quote_volume',
  'ignore',
] as const;

/**
 * Why a bar read from a kline cannot be a bar, naming Binance's columns; `undefined` when it is
 * one: prices positive and `high`/`low` enclosing `open`/`close`, volumes ≥ 0, `count` a whole
 * number ≥ 0, `close_time` not before `open_time`. Optional fields are checked when present.
 *
 * @example
 * ```ts
 * klineProblem({ ...bar, high: bar.low - 1 }); // 'high and low do not enclose open and close (…)'
 * ```
 */
export function klineProblem(bar: Bar): string | undefined {
  const { open, high, low, close } = bar;
  for (const [name, price] of [
    ['open', open],
    ['high', high],
    ['low', low],
    ['close', close],
  ] as const) {
    if (!(price > 0) || !Number.isFinite(price)) return `${name} must be a positive number, got ${price}`;
  }
  if (high < low || high < open || high < close || low > open || low > close) {
    return `high and low do not enclose open and close (open ${open}, high ${high}, low ${low}, close ${close})`;
  }
  for (const [name, time] of [
    ['open_time', bar.openTime],
    ['close_time', bar.closeTime],
  ] as const) {
    if (!(Math.abs(time) <= MAX_TIME_MS)) return `${name} must be ms within ±${MAX_TIME_MS}, got ${time}`;
  }
  if (bar.closeTime < bar.openTime) return `close_time ${bar.closeTime} is before open_time ${bar.openTime}`;
  for (const [name, value] of [
    ['volume', bar.volume],
    ['quote_volume', bar.quoteVolume],
    ['taker_buy_volume', bar.takerBuyVolume],
    ['taker_buy_quote_volume', bar.takerBuyQuoteVolume],
  ] as const) {
    if (value !== undefined && (!(value >= 0) || !Number.isFinite(value)))
      return `${name} must be a number >= 0, got ${value}`;
  }
  if (bar.trades !== undefined && (!Number.isInteger(bar.trades) || bar.trades < 0))
    return `count must be a whole number >= 0, got ${bar.trades}`;
  return undefined;
}

/** Binance's kline columns that carry numbers: all but the trailing `ignore`. */
const NUMBER_COLUMNS = KLINE_COLUMNS.slice(0, -1);

/**
 * One Binance kline array (`[openTime, "open", "high", "low", "close", "volume", closeTime,
 * "quoteVolume", trades, "takerBuyVolume", "takerBuyQuoteVolume", "ignore"]`, as Binance's REST API
 * returns them) as a {@link Bar}, with the checks of the file reader (prices positive, `high`/`low`
 * enclosing `open`/`close`, volumes ≥ 0, `close_time` not before `open_time`).
 *
 * @throws {TypeError} naming the column (Binance's name) that is missing, not a number or out of range.
 * @example
 * ```ts
 * klineToBar([1767225600000, '87648.21', '87648.22', '87632.74', '87648.00', '4.08049', 1767225659999, '357625.77', 1193, '2.1', '184000.1', '0'], 'BTCUSDT', 'row 0');
 * ```
 */
export function klineToBar(row: unknown, symbol: string, where: string): Bar {
  if (!Array.isArray(row) || row.length < NUMBER_COLUMNS.length) {
    throw new TypeError(`${where}: a kline must be an array of at least ${NUMBER_COLUMNS.length} columns`);
  }
  const v = NUMBER_COLUMNS.map((name, i) => {
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
  const bar: Bar = {
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
  const problem = klineProblem(bar);
  if (problem !== undefined) throw new TypeError(`${where}: ${problem}`);
  return bar;
}
