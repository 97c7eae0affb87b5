import type { Trade } from '../../bars/trade.js';

/**
 * Reads aggTrade and trade frames laid out exactly as Binance sends them, straight from their
 * UTF-8 bytes, and declines everything else (the caller then parses the frame in full).
 *
 * The layout: optionally the combined-stream wrapper `{"stream":"…","data":` around
 * `{"e":"aggTrade","E":…,"s":"…","a":…,"p":"…","q":"…","f":…,"l":…,"T":…,"m":…}` (or
 * `{"e":"trade","E":…,"s":"…","t":…,"p":"…","q":"…","T":…,"m":…}`), optionally with `,"M":…` last;
 * no whitespace, no escapes, integers of at most 15 digits (so exact), price and quantity
 * strings of the form `123.456` that Clinger's fast path converts exactly (digits below 2^53, at
 * most 22 after the point: one correctly rounded division, the same double `Number()` gives).
 * Every byte is checked, so a frame it accepts is valid JSON and the trade it gives is the one
 * `JSON.parse` + `Number()` give; anything it is not sure of (a malformed or merely unusual frame)
 * it declines.
 *
 * Hot path, called once per frame: it reads four bytes per comparison where it can (the fixed
 * text between values, runs of digits, string bodies) and allocates nothing but the trade; symbol
 * strings come from a small cache.
 *
 * @example
 * ```ts
 * const reader = new BinanceLayoutReader();
 * const trade = reader.read(Buffer.from('{"e":"trade","E":2,"s":"BTCUSDT","t":9,"p":"87648.21","q":"0.5","T":1,"m":false,"M":true}'));
 * // { time: 1, price: 87648.21, qty: 0.5, isBuyerMaker: false, id: 9, symbol: 'BTCUSDT' }
 * ```
 */
export class BinanceLayoutReader {
  // Texts already checked: `{"stream":"<name>","data":{"e":"aggTrade","E":` heads, and
  // `,"s":"<symbol>","a":` (or `"t"`) with the symbol string of each.
  readonly #heads = new KnownTexts(HEAD_CACHE_BITS, 16);
  readonly #symbolTexts = new KnownTexts(SYMBOL_CACHE_BITS + 1, 8);
  readonly #symbols: string[] = new Array<string>(2 << SYMBOL_CACHE_BITS).fill('');
  // The integers read after the quantity, in the order of AGG_TRADE_INTEGER_KEYS or TRADE_INTEGER_KEYS.
  readonly #values = new Float64Array(3);
  // The number the last #integer or #decimal read.
  #value = 0;

