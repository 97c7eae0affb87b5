import type { Trade } from '../../bars/trade.js';
import type { RegimeSignal } from '../../pipeline/signal.js';
import { decodeSignalRecord, isSignalRecord } from './SignalRecord.js';
import { MAX_SYMBOL_BYTES } from './TradeBatch.js';

/**
 * What travels on the trades and signals topics: one JSON object per message, keyed by symbol.
 *
 * A trade is the {@link Trade} object as JSON (`{"time":…,"price":…,"qty":…,"isBuyerMaker":…,"id":…,"symbol":…}`);
 * a signal is the {@link RegimeSignal} as JSON. Keys are the symbol in UTF-8, so every trade and
 * every signal of one symbol lands in one partition, in order.
 *
 * @example
 * ```ts
 * const value = encodeTrade({ time: 1767225600039, price: 87648.21, qty: 0.001, isBuyerMaker: false, symbol: 'BTCUSDT' });
 * decodeTrade(value)?.price; // 87648.21
 * ```
 */
export function encodeTrade(trade: Trade): Buffer {
  return Buffer.from(JSON.stringify(trade));
}

/**
 * Parses a trade message; `undefined` when it is not a valid trade (not JSON, `time`, `price`,
 * `qty`, `isBuyerMaker` missing or out of range, or a symbol over 255 UTF-8 bytes, the batch
 * records' limit), so a consumer can count it and go on.
 *
 * The message key is the symbol: it fills `symbol` when the value has none.
 *
 * @example
 * ```ts
 * const trade = decodeTrade(message.value, message.key);
 * if (!trade) malformed++;
 * ```
 */
export function decodeTrade(value: Buffer | null | undefined, key?: Buffer | null): Trade | undefined {
  if (!value) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const t = parsed as Record<string, unknown>;
  const { time, price, qty, isBuyerMaker } = t;
  if (typeof time !== 'number' || !Number.isFinite(time)) return undefined;
  if (typeof price !== 'number' || !(price > 0) || price === Number.POSITIVE_INFINITY) return undefined;
  if (typeof qty !== 'number' || !(qty >= 0) || qty === Number.POSITIVE_INFINITY) return undefined;
  if (typeof isBuyerMaker !== 'boolean') return undefined;
  const trade: Trade = { time, price, qty, isBuyerMaker };
  for (const field of ['id', 'firstId', 'lastId', 'missingBefore'] as const) {
    const v = t[field];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v)) return undefined;
    trade[field] = v;
  }
  const symbol = typeof t.symbol === 'string' ? t.symbol : key ? key.toString('utf8') : undefined;
  if (symbol !== undefined) {
    // As long as a batch record's symbol may be: every symbol costs a detector and a state entry.
    if (Buffer.byteLength(symbol) > MAX_SYMBOL_BYTES) return undefined;
    trade.symbol = symbol;
  }
  return trade;
}

/**
 * The JSON bytes of a signal, as written to the signals topic.
 *
 * @example
 * ```ts
 * producer.send({ messages: [{ topic: 'signals', key: Buffer.from(s.symbol), value: encodeSignal(s) }] });
 * ```
 */
export function encodeSignal(signal: RegimeSignal): Buffer {
  return Buffer.from(JSON.stringify(signal));
}

/**
 * Parses a signal message, JSON or a binary {@link encodeSignalRecord} record (told apart by the
 * record's `MSTS` magic); `undefined` when it is neither a valid record nor JSON carrying the
 * identity of a signal (`symbol`, `interval`, `bar.openTime`), which is all a consumer needs to
 * drop duplicates.
 *
 * @example
 * ```ts
 * const s = decodeSignal(message.value);
 * if (s) console.log(signalIdentity(s), s.regime.label);
 * ```
 */
export function decodeSignal(value: Buffer | null | undefined): RegimeSignal | undefined {
  if (!value) return undefined;
  if (isSignalRecord(value)) {
    try {
      return decodeSignalRecord(value);
    } catch {
      return undefined;
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const s = parsed as Partial<RegimeSignal>;
  if (typeof s.symbol !== 'string' || typeof s.interval !== 'number') return undefined;
  if (typeof s.bar !== 'object' || s.bar === null || typeof s.bar.openTime !== 'number') return undefined;
  return parsed as RegimeSignal;
}

/**
 * The identity of a signal, `symbol/interval/openTime`: at-least-once delivery may repeat a
 * signal, and every repeat has the same identity and the same content.
 *
 * @example
 * ```ts
 * signalIdentity(s); // 'BTCUSDT/60000/1767225600000'
 * ```
 */
export function signalIdentity(signal: Pick<RegimeSignal, 'symbol' | 'interval' | 'bar'>): string {
  return `${signal.symbol}/${signal.interval}/${signal.bar.openTime}`;
}
