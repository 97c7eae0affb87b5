import type { Trade } from '../../bars/trade.js';
import { BinanceLayoutReader } from './BinanceLayoutReader.js';

/**
 * A frame that is not valid JSON, or a trade event whose fields are missing or of the wrong type.
 *
 * @example
 * ```ts
 * try { parser.parse(frame); } catch (e) { if (e instanceof MalformedFrameError) skipped++; }
 * ```
 */
export class MalformedFrameError extends Error {
  /**
   * @param reason What is wrong with the frame, e.g. `"p" (price) must be a string`.
   */
  constructor(reason: string) {
    super(reason);
    this.name = 'MalformedFrameError';
  }
}

// What a field held: absent, or the JSON type of its value.
const ABSENT = 0;
const STRING = 1;
const NUMBER = 2;
const BOOLEAN = 3;
const OTHER = 4;

const NOT_TRADE = 0;
const AGG_TRADE = 1;
const TRADE = 2;

// Keys, by the character code of one-character keys; DATA for "data", IGNORED for the rest.
const KEY_E = 101;
const KEY_S = 115;
const KEY_P = 112;
const KEY_Q = 113;
const KEY_A = 97;
const KEY_T = 116;
const KEY_F = 102;
const KEY_L = 108;
const KEY_TIME = 84;
const KEY_M = 109;
const DATA = -2;
const IGNORED = -1;

const POW10 = new Float64Array(23).map((_, i) => 10 ** i);
const TWO_53 = 9007199254740992;
const SCRATCH_BYTES = 1024;