  /**
   * The trade in the first `n` bytes of `b`, or `undefined` when they are not a trade frame in
   * Binance's exact layout (they may still be a valid frame, or a malformed one: the caller must
   * parse it in full).
   */
  read(b: Uint8Array, n = b.length): Trade | undefined {
    // The closing brace stops every run of digits before the end of the bytes.
    if (b[n - 1] !== 125) return undefined;
    let i: number;
    const wrapped = b[2] === 115;
    if (wrapped) {
      // `{"stream":"<name>","data":{"e":"aggTrade","E":`, compared whole with the same text in an
      // earlier frame, found by the name's first 8 bytes; checked piece by piece the first time.
      const slot = (Math.imul(word(b, 11), 0x9e3779b1) + word(b, 15)) >>> (32 - HEAD_CACHE_BITS);
      i = this.#heads.lengthAt(slot, b, 0, n);
      if (i < 0) {
        i = wrappedHeadEnd(b, n);
        if (i < 0) return undefined;
        this.#heads.remember(slot, b, 0, i);
      }
    } else {
      const head = b[6] === 97 ? AGG_TRADE_HEAD : TRADE_HEAD;
      if (!matches(b, 0, head, n)) return undefined;
      i = head.length;
    }
    // The head ends 'aggTrade","E":' or 'trade","E":': 'T' or 't' 11 bytes before its end.
    const isAggTrade = b[i - 11] === 84;
    // "E" (event time) is checked, not kept.
    i = this.#integer(b, i);
    if (i < 0) return undefined;
    // `,"s":"BTCUSDT","a":`, compared whole with the same text in an earlier frame, found by the
    // symbol's first 8 bytes and the event (even slots hold aggTrade texts, odd ones trade texts);
    // checked piece by piece the first time.
    const slot =
      (((Math.imul(word(b, i + 6), 0x9e3779b1) + word(b, i + 10)) >>> (32 - SYMBOL_CACHE_BITS)) << 1) |
      (isAggTrade ? 0 : 1);
    let length = this.#symbolTexts.lengthAt(slot, b, i, n);
    if (length < 0) {
      const end = symbolAndIdKeyEnd(b, i, n, isAggTrade ? AGG_ID_KEY : TRADE_ID_KEY);
      if (end < 0) return undefined;
      length = end - i;
      this.#symbolTexts.remember(slot, b, i, end);
      // The symbol lies between `,"s":"` and the 6-byte id key.
      this.#symbols[slot] = String.fromCharCode(
        ...b.subarray(i + SYMBOL_KEY.length, end - AGG_ID_KEY.length),
      );
    }
    const symbol = this.#symbols[slot];
    i = this.#integer(b, i + length);
    const id = this.#value;
    if (i < 0 || !matchesKey(b, i, PRICE_KEY, n)) return undefined;
    i = this.#decimal(b, i + PRICE_KEY.length);
    const price = this.#value;
    if (i < 0 || price === 0 || !matchesKey(b, i, QTY_KEY, n)) return undefined;
    i = this.#decimal(b, i + QTY_KEY.length);
    const qty = this.#value;
    if (i < 0) return undefined;
    // The integers after the quantity, each after its key, in one loop (one call site to inline).
    const keys = isAggTrade ? AGG_TRADE_INTEGER_KEYS : TRADE_INTEGER_KEYS;
    const values = this.#values;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k];
      if (!matchesKey(b, i, key, n)) return undefined;
      i = this.#integer(b, i + key.length);
      if (i < 0) return undefined;
      values[k] = this.#value;
    }
    const time = values[keys.length - 1];
    if (isAggTrade && values[1] < values[0]) return undefined;
    // The rest is one of a few fixed endings: "m", maybe "M" (checked, not kept), the brace(s).
    const isBuyerMaker = b[i + 5] === 116;
    const ending = n - i <= MAX_ENDING ? ENDINGS[endingKey(n - i, isBuyerMaker, wrapped)] : undefined;
    if (ending === undefined || !matches(b, i, ending, n)) return undefined;
    return isAggTrade
      ? { time, price, qty, isBuyerMaker, id, firstId: values[0], lastId: values[1], symbol }
      : { time, price, qty, isBuyerMaker, id, symbol };
  }

  /** Reads a JSON integer of 1 to 15 digits (so exact) at `i` into #value; its end, or -1. */
  #integer(b: Uint8Array, i: number): number {
    const end = this.#digits(b, i, 0);
    const digits = end - i;
    if (digits === 0 || digits > 15 || (digits > 1 && b[i] === 48)) return -1;
    return end;
  }

  /**
   * Reads a decimal string's body (`123.456"`) at `i` into #value, as `Number()` converts it,
   * when Clinger's fast path applies; the position after the closing quote, or -1.
   */
  #decimal(b: Uint8Array, i: number): number {
    let end = this.#digits(b, i, 0);
    if (end === i) return -1;
    let scale = 0;
    if (b[end] === 46) {
      const fraction = end + 1;
      end = this.#digits(b, fraction, this.#value);
      scale = end - fraction;
      if (scale === 0 || scale > 22) return -1;
    }
    // Every step was exact while below 2^53; at or above, the rounded sum is too (rounding is monotonic).
    const mantissa = this.#value;
    if (b[end] !== 34 || mantissa >= TWO_53) return -1;
    this.#value = scale === 0 ? mantissa : mantissa / POW10[scale];
    return end + 1;
  }

  /**
   * Reads the run of ASCII digits at `i`, four bytes at a time, into #value as the digits of
   * `value` followed by the run's; the run's end.
   */
  #digits(b: Uint8Array, i: number, value: number): number {
    for (;;) {
      // Digit bytes become their values; every other byte gets a high nibble, or carries into it adding 6.
      const x = word(b, i) ^ 0x30303030;
      const nonDigits = (x | ((x & 0x0f0f0f0f) + 0x06060606)) & 0xf0f0f0f0;
      if (nonDigits === 0) {
        value = value * 10_000 + fourDigitsValue(x);
        i += 4;
        continue;
      }
      // Digits before the first other byte (the lowest flagged one), shifted up to the high end.
      const count = (31 - Math.clz32(nonDigits & -nonDigits)) >> 3;
      if (count > 0) value = value * POW10[count] + fourDigitsValue(x << (32 - 8 * count));
      this.#value = value;
      return i + count;
    }
  }
}

