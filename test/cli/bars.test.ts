import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { Bar } from '../../src/bars/bar.js';
import { klineCsvLine, parseInterval } from '../../src/cli/commands/bars.js';
import { decimal, exactKlines } from './exactKlines.js';

const FIXTURE = 'fixtures/trades/BTCUSDT-aggTrades-2026-01-01T0000-0012.csv';
const fixtureLines = readFileSync(FIXTURE, 'utf8').trimEnd().split('\n');
const dir = mkdtempSync(join(tmpdir(), 'microstream-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bars(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('node', ['--import', 'tsx', 'src/cli/main.ts', 'bars', ...args], {
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('microstream bars', () => {
  it('exits with code 2 and says what to fix for a missing file, a bad interval or format', () => {
    const missing = bars('no-such-trades.csv');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('error: no such file: no-such-trades.csv');
    const interval = bars(FIXTURE, '--interval', '7x');
    expect(interval.status).toBe(2);
    expect(interval.stderr).toContain(
      'bad interval "7x": use a number and a unit s, m, h or d, from 1s to 1d',
    );
    const format = bars(FIXTURE, '--format', 'xml');
    expect(format.status).toBe(2);
    expect(format.stderr).toContain('bad format "xml": use csv or ndjson');
    expect(missing.stdout + interval.stdout + format.stdout).toBe('');
  });

  it('summarises malformed lines and rejected trades on stderr, and aggregates the rest', () => {
    const lines = [...fixtureLines];
    lines.splice(10, 0, lines[4]); // a duplicate aggregate trade, in the still-open minute
    lines.splice(20, 0, '3800397999,n/a,0.1,1,1,1767225600500000,True,True');
    const path = join(dir, 'BTCUSDT-aggTrades-dirty.csv');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const dirty = bars(path);
    const clean = bars(FIXTURE);
    expect(dirty.status).toBe(0);
    expect(dirty.stdout).toBe(clean.stdout);
    expect(dirty.stderr).toContain('microstream bars: 5001 trades → 12 bars printed');
    expect(dirty.stderr).toContain('malformed lines: 1; rejected trades: 1 (duplicate 1, late 0, invalid 0)');
    expect(dirty.stderr).toContain('line 21: price must be a positive number, got "n/a"');
    expect(dirty.stderr).toContain('last bar 2026-01-01T00:12:00.000Z may be incomplete and was not printed');
    expect(clean.stderr).toContain('malformed lines: 0; rejected trades: 0');
  });

  it('prints nothing on stderr with --quiet', () => {
    const quiet = bars(FIXTURE, '--quiet');
    expect(quiet.status).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout.trim().split('\n')).toHaveLength(13); // header and 12 complete minutes
  });

  it('reads .csv.gz input and writes NDJSON bars with the symbol given', () => {
    const path = join(dir, 'trades.csv.gz');
    writeFileSync(path, gzipSync(readFileSync(FIXTURE)));
    const result = bars(path, '--format', 'ndjson', '--symbol', 'BTCUSDT', '--interval', '5m', '--quiet');
    const printed = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Bar);
    const exact = exactKlines(FIXTURE, 300_000);
    expect(printed).toHaveLength(exact.length - 1);
    printed.forEach((bar, i) => {
      expect(bar.symbol).toBe('BTCUSDT');
      expect([bar.openTime, bar.open, bar.high, bar.low, bar.close, bar.trades]).toEqual([
        exact[i].openTime,
        Number(decimal(exact[i].open)),
        Number(decimal(exact[i].high)),
        Number(decimal(exact[i].low)),
        Number(decimal(exact[i].close)),
        exact[i].trades,
      ]);
    });
  });
});

describe('parseInterval', () => {
  it("reads Binance's interval names from 1s to 1d", () => {
    expect(
      ['1s', '15s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '12h', '1d'].map(parseInterval),
    ).toEqual([
      1_000, 15_000, 60_000, 180_000, 300_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000,
      43_200_000, 86_400_000,
    ]);
  });

  it('refuses anything else, saying what is accepted', () => {
    for (const text of ['', '1', 'm', '0s', '2d', '1w', '1M', '1.5m', '-1m', '25h']) {
      expect(() => parseInterval(text), text).toThrow(/use a number and a unit s, m, h or d, from 1s to 1d/);
    }
  });
});

describe('klineCsvLine', () => {
  it('writes a gap bar as Binance writes an interval without trades: zero volume and count', () => {
    const gap: Bar = {
      symbol: 'BTCUSDT',
      openTime: 60_000,
      closeTime: 119_999,
      open: 1.5,
      high: 1.5,
      low: 1.5,
      close: 1.5,
      volume: 0,
      quoteVolume: 0,
      trades: 0,
      takerBuyVolume: 0,
      takerBuyQuoteVolume: 0,
      gap: true,
    };
    expect(klineCsvLine(gap)).toBe(
      '60000,1.50000000,1.50000000,1.50000000,1.50000000,0.00000000,119999,0.00000000,0,0.00000000,0.00000000,0',
    );
  });
});
