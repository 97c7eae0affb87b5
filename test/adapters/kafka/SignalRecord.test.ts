import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeSignalRecord,
  encodeSignalRecord,
  isSignalRecord,
  SIGNAL_RECORD_VERSION,
} from '../../../src/adapters/kafka/SignalRecord.js';
import { decodeSignal, encodeSignal } from '../../../src/adapters/kafka/wireFormat.js';
import type { Bar } from '../../../src/bars/bar.js';
import { readKlines } from '../../../src/node/readKlines.js';
import { createRegimeDetector } from '../../../src/pipeline/RegimeDetector.js';
import type { RegimeSignal } from '../../../src/pipeline/signal.js';

const REPLAY = fileURLToPath(
  new URL('../../../fixtures/replay/BTCUSDT-1m-2024-11-30_2024-12-29.csv.gz', import.meta.url),
);

const finite = fc.double({ min: -1e12, max: 1e12, noNaN: true });
const time = fc.integer({ min: -8.64e15, max: 8.64e15 });
const text = fc.string({ maxLength: 30, unit: 'binary' }).filter((s) => Buffer.byteLength(s) <= 255);
/** Any signal the record can hold: 1–6 states, 0–5 features, any subset of the optional bar columns. */
const signal = fc
  .record({
    symbol: text,
    barSymbol: text,
    interval: fc.integer({ min: 1, max: 8.64e7 }),
    openTime: time,
    closeTime: time,
    ohlcv: fc.tuple(finite, finite, finite, finite, finite),
    optional: fc.record(
      {
        quoteVolume: finite,
        trades: finite,
        takerBuyVolume: finite,
        takerBuyQuoteVolume: finite,
        vwap: finite,
        firstTradeId: finite,
        lastTradeId: finite,
        missingTrades: finite,
      },
      { requiredKeys: [] },
    ),
    gap: fc.boolean(),
    features: fc.dictionary(text, fc.double(), { maxKeys: 5 }),
    score: fc.double(),
    threshold: fc.double(),
    isAnomaly: fc.boolean(),
    probabilities: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 6 }),
    state: fc.nat(),
    mostProbableState: fc.nat(),
    labels: fc.tuple(text, text),
    changed: fc.boolean(),
    warm: fc.boolean(),
    outOfRange: fc.boolean(),
  })
  .map((g): RegimeSignal => {
    const [open, high, low, close, volume] = g.ohlcv;
    const k = g.probabilities.length;
    return {
      symbol: g.symbol,
      interval: g.interval,
      bar: {
        symbol: g.barSymbol,
        openTime: g.openTime,
        closeTime: g.closeTime,
        open,
        high,
        low,
        close,
        volume,
        ...g.optional,
        gap: g.gap,
      },
      // A plain object, as the detector's (fast-check's dictionaries have no prototype).
      features: { ...g.features },
      anomaly: { score: g.score, threshold: g.threshold, isAnomaly: g.isAnomaly },
      regime: {
        state: g.state % k,
        label: g.labels[0],
        probabilities: g.probabilities,
        changed: g.changed,
        mostProbableState: g.mostProbableState % k,
        mostProbableLabel: g.labels[1],
      },
      warm: g.warm,
      outOfRange: g.outOfRange,
    };
  });

/** The signals the default model gives on the bundled replay month. */
async function replaySignals(): Promise<RegimeSignal[]> {
  const detector = createRegimeDetector();
  const out: RegimeSignal[] = [];
  for await (const bar of readKlines(REPLAY)) out.push(...detector.pushBar(bar));
  return out;
}

/** A signal as a reader sees it: without the keys whose value is `undefined` (JSON drops them too). */
function withoutUndefined(s: RegimeSignal): RegimeSignal {
  const bar = Object.fromEntries(Object.entries(s.bar).filter(([, v]) => v !== undefined)) as unknown as Bar;
  return { ...s, bar };
}

