import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeTradeBatch,
  encodeTradeBatch,
  isTradeBatch,
  MAX_TRADES_PER_BATCH,
  TRADE_BATCH_VERSION,
} from '../../../src/adapters/kafka/TradeBatch.js';
import { encodeTrade } from '../../../src/adapters/kafka/wireFormat.js';
import { invalidTradeReason, type Trade } from '../../../src/bars/trade.js';

const price = fc.double({ min: 1e-8, max: 1e9, noNaN: true });
const qty = fc.double({ min: 0, max: 1e5, noNaN: true });
const time = fc.double({ min: -4e12, max: 4e12, noNaN: true });
const id = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
/** A batch: its symbol, and trades that all have ids, all have id ranges, or neither (as the encoder writes columns). */
const batch = fc
  .record({
    symbol: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => Buffer.byteLength(s) <= 255),
    withIds: fc.boolean(),
    withRanges: fc.boolean(),
    trades: fc.array(
      fc.record({
        time,
        price,
        qty,
        isBuyerMaker: fc.boolean(),
        id,
        a: id,
        b: id,
        missing: fc.option(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), { freq: 4 }),
      }),
      {
        minLength: 1,
        maxLength: 70,
      },
    ),
  })
  .map(({ symbol, withIds, withRanges, trades }) => ({
    symbol,
    trades: trades.map(({ a, b, id, missing, ...t }): Trade => {
      const trade: Trade = { ...t, symbol };
      if (missing !== null) trade.missingBefore = missing;
      if (withIds) trade.id = id;
      if (withRanges) {
        trade.firstId = Math.min(a, b);
        trade.lastId = Math.max(a, b);
      }
      return trade;
    }),
  }))
  .filter(({ trades }) => trades.every((t) => invalidTradeReason(t) === undefined));

/** Every trade of a batch, each a fresh object without the absent ids. */
function tradesOf(bytes: Uint8Array): Trade[] {
  const decoded = decodeTradeBatch(bytes);
  const scratch: Trade = { time: 0, price: 0, qty: 0, isBuyerMaker: false };
  const out: Trade[] = [];
  for (let i = 0; i < decoded.count; i++) {
    const t = { ...decoded.readTrade(i, scratch) };
    for (const k of ['id', 'firstId', 'lastId', 'missingBefore'] as const)
      if (t[k] === undefined) delete t[k];
    out.push(t);
  }
  return out;
}

const trade = (over: Partial<Trade> = {}): Trade => ({
  time: 1767225600039,
  price: 87648.21,
  qty: 0.001,
  isBuyerMaker: true,
  id: 7,
  ...over,
});

