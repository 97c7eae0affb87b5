import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Bar } from '../../src/bars/bar.js';
import { KLINE_COLUMNS } from '../../src/bars/binanceKline.js';
import type { MalformedLine } from '../../src/node/ReaderStats.js';
import { readKlines } from '../../src/node/readKlines.js';
import { collect, FORMATS, tempDir } from './tempFiles.js';

const REPLAY = 'fixtures/replay/BTCUSDT-1m-2024-11-30_2024-12-29.csv.gz';
const OUTAGE = 'fixtures/klines/BTCUSDT-1m-2021-04-19_2021-04-20.csv.gz';

const files = tempDir();
afterAll(files.cleanup);

/** A kline row as Binance writes it: 12 columns, Binance's order. */
function binanceRow(bar: Bar): string {
  return [
    bar.openTime,
    bar.open,
    bar.high,
    bar.low,
    bar.close,
    bar.volume,
    bar.closeTime,
    bar.quoteVolume,
    bar.trades,
    bar.takerBuyVolume,
    bar.takerBuyQuoteVolume,
    0,
  ].join(',');
}

const price = fc.double({ min: 1e-8, max: 1e6, noNaN: true });
const amount = fc.double({ min: 0, max: 1e9, noNaN: true });
const arbitraryBar = fc
  .record({
    minute: fc.integer({ min: 20_000_000, max: 40_000_000 }),
    prices: fc.array(price, { minLength: 4, maxLength: 4 }),
    volume: amount,
    quoteVolume: amount,
    trades: fc.nat({ max: 10_000_000 }),
    takerBuyVolume: amount,
    takerBuyQuoteVolume: amount,
  })
  .map(({ minute, prices, ...rest }): Bar => {
    const [open, close] = prices;
    return {
      symbol: 'ALGOUSDT',
      openTime: minute * 60_000,
      closeTime: minute * 60_000 + 59_999,
      open,
      high: Math.max(...prices),
      low: Math.min(...prices),
      close,
      ...rest,
      gap: false,
    };
  });