// Keeps a leading byte-order mark, as Buffer#toString does, so JSON.parse sees (and refuses) it.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Decodes Binance `aggTrade` and `trade` WebSocket frames — plain (`{"e":"aggTrade",...}`) or
 * wrapped by a combined stream (`{"stream":"btcusdt@aggTrade","data":{...}}`) — into {@link Trade}s.
 *
 * It gives exactly what `JSON.parse` followed by `Number()` on the price and quantity strings
 * gives. Frames laid out exactly as Binance sends them are read from their UTF-8 bytes by a
 * `BinanceLayoutReader`, four bytes per comparison: directly by {@link TradeFrameParser.parseBytes}
 * (what the WebSocket delivers), after `TextEncoder.encodeInto` a reused buffer by
 * {@link TradeFrameParser.parse}. Any other frame goes to a hand-written scanner that reads the
 * text once, left to right, into local variables; a decimal with fewer than 2^53 in its digits
 * and at most 22 fraction digits is converted as `digits / 10^k`, which IEEE division rounds
 * correctly (Clinger's fast path), so it equals `Number()`; other decimal strings go through
 * `Number()` itself. Numbers with a fraction or an exponent (in a field Binance may add) are read
 * by `Number()` after a check of JSON's grammar. Anything else outside the scanner's grammar
 * (escapes, nested values, invalid JSON) goes to `JSON.parse`: never wrong, only slower. Text that
 * cannot be JSON at all — starting with a character no JSON value starts with, or an object not
 * ending with `}` (a frame cut short) — is refused at once, without the cost of `JSON.parse`'s
 * `SyntaxError`. Hot path, called once per frame: it allocates nothing but the trade (and, from a
 * string, `encodeInto`'s small result); symbol strings are cached.
 *
 * Fields used: `e` (event type), `s`, `p`, `q`, `T`, `m`, and `a`/`f`/`l` (aggTrade) or `t` (trade);
 * others are checked for syntax and ignored.
 *
 * @example
 * ```ts
 * const parser = new TradeFrameParser();
 * const trade = parser.parse('{"e":"aggTrade","E":1,"s":"BTCUSDT","a":5,"p":"87648.21","q":"0.5","f":7,"l":8,"T":1,"m":true}');
 * // { time: 1, price: 87648.21, qty: 0.5, isBuyerMaker: true, id: 5, firstId: 7, lastId: 8, symbol: 'BTCUSDT' }
 * ```
 */
export class TradeFrameParser {
  #symbol = '';
  readonly #layout = new BinanceLayoutReader();
  readonly #encoder = new TextEncoder();
  // Holds a text frame's UTF-8 bytes for #layout.
  readonly #scratch = new Uint8Array(SCRATCH_BYTES);

  /**
   * Decodes one frame.
   *
   * @returns The trade, or `undefined` when the frame is valid JSON but not a trade event
   * (e.g. a subscription reply `{"result":null,"id":1}`).
   * @throws {MalformedFrameError} when the frame is not JSON, or is a trade event with a missing
   * or invalid field (the message names it).
   */
  parse(text: string): Trade | undefined {
    // Frames in Binance's layout: as bytes (a frame too long for the scratch buffer is scanned).
    const { read, written } = this.#encoder.encodeInto(text, this.#scratch);
    if (read === text.length) {
      const trade = this.#layout.read(this.#scratch, written);
      if (trade !== undefined) return trade;
    }
    return orThrow(this.#scan(text));
  }

  /**
   * Decodes one frame from its UTF-8 bytes, as the WebSocket delivers it (a Node `Buffer` is a
   * `Uint8Array`), with the same result as {@link TradeFrameParser.parse} of the decoded text.
   *
   * @returns The trade, or `undefined` when the frame is valid JSON but not a trade event.
   * @throws {MalformedFrameError} as {@link TradeFrameParser.parse} does.
   * @example
   * ```ts
   * socket.on('message', (data: Buffer) => handle(parser.parseBytes(data)));
   * ```
   */
  parseBytes(bytes: Uint8Array): Trade | undefined {
    return orThrow(this.readBytes(bytes));
  }

  /**
   * Decodes one frame from its UTF-8 bytes without throwing: for a stream that counts malformed
   * frames and goes on, where building and catching an `Error` for each (its stack trace) costs
   * microseconds, several times the parse of a good frame (`binance-parse` bench).
   *
   * @returns The trade; `undefined` when the frame is valid JSON but not a trade event; or, for a
   * malformed frame, a string saying what is wrong with it (the message
   * {@link TradeFrameParser.parseBytes} would throw).
   * @example
   * ```ts
   * const result = parser.readBytes(data);
   * if (typeof result === 'string') malformed.push(result);
   * else if (result !== undefined) handle(result);
   * ```
   */
  readBytes(bytes: Uint8Array): Trade | string | undefined {
    return this.#layout.read(bytes) ?? this.#scan(utf8.decode(bytes));
  }

  // Any frame, one pass over its text: the trade, undefined (not a trade event) or what is wrong.
  #scan(text: string): Trade | string | undefined {
    const n = text.length;
    let kE = ABSENT;
    let eStart = 0;
    let eEnd = 0;
    let kS = ABSENT;
    let sStart = 0;
    let sEnd = 0;
    let kP = ABSENT;
    let p = 0;
    let kQ = ABSENT;
    let q = 0;
    let kA = ABSENT;
    let a = 0;
    let kT = ABSENT;
    let t = 0;
    let kF = ABSENT;
    let f = 0;
    let kL = ABSENT;
    let l = 0;
    let kTime = ABSENT;
    let time = 0;
    let kM = ABSENT;
    let m = 0;
    let depth = 0;
    let dataSeen = false;

    let i = 0;
    let c = text.charCodeAt(0);
    if (c !== 123) {
      i = skipWhitespace(text, 0);
      c = text.charCodeAt(i);
      // What JSON.parse would refuse, said without its costly SyntaxError: no JSON value starts so.
      if (!startsJsonValue(c))
        return `not JSON: ${describeChar(text, i)} at position ${i} cannot start a JSON value`;
      if (c !== 123) return this.#parseSlow(text);
    }
    // An object ends with '}' (then whitespace): a frame cut short or with trailing bytes is not JSON.
    let last = n - 1;
    while (last > i && isWhitespace(text.charCodeAt(last))) last--;
    if (last === i || text.charCodeAt(last) !== 125) {
      return `not JSON: the object at position ${i} does not end with '}'`;
    }
    c = text.charCodeAt(++i);
    for (;;) {
      // A key.
      if (c !== 34) {
        i = skipWhitespace(text, i);
        if (text.charCodeAt(i) !== 34) return this.#parseSlow(text);
      }
      const keyStart = i + 1;
      let key = IGNORED;
      if (text.charCodeAt(keyStart + 1) === 34) {
        key = text.charCodeAt(keyStart);
        if (key === 92 || key === 34 || key < 32) return this.#parseSlow(text);
        i = keyStart + 2;
      } else {
        let j = keyStart;
        for (; j < n; j++) {
          const d = text.charCodeAt(j);
          if (d === 34) break;
          if (d === 92 || d < 32) return this.#parseSlow(text);
        }
        if (j >= n) return this.#parseSlow(text);
        if (j - keyStart === 4 && isData(text, keyStart)) key = DATA;
        i = j + 1;
      }
      if (text.charCodeAt(i) !== 58) {
        i = skipWhitespace(text, i);
        if (text.charCodeAt(i) !== 58) return this.#parseSlow(text);
      }
      c = text.charCodeAt(++i);
      if (c === 32 || c === 10 || c === 13 || c === 9) {
        i = skipWhitespace(text, i);
        c = text.charCodeAt(i);
      }
      if (key === DATA && depth === 0) {
        // A combined-stream wrapper: the trade is the (last) "data" object.
        if (c !== 123) return this.#parseSlow(text);
        kE = kS = kP = kQ = kA = kT = kF = kL = kTime = kM = ABSENT;
        depth = 1;
        c = text.charCodeAt(++i);
        continue;
      }
      // The wrapper's own members never count once its "data" was read.
      const target = depth === 0 && dataSeen ? IGNORED : key;
      // A value.
      if (c === 34) {
        const valueStart = i + 1;
        let j = valueStart;
        if (target === KEY_P || target === KEY_Q) {
          // Number() of the string: Clinger's fast path when it applies, Number() itself otherwise.
          let d = text.charCodeAt(j);
          const negative = d === 45;
          if (negative) d = text.charCodeAt(++j);
          const digitsStart = j;
          let mantissa = 0;
          let dot = -1;
          for (;;) {
            if (d >= 48 && d <= 57) mantissa = mantissa * 10 + (d - 48);
            else if (d === 46 && dot < 0) dot = j;
            else break;
            d = text.charCodeAt(++j);
          }
          const digits = j - digitsStart - (dot < 0 ? 0 : 1);
          const scale = dot < 0 ? 0 : j - dot - 1;
          let value: number;
          if (d === 34 && digits > 0 && mantissa < TWO_53 && scale <= 22) {
            value = scale === 0 ? mantissa : mantissa / POW10[scale];
            if (negative) value = -value;
          } else {
            for (; j < n; j++) {
              d = text.charCodeAt(j);
              if (d === 34) break;
              if (d === 92 || d < 32) return this.#parseSlow(text);
            }
            if (j >= n) return this.#parseSlow(text);
            value = Number(text.slice(valueStart, j));
          }
          if (target === KEY_P) {
            kP = STRING;
            p = value;
          } else {
            kQ = STRING;
            q = value;
          }
        } else {
          for (; j < n; j++) {
            const d = text.charCodeAt(j);
            if (d === 34) break;
            if (d === 92 || d < 32) return this.#parseSlow(text);
          }
          if (j >= n) return this.#parseSlow(text);
          switch (target) {
            case KEY_E:
              kE = STRING;
              eStart = valueStart;
              eEnd = j;
              break;
            case KEY_S:
              kS = STRING;
              sStart = valueStart;
              sEnd = j;
              break;
            case KEY_A:
              kA = STRING;
              break;
            case KEY_T:
              kT = STRING;
              break;
            case KEY_F:
              kF = STRING;
              break;
            case KEY_L:
              kL = STRING;
              break;
            case KEY_TIME:
              kTime = STRING;
              break;
            case KEY_M:
              kM = STRING;
              break;
          }
        }
        i = j + 1;
      } else if (c === 45 || (c >= 48 && c <= 57)) {
        let j = c === 45 ? i + 1 : i;
        const digitsStart = j;
        let value = 0;
        let d = text.charCodeAt(j);
        while (d >= 48 && d <= 57) {
          value = value * 10 + (d - 48);
          d = text.charCodeAt(++j);
        }
        const digits = j - digitsStart;
        if (digits === 0 || (digits > 1 && text.charCodeAt(digitsStart) === 48)) return this.#parseSlow(text);
        if (d === 46 || d === 101 || d === 69) {
          // A fraction or an exponent (a field Binance might add): JSON's grammar checked here,
          // the value from Number(), which reads a JSON number exactly as JSON.parse does.
          j = endOfFractionAndExponent(text, j);
          if (j < 0) return this.#parseSlow(text);
          value = Number(text.slice(i, j));
        } else if (value >= TWO_53) {
          // Below 2^53 every step of value * 10 + d was exact; above, Number() rounds as JSON.parse does.
          value = Number(text.slice(i, j));
        } else if (c === 45) value = -value;
        i = j;
        switch (target) {
          case KEY_A:
            kA = NUMBER;
            a = value;
            break;
          case KEY_T:
            kT = NUMBER;
            t = value;
            break;
          case KEY_F:
            kF = NUMBER;
            f = value;
            break;
          case KEY_L:
            kL = NUMBER;
            l = value;
            break;
          case KEY_TIME:
            kTime = NUMBER;
            time = value;
            break;
          case KEY_E:
            kE = NUMBER;
            break;
          case KEY_S:
            kS = NUMBER;
            break;
          case KEY_P:
            kP = NUMBER;
            break;
          case KEY_Q:
            kQ = NUMBER;
            break;
          case KEY_M:
            kM = NUMBER;
            break;
        }
      } else {
        let kind: number;
        let value = 0;
        if (
          c === 116 &&
          text.charCodeAt(i + 1) === 114 &&
          text.charCodeAt(i + 2) === 117 &&
          text.charCodeAt(i + 3) === 101
        ) {
          kind = BOOLEAN;
          value = 1;
          i += 4;
        } else if (c === 102 && isFalse(text, i)) {
          kind = BOOLEAN;
          i += 5;
        } else if (
          c === 110 &&
          text.charCodeAt(i + 1) === 117 &&
          text.charCodeAt(i + 2) === 108 &&
          text.charCodeAt(i + 3) === 108
        ) {
          kind = OTHER;
          i += 4;
        } else {
          return this.#parseSlow(text);
        }
        switch (target) {
          case KEY_M:
            kM = kind;
            m = value;
            break;
          case KEY_E:
            kE = kind;
            break;
          case KEY_S:
            kS = kind;
            break;
          case KEY_P:
            kP = kind;
            break;
          case KEY_Q:
            kQ = kind;
            break;
          case KEY_A:
            kA = kind;
            break;
          case KEY_T:
            kT = kind;
            break;
          case KEY_F:
            kF = kind;
            break;
          case KEY_L:
            kL = kind;
            break;
          case KEY_TIME:
            kTime = kind;
            break;
        }
      }
      // After a value: more members, or the end of the object(s).
      c = text.charCodeAt(i);
      if (c !== 44 && c !== 125) {
        i = skipWhitespace(text, i);
        c = text.charCodeAt(i);
      }
      if (c === 125 && depth === 1) {
        depth = 0;
        dataSeen = true;
        c = text.charCodeAt(++i);
        if (c !== 44 && c !== 125) {
          i = skipWhitespace(text, i);
          c = text.charCodeAt(i);
        }
      }
      if (c === 125) {
        if (skipWhitespace(text, i + 1) !== n) return this.#parseSlow(text);
        break;
      }
      if (c !== 44) return this.#parseSlow(text);
      c = text.charCodeAt(++i);
    }

    let event = NOT_TRADE;
    if (kE === STRING) {
      const length = eEnd - eStart;
      if (length === 8 && isAggTrade(text, eStart)) event = AGG_TRADE;
      else if (length === 5 && isTrade(text, eStart)) event = TRADE;
    }
    if (event === NOT_TRADE) return undefined;
    let symbol: string | undefined;
    if (kS === STRING) {
      symbol = this.#symbol;
      if (sEnd - sStart !== symbol.length || !sameChars(text, sStart, symbol)) {
        symbol = text.slice(sStart, sEnd);
        this.#symbol = symbol;
      }
    }
    return buildTrade(event, symbol, kP, p, kQ, q, kTime, time, kM, m, kA, a, kT, t, kF, f, kL, l);
  }

  #parseSlow(text: string): Trade | string | undefined {
    let root: unknown;
    try {
      root = JSON.parse(text);
    } catch (error) {
      return `not JSON: ${(error as Error).message}`;
    }
    if (!isPlainObject(root)) return undefined;
    const d = isPlainObject(root.data) ? root.data : root;
    const event = d.e === 'aggTrade' ? AGG_TRADE : d.e === 'trade' ? TRADE : NOT_TRADE;
    if (event === NOT_TRADE) return undefined;
    const numberOf = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : 0);
    return buildTrade(
      event,
      typeof d.s === 'string' ? d.s : undefined,
      kindOf(d, 'p'),
      numberOf(d.p),
      kindOf(d, 'q'),
      numberOf(d.q),
      kindOf(d, 'T'),
      numberOf(d.T),
      kindOf(d, 'm'),
      d.m === true ? 1 : 0,
      kindOf(d, 'a'),
      numberOf(d.a),
      kindOf(d, 't'),
      numberOf(d.t),
      kindOf(d, 'f'),
      numberOf(d.f),
      kindOf(d, 'l'),
      numberOf(d.l),
    );
  }
}

