import { readFileSync } from 'node:fs';
import type { Bar } from '../../src/bars/bar.js';

/** Bars of a small plain Binance kline CSV with a header (a test fixture, not the library's reader). */
export function readKlineCsv(path: string, symbol = ''): Bar[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = header.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    const get = (name: string) => {
      const i = cols.indexOf(name);
      return i < 0 ? undefined : Number(cells[i]);
    };
    const openTime = get('open_time') as number;
    return {
      symbol,
      openTime,
      closeTime: openTime + 59_999,
      open: get('open') as number,
      high: get('high') as number,
      low: get('low') as number,
      close: get('close') as number,
      volume: get('volume') as number,
      quoteVolume: get('quote_volume'),
      trades: get('count'),
      takerBuyVolume: get('taker_buy_volume'),
      takerBuyQuoteVolume: get('taker_buy_quote_volume'),
      gap: false,
    };
  });
}

/** The gap bar that follows `previous`: no trades, OHLC = previous close. */
export function gapBarAfter(previous: Bar): Bar {
  const openTime = previous.openTime + 60_000;
  const c = previous.close;
  return {
    symbol: previous.symbol,
    openTime,
    closeTime: openTime + 59_999,
    open: c,
    high: c,
    low: c,
    close: c,
    volume: 0,
    quoteVolume: 0,
    trades: 0,
    takerBuyVolume: 0,
    takerBuyQuoteVolume: 0,
    vwap: c,
    firstTradeId: -1,
    lastTradeId: -1,
    gap: true,
  };
}
