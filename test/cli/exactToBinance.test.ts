import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BarAggregator } from '../../src/bars/BarAggregator.js';
import type { Bar } from '../../src/bars/bar.js';
import { readAggTrades } from '../../src/node/readAggTrades.js';
import { decimal, type ExactKline, exactKlines, relativeError } from './exactKlines.js';

const FIXTURE = 'fixtures/trades/BTCUSDT-aggTrades-2026-01-01T0000-0012.csv';

/** Binance's published kline for 2026-01-01 00:00 (fixtures/README.md), not our own output. */
const BINANCE_0000 = {
  open: 87648.21,
  high: 87648.22,
  low: 87632.74,
  close: 87648.0,
  trades: 1193,
  volume: 4.08049,
};

async function aggregate(intervalMs: number): Promise<{ closed: Bar[]; partial: readonly Bar[] }> {
  const aggregator = new BarAggregator({ symbol: 'BTCUSDT', intervalMs });
  const closed: Bar[] = [];
  for await (const trade of readAggTrades(FIXTURE)) closed.push(...aggregator.push(trade));
  return { closed, partial: aggregator.flush() };
}

/** Every field of a bar against the exact decimal aggregation of the same trades. */
function expectExact(bar: Bar, exact: ExactKline, intervalMs: number): void {
  expect(bar.openTime).toBe(exact.openTime);
  expect(bar.closeTime).toBe(exact.openTime + intervalMs - 1);
  expect(bar.open).toBe(Number(decimal(exact.open)));
  expect(bar.high).toBe(Number(decimal(exact.high)));
  expect(bar.low).toBe(Number(decimal(exact.low)));
  expect(bar.close).toBe(Number(decimal(exact.close)));
  expect(bar.trades).toBe(exact.trades);
  expect(bar.firstTradeId).toBe(exact.firstTradeId);
  expect(bar.lastTradeId).toBe(exact.lastTradeId);
  expect(relativeError(bar.volume, exact.volume, 8)).toBeLessThanOrEqual(1e-8);
  expect(relativeError(bar.quoteVolume!, exact.quoteVolume, 16)).toBeLessThanOrEqual(1e-8);
  expect(relativeError(bar.takerBuyVolume!, exact.takerBuyVolume, 8)).toBeLessThanOrEqual(1e-8);
  expect(relativeError(bar.takerBuyQuoteVolume!, exact.takerBuyQuoteVolume, 16)).toBeLessThanOrEqual(1e-8);
  expect(bar.gap).toBe(false);
}

describe('exact to Binance: readAggTrades + BarAggregator on real aggTrades', () => {
  it("reproduces Binance's published kline for 2026-01-01 00:00", async () => {
    const [first] = (await aggregate(60_000)).closed;
    expect(new Date(first.openTime).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(first).toMatchObject({
      open: BINANCE_0000.open,
      high: BINANCE_0000.high,
      low: BINANCE_0000.low,
      close: BINANCE_0000.close,
      trades: BINANCE_0000.trades,
    });
    expect(relativeError(first.volume, 408049000n, 8)).toBeLessThanOrEqual(1e-8);
    expect(Math.floor(first.quoteVolume! * 100) / 100).toBe(357625.77); // published as 357625.77…
  });

  it.each([
    ['1m', 60_000],
    ['5m', 300_000],
    ['1s', 1_000],
  ])('equals an exact decimal aggregation in every complete %s bar', async (_, intervalMs) => {
    const exact = exactKlines(FIXTURE, intervalMs);
    const { closed, partial } = await aggregate(intervalMs);
    const withTrades = closed.filter((bar) => !bar.gap);
    expect(withTrades).toHaveLength(exact.length - 1); // all but the last interval, which may go on
    expect(partial.map((bar) => bar.openTime)).toEqual([exact[exact.length - 1].openTime]);
    for (const [i, bar] of withTrades.entries()) expectExact(bar, exact[i], intervalMs);
    // Gap bars only where no trade fell, carrying the previous close.
    for (const [i, bar] of closed.entries()) {
      if (bar.gap)
        expect([bar.open, bar.close, bar.volume]).toEqual([closed[i - 1].close, closed[i - 1].close, 0]);
    }
  });
});

describe('exact to Binance: the microstream bars command', () => {
  const run = (...args: string[]) =>
    execFileSync('node', ['--import', 'tsx', 'src/cli/main.ts', 'bars', FIXTURE, '--quiet', ...args], {
      encoding: 'utf8',
    });

  it("prints Binance's kline columns and, for every complete minute, the exact aggregation", () => {
    const [header, ...rows] = run().trim().split('\n');
    expect(header).toBe(
      'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore',
    );
    const exact = exactKlines(FIXTURE, 60_000);
    expect(rows).toHaveLength(12);
    rows.forEach((row, i) => {
      const cells = row.split(',');
      const k = exact[i];
      expect(cells.slice(0, 7)).toEqual([
        String(k.openTime),
        decimal(k.open),
        decimal(k.high),
        decimal(k.low),
        decimal(k.close),
        decimal(k.volume),
        String(k.openTime + 59_999),
      ]);
      expect(relativeError(Number(cells[7]), k.quoteVolume, 16)).toBeLessThanOrEqual(1e-8);
      expect(cells[8]).toBe(String(k.trades));
      expect(cells[9]).toBe(decimal(k.takerBuyVolume));
      expect(relativeError(Number(cells[10]), k.takerBuyQuoteVolume, 16)).toBeLessThanOrEqual(1e-8);
      expect(cells[11]).toBe('0');
    });
    // Binance's own kline for 00:00, as Binance's spot CSV writes it.
    expect(rows[0].split(',').slice(1, 6)).toEqual([
      '87648.21000000',
      '87648.22000000',
      '87632.74000000',
      '87648.00000000',
      '4.08049000',
    ]);
    expect(rows[0].split(',')[8]).toBe('1193');
  });

  it('prints the incomplete last minute only with --partial', () => {
    const rows = run('--partial', '--no-header').trim().split('\n');
    expect(rows).toHaveLength(13);
    expect(rows[12].startsWith(`${Date.UTC(2026, 0, 1, 0, 12)},`)).toBe(true);
  });
});
