import type { Trade } from '../../bars/trade.js';

/** A frame that is not valid JSON, or a trade event whose fields are missing or of the wrong type. */
export class MalformedFrameError extends Error {
  /**
   * @param reason What is wrong with the frame, e.g. `"p" (price) must be a string`.
   */
  constructor(reason: string) {
    super(reason);
    this.name = 'MalformedFrameError';
  }
}

// Field slots, indexed by the key's character code through SLOT.
const E = 0;
const S = 1;
const P = 2;
const Q = 3;
const A = 4;
const T_ID = 5;
const F = 6;
const L = 7;
const TIME = 8;
const M = 9;
const SLOTS = 10;
const DATA = -2;
const NONE = -1;

const SLOT = new Int8Array(128).fill(NONE);
SLOT[101] = E; // e
SLOT[115] = S; // s
SLOT[112] = P; // p
SLOT[113] = Q; // q
SLOT[97] = A; // a
SLOT[116] = T_ID; // t
SLOT[102] = F; // f
SLOT[108] = L; // l
SLOT[84] = TIME; // T
SLOT[109] = M; // m

const KEYS = ['e', 's', 'p', 'q', 'a', 't', 'f', 'l', 'T', 'm'] as const;

// What a slot held: absent, or the JSON type of its value.
const ABSENT = 0;
const STRING = 1;
const NUMBER = 2;
const BOOLEAN = 3;
const OTHER = 4;

const NOT_TRADE = 0;
const AGG_TRADE = 1;
const TRADE = 2;

const POW10 = new Float64Array(23).map((_, i) => 10 ** i);
const TWO_53 = 9007199254740992;

/**
 * Decodes Binance `aggTrade` and `trade` WebSocket frames — plain (`{"e":"aggTrade",...}`) or
 * wrapped by a combined stream (`{"stream":"btcusdt@aggTrade","data":{...}}`) — into {@link Trade}s.
 *
 * It gives exactly what `JSON.parse` followed by `Number()` on the price and quantity strings
 * gives. A hand-written scanner reads the frame in one pass; a decimal with at most 2^53 in its
 * digits and at most 22 fraction digits is converted as `digits / 10^k`, which IEEE division
 * rounds correctly (Clinger's fast path), so it equals `Number()`. Anything outside that grammar
 * (exponents, escapes, nested values, fractions in integer fields, invalid JSON) goes to
 * `JSON.parse` instead: never wrong, only slower. The scanner allocates nothing but the trade
 * and its symbol string (hot path: called once per frame).
 *
 * Fields used: `e` (event type), `s`, `p`, `q`, `T`, `m`, and `a`/`f`/`l` (aggTrade) or `t` (trade);
 * others are ignored.
 *
 * @example
 * ```ts
 * const parser = new TradeFrameParser();
 * const trade = parser.parse('{"e":"aggTrade","E":1,"s":"BTCUSDT","a":5,"p":"87648.21","q":"0.5","f":7,"l":8,"T":1,"m":true}');
 * // { time: 1, price: 87648.21, qty: 0.5, isBuyerMaker: true, id: 5, firstId: 7, lastId: 8, symbol: 'BTCUSDT' }
 * ```
 */
export class TradeFrameParser {
  #text = '';
  #pos = 0;
  #dataSeen = false;
  readonly #kinds = new Uint8Array(SLOTS);
  readonly #values = new Float64Array(SLOTS);
  readonly #starts = new Int32Array(SLOTS);
  readonly #ends = new Int32Array(SLOTS);

