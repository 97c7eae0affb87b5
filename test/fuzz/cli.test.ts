import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../cli/cliErrors.js';

const dir = mkdtempSync(join(tmpdir(), 'fuzz-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'folder'));
const klines = join(dir, 'BTCUSDT-1m.csv');
writeFileSync(
  klines,
  'open_time,open,high,low,close,volume\n1700000040000,100,101,99,100.5,3\n1700000100000,100.5,102,100,101,4\n',
);
const trades = join(dir, 'BTCUSDT-aggTrades.csv');
writeFileSync(trades, '1,100,0.5,1,1,1700000040000,true,true\n2,101,0.2,2,3,1700000041000,false,true\n');
const hostileFile = join(dir, 'hostile.csv');
writeFileSync(hostileFile, `open_time\u001b]0;x\u0007,${'y'.repeat(5000)}\n1,2\n`);

/** Text a careless or hostile user might type, or a file might hold. */
const value = fc.oneof(
  fc.constantFrom(
    '0',
    '1',
    '-1',
    '2',
    '0.5',
    '1e400',
    'NaN',
    'abc',
    '',
    ' ',
    '100000',
    '1m',
    'csv',
    'full',
    'default',
  ),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('\u001b]0;pwned\u0007', 'x'.repeat(3000), '--', '-', '127.0.0.1:1x', 'localhost'),
);
const file = fc.constantFrom(
  klines,
  trades,
  hostileFile,
  '/dev/zero',
  join(dir, 'folder'),
  join(dir, 'missing.csv'),
);
const option = (names: string[]) => fc.tuple(fc.constantFrom(...names), value).map(([name, v]) => [name, v]);

const commands: Record<string, string[]> = {
  bars: ['--interval', '--format', '--symbol', '--bogus'],
  replay: ['--model', '--format', '--symbol', '--bogus'],
  train: [
    '--out',
    '--seed',
    '--states',
    '--features',
    '--trans-prior',
    '--contamination',
    '--covariance',
    '--max-iter',
    '--symbol',
  ],
  evaluate: ['--model', '--max-iter', '--horizon', '--half-life', '--top-days', '--walk-forward'],
};

/** An argv for one command: files and options in any order, sometimes repeated or missing. */
const argv = fc.oneof(
  ...Object.entries(commands).map(([command, names]) =>
    fc
      .tuple(fc.array(file, { maxLength: 2 }), fc.array(option(names), { maxLength: 4 }), fc.boolean())
      .map(([files, options, quiet]) => [
        command,
        ...files,
        ...options.flat(),
        ...(quiet ? ['--quiet'] : []),
      ]),
  ),
  // kafka with a broker list that is never a reachable broker (no connection attempts in a fuzz run).
  fc
    .tuple(
      fc.constantFrom('run', 'produce'),
      fc.array(file, { maxLength: 1 }),
      value,
      fc.array(option(['--symbol', '--snapshot-every', '--replicas', '--market', '--model']), {
        maxLength: 3,
      }),
    )
    .map(([sub, files, brokers, options]) => [
      'kafka',
      sub,
      ...files,
      '--brokers',
      `${brokers}x:`,
      ...options.flat(),
    ]),
  fc.array(value, { maxLength: 4 }),
);

describe('fuzz: the CLI argument parser', () => {
  it('any command line ends with exit code 0, 1 or 2; a failure is one printable, capped line on stderr', async () => {
    await fc.assert(
      fc.asyncProperty(argv, async (args) => {
        const { code, stderr } = await cli(...args);
        expect([0, 1, 2]).toContain(code);
        // No raw control character ever reaches the terminal, whatever the arguments or files held.
        // biome-ignore lint/suspicious/noControlCharactersInRegex: checking that none got through.
        expect(stderr.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
        if (code !== 0 && !args.includes('--help')) {
          const lines = stderr.trimEnd().split('\n');
          expect(lines.at(-1)).toMatch(/error/);
          expect(lines.at(-1)?.length).toBeLessThan(1000);
          expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
        }
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});