/** A frame's result as `parse` gives it: what is wrong with a malformed frame is thrown. */
function orThrow(result: Trade | string | undefined): Trade | undefined {
  if (typeof result === 'string') throw new MalformedFrameError(result);
  return result;
}

/**
 * Checks the fields of a trade event (kinds say each field's JSON type) and builds the Trade; for a
 * missing or invalid field, returns what is wrong.
 */
function buildTrade(
  event: number,
  symbol: string | undefined,
  kP: number,
  price: number,
  kQ: number,
  qty: number,
  kTime: number,
  time: number,
  kM: number,
  m: number,
  kA: number,
  a: number,
  kT: number,
  t: number,
  kF: number,
  f: number,
  kL: number,
  l: number,
): Trade | string {
  if (symbol === undefined || symbol === '') return '"s" (symbol) must be a non-empty string';
  if (kP !== STRING) return '"p" (price) must be a string';
  if (!(price > 0 && price < Number.POSITIVE_INFINITY)) {
    return '"p" (price) must be a finite number > 0';
  }
  if (kQ !== STRING) return '"q" (quantity) must be a string';
  if (!(qty >= 0 && qty < Number.POSITIVE_INFINITY)) {
    return '"q" (quantity) must be a finite number >= 0';
  }
  if (kTime !== NUMBER || !Number.isFinite(time)) return '"T" (trade time) must be a finite number';
  if (kM !== BOOLEAN) return '"m" (buyer is maker) must be true or false';
  const isBuyerMaker = m === 1;
  if (event === TRADE) {
    if (kT !== NUMBER || !Number.isSafeInteger(t)) return '"t" (trade id) must be an integer below 2^53';
    return { time, price, qty, isBuyerMaker, id: t, symbol };
  }
  if (kA !== NUMBER || !Number.isSafeInteger(a)) {
    return '"a" (aggregate trade id) must be an integer below 2^53';
  }
  if (kF !== NUMBER || !Number.isSafeInteger(f)) return '"f" (first trade id) must be an integer below 2^53';
  if (kL !== NUMBER || !Number.isSafeInteger(l)) return '"l" (last trade id) must be an integer below 2^53';
  if (l < f) return '"l" (last trade id) must be >= "f" (first trade id)';
  return { time, price, qty, isBuyerMaker, id: a, firstId: f, lastId: l, symbol };
}