  /**
   * Decodes one frame.
   *
   * @returns The trade, or `undefined` when the frame is valid JSON but not a trade event
   * (e.g. a subscription reply `{"result":null,"id":1}`).
   * @throws {MalformedFrameError} when the frame is not JSON, or is a trade event with a missing
   * or invalid field (the message names it).
   */
  parse(text: string): Trade | undefined {
    this.#text = text;
    this.#kinds.fill(ABSENT);
    this.#dataSeen = false;
    if (!this.#scanFrame()) return this.#parseSlow(text);
    const kinds = this.#kinds;
    let event = NOT_TRADE;
    if (kinds[E] === STRING) {
      const start = this.#starts[E];
      const length = this.#ends[E] - start;
      if (length === 8 && text.startsWith('aggTrade', start)) event = AGG_TRADE;
      else if (length === 5 && text.startsWith('trade', start)) event = TRADE;
    }
    if (event === NOT_TRADE) return undefined;
    const symbol = kinds[S] === STRING ? text.slice(this.#starts[S], this.#ends[S]) : undefined;
    return this.#build(event, symbol);
  }

  #parseSlow(text: string): Trade | undefined {
    let root: unknown;
    try {
      root = JSON.parse(text);
    } catch (error) {
      throw new MalformedFrameError(`not JSON: ${(error as Error).message}`);
    }
    if (!isPlainObject(root)) return undefined;
    const data = isPlainObject(root.data) ? root.data : root;
    const kinds = this.#kinds;
    const values = this.#values;
    kinds.fill(ABSENT);
    for (let slot = 0; slot < SLOTS; slot++) {
      const key = KEYS[slot];
      if (!Object.hasOwn(data, key)) continue;
      const value = data[key];
      if (typeof value === 'string') {
        kinds[slot] = STRING;
        if (slot === P || slot === Q) values[slot] = Number(value);
      } else if (typeof value === 'number') {
        kinds[slot] = NUMBER;
        values[slot] = value;
      } else if (typeof value === 'boolean') {
        kinds[slot] = BOOLEAN;
        values[slot] = value ? 1 : 0;
      } else {
        kinds[slot] = OTHER;
      }
    }
    const event = data.e === 'aggTrade' ? AGG_TRADE : data.e === 'trade' ? TRADE : NOT_TRADE;
    if (event === NOT_TRADE) return undefined;
    return this.#build(event, typeof data.s === 'string' ? data.s : undefined);
  }

  #build(event: number, symbol: string | undefined): Trade {
    const kinds = this.#kinds;
    const values = this.#values;
    if (symbol === undefined || symbol === '')
      throw new MalformedFrameError('"s" (symbol) must be a non-empty string');
    if (kinds[P] !== STRING) throw new MalformedFrameError('"p" (price) must be a string');
    const price = values[P];
    if (!(price > 0 && price < Number.POSITIVE_INFINITY)) {
      throw new MalformedFrameError('"p" (price) must be a finite number > 0');
    }
    if (kinds[Q] !== STRING) throw new MalformedFrameError('"q" (quantity) must be a string');
    const qty = values[Q];
    if (!(qty >= 0 && qty < Number.POSITIVE_INFINITY)) {
      throw new MalformedFrameError('"q" (quantity) must be a finite number >= 0');
    }
    if (kinds[TIME] !== NUMBER || !Number.isFinite(values[TIME])) {
      throw new MalformedFrameError('"T" (trade time) must be a finite number');
    }
    if (kinds[M] !== BOOLEAN) throw new MalformedFrameError('"m" (buyer is maker) must be true or false');
    const time = values[TIME];
    const isBuyerMaker = values[M] === 1;
    if (event === TRADE) {
      const id = this.#safeInteger(T_ID, '"t" (trade id)');
      return { time, price, qty, isBuyerMaker, id, symbol };
    }
    const id = this.#safeInteger(A, '"a" (aggregate trade id)');
    const firstId = this.#safeInteger(F, '"f" (first trade id)');
    const lastId = this.#safeInteger(L, '"l" (last trade id)');
    if (lastId < firstId)
      throw new MalformedFrameError('"l" (last trade id) must be >= "f" (first trade id)');
    return { time, price, qty, isBuyerMaker, id, firstId, lastId, symbol };
  }

