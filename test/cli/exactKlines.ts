import { readFileSync } from 'node:fs';

/** A kline computed with exact decimal arithmetic (BigInt scaled integers) from aggTrades text. */
export interface ExactKline {
  openTime: number;
  /** Prices and base volumes scaled by 1e8 (Binance writes 8 decimals). */
  open: bigint;
  high: bigint;
  low: bigint;
  close: bigint;
  volume: bigint;
  takerBuyVolume: bigint;
  /** Quote volumes scaled by 1e16 (price × quantity, 8 + 8 decimals). */
  quoteVolume: bigint;
  takerBuyQuoteVolume: bigint;
  trades: number;
  firstTradeId: number;
  lastTradeId: number;
}

/** `'87648.21000000'` → 8764821000000n (scaled by 10^decimals); refuses more decimals than that. */
export function scaled(text: string, decimals = 8): bigint {
  const [whole, fraction = ''] = text.split('.');
  if (fraction.length > decimals || !/^\d+$/.test(whole + fraction))
    throw new Error(`not a decimal: ${text}`);
  return BigInt(whole + fraction.padEnd(decimals, '0'));
}

/** 8764821000000n → `'87648.21000000'`. */
export function decimal(value: bigint, decimals = 8): string {
  const digits = value.toString().padStart(decimals + 1, '0');
  return `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

/**
 * Aggregates Binance's 8-column aggTrades export (microsecond times, in id order) into klines of
 * `intervalMs`, exactly: the reference our float pipeline must reproduce.
 */
export function exactKlines(path: string, intervalMs: number): ExactKline[] {
  const klines = new Map<number, ExactKline>();
  for (const line of readFileSync(path, 'utf8').trim().split('\n')) {
    const [, priceText, qtyText, firstId, lastId, timeUs, isBuyerMaker] = line.split(',');
    const price = scaled(priceText);
    const qty = scaled(qtyText);
    const openTime = Number((BigInt(timeUs) / 1000n / BigInt(intervalMs)) * BigInt(intervalMs));
    const takerBuys = isBuyerMaker === 'False';
    let k = klines.get(openTime);
    if (!k) {
      k = {
        openTime,
        open: price,
        high: price,
        low: price,
        close: price,
        volume: 0n,
        takerBuyVolume: 0n,
        quoteVolume: 0n,
        takerBuyQuoteVolume: 0n,
        trades: 0,
        firstTradeId: Number(firstId),
        lastTradeId: Number(lastId),
      };
      klines.set(openTime, k);
    }
    if (price > k.high) k.high = price;
    if (price < k.low) k.low = price;
    k.close = price;
    k.volume += qty;
    k.quoteVolume += price * qty;
    if (takerBuys) {
      k.takerBuyVolume += qty;
      k.takerBuyQuoteVolume += price * qty;
    }
    k.trades += Number(lastId) - Number(firstId) + 1;
    k.lastTradeId = Number(lastId);
  }
  return [...klines.values()];
}

/** |actual − exact| / exact, with the exact value a scaled BigInt. */
export function relativeError(actual: number, exact: bigint, decimals: number): number {
  const reference = Number(decimal(exact, decimals));
  return reference === 0 ? Math.abs(actual) : Math.abs(actual - reference) / reference;
}