function kindOf(data: Record<string, unknown>, key: string): number {
  if (!Object.hasOwn(data, key)) return ABSENT;
  const v = data[key];
  return typeof v === 'string'
    ? STRING
    : typeof v === 'number'
      ? NUMBER
      : typeof v === 'boolean'
        ? BOOLEAN
        : OTHER;
}

/** Whether `word` occurs in `text` at `start`. */
function sameChars(text: string, start: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if (text.charCodeAt(start + k) !== word.charCodeAt(k)) return false;
  return true;
}

// Fixed words, compared with constants: the hot path's cheapest way to recognise them.
function isData(text: string, i: number): boolean {
  return (
    text.charCodeAt(i) === 100 &&
    text.charCodeAt(i + 1) === 97 &&
    text.charCodeAt(i + 2) === 116 &&
    text.charCodeAt(i + 3) === 97
  );
}

function isFalse(text: string, i: number): boolean {
  return (
    text.charCodeAt(i + 1) === 97 &&
    text.charCodeAt(i + 2) === 108 &&
    text.charCodeAt(i + 3) === 115 &&
    text.charCodeAt(i + 4) === 101
  );
}

function isAggTrade(text: string, i: number): boolean {
  return (
    text.charCodeAt(i) === 97 &&
    text.charCodeAt(i + 1) === 103 &&
    text.charCodeAt(i + 2) === 103 &&
    text.charCodeAt(i + 3) === 84 &&
    text.charCodeAt(i + 4) === 114 &&
    text.charCodeAt(i + 5) === 97 &&
    text.charCodeAt(i + 6) === 100 &&
    text.charCodeAt(i + 7) === 101
  );
}

