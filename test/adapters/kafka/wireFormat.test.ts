import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeSignal,
  decodeTrade,
  encodeSignal,
  encodeTrade,
  signalIdentity,
} from '../../../src/adapters/kafka/wireFormat.js';
import type { Trade } from '../../../src/bars/trade.js';

const trade = fc.record(
  {
    time: fc.double({ min: 0, max: 4e12, noNaN: true }),
    price: fc.double({ min: 1e-8, max: 1e9, noNaN: true }),
    qty: fc.double({ min: 0, max: 1e9, noNaN: true }),
    isBuyerMaker: fc.boolean(),
    id: fc.integer({ min: 0 }),
    firstId: fc.integer({ min: 0 }),
    lastId: fc.integer({ min: 0 }),
    symbol: fc.string({ minLength: 1, maxLength: 12 }),
  },
  { requiredKeys: ['time', 'price', 'qty', 'isBuyerMaker'] },
);

describe('trade messages', () => {
  it('decode what they encode, exactly', () => {
    fc.assert(
      fc.property(trade, (t: Trade) => {
        expect(decodeTrade(encodeTrade(t))).toEqual(t);
      }),
    );
  });

  it('take a symbol of up to 255 UTF-8 bytes, from the value or the key', () => {
    const t = { time: 1767225600039, price: 87648.21, qty: 0.001, isBuyerMaker: false };
    expect(decodeTrade(encodeTrade({ ...t, symbol: 'X'.repeat(255) }))?.symbol).toHaveLength(255);
    expect(decodeTrade(encodeTrade(t), Buffer.from('K'.repeat(256)))).toBeUndefined();
  });

  it('take the symbol from the key when the value has none', () => {
    const t = { time: 1767225600039, price: 87648.21, qty: 0.001, isBuyerMaker: false };
    expect(decodeTrade(encodeTrade(t), Buffer.from('BTCUSDT'))).toEqual({ ...t, symbol: 'BTCUSDT' });
    expect(decodeTrade(encodeTrade({ ...t, symbol: 'ETHUSDT' }), Buffer.from('BTCUSDT'))?.symbol).toBe(
      'ETHUSDT',
    );
  });

  it('are refused (undefined, to be counted) when not a valid trade', () => {
    const good = { time: 1, price: 2, qty: 3, isBuyerMaker: true };
    const bad: unknown[] = [
      'not json',
      'null',
      '[1,2]',
      { ...good, time: 'x' },
      { ...good, price: 0 },
      { ...good, price: -1 },
      { ...good, qty: -0.5 },
      { ...good, isBuyerMaker: 1 },
      { ...good, id: 1.5 },
      { time: 1, price: 2, qty: 3 },
      // Longer than a batch record's symbol may be (255 UTF-8 bytes): each symbol costs a detector.
      { ...good, symbol: 'X'.repeat(256) },
      { ...good, symbol: 'é'.repeat(128) },
    ];
    for (const b of bad) {
      const bytes = Buffer.from(typeof b === 'string' ? b : JSON.stringify(b));
      expect(decodeTrade(bytes), bytes.toString()).toBeUndefined();
    }
    expect(decodeTrade(null)).toBeUndefined();
    expect(decodeTrade(Buffer.from(JSON.stringify(good)))).toEqual(good);
  });
});

describe('signal messages', () => {
  const signal = {
    symbol: 'BTCUSDT',
    interval: 60_000,
    bar: {
      symbol: 'BTCUSDT',
      openTime: 1767225600000,
      closeTime: 1767225659999,
      open: 1,
      high: 2,
      low: 0.5,
      close: 1.5,
      volume: 3,
      gap: false,
    },
    features: { logReturn: 0.01 },
    anomaly: { score: -0.45, threshold: -0.5, isAnomaly: false },
    regime: {
      state: 1,
      label: 'Volatile',
      probabilities: [0.2, 0.7, 0.1],
      changed: true,
      mostProbableState: 1,
      mostProbableLabel: 'Volatile',
    },
    warm: true,
    outOfRange: false,
  };

  it('round-trip and are identified by symbol, interval and bar open time', () => {
    expect(decodeSignal(encodeSignal(signal))).toEqual(signal);
    expect(signalIdentity(signal)).toBe('BTCUSDT/60000/1767225600000');
  });

  it('are refused without their identity', () => {
    expect(decodeSignal(Buffer.from('{'))).toBeUndefined();
    expect(decodeSignal(Buffer.from(JSON.stringify({ ...signal, symbol: 1 })))).toBeUndefined();
    expect(decodeSignal(Buffer.from(JSON.stringify({ ...signal, bar: null })))).toBeUndefined();
    expect(decodeSignal(Buffer.from(JSON.stringify({ ...signal, interval: '1m' })))).toBeUndefined();
  });
});
