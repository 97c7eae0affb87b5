import type { Bar } from '../../bars/bar.js';
import { OPTIONAL_COLUMNS as COLUMNS } from '../../bars/GapFiller.js';
import { MAX_TIME_MS } from '../../bars/magnitudes.js';
import type { RegimeSignal } from '../../pipeline/signal.js';

/** First four bytes of a binary signal record, `MSTS` (a JSON signal starts with `{`). */
export const SIGNAL_RECORD_MAGIC = 0x5354534d;
/** Version of the signal record layout that {@link encodeSignalRecord} writes. */
export const SIGNAL_RECORD_VERSION = 1;
/** Most UTF-8 bytes of each string in a signal record (symbols, labels, feature names). */
export const MAX_SIGNAL_STRING_BYTES = 255;

const HEADER_BYTES = 12;
const GAP = 1;
const ANOMALY = 2;
const CHANGED = 4;
const WARM = 8;
const OUT_OF_RANGE = 16;
const KNOWN_FLAGS = GAP | ANOMALY | CHANGED | WARM | OUT_OF_RANGE;
/** The bar's prices and volumes (every optional column included), each finite in a valid record. */
const BAR_NUMBERS = ['open', 'high', 'low', 'close', 'volume', ...COLUMNS] as const;
/** interval, openTime, closeTime, open, high, low, close, volume. */
const FIXED_NUMBERS = 8;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * One {@link RegimeSignal} as a binary record: the compact format of the signals topic, an
 * option of `runKafkaDetector` (`signalFormat: 'binary'`). About a third of the JSON's bytes, and
 * no number printed as text: every
 * number is its float64, so a record decodes to exactly the signal that was encoded (JSON turns a
 * non-finite feature into `null`; a record keeps it). {@link decodeSignal} reads both formats.
 *
 * Layout, little-endian:
 *
 * | bytes | field |
 * |---|---|
 * | 0–3 | magic `MSTS` (0x4D 0x53 0x54 0x53) |
 * | 4 | version, 1 |
 * | 5 | flags: bit 0 `bar.gap`, 1 `anomaly.isAnomaly`, 2 `regime.changed`, 3 `warm`, 4 `outOfRange`; other bits 0 |
 * | 6 | bar columns: bit i set when the bar has optional column i of `quoteVolume`, `trades`, `takerBuyVolume`, `takerBuyQuoteVolume`, `vwap`, `firstTradeId`, `lastTradeId`, `missingTrades` |
 * | 7 | K, the number of states, 1–255 |
 * | 8 | F, the number of features, 0–255 |
 * | 9 | `regime.state`, below K |
 * | 10 | `regime.mostProbableState`, below K |
 * | 11 | 0 |
 * | 12… | strings, each a length byte then that many bytes of UTF-8: `symbol`, `bar.symbol`, `regime.label`, `regime.mostProbableLabel`, then the F feature names |
 * | | float64s: `interval`, `bar.openTime`, `closeTime`, `open`, `high`, `low`, `close`, `volume`, the bar's optional columns in bit order, the F feature values, `anomaly.score`, `anomaly.threshold`, the K `regime.probabilities` |
 *
 * A record is accepted whole or not at all: its length must be exactly what its header and
 * strings say, the interval a positive integer, the bar's times integers within a Date's range and
 * its prices and volumes finite, and every probability within [0, 1]. Feature values, the score
 * and the threshold are any float64, as the detector computed them.
 *
 * @example
 * ```ts
 * const value = encodeSignalRecord(signal);
 * decodeSignalRecord(value); // deep-equal to signal
 * ```
 */