function isTrade(text: string, i: number): boolean {
  return (
    text.charCodeAt(i) === 116 &&
    text.charCodeAt(i + 1) === 114 &&
    text.charCodeAt(i + 2) === 97 &&
    text.charCodeAt(i + 3) === 100 &&
    text.charCodeAt(i + 4) === 101
  );
}

/**
 * Where a JSON number's fraction and exponent (`.5`, `e-3`, `.25E+2`), starting at `i`, end; -1 when
 * they break JSON's grammar (a dot or an `e` without digits after it).
 */
function endOfFractionAndExponent(text: string, i: number): number {
  let d = text.charCodeAt(i);
  if (d === 46) {
    const start = ++i;
    for (d = text.charCodeAt(i); d >= 48 && d <= 57; d = text.charCodeAt(++i));
    if (i === start) return -1;
  }
  if (d === 101 || d === 69) {
    d = text.charCodeAt(++i);
    if (d === 43 || d === 45) d = text.charCodeAt(++i);
    const start = i;
    for (; d >= 48 && d <= 57; d = text.charCodeAt(++i));
    if (i === start) return -1;
  }
  return i;
}

/** Whether a JSON value can start with the character `c` (after whitespace). */
function startsJsonValue(c: number): boolean {
  return (
    c === 123 || // {
    c === 91 || // [
    c === 34 || // "
    c === 45 || // -
    (c >= 48 && c <= 57) ||
    c === 116 || // t(rue)
    c === 102 || // f(alse)
    c === 110 // n(ull)
  );
}

/** The character at `i` for a message: quoted, or "the end" past the text. */
function describeChar(text: string, i: number): string {
  if (i >= text.length) return 'the end';
  const code = text.codePointAt(i)!;
  const printable = code >= 32 && code !== 127 && !(code >= 0xd800 && code <= 0xdfff);
  return printable
    ? `'${String.fromCodePoint(code)}'`
    : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

function isWhitespace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function skipWhitespace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return i;
    i++;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
