import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';

/** `microstream dashboard` from source, as `npm start` runs it. */
function dashboard(...args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'dashboard', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('microstream dashboard', () => {
  it('replays the bundled month on the given port and symbol, and stops on SIGTERM', async () => {
    const server = dashboard('--port', '0', '--speed', '60000', '--symbols', 'btcusdt');
    try {
      const [line] = (await once(createInterface({ input: server.stdout }), 'line')) as [string];
      expect(line).toMatch(/^microstream dashboard \(replay, BTCUSDT\): http:\/\/127\.0\.0\.1:\d+\/$/);
      const url = line.slice(line.indexOf('http://'));
      expect((await fetch(url)).status).toBe(200);
      expect((await fetch(`${url}vendor/lightweight-charts.js`)).status).toBe(200);
      const stats = (await (await fetch(`${url}stats`)).json()) as { source: string; symbols: string[] };
      expect(stats).toMatchObject({ source: 'replay', symbols: ['BTCUSDT'] });
      const exited = once(server, 'exit');
      server.kill('SIGTERM');
      expect(await exited).toEqual([0, null]);
    } finally {
      server.kill();
    }
  });

  it('reports a source that fails after the start on one line, without a stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'microstream-dashboard-'));
    const corrupt = join(dir, 'BTCUSDT-1m.csv.gz');
    writeFileSync(corrupt, 'not gzip at all');
    const server = dashboard('--port', '0', '--file', corrupt);
    let stderr = '';
    server.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    try {
      while (!stderr.includes('\n')) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 300)); // anything printed after it
      expect(stderr).toMatch(
        /^microstream dashboard: replay failed: .*BTCUSDT-1m\.csv\.gz: not a valid gzip file.*\n$/,
      );
      expect(stderr.split('\n')).toHaveLength(2);
      expect(server.exitCode).toBe(null); // the server stays up: pages keep what they have
    } finally {
      server.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [['--source', 'ftx'], /--source must be replay, binance, kafka or ccxt:<exchange id>, got 'ftx'/],
    [['--port', '70000'], /--port must be a TCP port, got '70000'/],
    [['--speed', '0'], /--speed must be a number > 0, got '0'/],
    [['--from', 'yesterday'], /--from must be a date such as 2024-12-05T00:00Z, got 'yesterday'/],
    [['--source', 'binance', '--market', 'coinm'], /--market must be spot or usdm, got 'coinm'/],
    [['--model', 'no-such-model.json'], /cannot load the model no-such-model\.json/],
    [['--file', 'no-such-klines.csv'], /--file no-such-klines\.csv: no such file/],
    [['--file', 'fixtures'], /--file fixtures: not a file/],
  ])('refuses %j with exit code 2 and a message naming the flag', (args, message) => {
    // A refusal comes at once; a server that started instead is killed after 20 s and fails here.
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'dashboard', ...args], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('refuses --source ccxt:<id> of an exchange ccxt does not have, before serving a page', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'dashboard', '--source', 'ccxt:nopex', '--port', '0'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^microstream: error: ccxt has no WebSocket exchange "nopex"; some it has: .*binance,/,
    );
  });
});