export function encodeSignalRecord(signal: RegimeSignal): Buffer {
  const { bar, regime, anomaly, features } = signal;
  const k = regime.probabilities.length;
  if (k < 1 || k > 255) throw new RangeError(`a signal record holds 1 to 255 states, got ${k}`);
  const problem = recordProblem(signal, k);
  if (problem !== undefined) throw new RangeError(`a signal record cannot carry this signal: ${problem}`);
  let columns = 0;
  let optional = 0;
  for (let i = 0; i < COLUMNS.length; i++) {
    if (bar[COLUMNS[i]] !== undefined) {
      columns |= 1 << i;
      optional++;
    }
  }
  const symbol = utf8Of(signal.symbol);
  const barSymbol = utf8Of(bar.symbol);
  const label = utf8Of(regime.label);
  const mostProbableLabel = utf8Of(regime.mostProbableLabel);
  let f = 0;
  let stringBytes = 4 + symbol.length + barSymbol.length + label.length + mostProbableLabel.length;
  for (const name in features) {
    stringBytes += 1 + utf8Of(name).length;
    f++;
  }
  if (f > 255) throw new RangeError(`a signal record holds at most 255 features, got ${f}`);
  // Unpooled memory is zeroed; a pooled slice is not, but every byte of it is written below.
  const out = Buffer.allocUnsafe(HEADER_BYTES + stringBytes + 8 * (FIXED_NUMBERS + optional + f + 2 + k));
  out.writeUInt32LE(SIGNAL_RECORD_MAGIC, 0);
  out[4] = SIGNAL_RECORD_VERSION;
  out[5] =
    (bar.gap ? GAP : 0) |
    (anomaly.isAnomaly ? ANOMALY : 0) |
    (regime.changed ? CHANGED : 0) |
    (signal.warm ? WARM : 0) |
    (signal.outOfRange ? OUT_OF_RANGE : 0);
  out[6] = columns;
  out[7] = k;
  out[8] = f;
  out[9] = regime.state;
  out[10] = regime.mostProbableState;
  out[11] = 0;
  let at = writeString(out, HEADER_BYTES, symbol);
  at = writeString(out, at, barSymbol);
  at = writeString(out, at, label);
  at = writeString(out, at, mostProbableLabel);
  for (const name in features) at = writeString(out, at, utf8Of(name));
  at = out.writeDoubleLE(signal.interval, at);
  at = out.writeDoubleLE(bar.openTime, at);
  at = out.writeDoubleLE(bar.closeTime, at);
  at = out.writeDoubleLE(bar.open, at);
  at = out.writeDoubleLE(bar.high, at);
  at = out.writeDoubleLE(bar.low, at);
  at = out.writeDoubleLE(bar.close, at);
  at = out.writeDoubleLE(bar.volume, at);
  for (let i = 0; i < COLUMNS.length; i++) {
    const value = bar[COLUMNS[i]];
    if (value !== undefined) at = out.writeDoubleLE(value, at);
  }
  for (const name in features) at = out.writeDoubleLE(features[name], at);
  at = out.writeDoubleLE(anomaly.score, at);
  at = out.writeDoubleLE(anomaly.threshold, at);
  for (let i = 0; i < k; i++) at = out.writeDoubleLE(regime.probabilities[i], at);
  return out;
}

/**
 * What a record may not carry in `signal`, or undefined: the encoder refuses to write it and the
 * decoder refuses to read it, so every record written can be read.
 */
function recordProblem(signal: RegimeSignal, k: number): string | undefined {
  const { bar, regime } = signal;
  if (!(isState(regime.state, k) && isState(regime.mostProbableState, k)))
    return `states ${regime.state} and ${regime.mostProbableState} must be integers below its ${k} probabilities`;
  if (!isInterval(signal.interval)) return `interval ${signal.interval}`;
  if (!isTime(bar.openTime) || !isTime(bar.closeTime))
    return `bar times ${bar.openTime} and ${bar.closeTime}`;
  for (const key of BAR_NUMBERS) {
    const x = bar[key];
    if (x !== undefined && !Number.isFinite(x)) return `bar ${key} ${x}`;
  }
  for (let i = 0; i < k; i++) {
    const p = regime.probabilities[i];
    if (!(p >= 0 && p <= 1)) return `probability ${i} is ${p}`;
  }
  return undefined;
}

function isState(state: number, k: number): boolean {
  return Number.isInteger(state) && state >= 0 && state < k;
}

function isInterval(interval: number): boolean {
  return interval >= 1 && interval <= MAX_TIME_MS && Number.isInteger(interval);
}

/** UTF-8 of the strings signals repeat (symbols, labels, feature names), encoded once each. */
const encodedStrings = new Map<string, Uint8Array>();
/** Past this many, the cache starts over: a stream of ever new symbols cannot grow it without bound. */
const MAX_ENCODED_STRINGS = 4096;
const encoder = new TextEncoder();

function utf8Of(s: string): Uint8Array {
  let bytes = encodedStrings.get(s);
  if (bytes === undefined) {
    bytes = encoder.encode(s);
    if (bytes.length > MAX_SIGNAL_STRING_BYTES)
      throw new RangeError(
        `a signal record's strings have at most ${MAX_SIGNAL_STRING_BYTES} UTF-8 bytes, got ${bytes.length}`,
      );
    if (encodedStrings.size >= MAX_ENCODED_STRINGS) encodedStrings.clear();
    encodedStrings.set(s, bytes);
  }
  return bytes;
}

/** Writes a length byte and `bytes` at `at`; returns the offset after them. */
function writeString(out: Buffer, at: number, bytes: Uint8Array): number {
  out[at] = bytes.length;
  for (let i = 0; i < bytes.length; i++) out[at + 1 + i] = bytes[i];
  return at + 1 + bytes.length;
}

/**
 * Parses and validates a binary signal record (see {@link encodeSignalRecord} for the layout);
 * throws a `RangeError` naming the first problem (bad magic, unknown version or flags, wrong
 * length, a string that is not UTF-8, a value out of range), so a reader can count the record and
 * go on.
 *
 * @example
 * ```ts
 * try { const s = decodeSignalRecord(message.value); } catch (e) { malformed++; }
 * ```
 */