const SYMBOL_CACHE_BITS = 10;
const HEAD_CACHE_BITS = 10;
const POW10 = new Float64Array(23).map((_, i) => 10 ** i);
const TWO_53 = 9007199254740992;

/**
 * Fixed text matched four bytes per comparison: its first and last little-endian 4-byte words
 * (all of a text of up to 8 bytes) and the words at 4, 8, … before the last.
 */
interface Literal {
  length: number;
  first: number;
  last: number;
  middle: Int32Array;
}

function literal(bytes: Uint8Array): Literal {
  const middle: number[] = [];
  for (let k = 4; k + 4 < bytes.length; k += 4) middle.push(word(bytes, k));
  return {
    length: bytes.length,
    first: word(bytes, 0),
    last: word(bytes, bytes.length - 4),
    middle: Int32Array.from(middle),
  };
}

function ascii(text: string): Literal {
  return literal(Uint8Array.from(text, (c) => c.charCodeAt(0)));
}

// Binance's text between values, in the order it sends them.
const WRAPPER_START = ascii('{"stream":"');
const WRAPPED_AGG_TRADE_HEAD = ascii('","data":{"e":"aggTrade","E":');
const WRAPPED_TRADE_HEAD = ascii('","data":{"e":"trade","E":');
const AGG_TRADE_HEAD = ascii('{"e":"aggTrade","E":');
const TRADE_HEAD = ascii('{"e":"trade","E":');
const SYMBOL_KEY = ascii(',"s":"');
const AGG_ID_KEY = ascii('","a":');
const TRADE_ID_KEY = ascii('","t":');
const PRICE_KEY = ascii(',"p":"');
const QTY_KEY = ascii(',"q":"');
const FIRST_ID_KEY = ascii(',"f":');
const LAST_ID_KEY = ascii(',"l":');
const TIME_KEY = ascii(',"T":');
const AGG_TRADE_INTEGER_KEYS = [FIRST_ID_KEY, LAST_ID_KEY, TIME_KEY];
const TRADE_INTEGER_KEYS = [TIME_KEY];

/** Every way Binance ends a trade frame after the trade time, by {@link endingKey}. */
const ENDINGS: (Literal | undefined)[] = [];
const MAX_ENDING = ',"m":false,"M":false}}'.length;
for (const maker of ['true', 'false']) {
  for (const bestMatch of ['', ',"M":true', ',"M":false']) {
    for (const close of ['}', '}}']) {
      const text = `,"m":${maker}${bestMatch}${close}`;
      ENDINGS[endingKey(text.length, maker === 'true', close === '}}')] = ascii(text);
    }
  }
}
for (let k = 0; k < ENDINGS.length; k++) ENDINGS[k] ??= undefined;

// Distinct for every ending: with "m" and the braces fixed, the three "M" variants differ in length.
function endingKey(length: number, isBuyerMaker: boolean, wrapped: boolean): number {
  return length * 4 + (isBuyerMaker ? 2 : 0) + (wrapped ? 1 : 0);
}

/**
 * The end of `{"stream":"<name>","data":{"e":"aggTrade","E":` (or `"trade"`) at the start of `b`,
 * or -1 if `b` starts otherwise.
 */
function wrappedHeadEnd(b: Uint8Array, n: number): number {
  if (!matches(b, 0, WRAPPER_START, n)) return -1;
  const nameEnd = stringEnd(b, WRAPPER_START.length, n);
  if (nameEnd < 0) return -1;
  // The byte after '","data":{"e":"' tells aggTrade from trade.
  const rest = b[nameEnd + 15] === 97 ? WRAPPED_AGG_TRADE_HEAD : WRAPPED_TRADE_HEAD;
  return matches(b, nameEnd, rest, n) ? nameEnd + rest.length : -1;
}

