import {
  MAX_MAGNITUDE,
  MAX_TIME_MS,
  MAX_TRADE_AMOUNT,
  MIN_MAGNITUDE,
  MIN_TRADE_TIME_MS,
} from '../../bars/magnitudes.js';
import { invalidTradeReason, type Trade } from '../../bars/trade.js';

/** First four bytes of a trade batch record, `MSTB` (a JSON trade starts with `{`). */
export const TRADE_BATCH_MAGIC = 0x4254534d;
/** Version of the trade batch layout that {@link encodeTradeBatch} writes. */
export const TRADE_BATCH_VERSION = 1;
/** Most trades in one batch record. */
export const MAX_TRADES_PER_BATCH = 65_536;
/** Most UTF-8 bytes of a batch's symbol. */
export const MAX_SYMBOL_BYTES = 255;

const HEADER_BYTES = 12;
/** Flag: an `id` column follows `qty`. */
const HAS_IDS = 1;
/** Flag: `firstId` and `lastId` columns follow (the id range of aggregate trades). */
const HAS_ID_RANGES = 2;
/** Flag: a `missingBefore` column follows (0 where a trade has none). */
const HAS_MISSING = 4;
const KNOWN_FLAGS = HAS_IDS | HAS_ID_RANGES | HAS_MISSING;
const MAX_ID = Number.MAX_SAFE_INTEGER;
// The limits decode checks on every trade, as this module's own constants: V8 folds a module's
// `const` into the code that reads it, but loads a binding imported from another chunk of the
// bundle on every read (BarAggregator.ts says more).
const MIN_TIME = MIN_TRADE_TIME_MS;
const MAX_TIME = MAX_TIME_MS;
const MIN_PRICE = MIN_MAGNITUDE;
const MAX_PRICE = MAX_MAGNITUDE;
const MAX_AMOUNT = MAX_TRADE_AMOUNT;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * One symbol's trades in one Kafka record, columnar, validated on decode: the compact format of the
 * trades topic (the per-trade JSON of `encodeTrade` is the other one a consumer accepts).
 *
 * Layout, little-endian:
 *
 * | bytes | field |
 * |---|---|
 * | 0–3 | magic `MSTB` (0x4D 0x53 0x54 0x42) |
 * | 4 | version, 1 |
 * | 5 | flags: bit 0 an `id` column, bit 1 `firstId` and `lastId` columns, bit 2 a `missingBefore` column; other bits 0 |
 * | 6–7 | symbol length S in bytes, 1–255 |
 * | 8–11 | trade count N, 1–65 536 |
 * | 12… | symbol, S bytes of UTF-8 |
 * | | `time`, `price`, `qty`: N float64 each |
 * | | `id` (bit 0), then `firstId`, `lastId` (bit 1): N float64 each, integers in [0, 2^53) |
 * | | `missingBefore` (bit 2): N float64, 0 (none) or an integer in [1, 2^53) |
 * | | sides: ⌈N/8⌉ bytes, bit i%8 of byte i/8 set when trade i's buyer was the maker; unused bits 0 |
 *
 * A record is accepted whole or not at all: its length must be exactly what the header says, and
 * every trade must be valid as `invalidTradeReason` defines it (finite times within a Date's range,
 * prices within [1e-100, 1e100], quantities and notionals within [0, 2^51], ids with
 * firstId ≤ lastId; NaN fails every test). Trades of a batch are in the order they were traded.
 *
 * Reading allocates nothing per trade: {@link readTrade} fills a {@link Trade} the caller reuses.
 *
 * @example
 * ```ts
 * const batch = decodeTradeBatch(encodeTradeBatch('BTCUSDT', trades));
 * const t: Trade = { time: 0, price: 0, qty: 0, isBuyerMaker: false };
 * for (let i = 0; i < batch.count; i++) detector.pushTrade(batch.readTrade(i, t));
 * ```
 */
export class TradeBatch {
  /** The symbol of every trade in the batch. */
  readonly symbol: string;
  /** Number of trades. */
  readonly count: number;
  /** Whether the trades carry `id`. */
  readonly hasIds: boolean;
  /** Whether the trades carry `firstId` and `lastId`. */
  readonly hasIdRanges: boolean;
  /** Whether some trade carries `missingBefore`. */
  readonly hasMissing: boolean;
  readonly #view: DataView;
  readonly #bytes: Uint8Array;
  readonly #time: number;
  readonly #price: number;
  readonly #qty: number;
  readonly #id: number;
  readonly #firstId: number;
  readonly #lastId: number;
  readonly #missing: number;
  readonly #sides: number;

