import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { binanceKlines } from '../../../src/adapters/binance/binanceKlines.js';
import type { Bar } from '../../../src/bars/bar.js';
import { FakeBinance } from './fakeBinance.js';

/** 2 500 real USD-M LINKUSDT 1-minute klines with all 12 columns, as Binance exports them. */
const lines = gunzipSync(
  readFileSync(
    new URL('../../../fixtures/binance/LINKUSDT-1m-2023-02-01_2023-02-02.csv.gz', import.meta.url),
  ),
)
  .toString()
  .trim()
  .split('\n');
const header = lines[0].split(',');
const csv = lines.slice(1).map((l) => l.split(','));
/** The same rows in the REST answer's shape: times and count as numbers, decimals as strings. */
const restRows = csv.map((c) => c.map((v, i) => ([0, 6, 8].includes(i) ? Number(v) : v)));

let fake: FakeBinance | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function collect(iterable: AsyncIterable<Bar>): Promise<Bar[]> {
  const bars: Bar[] = [];
  for await (const bar of iterable) bars.push(bar);
  return bars;
}

describe('binanceKlines against a fake Binance on 127.0.0.1', () => {
  it('pages through the history and keeps every kline column', async () => {
    fake = await FakeBinance.start({ symbols: ['LINKUSDT'], klines: { LINKUSDT: restRows } });
    const startTime = Number(csv[0][0]);
    const endTime = Number(csv[2399][0]);
    const bars = await collect(
      binanceKlines({
        symbol: 'linkusdt',
        interval: '1m',
        startTime,
        endTime,
        market: 'usdm',
        restUrl: fake.restUrl,
      }),
    );
    expect(bars).toHaveLength(2400);
    const column = (name: string, i: number) => Number(csv[i][header.indexOf(name)]);
    bars.forEach((bar, i) => {
      expect(bar.symbol).toBe('LINKUSDT');
      expect(bar.openTime).toBe(column('open_time', i));
      expect(bar.closeTime).toBe(column('close_time', i));
      expect([bar.open, bar.high, bar.low, bar.close]).toEqual(
        ['open', 'high', 'low', 'close'].map((n) => column(n, i)),
      );
      expect(bar.volume).toBe(column('volume', i));
      expect(bar.quoteVolume).toBe(column('quote_volume', i));
      expect(bar.trades).toBe(column('count', i));
      expect(bar.takerBuyVolume).toBe(column('taker_buy_volume', i));
      expect(bar.takerBuyQuoteVolume).toBe(column('taker_buy_quote_volume', i));
      expect(bar.vwap).toBe(column('quote_volume', i) / column('volume', i));
      expect(bar.gap).toBe(false);
    });
    expect(fake.requests.map((r) => [r.path, r.query.startTime])).toEqual([
      ['/fapi/v1/klines', String(startTime)],
      ['/fapi/v1/klines', String(Number(csv[999][0]) + 1)],
      ['/fapi/v1/klines', String(Number(csv[1999][0]) + 1)],
    ]);
  });

  it('honours Retry-After between pages and retries a 5xx', async () => {
    fake = await FakeBinance.start({ symbols: ['LINKUSDT'], klines: { LINKUSDT: restRows } });
    fake.restFaults.push({ status: 503 }, { status: 429, retryAfter: 1 });
    const startTime = Number(csv[0][0]);
    const bars = await collect(
      binanceKlines({
        symbol: 'LINKUSDT',
        interval: '1m',
        startTime,
        endTime: Number(csv[1499][0]),
        restUrl: fake.restUrl,
      }),
    );
    expect(bars.map((b) => b.openTime)).toEqual(csv.slice(0, 1500).map((c) => Number(c[0])));
    expect(fake.requests.map((r) => r.status)).toEqual([503, 429, 200, 200]);
    expect(fake.requests[2].at - fake.requests[1].at).toBeGreaterThanOrEqual(1000);
    expect(fake.violations).toEqual([]);
  });

  it('leaves out the kline that is still open', async () => {
    fake = await FakeBinance.start({ symbols: ['LINKUSDT'], klines: { LINKUSDT: restRows } });
    const now = Number(csv[99][0]) + 30_000; // half-way through row 99
    const clock = { now: () => now, setTimeout, clearTimeout };
    const bars = await collect(
      binanceKlines({
        symbol: 'LINKUSDT',
        interval: '1m',
        startTime: Number(csv[0][0]),
        restUrl: fake.restUrl,
        clock,
      }),
    );
    expect(bars).toHaveLength(99);
  });

  it('says what to fix for a bad interval or symbol', async () => {
    fake = await FakeBinance.start({ symbols: ['LINKUSDT'], klines: { LINKUSDT: restRows } });
    const restUrl = fake.restUrl;
    await expect(
      collect(binanceKlines({ symbol: 'LINKUSDT', interval: '7m', startTime: 0, restUrl })),
    ).rejects.toThrow(/code -1120.*check the interval "7m"/);
    await expect(
      collect(binanceKlines({ symbol: 'NOPE', interval: '1m', startTime: 0, restUrl })),
    ).rejects.toThrow(/code -1121.*check the symbol "NOPE"/);
  });
});
