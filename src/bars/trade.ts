import { quoteValue } from '../util/validate.js';
import {
  isInMagnitudeRange,
  MAX_MAGNITUDE,
  MAX_TIME_MS,
  MAX_TRADE_AMOUNT,
  MIN_MAGNITUDE,
  MIN_TRADE_TIME_MS,
} from './magnitudes.js';

/**
 * One executed trade (or one Binance aggregate trade), the input of the whole pipeline.
 *
 * Times are epoch milliseconds (fractions allowed, e.g. from microsecond exports).
 * For a Binance aggregate trade, `id` is the aggregate id and `firstId`/`lastId` the range of
 * underlying trade ids, so it counts as `lastId - firstId + 1` trades, as Binance's klines do.
 *
 * @example
 * ```ts
 * const t: Trade = { time: 1767225600039, price: 87648.21, qty: 0.001, isBuyerMaker: false, id: 1 };
 * ```
 */
export interface Trade {
  /** Event (transaction) time in epoch milliseconds. */
  time: number;
  /** Price in quote currency per unit of base; finite and > 0. */
  price: number;
  /** Quantity in base currency; finite and >= 0. */
  qty: number;
  /** True when the buyer was the maker, i.e. the taker sold (Binance's `m`). */
  isBuyerMaker: boolean;
  /** Exchange trade id (aggregate id for aggTrades); used to drop duplicates. */
  id?: number;
  /** First underlying trade id of an aggregate trade. */
  firstId?: number;
  /** Last underlying trade id of an aggregate trade. */
  lastId?: number;
  /** Symbol, e.g. `'BTCUSDT'`. */
  symbol?: string;
  /**
   * Trades known lost immediately before this one in the same symbol's stream: neither delivered
   * nor fillable (e.g. a gap the exchange's REST backfill could not fill). A positive integer, set
   * by an adapter on the first trade it delivers after such a gap; when the exchange gives no ids
   * and the exact count is unknown, 1 (a lower bound). `BarAggregator` sums it into
   * `Bar.missingTrades`, so the loss reaches the bar and the signal.
   */
  missingBefore?: number;
}

/**
 * A plain copy of `trade`, each field read once: what a stage checks and then uses. A trade whose
 * getters answer differently on each read (a Proxy, a hostile object) could otherwise pass the
 * checks with one value and be merged with another (a NaN price, a negative volume). Anything that
 * is not an object comes back as it is, for {@link invalidTradeReason} to name.
 *
 * @example
 * ```ts
 * const trade = readTrade(input);
 * if (invalidTradeReason(trade) === undefined) merge(trade); // the values that were checked
 * ```
 */
export function readTrade(trade: Trade): Trade {
  if (typeof trade !== 'object' || trade === null) return trade;
  return {
    time: trade.time,
    price: trade.price,
    qty: trade.qty,
    isBuyerMaker: trade.isBuyerMaker,
    id: trade.id,
    firstId: trade.firstId,
    lastId: trade.lastId,
    symbol: trade.symbol,
    missingBefore: trade.missingBefore,
  };
}

/**
 * Why `trade` is not a valid {@link Trade}, naming the field to fix, or `undefined` when it is.
 * Valid: `time` a finite number within ±8.64e15 ms; `price` a finite number > 0 within [1e-100, 1e100]; `qty` a
 * finite number >= 0 with `qty` and `price × qty` at most 2^51 (see `magnitudes.ts`);
 * `isBuyerMaker` a boolean; `id` absent or an integer in [0, 2^53); `firstId` and `lastId` both
 * absent, or both such integers with `firstId <= lastId`; `symbol` absent or a string; `missingBefore` absent or a positive safe integer.
 *
 * @example
 * ```ts
 * invalidTradeReason({ time: 0, price: -1, qty: 1, isBuyerMaker: true }); // 'price must be a finite number > 0, got -1'
 * ```
 */
export function invalidTradeReason(trade: unknown): string | undefined {
  if (typeof trade !== 'object' || trade === null)
    return `a trade must be an object, got ${quoteValue(trade)}`;
  const t = trade as Record<string, unknown>;
  if (typeof t.time !== 'number' || !(Math.abs(t.time) <= MAX_TIME_MS))
    return `time must be a finite number of ms within ±${MAX_TIME_MS} (a Date's range), got ${quoteValue(t.time)}`;
  if (t.time < MIN_TRADE_TIME_MS)
    return `time ${quoteValue(t.time)} is before 2010-01-01 (${MIN_TRADE_TIME_MS} ms): seconds given as milliseconds? Trade times are epoch milliseconds`;
  if (typeof t.price !== 'number' || !(t.price > 0 && t.price < Number.POSITIVE_INFINITY))
    return `price must be a finite number > 0, got ${quoteValue(t.price)}`;
  if (typeof t.qty !== 'number' || !(t.qty >= 0 && t.qty < Number.POSITIVE_INFINITY))
    return `qty must be a finite number >= 0, got ${quoteValue(t.qty)}`;
  if (!isInMagnitudeRange(t.price))
    return `price must be within [${MIN_MAGNITUDE}, ${MAX_MAGNITUDE}], got ${quoteValue(t.price)}`;
  if (!(t.qty <= MAX_TRADE_AMOUNT && t.price * t.qty <= MAX_TRADE_AMOUNT))
    return `qty and price × qty must be at most 2^51, got qty ${quoteValue(t.qty)} at price ${quoteValue(t.price)}`;
  if (typeof t.isBuyerMaker !== 'boolean')
    return `isBuyerMaker must be a boolean, got ${quoteValue(t.isBuyerMaker)}`;
  if (t.id !== undefined && !isTradeId(t.id))
    return `id must be an integer in [0, 2^53), got ${quoteValue(t.id)}`;
  if (t.firstId !== undefined || t.lastId !== undefined) {
    if (!isTradeId(t.firstId) || !isTradeId(t.lastId) || t.firstId > t.lastId)
      return `firstId and lastId must be integers in [0, 2^53) with firstId <= lastId, got ${quoteValue(t.firstId)} and ${quoteValue(t.lastId)}`;
  }
  if (t.symbol !== undefined && typeof t.symbol !== 'string')
    return `symbol must be a string, got ${quoteValue(t.symbol)}`;
  if (
    t.missingBefore !== undefined &&
    !(typeof t.missingBefore === 'number' && Number.isSafeInteger(t.missingBefore) && t.missingBefore > 0)
  )
    return `missingBefore must be absent or an integer in [1, 2^53), got ${quoteValue(t.missingBefore)}`;
  return undefined;
}

function isTradeId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
