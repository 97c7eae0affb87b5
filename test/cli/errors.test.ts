import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './cliErrors.js';

const KLINES = 'fixtures/features/LINKUSDT-1m-2023-02-01-head400.csv';
const TRADES = 'fixtures/trades/BTCUSDT-aggTrades-2026-01-01T0000-0012.csv';
const dir = mkdtempSync(join(tmpdir(), 'microstream-cli-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** One line on stderr, no stack trace, no raw control character. */
function expectOneLine(stderr: string): void {
  expect(stderr.endsWith('\n')).toBe(true);
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at |node_modules/);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: checking that none got through.
  expect(stderr.trimEnd()).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
}

describe('CLI errors: every option checked before any work, one line, exit code 2', () => {
  const outDir = join(dir, 'model-dir');
  mkdirSync(outDir);
  it.each([
    [['--seed', 'abc'], /--seed expects a whole number from 0 to \d+, got 'abc'/],
    [['--states', '0'], /--states expects a whole number from 2 to 64, got '0'/],
    [['--states', '100000'], /--states expects a whole number from 2 to 64, got '100000'/],
    [['--features', 'bogus'], /--features expects one of default, .*got 'bogus'/],
    [['--contamination', '2'], /--contamination expects a share in \(0, 0\.5\], got '2'/],
    [['--trans-prior', '-1000'], /--trans-prior expects a number ≥ 0, got '-1000'/],
    [['--max-iter', '1.5'], /--max-iter expects a whole number from 1 to 100000, got '1\.5'/],
    [['--covariance', 'spherical'], /--covariance expects full or diag, got 'spherical'/],
    [
      ['--symbol', 'BTC\u001b]0;x\u0007'],
      /--symbol expects 1 to 64 printable characters, got 'BTC\\x1b\]0;x\\x07'/,
    ],
  ])('train %j', async (flags, message) => {
    const { code, stderr } = await cli('train', KLINES, '--out', join(dir, 'm.json'), ...flags);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expectOneLine(stderr);
  });

  it('train --out <a directory> and --out in a missing folder fail before reading a line', async () => {
    for (const out of [outDir, join(dir, 'missing', 'm.json')]) {
      const { code, stderr } = await cli('train', KLINES, '--out', out);
      expect(code).toBe(2);
      expect(stderr).toMatch(/--out .*(is a directory|cannot write into)/);
      expect(stderr).not.toMatch(/reading/); // no progress: training never started
      expectOneLine(stderr);
    }
  });

  it('a missing input file, an unknown option or a missing argument is a usage error', async () => {
    for (const args of [
      ['train', 'nope.csv', '--out', join(dir, 'm.json')],
      ['bars', TRADES, '--bogus'],
      ['replay', '--bogus'],
      ['bars', join(dir, 'nope.csv')],
    ]) {
      const { code, stderr } = await cli(...args);
      expect(code, args.join(' ')).toBe(2);
      expectOneLine(stderr);
    }
  });

  it('replay --model /dev/zero is refused at once, as is a model that is a directory', async () => {
    for (const model of ['/dev/zero', outDir]) {
      const { code, stderr } = await cli('replay', KLINES, '--model', model);
      expect(code).toBe(2);
      expect(stderr).toMatch(/not a regular file/);
      expectOneLine(stderr);
    }
  });

  it('kafka: produce without --symbol, bad brokers and bad numbers are usage errors', async () => {
    for (const [args, message] of [
      [['kafka', 'produce', TRADES], /--symbol is needed for a file/],
      [['kafka', 'produce', 'binance'], /name the symbols to stream/],
      [['kafka', 'produce', 'ccxt:bybit'], /name the symbols to stream: 'kafka produce ccxt:bybit BTC\/USDT/],
      [
        ['kafka', 'produce', 'ccxt:By-bit', 'BTC/USDT'],
        /expected ccxt:<exchange id>, e\.g\. ccxt:bybit, got 'ccxt:By-bit'/,
      ],
      [['kafka', 'produce', join(dir, 'nope.csv'), '--symbol', 'BTCUSDT'], /no such file/],
      [['kafka', 'run', '--brokers', 'localhost'], /--brokers expects host:port/],
      [['kafka', 'run', '--snapshot-every', '0'], /--snapshot-every must be a positive integer, got '0'/],
      [['kafka', 'run', '--max-symbols', '1.5'], /--max-symbols must be a positive integer, got '1\.5'/],
      [['kafka', 'run', '--signal-format', 'avro'], /--signal-format must be json or binary, got 'avro'/],
      [['kafka', 'run', '--model', '/dev/zero'], /cannot load the model: \/dev\/zero: not a regular file/],
    ] as const) {
      const { code, stderr } = await cli(...args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toMatch(message);
      expectOneLine(stderr);
    }
  });

  it('kafka produce ccxt:<id> of an exchange ccxt does not have fails with one line before connecting', async () => {
    const { code, stderr } = await cli(
      'kafka',
      'produce',
      'ccxt:nopex',
      'BTC/USDT',
      '--brokers',
      '127.0.0.1:1',
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^microstream: error: ccxt has no WebSocket exchange "nopex"; some it has: .*binance,/,
    );
    expectOneLine(stderr);
  });

  it('kafka run against a port where no broker listens fails with one line, exit code 1', async () => {
    const { code, stderr } = await cli('kafka', 'run', '--brokers', '127.0.0.1:1', '--quiet');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^microstream: error: .*(connect|broker|failed)/i);
    // It names the cause (the address and the refusal), not only how often the client retried.
    expect(stderr).toMatch(/127\.0\.0\.1:1.*ECONNREFUSED/);
    expect(stderr).not.toMatch(/(failed \d+ times.*){3}/);
    expectOneLine(stderr);
  }, 60_000);
});

describe('CLI errors: unusable input files exit 1 with a clear message', () => {
  const rows = 'x,y,z,w,v,u\n1,2,three,4,5,6\n\u0001,\u0002\n';
  const garbage = {
    klines: file('garbage-klines.csv', `open_time,open,high,low,close,volume\n${rows}`),
    aggTrades: file(
      'garbage-trades.csv',
      `agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n${rows}`,
    ),
  };
  const empty = file('empty.csv', '');

  it.each([['bars'], ['replay'], ['evaluate'], ['train']])('%s: every line malformed', async (command) => {
    const extra = command === 'train' ? ['--out', join(dir, 'm.json')] : [];
    const input = command === 'bars' ? garbage.aggTrades : garbage.klines;
    const { code, stderr } = await cli(command, input, ...extra, '--quiet');
    expect(code).toBe(1);
    expect(stderr).toMatch(/every line is malformed \(3 lines; line 2: /);
    expectOneLine(stderr);
  });

  it('train without --quiet quotes a few malformed lines, not every one of them', async () => {
    const bad = 'x,\u001b[31my\n'.repeat(1000);
    const input = file('many-malformed.csv', `open_time,open,high,low,close,volume\n${bad}`);
    const { code, stderr } = await cli('train', input, '--out', join(dir, 'm.json'));
    expect(code).toBe(1);
    const lines = stderr.trimEnd().split('\n');
    expect(lines.filter((l) => /skipped malformed line/.test(l))).toHaveLength(5);
    expect(lines).toHaveLength(7);
    expect(lines[5]).toMatch(/more malformed lines skipped/);
    expect(lines[6]).toMatch(/every line is malformed \(1000 lines; line 2: /);
    expect(stderr).not.toContain('\u001b');
  });

  it('bars and replay agree on an empty file: exit 1, no rows', async () => {
    for (const command of ['bars', 'replay']) {
      const { code, stderr } = await cli(command, empty, '--quiet');
      expect(code, command).toBe(1);
      expect(stderr).toMatch(/no rows \(the file is empty/);
      expectOneLine(stderr);
    }
  });

  it('escapes control bytes from a file and caps what it echoes', async () => {
    const hostile = file('hostile.csv', `open_time\u001b]0;pwned\u0007,${'x'.repeat(500_000)}\n1,2\n`);
    for (const command of ['bars', 'replay']) {
      const { code, stderr } = await cli(command, hostile, '--quiet');
      expect(code, command).toBe(1);
      expect(stderr).not.toContain('\u001b');
      expect(stderr.length).toBeLessThan(1000);
      expectOneLine(stderr);
    }
  });
});