  #safeInteger(slot: number, name: string): number {
    const value = this.#values[slot];
    if (this.#kinds[slot] !== NUMBER || !Number.isSafeInteger(value)) {
      throw new MalformedFrameError(`${name} must be an integer below 2^53`);
    }
    return value;
  }

  /** Scans the whole frame; false when it needs the JSON.parse path. */
  #scanFrame(): boolean {
    const text = this.#text;
    const i = skipWhitespace(text, 0);
    if (text.charCodeAt(i) !== 123) return false;
    this.#pos = i + 1;
    if (!this.#scanMembers(0)) return false;
    return skipWhitespace(text, this.#pos) === text.length;
  }

  /** Scans the members of an object after its `{`, through its `}`. */
  #scanMembers(depth: number): boolean {
    const text = this.#text;
    const length = text.length;
    let i = skipWhitespace(text, this.#pos);
    if (text.charCodeAt(i) === 125) {
      this.#pos = i + 1;
      return true;
    }
    for (;;) {
      if (text.charCodeAt(i) !== 34) return false;
      const keyStart = i + 1;
      i = keyStart;
      for (; i < length; i++) {
        const c = text.charCodeAt(i);
        if (c === 34) break;
        if (c === 92 || c < 32) return false;
      }
      if (i >= length) return false;
      const keyLength = i - keyStart;
      let slot = NONE;
      if (keyLength === 1) {
        const c = text.charCodeAt(keyStart);
        if (c < 128) slot = SLOT[c];
      } else if (keyLength === 4 && text.startsWith('data', keyStart)) {
        slot = DATA;
      }
      i = skipWhitespace(text, i + 1);
      if (text.charCodeAt(i) !== 58) return false;
      this.#pos = skipWhitespace(text, i + 1);
      if (!this.#scanValue(slot, depth)) return false;
      i = skipWhitespace(text, this.#pos);
      const c = text.charCodeAt(i);
      if (c === 125) {
        this.#pos = i + 1;
        return true;
      }
      if (c !== 44) return false;
      i = skipWhitespace(text, i + 1);
    }
  }

  /** Scans one value at #pos into `slot` (NONE: checked and skipped). */
  #scanValue(slot: number, depth: number): boolean {
    const text = this.#text;
    const i = this.#pos;
    const c = text.charCodeAt(i);
    if (slot === DATA && depth === 0) {
      if (c !== 123) return false;
      this.#kinds.fill(ABSENT);
      this.#pos = i + 1;
      if (!this.#scanMembers(1)) return false;
      this.#dataSeen = true;
      return true;
    }
    // A combined-stream wrapper's own members never count once its `data` was read.
    const target = slot === DATA || (depth === 0 && this.#dataSeen) ? NONE : slot;
    if (c === 34) {
      const length = text.length;
      let j = i + 1;
      for (; j < length; j++) {
        const d = text.charCodeAt(j);
        if (d === 34) break;
        if (d === 92 || d < 32) return false;
      }
      if (j >= length) return false;
      this.#pos = j + 1;
      if (target !== NONE) {
        this.#kinds[target] = STRING;
        this.#starts[target] = i + 1;
        this.#ends[target] = j;
        if (target === P || target === Q) this.#values[target] = decimalString(text, i + 1, j);
      }
      return true;
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      const length = text.length;
      let j = c === 45 ? i + 1 : i;
      const digitsStart = j;
      let m = 0;
      for (; j < length; j++) {
        const d = text.charCodeAt(j);
        if (d < 48 || d > 57) break;
        m = m * 10 + (d - 48);
      }
      const digits = j - digitsStart;
      if (digits === 0 || (digits > 1 && text.charCodeAt(digitsStart) === 48)) return false;
      const next = text.charCodeAt(j);
      if (next === 46 || next === 101 || next === 69) return false;
      this.#pos = j;
      if (target !== NONE) {
        this.#kinds[target] = NUMBER;
        // Below 2^53 every step of m * 10 + d was exact.
        this.#values[target] = m < TWO_53 ? (c === 45 ? -m : m) : Number(text.slice(i, j));
      }
      return true;
    }
    if (c === 116 || c === 102) {
      const isTrue = c === 116;
      if (!text.startsWith(isTrue ? 'true' : 'false', i)) return false;
      this.#pos = i + (isTrue ? 4 : 5);
      if (target !== NONE) {
        this.#kinds[target] = BOOLEAN;
        this.#values[target] = isTrue ? 1 : 0;
      }
      return true;
    }
    if (c === 110) {
      if (!text.startsWith('null', i)) return false;
      this.#pos = i + 4;
      if (target !== NONE) this.#kinds[target] = OTHER;
      return true;
    }
    return false;
  }
}

function skipWhitespace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return i;
    i++;
  }
}

/** `Number(text.slice(start, end))`, without the slice when the digits allow an exact division. */
function decimalString(text: string, start: number, end: number): number {
  let i = start;
  const negative = text.charCodeAt(i) === 45;
  if (negative) i++;
  let m = 0;
  let scale = 0;
  let digits = 0;
  let dot = false;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (dot) scale++;
    } else if (c === 46 && !dot) {
      dot = true;
    } else {
      return Number(text.slice(start, end));
    }
  }
  if (digits === 0 || m >= TWO_53 || scale > 22) return Number(text.slice(start, end));
  const value = scale === 0 ? m : m / POW10[scale];
  return negative ? -value : value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
