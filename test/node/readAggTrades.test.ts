import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { strToU8, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import type { Trade } from '../../src/bars/trade.js';
import type { MalformedLine } from '../../src/node/ReaderStats.js';
import { AGG_TRADE_COLUMNS, readAggTrades } from '../../src/node/readAggTrades.js';
import { collect, FORMATS, tempDir } from './tempFiles.js';

const FIXTURE = 'fixtures/trades/BTCUSDT-aggTrades-2026-01-01T0000-0012.csv';
const fixtureText = readFileSync(FIXTURE, 'utf8');
const fixtureLines = fixtureText.trimEnd().split('\n');

/** The fixture's trades, read here with split/Number: the reference the reader must match. */
const expectedTrades: Trade[] = fixtureLines.map((line) => {
  const [id, price, qty, firstId, lastId, time, isBuyerMaker] = line.split(',');
  return {
    time: Number(time) / 1000,
    price: Number(price),
    qty: Number(qty),
    isBuyerMaker: isBuyerMaker === 'True',
    id: Number(id),
    firstId: Number(firstId),
    lastId: Number(lastId),
    symbol: 'BTCUSDT',
  };
});

const files = tempDir();
afterAll(files.cleanup);

describe('readAggTrades', () => {
  it("reads Binance's 8-column spot export with microsecond times", async () => {
    const reader = readAggTrades(FIXTURE);
    const trades = await collect(reader);
    expect(trades).toEqual(expectedTrades);
    expect(reader.stats()).toEqual({ lines: 5000, rows: 5000, malformed: 0 });
    expect(reader.columns).toEqual([
      'agg_trade_id',
      'price',
      'quantity',
      'first_trade_id',
      'last_trade_id',
      'transact_time',
      'is_buyer_maker',
      'is_best_match',
    ]);
    expect(new Date(trades[0].time).toISOString()).toBe('2026-01-01T00:00:00.039Z');
  });

  it.each(FORMATS)('reads the same trades from a %s file', async (format) => {
    const path = files.write(`BTCUSDT-aggTrades-${format}`, fixtureText, format);
    expect(await collect(readAggTrades(path))).toEqual(expectedTrades);
  });

  it('reads back any trades written as Binance writes them, in any format, with or without a header', async () => {
    const trade = fc.record({
      id: fc.nat({ max: 2 ** 40 }),
      price: fc.double({ min: 1e-8, max: 1e6, noNaN: true }),
      qty: fc.double({ min: 0, max: 1e6, noNaN: true }),
      firstId: fc.nat({ max: 2 ** 40 }),
      count: fc.integer({ min: 1, max: 50 }),
      ms: fc.integer({ min: 1_500_000_000_000, max: 2_000_000_000_000 }),
      micros: fc.integer({ min: 0, max: 999 }),
      isBuyerMaker: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(trade, { minLength: 1, maxLength: 40 }),
        fc.constantFrom(7, 8),
        fc.boolean(),
        fc.boolean(),
        async (rows, columns, header, microseconds) => {
          const lines = rows.map((t) =>
            [
              t.id,
              t.price,
              t.qty,
              t.firstId,
              t.firstId + t.count - 1,
              microseconds ? t.ms * 1000 + t.micros : t.ms,
              t.isBuyerMaker ? 'True' : 'False',
              'True',
            ]
              .slice(0, columns)
              .join(','),
          );
          if (header) lines.unshift(AGG_TRADE_COLUMNS.slice(0, columns).join(','));
          const expected: Trade[] = rows.map((t) => ({
            time: microseconds ? (t.ms * 1000 + t.micros) / 1000 : t.ms,
            price: t.price,
            qty: t.qty,
            isBuyerMaker: t.isBuyerMaker,
            id: t.id,
            firstId: t.firstId,
            lastId: t.firstId + t.count - 1,
            symbol: 'ETHUSDT',
          }));
          for (const format of FORMATS) {
            const reader = readAggTrades(
              files.write(`ETHUSDT-aggTrades-${format}`, `${lines.join('\n')}\n`, format),
            );
            expect(await collect(reader)).toEqual(expected);
            expect(reader.stats()).toEqual({ lines: lines.length, rows: rows.length, malformed: 0 });
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('reads 7-column futures files with millisecond times, with or without a header, CRLF or LF', async () => {
    const sevenColumns = fixtureLines.map((line) => {
      const cells = line.split(',');
      cells[5] = String(Math.floor(Number(cells[5]) / 1000));
      return cells.slice(0, 7).join(',');
    });
    const header = 'agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker';
    const plain = files.write('seven', `${sevenColumns.join('\n')}\n`);
    const withHeader = files.write('seven-header', `${[header, ...sevenColumns].join('\r\n')}\r\n`);
    const msTrades = expectedTrades.map((t) => ({ ...t, time: Math.floor(t.time), symbol: '' }));
    expect(await collect(readAggTrades(plain))).toEqual(msTrades);
    const reader = readAggTrades(withHeader);
    expect(await collect(reader)).toEqual(msTrades);
    expect(reader.stats()).toEqual({ lines: 5001, rows: 5000, malformed: 0 });
  });

  it('matches header columns by name, in any order, with only the required ones', async () => {
    const text = [
      'Timestamp,Qty,Price,Is Buyer Maker',
      '1767225600039,0.5,87648.21,false',
      '1767225600040,1,87648.22,1',
    ];
    const reader = readAggTrades(files.write('user', text.join('\n')), { symbol: 'BTCUSDT' });
    expect(await collect(reader)).toEqual([
      { time: 1767225600039, price: 87648.21, qty: 0.5, isBuyerMaker: false, symbol: 'BTCUSDT' },
      { time: 1767225600040, price: 87648.22, qty: 1, isBuyerMaker: true, symbol: 'BTCUSDT' },
    ]);
    expect(reader.columns).toEqual(['timestamp', 'qty', 'price', 'is_buyer_maker']);
  });

  it('counts and reports malformed lines with their line number and reason, and reads on', async () => {
    const bad = [
      '1,abc,0.1,1,1,1767225600000,True,True',
      '2,87648.21,0.1,1,1,1767225600000',
      '3,87648.21,-1,1,1,1767225600000,True,True',
      '4,87648.21,0.1,1,1,1767225600000,maybe,True',
      '5,0,0.1,1,1,1767225600000,True,True',
      '6,87648.21,0.1,9,8,1767225600000,True,True',
      '7,87648.21,0.1,1,1,,True,True',
      '8,87648.21,0.1,1,1,-1e308,True,True',
    ];
    const lines = [fixtureLines[0], bad[0], '', fixtureLines[1], ...bad.slice(1), fixtureLines[2]];
    const malformed: MalformedLine[] = [];
    const reader = readAggTrades(files.write('BTCUSDT-aggTrades-bad', lines.join('\n')), {
      onMalformed: (m) => malformed.push(m),
    });
    expect(await collect(reader)).toEqual(expectedTrades.slice(0, 3));
    expect(reader.stats()).toEqual({ lines: 12, rows: 3, malformed: 8 });
    expect(malformed.map((m) => m.line)).toEqual([2, 5, 6, 7, 8, 9, 10, 11]);
    expect(malformed[0]).toEqual({
      line: 2,
      text: bad[0],
      reason: 'price must be a positive number, got "abc"',
    });
    expect(malformed.map((m) => m.reason).slice(1)).toEqual([
      'expected 7 or 8 columns, found 6',
      'quantity must be a number >= 0, got "-1"',
      'is_buyer_maker must be true or false, got "maybe"',
      'price must be a positive number, got "0"',
      'last_trade_id must be a whole number >= first_trade_id, got "8"',
      'transact_time must be a timestamp, got ""',
      // finite, but −1e308 s is −Infinity ms
      'transact_time must be a timestamp, got "-1e308"',
    ]);
  });

  it('streams files larger than its read buffer, in every format', async () => {
    const copies = 12; // ~5 MB of text, read in 1 MiB pieces
    const text = fixtureText.repeat(copies);
    for (const format of FORMATS) {
      const reader = readAggTrades(files.write(`BTCUSDT-aggTrades-big-${format}`, text, format));
      let count = 0;
      let mismatches = 0;
      for await (const trade of reader) {
        const want = expectedTrades[count % expectedTrades.length];
        if (
          trade.id !== want.id ||
          trade.time !== want.time ||
          trade.price !== want.price ||
          trade.qty !== want.qty
        ) {
          mismatches++;
        }
        count++;
      }
      expect(mismatches, format).toBe(0);
      expect(count, format).toBe(5000 * copies);
      expect(reader.stats().malformed).toBe(0);
    }
  });

  it('fails with a message that says what to fix when the file cannot be an aggTrades file', async () => {
    await expect(collect(readAggTrades(`${FIXTURE}.missing`))).rejects.toThrow(/\.missing: no such file/);
    const kline = '1767225600000,1,1,1,1,0,1767225659999,0,0,0,0,0\n';
    await expect(collect(readAggTrades(files.write('kline', kline)))).rejects.toThrow(
      /has 12 columns and there is no header row.*It looks like a kline file: read it with readKlines/,
    );
    await expect(collect(readAggTrades(files.write('five', '1,2,3,4,5\n')))).rejects.toThrow(
      /has 5 columns and there is no header row.*Add a header row/,
    );
    await expect(
      collect(readAggTrades(files.write('no-price', 'time,qty,is_buyer_maker\n1,2,true\n'))),
    ).rejects.toThrow(/the header has no price column; found time, qty, is_buyer_maker/);
    await expect(
      collect(readAggTrades(files.writeBytes('trades.csv.gz', strToU8(fixtureText)))),
    ).rejects.toThrow(/trades\.csv\.gz: not a valid gzip file/);
    await expect(
      collect(readAggTrades(files.writeBytes('trades-not.zip', strToU8(fixtureText)))),
    ).rejects.toThrow(/trades-not\.zip: not a zip archive/);
    const zip = zipSync({ 'README.txt': strToU8('no data here') });
    await expect(collect(readAggTrades(files.writeBytes('trades.zip', zip)))).rejects.toThrow(
      /trades\.zip: no \.csv file inside the zip archive/,
    );
  });

  it('refuses a bad path or option when it is made, not at the first malformed line', () => {
    expect(() => readAggTrades(FIXTURE, { onMalformed: {} as never })).toThrow(
      /readAggTrades: onMalformed must be a function, got object/,
    );
    expect(() => readAggTrades(FIXTURE, { symbol: 7 as never })).toThrow(
      /readAggTrades: symbol must be a string/,
    );
    expect(() => readAggTrades('')).toThrow(/readAggTrades: path must be a file path/);
    expect(readAggTrades(FIXTURE, { symbol: 'ETHUSDT' })).toBeDefined();
  });

  it('can be iterated once', async () => {
    const reader = readAggTrades(FIXTURE);
    await collect(reader);
    expect(() => reader[Symbol.asyncIterator]()).toThrow(/already being read; call readAggTrades again/);
  });
});

describe('readAggTrades, stopped early', () => {
  it('reads lazily: a loop that breaks after 3 trades of a 5 MB file has parsed only its first piece', async () => {
    const reader = readAggTrades(files.write('BTCUSDT-aggTrades-lazy', fixtureText.repeat(12)));
    const first: Trade[] = [];
    for await (const trade of reader) {
      first.push(trade);
      if (first.length === 3) break;
    }
    expect(first).toEqual(expectedTrades.slice(0, 3));
    expect(reader.stats().lines).toBeGreaterThanOrEqual(3);
    expect(reader.stats().lines).toBeLessThan(20_000); // 1 MiB pieces of ~87-byte lines
  });
});