export function decodeSignalRecord(value: Uint8Array): RegimeSignal {
  if (value.byteLength < HEADER_BYTES) fail(`${value.byteLength} bytes is too short`);
  if (!isSignalRecord(value)) fail('no MSTS magic');
  if (value[4] !== SIGNAL_RECORD_VERSION)
    fail(`version ${value[4]} is not supported (only ${SIGNAL_RECORD_VERSION})`);
  const flags = value[5];
  if ((flags & ~KNOWN_FLAGS) !== 0) fail(`unknown flags ${flags}`);
  const columns = value[6];
  const k = value[7];
  const f = value[8];
  const state = value[9];
  const mostProbableState = value[10];
  if (k < 1) fail('no states');
  if (state >= k || mostProbableState >= k)
    fail(`states ${state} and ${mostProbableState} are not below ${k}`);
  if (value[11] !== 0) fail('byte 11 is not 0');
  const r = new RecordReader(value);
  const symbol = r.string('symbol');
  const barSymbol = r.string('bar symbol');
  const label = r.string('label');
  const mostProbableLabel = r.string('most probable label');
  const names: string[] = [];
  for (let j = 0; j < f; j++) names.push(r.string(j));
  let optional = 0;
  for (let i = 0; i < COLUMNS.length; i++) if ((columns >> i) & 1) optional++;
  const expected = r.at + 8 * (FIXED_NUMBERS + optional + f + 2 + k);
  if (value.byteLength !== expected)
    fail(`${value.byteLength} bytes, the header and strings say ${expected}`);
  const interval = r.number();
  const openTime = r.number();
  const closeTime = r.number();
  // Fields in the order the bar aggregator writes them, `gap` last: a decoded signal prints as the
  // detector's own does.
  const bar = {
    symbol: barSymbol,
    openTime,
    closeTime,
    open: r.number(),
    high: r.number(),
    low: r.number(),
    close: r.number(),
    volume: r.number(),
  } as Bar;
  for (let i = 0; i < COLUMNS.length; i++) if ((columns >> i) & 1) bar[COLUMNS[i]] = r.number();
  bar.gap = (flags & GAP) !== 0;
  // Own properties as JSON.parse makes them: a feature named `__proto__` is a name, not a prototype.
  const values: [string, number][] = [];
  for (const name of names) values.push([name, r.number()]);
  const features: Record<string, number> = Object.fromEntries(values);
  const score = r.number();
  const threshold = r.number();
  const probabilities: number[] = [];
  for (let i = 0; i < k; i++) probabilities.push(r.number());
  const signal: RegimeSignal = {
    symbol,
    interval,
    bar,
    features,
    anomaly: { score, threshold, isAnomaly: (flags & ANOMALY) !== 0 },
    regime: {
      state,
      label,
      probabilities,
      changed: (flags & CHANGED) !== 0,
      mostProbableState,
      mostProbableLabel,
    },
    warm: (flags & WARM) !== 0,
    outOfRange: (flags & OUT_OF_RANGE) !== 0,
  };
  const problem = recordProblem(signal, k);
  if (problem !== undefined) fail(problem);
  return signal;
}

/** Reads a record's strings and numbers in order, from the end of its header. */
class RecordReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  /** Offset of the next field. */
  at = HEADER_BYTES;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The next string; `what` (a name, or a feature's index) says which in an error. */
  string(what: string | number): string {
    const bytes = this.#bytes;
    const end = this.at < bytes.byteLength ? this.at + 1 + bytes[this.at] : Number.POSITIVE_INFINITY;
    if (end > bytes.byteLength) fail(`ends inside the ${stringName(what)}`);
    const s = utf8String(bytes, this.at + 1, end);
    if (s === undefined) fail(`the ${stringName(what)} is not UTF-8`);
    this.at = end;
    return s;
  }

  /** The next float64 (the caller checked the record's length first). */
  number(): number {
    const x = this.#view.getFloat64(this.at, true);
    this.at += 8;
    return x;
  }
}

function isTime(t: number): boolean {
  return Math.abs(t) <= MAX_TIME_MS && Number.isInteger(t);
}

/** The string of UTF-8 bytes `[start, end)`, or `undefined` when they are not UTF-8. */
function utf8String(bytes: Uint8Array, start: number, end: number): string | undefined {
  // Symbols, labels and names are short and nearly always ASCII: a loop beats a decoder call.
  let ascii = '';
  for (let i = start; i < end; i++) {
    if (bytes[i] >= 0x80) {
      try {
        return utf8.decode(bytes.subarray(start, end));
      } catch {
        return undefined;
      }
    }
    ascii += String.fromCharCode(bytes[i]);
  }
  return ascii;
}

function stringName(what: string | number): string {
  return typeof what === 'number' ? `name of feature ${what}` : what;
}

function fail(what: string): never {
  throw new RangeError(`signal record: ${what}`);
}

/**
 * Whether a record's value is a binary signal record (starts with the magic), as opposed to a JSON
 * signal; says nothing about its validity.
 *
 * @example
 * ```ts
 * isSignalRecord(encodeSignalRecord(signal)); // true
 * ```
 */
export function isSignalRecord(value: Uint8Array): boolean {
  return (
    value.byteLength >= 4 && value[0] === 0x4d && value[1] === 0x53 && value[2] === 0x54 && value[3] === 0x53
  );
}
