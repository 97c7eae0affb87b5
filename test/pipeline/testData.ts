import type { Bar } from '../../src/bars/bar.js';
import type { Trade } from '../../src/bars/trade.js';
import { readKlines } from '../../src/node/readKlines.js';

/** The first `n` bars of the bundled real BTCUSDT span. */
export async function replayBars(n: number): Promise<Bar[]> {
  const bars: Bar[] = [];
  for await (const bar of readKlines('fixtures/replay/BTCUSDT-1m-2024-11-30_2024-12-29.csv.gz')) {
    bars.push(bar);
    if (bars.length === n) break;
  }
  return bars;
}

/**
 * Four trades per real bar (open, high, low, close, in that order, inside the minute) so that a
 * bar aggregator rebuilds the bar's OHLC and volume; bars listed in `skip` get no trades (gap minutes).
 */
export function tradesFromBars(bars: readonly Bar[], skip: ReadonlySet<number> = new Set()): Trade[] {
  const trades: Trade[] = [];
  let id = 1;
  bars.forEach((bar, i) => {
    if (skip.has(i)) return;
    const prices = [bar.open, bar.high, bar.low, bar.close];
    const offsets = [1, 15_000, 30_000, 59_000];
    for (let k = 0; k < 4; k++) {
      trades.push({
        time: bar.openTime + offsets[k],
        price: prices[k],
        qty: bar.volume / 4,
        isBuyerMaker: k % 2 === 0,
        id: id++,
        symbol: bar.symbol,
      });
    }
  });
  return trades;
}
