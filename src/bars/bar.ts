/**
 * One closed bar (candle), with the columns of a Binance kline plus what the pipeline needs.
 *
 * Bars built by {@link BarAggregator} carry every field. Bars read from files only carry the
 * optional fields that the file really had (an OHLCV-only export has no `trades`): absent is
 * `undefined`, never an invented zero.
 *
 * A gap bar (`gap: true`) stands for an interval with no trades: volume 0 and
 * open = high = low = close = the previous close, so the series has no holes.
 *
 * @example
 * ```ts
 * const range = (bar.high - bar.low) / bar.open;
 * if (bar.gap) console.log('no trades in', new Date(bar.openTime).toISOString());
 * ```
 */
export interface Bar {
  /** Symbol, e.g. `'BTCUSDT'` (empty string when unknown). */
  symbol: string;
  /** Start of the interval, epoch ms, aligned to the epoch like Binance klines. */
  openTime: number;
  /** Last millisecond of the interval (`openTime + interval - 1`), as Binance's `close_time`. */
  closeTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Base-asset volume. */
  volume: number;
  /** Quote-asset volume (sum of price × qty). */
  quoteVolume?: number;
  /** Number of trades, counted like Binance (an aggregate trade counts lastId − firstId + 1). */
  trades?: number;
  /** Base volume bought by takers (trades with `isBuyerMaker === false`). */
  takerBuyVolume?: number;
  /** Quote volume bought by takers. */
  takerBuyQuoteVolume?: number;
  /** Volume-weighted average price, quoteVolume / volume (the close for a gap bar). */
  vwap?: number;
  /** First trade id in the bar (first underlying id for aggregate trades), -1 when none. */
  firstTradeId?: number;
  /** Last trade id in the bar, -1 when none. */
  lastTradeId?: number;
  /**
   * Trades known lost in this bar's stream: the sum of `missingBefore` of the trades folded into it
   * (see {@link Trade.missingBefore}). 0 normally and on gap bars; set on every bar a
   * {@link BarAggregator} builds, absent on bars read from files (unknown). Non-zero means the bar's
   * volume and counts are short by those trades.
   */
  missingTrades?: number;
  /** True for a synthetic bar standing for an interval without trades. */
  gap: boolean;
}

/**
 * A plain copy of a bar's {@link Bar} fields, each read once: the bar a stage checks is the bar it
 * uses. A bar whose getters answer differently on each read (a Proxy, a hostile object) could
 * otherwise pass the checks with finite prices and reach the features with a NaN, which no later
 * bar clears. Anything that is not an object comes back as it is, for the checks to name.
 *
 * @example
 * ```ts
 * const bar = readBar(input); // then check `bar`, and use only `bar`
 * ```
 */
export function readBar(bar: Bar): Bar {
  if (typeof bar !== 'object' || bar === null) return bar;
  return {
    symbol: bar.symbol,
    openTime: bar.openTime,
    closeTime: bar.closeTime,
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    volume: bar.volume,
    quoteVolume: bar.quoteVolume,
    trades: bar.trades,
    takerBuyVolume: bar.takerBuyVolume,
    takerBuyQuoteVolume: bar.takerBuyQuoteVolume,
    vwap: bar.vwap,
    firstTradeId: bar.firstTradeId,
    lastTradeId: bar.lastTradeId,
    missingTrades: bar.missingTrades,
    gap: bar.gap,
  };
}
