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
}