/** The four bytes at `i` as a little-endian int32 (bytes past the end read as 0). */
function word(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

/** {@link matches} for a literal of 4 to 8 bytes (a key), small enough to be inlined everywhere. */
function matchesKey(b: Uint8Array, i: number, key: Literal, n: number): boolean {
  return i + key.length <= n && word(b, i) === key.first && word(b, i + key.length - 4) === key.last;
}

/** Whether `literal` occurs in the first `n` bytes of `b` at `i`. */
function matches(b: Uint8Array, i: number, literal: Literal, n: number): boolean {
  const length = literal.length;
  if (i + length > n || word(b, i) !== literal.first || word(b, i + length - 4) !== literal.last) {
    return false;
  }
  const middle = literal.middle;
  for (let k = 0; k < middle.length; k++) if (word(b, i + 4 + 4 * k) !== middle[k]) return false;
  return true;
}

/** The number four digit values spell, the first in the low byte (a value 0 stands for a leading zero). */
function fourDigitsValue(x: number): number {
  // Pairs: byte 0 becomes 10·d0 + d1, byte 2 becomes 10·d2 + d3 (no byte overflows).
  const pairs = x * 10 + (x >>> 8);
  return (pairs & 0xff) * 100 + ((pairs >>> 16) & 0xff);
}

/**
 * The end of `,"s":"<symbol>"` and `idKey` (`","a":` or `","t":`) at `i`, if the symbol is
 * non-empty printable ASCII; otherwise -1.
 */
function symbolAndIdKeyEnd(b: Uint8Array, i: number, n: number, idKey: Literal): number {
  if (!matches(b, i, SYMBOL_KEY, n)) return -1;
  const start = i + SYMBOL_KEY.length;
  const end = stringEnd(b, start, n);
  if (end <= start) return -1;
  for (let k = start; k < end; k++) if (b[k] > 126) return -1;
  return matches(b, end, idKey, n) ? end + idKey.length : -1;
}

/**
 * The position of the quote closing a JSON string body at `i` that needs no unescaping (no
 * backslash, no control character; other bytes, UTF-8 included, are taken as they are), or -1.
 */
function stringEnd(b: Uint8Array, i: number, n: number): number {
  for (; i + 4 <= n; i += 4) {
    const w = word(b, i);
    if (hasByteBelow32(w) || hasZeroByte(w ^ 0x22222222) || hasZeroByte(w ^ 0x5c5c5c5c)) break;
  }
  for (; i < n; i++) {
    const c = b[i];
    if (c === 34) return i;
    if (c < 32 || c === 92) return -1;
  }
  return -1;
}

// Exact SWAR tests for "some byte of w is < 0x20" and "some byte of w is 0".
function hasByteBelow32(w: number): boolean {
  return ((w - 0x20202020) & ~w & 0x80808080) !== 0;
}

function hasZeroByte(w: number): boolean {
  return ((w - 0x01010101) & ~w & 0x80808080) !== 0;
}

/**
 * Texts of 4 to 4·`maxWords` bytes that were checked once, by slot, each stored as its
 * little-endian words (at 0, 4, 8, …, and one ending with the text) in one flat table, so that
 * finding one again in a frame is a run of word comparisons over contiguous memory.
 */
class KnownTexts {
  readonly #maxWords: number;
  readonly #words: Int32Array;
  // Length of each slot's text in bytes; 0 for an empty slot.
  readonly #lengths: Int32Array;

  constructor(slotBits: number, maxWords: number) {
    this.#maxWords = maxWords;
    this.#words = new Int32Array(maxWords << slotBits);
    this.#lengths = new Int32Array(1 << slotBits);
  }

  /** The length of the text in `slot` if it occurs in the first `n` bytes of `b` at `i`; else -1. */
  lengthAt(slot: number, b: Uint8Array, i: number, n: number): number {
    const length = this.#lengths[slot];
    if (length === 0 || i + length > n) return -1;
    const words = this.#words;
    const base = slot * this.#maxWords;
    const last = ((length + 3) >> 2) - 1;
    for (let k = 0; k < last; k++) if (word(b, i + 4 * k) !== words[base + k]) return -1;
    return word(b, i + length - 4) === words[base + last] ? length : -1;
  }

  /** Keeps b[start, end) in `slot` (in place of what was there), if its length fits. */
  remember(slot: number, b: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (length < 4 || length > 4 * this.#maxWords) {
      this.#lengths[slot] = 0;
      return;
    }
    const base = slot * this.#maxWords;
    const last = ((length + 3) >> 2) - 1;
    for (let k = 0; k < last; k++) this.#words[base + k] = word(b, start + 4 * k);
    this.#words[base + last] = word(b, end - 4);
    this.#lengths[slot] = length;
  }
}