describe('binary signal records', () => {
  it('decode to exactly the signal encoded, every float64 bit included', () => {
    fc.assert(
      fc.property(signal, (s) => {
        const bytes = encodeSignalRecord(s);
        expect(isSignalRecord(bytes)).toBe(true);
        expect(decodeSignalRecord(bytes)).toStrictEqual(s);
      }),
    );
  });

  it('carry every signal of a real month, and print as the detector’s own (about a third of the JSON bytes)', async () => {
    const signals = await replaySignals();
    expect(signals.length).toBeGreaterThan(40_000);
    let binaryBytes = 0;
    let jsonBytes = 0;
    for (const s of signals) {
      const bytes = encodeSignalRecord(s);
      const decoded = decodeSignalRecord(bytes);
      expect(decoded).toStrictEqual(withoutUndefined(s));
      expect(JSON.stringify(decoded)).toBe(JSON.stringify(s));
      binaryBytes += bytes.byteLength;
      jsonBytes += encodeSignal(s).byteLength;
    }
    expect(binaryBytes / jsonBytes).toBeLessThan(0.4);
  });

  it('are read by decodeSignal next to JSON signals, as the same signal', async () => {
    const signals = (await replaySignals()).slice(0, 2000);
    for (const s of signals) {
      expect(decodeSignal(encodeSignalRecord(s))).toEqual(decodeSignal(encodeSignal(s)));
    }
  });

  it('keep a non-finite feature or score that JSON would turn into null', () => {
    const s: RegimeSignal = {
      symbol: 'BTCUSDT',
      interval: 60_000,
      bar: {
        symbol: 'BTCUSDT',
        openTime: 1_767_225_600_000,
        closeTime: 1_767_225_659_999,
        open: 1,
        high: 1,
        low: 1,
        close: 1,
        volume: 0,
        gap: true,
      },
      features: { logActivity20: Number.NEGATIVE_INFINITY, other: Number.NaN },
      anomaly: { score: Number.NaN, threshold: -0.5, isAnomaly: false },
      regime: {
        state: 0,
        label: 'Stable',
        probabilities: [1, 0, 0],
        changed: false,
        mostProbableState: 0,
        mostProbableLabel: 'Stable',
      },
      warm: false,
      outOfRange: false,
    };
    expect(decodeSignalRecord(encodeSignalRecord(s))).toStrictEqual(s);
  });

  it('give a feature named __proto__ back as a feature, as JSON.parse does', () => {
    const s = fc.sample(signal, { numRuns: 1, seed: 11 })[0];
    const features = JSON.parse('{"__proto__": 0.25, "x": 1}');
    const decoded = decodeSignalRecord(encodeSignalRecord({ ...s, features }));
    expect(Object.getPrototypeOf(decoded.features)).toBe(Object.prototype);
    expect(Object.entries(decoded.features)).toEqual([
      ['__proto__', 0.25],
      ['x', 1],
    ]);
  });

  describe('refuse what is not a valid record, naming the problem', () => {
    const sample = (): RegimeSignal => fc.sample(signal, { numRuns: 1, seed: 7 })[0];
    const valid = () => encodeSignalRecord(sample());
    const cases: [string, (b: Buffer) => void, RegExp][] = [
      ['bad magic', (b) => b.writeUInt8(0x4e, 0), /no MSTS magic/],
      ['another version', (b) => b.writeUInt8(SIGNAL_RECORD_VERSION + 1, 4), /version 2 is not supported/],
      ['an unknown flag', (b) => b.writeUInt8(b[5] | 0x80, 5), /unknown flags/],
      ['no states', (b) => b.writeUInt8(0, 7), /no states/],
      ['a state out of range', (b) => b.writeUInt8(200, 9), /are not below/],
      ['a nonzero byte 11', (b) => b.writeUInt8(1, 11), /byte 11/],
      ['a symbol that is not UTF-8', (b) => b.fill(0xff, 13, 14), /symbol is not UTF-8|ends inside/],
      ['a probability above 1', (b) => b.writeDoubleLE(1.5, b.byteLength - 8), /probability/],
      ['a probability that is NaN', (b) => b.writeDoubleLE(Number.NaN, b.byteLength - 8), /probability/],
    ];
    for (const [name, damage, message] of cases) {
      it(name, () => {
        const bytes = valid();
        damage(bytes);
        expect(() => decodeSignalRecord(bytes)).toThrow(message);
        expect(decodeSignal(bytes)).toBeUndefined();
      });
    }

    it('a record cut short anywhere, or with a byte too many', () => {
      const bytes = valid();
      for (let n = 0; n < bytes.byteLength; n++)
        expect(() => decodeSignalRecord(bytes.subarray(0, n))).toThrow(RangeError);
      expect(() => decodeSignalRecord(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(/bytes, the header/);
    });

    it('a bar price that is not finite, and an interval that is not a positive integer', () => {
      const s = sample();
      const at = (bytes: Buffer) => bytes.byteLength - 8 * (s.regime.probabilities.length + 2);
      const features = Object.keys(s.features).length;
      const optional = Object.keys(s.bar).length - 9;
      const barEnd = (bytes: Buffer) => at(bytes) - 8 * features;
      const intervalAt = (bytes: Buffer) => barEnd(bytes) - 8 * (8 + optional);
      const nanClose = encodeSignalRecord(s);
      nanClose.writeDoubleLE(Number.POSITIVE_INFINITY, barEnd(nanClose) - 8 * (optional + 2));
      expect(() => decodeSignalRecord(nanClose)).toThrow(/bar close Infinity/);
      const halfInterval = encodeSignalRecord(s);
      halfInterval.writeDoubleLE(0.5, intervalAt(halfInterval));
      expect(() => decodeSignalRecord(halfInterval)).toThrow(/interval 0.5/);
    });

    it('any damaged byte: a RangeError or a valid signal, never anything else', () => {
      fc.assert(
        fc.property(signal, fc.nat(), fc.integer({ min: 0, max: 255 }), (s, where, byte) => {
          const bytes = encodeSignalRecord(s);
          bytes[where % bytes.byteLength] = byte;
          try {
            const decoded = decodeSignalRecord(bytes);
            expect(decoded.regime.state).toBeLessThan(decoded.regime.probabilities.length);
          } catch (error) {
            expect(error).toBeInstanceOf(RangeError);
          }
        }),
      );
    });
  });

  it('refuse to encode what they cannot carry', () => {
    const s = fc.sample(signal, { numRuns: 1, seed: 3 })[0];
    expect(() => encodeSignalRecord({ ...s, symbol: 'x'.repeat(256) })).toThrow(/at most 255 UTF-8 bytes/);
    expect(() =>
      encodeSignalRecord({
        ...s,
        regime: { ...s.regime, probabilities: [], state: 0, mostProbableState: 0 },
      }),
    ).toThrow(/1 to 255 states/);
    expect(() =>
      encodeSignalRecord({ ...s, regime: { ...s.regime, state: s.regime.probabilities.length } }),
    ).toThrow(/below its/);
    expect(() => encodeSignalRecord({ ...s, regime: { ...s.regime, state: 0.5 } })).toThrow(/integers below/);
    // What a reader would refuse is never written.
    expect(() => encodeSignalRecord({ ...s, interval: 0 })).toThrow(/interval 0/);
    expect(() => encodeSignalRecord({ ...s, bar: { ...s.bar, close: Number.NaN } })).toThrow(/bar close NaN/);
    expect(() => encodeSignalRecord({ ...s, bar: { ...s.bar, openTime: 1.5 } })).toThrow(/bar times 1.5/);
    expect(() =>
      encodeSignalRecord({
        ...s,
        regime: { ...s.regime, probabilities: s.regime.probabilities.map(() => 2) },
      }),
    ).toThrow(/probability 0 is 2/);
  });
});
