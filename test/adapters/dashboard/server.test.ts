import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { bundledReplayFile, replaySource } from '../../../src/adapters/dashboard/sources/replay.js';
import { type Dashboard, startDashboard } from '../../../src/adapters/dashboard/startDashboard.js';
import { createRegimeDetector, type RegimeSignal } from '../../../src/index.js';
import { readKlines } from '../../../src/node/index.js';
import { DashboardClient } from './dashboardClient.js';

const minute = 60_000;
const workDir = mkdtempSync(join(tmpdir(), 'dashboard-test-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** A slice of the bundled real klines (header + the first `bars` rows) as a plain CSV file. */
function klinesSlice(bars: number): string {
  const lines = gunzipSync(readFileSync(bundledReplayFile)).toString('utf8').split('\n');
  const file = join(workDir, `slice-${bars}.csv`);
  writeFileSync(file, `${lines.slice(0, bars + 1).join('\n')}\n`);
  return file;
}

/** The signals of a file computed independently of the server: the detector run directly. */
async function expectedSignals(file: string): Promise<RegimeSignal[]> {
  const detector = createRegimeDetector({ symbol: 'BTCUSDT' });
  const signals: RegimeSignal[] = [];
  for await (const bar of readKlines(file, { symbol: 'BTCUSDT' })) signals.push(...detector.pushBar(bar));
  signals.push(...detector.flush());
  return JSON.parse(JSON.stringify(signals));
}

/** Open times must follow each other by one interval: no hole, no repeat. */
function expectContiguous(signals: RegimeSignal[]): void {
  for (let i = 1; i < signals.length; i++)
    expect(signals[i].bar.openTime - signals[i - 1].bar.openTime).toBe(minute);
}

let dashboard: Dashboard | undefined;
afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

describe('dashboard server', () => {
  it('sends a new page the last N signals, then every live signal in order, equal to the detector run directly', async () => {
    const file = klinesSlice(400);
    // 300 bars at once, then the last 100 at 3 000× (a bar every 20 ms), so the page joins mid-stream.
    dashboard = await startDashboard({
      source: replaySource({ file, speed: 3000, preroll: 300 }),
      port: 0,
      historyLimit: 120,
    });
    const client = new DashboardClient(dashboard.url);
    await client.opened();
    await client.until(() => client.messages.length > 0, 'hello');
    expect(client.messages[0]).toEqual({
      type: 'hello',
      source: 'replay',
      symbols: ['BTCUSDT'],
      historyLimit: 120,
    });
    // Subscribe once the burst of 300 is out, while the paced bars (2 s of them) are still to come.
    while (dashboard.stats().signals < 300) await new Promise((resolve) => setTimeout(resolve, 5));
    client.subscribe('BTCUSDT');
    await client.until(() => client.messages.some((m) => m.type === 'end'), 'the end of the replay');

    const history = client.messages.find((m) => m.type === 'history');
    expect(history?.type === 'history' && history.signals.length).toBe(120);
    expect(client.messages.filter((m) => m.type === 'signal').length).toBeGreaterThan(0);
    const expected = await expectedSignals(file);
    expect(expected.length).toBe(400);
    expect(client.signals).toEqual(expected.slice(-client.signals.length));
    expect(client.signals.length).toBeGreaterThan(120);
    expectContiguous(client.signals);
    expect(dashboard.stats()).toMatchObject({ signals: 400, skipped: 0, dropped: 0, badMessages: 0 });
    client.close();
  });

  it('skips, then drops a page that stops reading, without holding more than the cap for it', async () => {
    const maxBufferedBytes = 64 * 1024;
    const historyLimit = 20;
    // The whole bundled file (41 761 bars, ~30 MB of frames) at 600 000× (10 bars per ms): more than
    // the kernel's loopback buffers absorb, so the stalled page's queue must reach the cap.
    dashboard = await startDashboard({
      source: replaySource({ speed: 600_000, preroll: 0 }),
      port: 0,
      historyLimit,
      maxBufferedBytes,
      dropAfterMs: 300,
    });
    const fast = new DashboardClient(dashboard.url);
    await fast.opened();
    const stalled = new DashboardClient(dashboard.url);
    await stalled.opened();
    fast.subscribe('BTCUSDT');
    stalled.subscribe('BTCUSDT');
    await stalled.until(() => stalled.messages.some((m) => m.type === 'history'), 'history');
    stalled.ws.pause();

    let maxQueued = 0;
    let stalledSkipped = 0;
    const hub = dashboard;
    const sampler = setInterval(() => {
      for (const c of hub.stats().clients) {
        if (c.id !== 2) continue;
        maxQueued = Math.max(maxQueued, c.bufferedAmount);
        stalledSkipped = c.skipped;
      }
    }, 1);
    await dashboard.sourceDone;
    await fast.until(() => fast.messages.some((m) => m.type === 'end'), 'the end of the replay');
    clearInterval(sampler);

    const stats = hub.stats();
    expect(stats.dropped).toBe(1);
    expect(stats.clients.map((c) => c.id)).toEqual([1]);
    expect(stalledSkipped).toBeGreaterThan(0);
    expect(stats.skipped).toBeGreaterThanOrEqual(stalledSkipped);
    // The cap plus at most one frame on top of it (a history message is the largest frame).
    const largestFrame = JSON.stringify({
      type: 'history',
      signals: fast.signals.slice(-historyLimit),
    }).length;
    expect(maxQueued).toBeGreaterThan(0);
    expect(maxQueued).toBeLessThanOrEqual(maxBufferedBytes + largestFrame);
    // The page that kept up was never skipped and got every signal, in order, to the last bar.
    expect(fast.messages.filter((m) => m.type === 'history').length).toBe(1);
    expect(stats.clients[0].skipped).toBe(0);
    expect(fast.signals.length).toBeGreaterThan(40_000);
    const lastLine = gunzipSync(readFileSync(bundledReplayFile)).toString('utf8').trim().split('\n').at(-1);
    expect(fast.signals.at(-1)?.bar.openTime).toBe(Number(lastLine?.split(',')[0]));
    expectContiguous(fast.signals);
    fast.close();
    stalled.close();
  }, 60_000);

  it('refuses a bad maxClients or allowedHosts before it listens', async () => {
    for (const maxClients of [0, 1.5, Number.NaN])
      await expect(startDashboard({ port: 0, maxClients })).rejects.toThrow(
        /maxClients must be an integer > 0/,
      );
    await expect(startDashboard({ port: 0, allowedHosts: 'example.com' as never })).rejects.toThrow(
      /allowedHosts must be an array of host names/,
    );
    // Timers told to wait 2^31 ms or more fire after 1 ms: a heartbeat ping every millisecond,
    // idle connections closed at once.
    const timers: [Record<string, unknown>, RegExp][] = [
      [{ heartbeatMs: Number.POSITIVE_INFINITY }, /heartbeatMs must be a number of ms in \(0, 2147483647\]/],
      [{ idleTimeoutMs: 2 ** 31 }, /idleTimeoutMs must be a number of ms in \(0, 2147483647\]/],
      [{ dropAfterMs: Number.NaN }, /dropAfterMs must be a number of ms in \[0, 2147483647\]/],
      [{ maxBufferedBytes: -1 }, /maxBufferedBytes must be a finite number > 0/],
      [{ historyLimit: 0.5 }, /historyLimit must be an integer > 0/],
      [{ maxConnections: 10.5 }, /maxConnections must be an integer > 0/],
      [{ maxConnectionsPerAddress: 0 }, /maxConnectionsPerAddress must be an integer > 0/],
      [{ onDrawn: 'log' }, /onDrawn must be a function/],
    ];
    for (const [change, message] of timers)
      await expect(startDashboard({ port: 0, ...change })).rejects.toThrow(message);
  });

  it('refuses cross-origin pages and pages beyond maxClients; ignores and counts bad messages', async () => {
    dashboard = await startDashboard({
      source: replaySource({ file: klinesSlice(50) }),
      port: 0,
      maxClients: 2,
    });
    const host = new URL(dashboard.url).host;
    const refusedStatus = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://${host}/ws`, { headers });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => resolve(101));
        ws.on('error', () => undefined);
      });
    expect(await refusedStatus({ origin: 'http://evil.example' })).toBe(403);

    const sameOrigin = new DashboardClient(dashboard.url, { origin: `http://${host}` });
    const noOrigin = new DashboardClient(dashboard.url);
    await Promise.all([sameOrigin.opened(), noOrigin.opened()]);
    expect(await refusedStatus({})).toBe(503);

    await dashboard.sourceDone;
    sameOrigin.ws.send('not json');
    sameOrigin.ws.send(JSON.stringify({ type: 'subscribe', symbol: 42 }));
    sameOrigin.subscribe('BTCUSDT');
    await sameOrigin.until(() => sameOrigin.signals.length === 50, 'history of 50 bars');
    expect(dashboard.stats().badMessages).toBe(2);

    const closed = new Promise<number>((resolve) => noOrigin.ws.on('close', (code) => resolve(code)));
    noOrigin.ws.send(JSON.stringify({ type: 'subscribe', symbol: 'x'.repeat(2000) }));
    expect(await closed).toBe(1009);
    sameOrigin.close();
  });
});