describe('readKlines', () => {
  it("reads Binance's 12-column export, with or without a header, in every format", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbitraryBar, { minLength: 1, maxLength: 50 }),
        fc.boolean(),
        async (bars, header) => {
          const lines = bars.map(binanceRow);
          if (header) lines.unshift(KLINE_COLUMNS.join(','));
          for (const format of FORMATS) {
            const reader = readKlines(files.write(`ALGOUSDT-1m-${format}`, `${lines.join('\n')}\n`, format));
            expect(await collect(reader)).toEqual(bars);
            expect(reader.columns).toEqual(KLINE_COLUMNS);
            expect(reader.stats()).toEqual({ lines: lines.length, rows: bars.length, malformed: 0 });
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('reads the replay fixture (header with quote_volume and count) as it is, without invented fields', async () => {
    const text = gunzipSync(readFileSync(REPLAY)).toString('utf8').trimEnd().split('\n');
    const reader = readKlines(REPLAY);
    const bars = await collect(reader);
    expect(reader.columns).toEqual(text[0].split(','));
    expect(reader.stats()).toEqual({ lines: text.length, rows: text.length - 1, malformed: 0 });
    expect(bars).toHaveLength(41_761);
    for (const i of [0, 1, 20_000, bars.length - 1]) {
      const [openTime, open, high, low, close, volume, closeTime, quoteVolume, count] =
        text[i + 1].split(',');
      expect(bars[i]).toStrictEqual({
        symbol: 'BTCUSDT',
        openTime: Number(openTime),
        closeTime: Number(closeTime),
        open: Number(open),
        high: Number(high),
        low: Number(low),
        close: Number(close),
        volume: Number(volume),
        quoteVolume: Number(quoteVolume),
        trades: Number(count),
        takerBuyVolume: undefined,
        takerBuyQuoteVolume: undefined,
        gap: false,
      });
    }
  });

  it('reads an OHLCV-only export: volume but no quote volume, count or taker columns', async () => {
    const reader = readKlines(OUTAGE);
    const bars = await collect(reader);
    expect(bars).toHaveLength(2000);
    expect(reader.columns).toEqual(['open_time', 'open', 'high', 'low', 'close', 'volume', 'close_time']);
    for (const bar of bars) {
      expect(bar.quoteVolume).toBeUndefined();
      expect(bar.trades).toBeUndefined();
      expect(bar.takerBuyVolume).toBeUndefined();
      expect(bar.closeTime).toBe(bar.openTime + 59_999);
    }
    expect(bars[0]).toMatchObject({ openTime: 1618824060000, open: 56758.31 });
  });

  it('matches pandas-style header names in any order, and derives closeTime from intervalMs', async () => {
    const text = [
      'Number of Trades,Close,Open Time,High,Low,Open,Volume',
      '12,101,1767225600000,102,99,100,3.5',
    ];
    const [bar] = await collect(readKlines(files.write('user', text.join('\n')), { intervalMs: 300_000 }));
    expect(bar).toEqual({
      symbol: '',
      openTime: 1767225600000,
      closeTime: 1767225899999,
      open: 100,
      high: 102,
      low: 99,
      close: 101,
      volume: 3.5,
      trades: 12,
      gap: false,
    });
  });

  it('turns microsecond and second times into milliseconds', async () => {
    const micro = '1767225600000000,1,1,1,1,0,1767225659999999,0,0,0,0,0';
    const seconds = 'open_time,open,high,low,close,volume\n1767225600,1,1,1,1,0';
    const [a] = await collect(readKlines(files.write('micro', micro)));
    const [b] = await collect(readKlines(files.write('seconds', seconds)));
    expect([a.openTime, a.closeTime]).toEqual([1767225600000, 1767225659999]);
    expect([b.openTime, b.closeTime]).toEqual([1767225600000, 1767225659999]);
  });

  it('counts and reports malformed lines with their line number and reason, and reads on', async () => {
    const lines = [
      'open_time,open,high,low,close,volume,count',
      '1767225600000,100,102,99,101,3.5,12',
      '1767225660000,100,98,99,101,3.5,12',
      '1767225720000,100,102,99,101,3.5',
      'soon,100,102,99,101,3.5,12',
      '1767225840000,100,102,99,101,-3.5,12',
      '1767225900000,100,102,99,101,3.5,1.5',
      '1767225960000,100,102,99,101,3.5,12',
    ];
    const malformed: MalformedLine[] = [];
    const reader = readKlines(files.write('bad', lines.join('\n')), {
      onMalformed: (m) => malformed.push(m),
    });
    const bars = await collect(reader);
    expect(bars.map((b) => b.openTime)).toEqual([1767225600000, 1767225960000]);
    expect(reader.stats()).toEqual({ lines: 8, rows: 2, malformed: 5 });
    expect(malformed).toEqual([
      {
        line: 3,
        text: lines[2],
        reason: 'high and low do not enclose open and close (open 100, high 98, low 99, close 101)',
      },
      { line: 4, text: lines[3], reason: 'expected 7 columns, found 6' },
      { line: 5, text: lines[4], reason: 'open_time must be a timestamp, got "soon"' },
      { line: 6, text: lines[5], reason: 'volume must be a number >= 0, got "-3.5"' },
      { line: 7, text: lines[6], reason: 'count must be a whole number >= 0, got "1.5"' },
    ]);
  });

  it('reads an empty file and a header-only file as no bars', async () => {
    for (const format of FORMATS) {
      const empty = readKlines(files.write(`empty-${format}`, '', format));
      expect(await collect(empty)).toEqual([]);
      expect([empty.stats(), empty.columns]).toEqual([{ lines: 0, rows: 0, malformed: 0 }, []]);
      const headerOnly = readKlines(
        files.write(`header-${format}`, 'open_time,open,high,low,close,volume\r\n', format),
      );
      expect(await collect(headerOnly)).toEqual([]);
      expect(headerOnly.columns).toEqual(['open_time', 'open', 'high', 'low', 'close', 'volume']);
    }
  });

  it('fails with a message that says what to fix when the file cannot be a kline file', async () => {
    await expect(
      collect(readKlines('fixtures/trades/BTCUSDT-aggTrades-2026-01-01T0000-0012.csv')),
    ).rejects.toThrow(
      /has 8 columns and there is no header row.*It looks like an aggTrades file: read it with readAggTrades/,
    );
    await expect(collect(readKlines(files.write('nine', '1767225600000,1,1,1,1,0,0,0,0\n')))).rejects.toThrow(
      /has 9 columns and there is no header row; a kline file without a header must have Binance's 12 columns/,
    );
    await expect(
      collect(readKlines(files.write('novolume', 'open_time,open,high,low,close\n1,1,1,1,1\n'))),
    ).rejects.toThrow(/the header has no volume column; found open_time, open, high, low, close/);
    expect(() => readKlines(REPLAY, { intervalMs: 0 })).toThrow(/intervalMs must be a positive whole number/);
    // Checked when the reader is made: a non-function onMalformed used to fail the read at the
    // first malformed line, however far into the file.
    expect(() => readKlines(REPLAY, { onMalformed: 'warn' as never })).toThrow(
      /readKlines: onMalformed must be a function, got string/,
    );
    expect(() => readKlines(REPLAY, { symbol: 42 as never })).toThrow(
      /readKlines: symbol must be a string, got 42/,
    );
    expect(() => readKlines(undefined as never)).toThrow(/readKlines: path must be a file path/);
  });
});