describe('trade batch records', () => {
  it('decode exactly the trades they encode, in order, with their symbol (property)', () => {
    fc.assert(
      fc.property(batch, ({ symbol, trades }) => {
        const bytes = encodeTradeBatch(symbol, trades);
        expect(isTradeBatch(bytes)).toBe(true);
        const decoded = decodeTradeBatch(bytes);
        expect(decoded.symbol).toBe(symbol);
        expect(decoded.count).toBe(trades.length);
        expect(tradesOf(bytes)).toEqual(trades);
      }),
    );
  });

  it('encode a slice, and survive being read at an odd offset of a larger buffer', () => {
    const trades = Array.from({ length: 20 }, (_, i) => trade({ id: i, time: 1767225600000 + i }));
    const bytes = encodeTradeBatch('BTCUSDT', trades, 5, 17);
    const shifted = Buffer.alloc(bytes.length + 3);
    bytes.copy(shifted, 3);
    expect(tradesOf(shifted.subarray(3))).toEqual(
      trades.slice(5, 17).map((t) => ({ ...t, symbol: 'BTCUSDT' })),
    );
  });

  it('take about 25 bytes a trade without ids, a fifth of the JSON', () => {
    const trades = Array.from({ length: 1000 }, (_, i) => ({
      ...trade({ time: 1767225600000 + i }),
      id: undefined,
    }));
    const bytes = encodeTradeBatch('BTCUSDT', trades);
    expect(bytes.length).toBe(12 + 7 + 1000 * 24 + 125);
    const json = trades.reduce((n, t) => n + encodeTrade({ ...t, symbol: 'BTCUSDT' }).length, 0);
    expect(bytes.length).toBeLessThan(json / 3);
  });

  it('refuse to encode what they could not decode', () => {
    expect(() => encodeTradeBatch('BTCUSDT', [])).toThrow(/1 to 65536 trades, got 0/);
    expect(() => encodeTradeBatch('', [trade()])).toThrow(/symbol has 1 to 255 UTF-8 bytes, got 0/);
    expect(() => encodeTradeBatch('x'.repeat(256), [trade()])).toThrow(/got 256/);
    expect(() => encodeTradeBatch('BTCUSDT', [trade(), trade({ price: Number.NaN })])).toThrow(
      /trade 1: price/,
    );
    const many = new Array<Trade>(MAX_TRADES_PER_BATCH + 1).fill(trade());
    expect(() => encodeTradeBatch('BTCUSDT', many)).toThrow(/got 65537/);
  });

  it('reject each kind of damage with a reason', () => {
    const good = encodeTradeBatch('BTCUSDT', [trade(), trade({ id: 8, isBuyerMaker: false })]);
    const damaged = (edit: (b: Buffer) => void) => {
      const b = Buffer.from(good);
      edit(b);
      return b;
    };
    const symbolEnd = 12 + 7;
    const cases: [Uint8Array, RegExp][] = [
      [good.subarray(0, 8), /too short/],
      [damaged((b) => b.write('XSTB', 0)), /magic/],
      [damaged((b) => b.writeUInt8(TRADE_BATCH_VERSION + 1, 4)), /version 2 is not supported/],
      [damaged((b) => b.writeUInt8(0x80, 5)), /unknown flags/],
      [damaged((b) => b.writeUInt16LE(0, 6)), /symbol length 0/],
      [damaged((b) => b.writeUInt32LE(0, 8)), /0 trades/],
      [damaged((b) => b.writeUInt32LE(3, 8)), /bytes, the header says/],
      [good.subarray(0, good.length - 1), /bytes, the header says/],
      [Buffer.concat([good, Buffer.alloc(1)]), /bytes, the header says/],
      [damaged((b) => b.writeUInt8(0xff, 12)), /not UTF-8/],
      [damaged((b) => b.writeDoubleLE(Number.NaN, symbolEnd)), /trade 0 has time NaN/],
      [damaged((b) => b.writeDoubleLE(1e16, symbolEnd + 8)), /trade 1 has time/],
      [damaged((b) => b.writeDoubleLE(0, symbolEnd + 16)), /trade 0 has price 0/],
      [damaged((b) => b.writeDoubleLE(Number.POSITIVE_INFINITY, symbolEnd + 24)), /trade 1 has price/],
      [damaged((b) => b.writeDoubleLE(-1, symbolEnd + 32)), /trade 0 has qty -1/],
      [damaged((b) => b.writeDoubleLE(2 ** 52, symbolEnd + 32)), /trade 0 has qty/],
      [damaged((b) => b.writeDoubleLE(1.5, symbolEnd + 48)), /trade 0 has id 1.5/],
      [damaged((b) => b.writeDoubleLE(-1, symbolEnd + 56)), /trade 1 has id -1/],
      [damaged((b) => b.writeUInt8(0xfd, b.length - 1)), /unused side bits/],
    ];
    for (const [bytes, reason] of cases)
      expect(() => decodeTradeBatch(bytes), String(reason)).toThrow(reason);
    expect(tradesOf(good)).toHaveLength(2);
  });

  it('carry missingBefore, and refuse one that is not a positive integer', () => {
    const bytes = encodeTradeBatch('BTCUSDT', [trade({ id: 1 }), trade({ id: 5, missingBefore: 3 })]);
    expect(tradesOf(bytes).map((t) => t.missingBefore)).toEqual([undefined, 3]);
    const column = 12 + 7 + 4 * 2 * 8;
    for (const bad of [0.5, -1, Number.NaN, 2 ** 53]) {
      const b = Buffer.from(bytes);
      b.writeDoubleLE(bad, column);
      expect(() => decodeTradeBatch(b), String(bad)).toThrow(/trade 0 has missingBefore/);
    }
  });

  it('check id ranges: firstId <= lastId, both integers', () => {
    const good = encodeTradeBatch('BTCUSDT', [trade({ firstId: 3, lastId: 5 })]);
    const firstId = 12 + 7 + 4 * 8;
    const b = Buffer.from(good);
    b.writeDoubleLE(6, firstId);
    expect(() => decodeTradeBatch(b)).toThrow(/firstId 6 and lastId 5/);
  });

  it('never throw anything but a RangeError, whatever the bytes (property)', () => {
    const header = (flags: number, symbolBytes: number, count: number) => {
      const b = Buffer.alloc(12);
      b.write('MSTB', 0);
      b.writeUInt8(1, 4);
      b.writeUInt8(flags, 5);
      b.writeUInt16LE(symbolBytes, 6);
      b.writeUInt32LE(count, 8);
      return b;
    };
    const hostile = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc
        .tuple(
          fc.integer({ min: 0, max: 7 }),
          fc.integer({ min: 0, max: 300 }),
          fc.integer({ min: 0, max: 70_000 }),
          fc.uint8Array({ maxLength: 400 }),
        )
        .map(([f, s, c, rest]) => Buffer.concat([header(f, s, c), rest])),
      // A valid batch with bytes flipped.
      fc
        .tuple(batch, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }))
        .map(([{ symbol, trades }, flips]) => {
          const b = encodeTradeBatch(symbol, trades);
          for (const [at, byte] of flips) b[at % b.length] = byte;
          return b;
        }),
    );
    fc.assert(
      fc.property(hostile, (bytes) => {
        let decoded: ReturnType<typeof decodeTradeBatch> | undefined;
        try {
          decoded = decodeTradeBatch(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(RangeError);
          return;
        }
        // Accepted: every trade is valid.
        for (const t of tradesOf(bytes)) expect(invalidTradeReason(t)).toBeUndefined();
        expect(decoded.count).toBeGreaterThan(0);
      }),
    );
  });
});
