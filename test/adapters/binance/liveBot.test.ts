import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { binanceKlines } from '../../../src/adapters/binance/binanceKlines.js';
import { createRegimeRouter } from '../../../src/index.js';
import { FakeBinance } from './fakeBinance.js';
import { waitFor } from './harness.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const MINUTE = 60_000;
let fake: FakeBinance | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Minutes of history: the default model's warm-up (1 500 bars) and a little more. */
const H = 1_510;

describe('examples/live-bot.ts against a fake Binance', () => {
  it('warms up from klines, feeds live trades to the router and prints regime changes', async () => {
    fake = await FakeBinance.start({ symbols: SYMBOLS, startPrice: 87_000 });
    const f = fake;
    // H calm minutes of history (the default model warms up in 1 500 bars: its baselines need a
    // day), 60 trades a minute, ending 30 minutes ago.
    const t0 = Math.floor(Date.now() / MINUTE) * MINUTE - (H + 30) * MINUTE;
    f.volatility = 0.0001;
    for (let m = 0; m < H; m++) {
      for (const s of SYMBOLS) for (let k = 0; k < 60; k++) f.publish(s, 1, t0 + m * MINUTE + k * 1000);
    }
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'examples/live-bot.ts',
        ...['--symbols', SYMBOLS.join(','), '--ws-url', f.wsUrl, '--rest-url', f.restUrl],
        // The bot stops itself; 20 s leave a loaded machine room to start it and take every trade.
        ...['--warmup-minutes', String(H + 40), '--duration', '20'],
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await waitFor('the bot to subscribe', () => f.connections.some((c) => c.streams.size === 2), 20_000);
    // Ten more minutes live, the middle four of them turbulent: 10x the volatility, 5x the trades.
    for (let m = H; m < H + 10; m++) {
      const turbulent = m >= H + 4 && m < H + 8;
      f.volatility = turbulent ? 0.002 : 0.0001;
      const n = turbulent ? 300 : 60;
      for (let k = 0; k < n; k++) {
        for (const s of SYMBOLS) f.publish(s, 1, t0 + m * MINUTE + Math.floor((k * MINUTE) / n));
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await exited, stderr).toBe(0);
    for (const s of SYMBOLS) {
      // Warmed up from H + 1 klines: the H minutes of history and minute H, the minute of the first
      // live trade, taken complete from REST; its 60 live trades are counted late, not twice. Then
      // 8 live bars from trades (minute H + 9 is still open when the bot stops).
      expect(stdout).toMatch(new RegExp(`${s} +warm after ${H + 1} bars: (Stable|Volatile|Crisis) p=`));
      expect(stdout).toMatch(
        new RegExp(`summary ${s}: ${H + 9} bars, \\d+ regime changes, 60 live trades already in the klines`),
      );
    }
    expect(stdout).toMatch(
      /stream: \d+ trades, 0 reconnects, 0 filled from REST, 0 duplicates dropped, 0 malformed/,
    );
    // The changes printed are those of the same model run offline over the exchange's own klines.
    const printed = stdout
      .split('\n')
      .map((l) => /^(\S+ \S+) +(\S+) +→ (\S+)/.exec(l))
      .filter((m) => m !== null)
      .map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    const offline: string[] = [];
    const router = createRegimeRouter();
    for (const symbol of SYMBOLS) {
      const bars = binanceKlines({
        symbol,
        interval: '1m',
        startTime: t0,
        endTime: t0 + (H + 8) * MINUTE,
        restUrl: f.restUrl,
      });
      for await (const bar of bars) {
        for (const s of router.pushBar(bar)) {
          if (s.warm && s.regime.changed) {
            offline.push(
              `${new Date(s.bar.openTime).toISOString().slice(0, 16).replace('T', ' ')} ${symbol} ${s.regime.label}`,
            );
          }
        }
      }
    }
    expect(offline.length).toBeGreaterThan(0);
    expect(printed.sort()).toEqual(offline.sort());
  }, 60_000);
});