  /** Use {@link decodeTradeBatch}: it validates the bytes first. */
  private constructor(bytes: Uint8Array, symbol: string, count: number, flags: number, symbolBytes: number) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.symbol = symbol;
    this.count = count;
    this.hasIds = (flags & HAS_IDS) !== 0;
    this.hasIdRanges = (flags & HAS_ID_RANGES) !== 0;
    this.hasMissing = (flags & HAS_MISSING) !== 0;
    const column = count * 8;
    this.#time = HEADER_BYTES + symbolBytes;
    this.#price = this.#time + column;
    this.#qty = this.#price + column;
    let next = this.#qty + column;
    this.#id = this.hasIds ? next : -1;
    if (this.hasIds) next += column;
    this.#firstId = this.hasIdRanges ? next : -1;
    this.#lastId = this.hasIdRanges ? next + column : -1;
    if (this.hasIdRanges) next += 2 * column;
    this.#missing = this.hasMissing ? next : -1;
    if (this.hasMissing) next += column;
    this.#sides = next;
  }

  /** @internal Builds a batch over bytes already checked by {@link decodeTradeBatch}. */
  static fromValidated(
    bytes: Uint8Array,
    symbol: string,
    count: number,
    flags: number,
    symbolBytes: number,
  ): TradeBatch {
    return new TradeBatch(bytes, symbol, count, flags, symbolBytes);
  }

  /**
   * Writes trade `i` into `into` (every field; `id`, `firstId`, `lastId`, `missingBefore` set to
   * `undefined` when the trade has none) and returns it: one object reused for the whole batch.
   */
  readTrade(i: number, into: Trade): Trade {
    const view = this.#view;
    const at = i * 8;
    into.time = view.getFloat64(this.#time + at, true);
    into.price = view.getFloat64(this.#price + at, true);
    into.qty = view.getFloat64(this.#qty + at, true);
    into.isBuyerMaker = (this.#bytes[this.#sides + (i >>> 3)] & (1 << (i & 7))) !== 0;
    into.id = this.#id < 0 ? undefined : view.getFloat64(this.#id + at, true);
    into.firstId = this.#firstId < 0 ? undefined : view.getFloat64(this.#firstId + at, true);
    into.lastId = this.#lastId < 0 ? undefined : view.getFloat64(this.#lastId + at, true);
    const missing = this.#missing < 0 ? 0 : view.getFloat64(this.#missing + at, true);
    into.missingBefore = missing > 0 ? missing : undefined;
    into.symbol = this.symbol;
    return into;
  }
}

/**
 * Parses and validates a trade batch record; throws a `RangeError` naming the first problem (bad
 * magic, unknown version or flags, wrong length, a trade out of range), so a consumer can count
 * the record and go on. Nothing of a rejected record is used.
 *
 * @example
 * ```ts
 * try { const batch = decodeTradeBatch(message.value); } catch (e) { malformed++; }
 * ```
 */
export function decodeTradeBatch(value: Uint8Array): TradeBatch {
  if (value.byteLength < HEADER_BYTES)
    throw new RangeError(`trade batch: ${value.byteLength} bytes is too short`);
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  if (view.getUint32(0, true) !== TRADE_BATCH_MAGIC) throw new RangeError('trade batch: no MSTB magic');
  const version = view.getUint8(4);
  if (version !== TRADE_BATCH_VERSION)
    throw new RangeError(`trade batch: version ${version} is not supported (only ${TRADE_BATCH_VERSION})`);
  const flags = view.getUint8(5);
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new RangeError(`trade batch: unknown flags ${flags}`);
  const symbolBytes = view.getUint16(6, true);
  if (symbolBytes < 1 || symbolBytes > MAX_SYMBOL_BYTES)
    throw new RangeError(`trade batch: symbol length ${symbolBytes} is not in [1, ${MAX_SYMBOL_BYTES}]`);
  const count = view.getUint32(8, true);
  if (count < 1 || count > MAX_TRADES_PER_BATCH)
    throw new RangeError(`trade batch: ${count} trades is not in [1, ${MAX_TRADES_PER_BATCH}]`);
  const expected = batchBytes(symbolBytes, count, flags);
  if (value.byteLength !== expected)
    throw new RangeError(`trade batch: ${value.byteLength} bytes, the header says ${expected}`);
  let symbol: string;
  try {
    symbol = utf8.decode(value.subarray(HEADER_BYTES, HEADER_BYTES + symbolBytes));
  } catch {
    throw new RangeError('trade batch: the symbol is not UTF-8');
  }
  const time = HEADER_BYTES + symbolBytes;
  const column = count * 8;
  for (let i = 0; i < count; i++) {
    const at = i * 8;
    const t = view.getFloat64(time + at, true);
    const price = view.getFloat64(time + column + at, true);
    const qty = view.getFloat64(time + 2 * column + at, true);
    if (!(t >= MIN_TIME && t <= MAX_TIME)) throw new RangeError(`trade batch: trade ${i} has time ${t}`);
    if (!(price >= MIN_PRICE && price <= MAX_PRICE))
      throw new RangeError(`trade batch: trade ${i} has price ${price}`);
    if (!(qty >= 0 && qty <= MAX_AMOUNT && price * qty <= MAX_AMOUNT))
      throw new RangeError(`trade batch: trade ${i} has qty ${qty} at price ${price}`);
  }
  let next = time + 3 * column;
  if (flags & HAS_IDS) {
    for (let i = 0; i < count; i++) {
      const id = view.getFloat64(next + i * 8, true);
      if (!isId(id)) throw new RangeError(`trade batch: trade ${i} has id ${id}`);
    }
    next += column;
  }
  if (flags & HAS_ID_RANGES) {
    for (let i = 0; i < count; i++) {
      const first = view.getFloat64(next + i * 8, true);
      const last = view.getFloat64(next + column + i * 8, true);
      if (!(isId(first) && isId(last) && first <= last))
        throw new RangeError(`trade batch: trade ${i} has firstId ${first} and lastId ${last}`);
    }
    next += 2 * column;
  }
  if (flags & HAS_MISSING) {
    for (let i = 0; i < count; i++) {
      const missing = view.getFloat64(next + i * 8, true);
      if (!(missing === 0 || (missing >= 1 && isId(missing))))
        throw new RangeError(`trade batch: trade ${i} has missingBefore ${missing}`);
    }
    next += column;
  }
  if (count % 8 !== 0 && value[value.byteLength - 1] >>> (count % 8) !== 0)
    throw new RangeError('trade batch: unused side bits are set');
  return TradeBatch.fromValidated(value, symbol, count, flags, symbolBytes);
}

/**
 * The batch record of `trades[start..end)`, all of one symbol, in trading order (see
 * {@link TradeBatch} for the layout). Writes an `id` column when every trade has an id, id
 * range columns when every trade has `firstId` and `lastId`, and a `missingBefore` column when
 * some trade has one. Throws a `RangeError` for an invalid
 * trade, a symbol of 0 or more than 255 UTF-8 bytes, or a count outside [1, 65 536].
 *
 * @example
 * ```ts
 * producer.send({ messages: [{ topic: 'trades', key: Buffer.from('BTCUSDT'), value: encodeTradeBatch('BTCUSDT', trades) }] });
 * ```
 */
export function encodeTradeBatch(
  symbol: string,
  trades: readonly Trade[],
  start = 0,
  end = trades.length,
): Buffer {
  const count = end - start;
  if (!(count >= 1 && count <= MAX_TRADES_PER_BATCH))
    throw new RangeError(`a trade batch holds 1 to ${MAX_TRADES_PER_BATCH} trades, got ${count}`);
  const name = Buffer.from(symbol, 'utf8');
  if (name.byteLength < 1 || name.byteLength > MAX_SYMBOL_BYTES)
    throw new RangeError(
      `a trade batch's symbol has 1 to ${MAX_SYMBOL_BYTES} UTF-8 bytes, got ${name.byteLength}`,
    );
  let ids = true;
  let ranges = true;
  let missing = false;
  for (let i = start; i < end; i++) {
    const t = trades[i];
    const reason = invalidTradeReason(t);
    if (reason) throw new RangeError(`trade ${i}: ${reason}`);
    if (t.id === undefined) ids = false;
    if (t.firstId === undefined) ranges = false;
    if (t.missingBefore !== undefined) missing = true;
  }
  const flags = (ids ? HAS_IDS : 0) | (ranges ? HAS_ID_RANGES : 0) | (missing ? HAS_MISSING : 0);
  const out = Buffer.alloc(batchBytes(name.byteLength, count, flags));
  out.writeUInt32LE(TRADE_BATCH_MAGIC, 0);
  out.writeUInt8(TRADE_BATCH_VERSION, 4);
  out.writeUInt8(flags, 5);
  out.writeUInt16LE(name.byteLength, 6);
  out.writeUInt32LE(count, 8);
  name.copy(out, HEADER_BYTES);
  const column = count * 8;
  let at = HEADER_BYTES + name.byteLength;
  const writeColumn = (field: 'time' | 'price' | 'qty' | 'id' | 'firstId' | 'lastId' | 'missingBefore') => {
    for (let i = 0; i < count; i++) out.writeDoubleLE(trades[start + i][field] ?? 0, at + i * 8);
    at += column;
  };
  writeColumn('time');
  writeColumn('price');
  writeColumn('qty');
  if (ids) writeColumn('id');
  if (ranges) {
    writeColumn('firstId');
    writeColumn('lastId');
  }
  if (missing) writeColumn('missingBefore');
  for (let i = 0; i < count; i++) if (trades[start + i].isBuyerMaker) out[at + (i >>> 3)] |= 1 << (i & 7);
  return out;
}

/**
 * Whether a record's value is a trade batch (starts with the magic), as opposed to a per-trade
 * JSON message; says nothing about its validity.
 *
 * @example
 * ```ts
 * isTradeBatch(encodeTradeBatch('BTCUSDT', trades)); // true
 * ```
 */
export function isTradeBatch(value: Uint8Array): boolean {
  return (
    value.byteLength >= 4 && value[0] === 0x4d && value[1] === 0x53 && value[2] === 0x54 && value[3] === 0x42
  );
}

function batchBytes(symbolBytes: number, count: number, flags: number): number {
  const columns =
    3 + (flags & HAS_IDS ? 1 : 0) + (flags & HAS_ID_RANGES ? 2 : 0) + (flags & HAS_MISSING ? 1 : 0);
  return HEADER_BYTES + symbolBytes + columns * count * 8 + Math.ceil(count / 8);
}

function isId(x: number): boolean {
  return x >= 0 && x <= MAX_ID && Math.floor(x) === x;
}
