import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { replaySource } from '../../../src/adapters/dashboard/sources/replay.js';
import {
  type Dashboard,
  type DashboardOptions,
  startDashboard,
} from '../../../src/adapters/dashboard/startDashboard.js';
import { DashboardClient } from './dashboardClient.js';

let dashboard: Dashboard | undefined;
afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

async function start(options: Partial<DashboardOptions> = {}): Promise<{ host: string; port: number }> {
  dashboard = await startDashboard({ source: replaySource({ preroll: 5 }), port: 0, ...options });
  const url = new URL(dashboard.url);
  return { host: url.hostname, port: Number(url.port) };
}

/** Sends `request` byte for byte on a fresh TCP connection (no client-side normalisation); resolves with the reply. */
function raw(port: number, request: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      text += chunk;
    });
    // A refused connection may be reset mid-write: what counts is what came back before it closed.
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }));
    socket.write(request);
  });
}

const get = (port: number, target: string, host = `127.0.0.1:${port}`) =>
  raw(port, `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);

describe('dashboard hardening', () => {
  it('listens on the loopback interface unless told otherwise', async () => {
    expect((await start()).host).toBe('127.0.0.1');
  });

  it.each([
    '/../../../../../../etc/passwd',
    '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/..%2f..%2f..%2f..%2fetc%2fpasswd',
    '/.%2e/dashboard.ts',
    '/%252e%252e/dashboard.ts',
    '/..%5cdashboard.ts',
    '//etc/passwd',
    '/%2F%2Fetc%2Fpasswd',
    '/etc/passwd',
    'http://127.0.0.1/../../../../etc/passwd',
    '/index.html%00.js',
    '/../dashboard.ts',
    '/vendor/../../dashboard.ts',
  ])('serves nothing outside public/ for GET %s', async (target) => {
    const { port } = await start();
    const reply = await get(port, target);
    expect([400, 404]).toContain(reply.status);
    expect(reply.text).not.toMatch(/root:|startDashboard/);
  });

  it('refuses requests and WebSocket upgrades naming an unknown host (DNS rebinding), even same-origin', async () => {
    const { port } = await start({ allowedHosts: ['dash.example'] });
    expect((await get(port, '/')).status).toBe(200);
    expect((await get(port, '/', `localhost:${port}`)).status).toBe(200);
    expect((await get(port, '/', `[::1]:${port}`)).status).toBe(200);
    expect((await get(port, '/', `dash.example:${port}`)).status).toBe(200);
    expect((await get(port, '/stats', `rebound.evil.example:${port}`)).status).toBe(421);
    // The rebinding page's origin is its own name, so it passes an Origin == Host check: only the Host names it.
    const upgrade = (host: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
          headers: { host, origin: `http://${host}` },
        });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', () => undefined);
      });
    expect(await upgrade(`rebound.evil.example:${port}`)).toBe(421);
    expect(await upgrade(`dash.example:${port}`)).toBe(101);
  });

  it('caps TCP connections: beyond maxConnections a new connection replaces the oldest idle one, or is closed unanswered when none is idle', async () => {
    const { port } = await start({ maxConnections: 3 });
    const url = `http://127.0.0.1:${port}/`;
    const idle = [await openSocket(port), await openSocket(port), await openSocket(port)];
    await sleep(100);
    // Idle connections give way: the newcomer is served and the oldest idle one is gone.
    expect((await get(port, '/')).status).toBe(200);
    expect(await closedWithin(idle[0], 2000)).toBe(true);
    for (const socket of idle) socket.destroy();
    // Three WebSockets are not idle: a fourth connection is closed unanswered, and served once one leaves.
    const pages = [new DashboardClient(url), new DashboardClient(url), new DashboardClient(url)];
    await Promise.all(pages.map((p) => p.opened()));
    const beyond = await get(port, '/');
    expect(beyond.status).toBe(0);
    expect(beyond.text).toBe('');
    pages[0].close();
    await sleep(100);
    expect((await get(port, '/')).status).toBe(200);
    for (const page of pages) page.close();
  });

  it('140 idle TCP connections lock out neither /stats nor a new page', async () => {
    const { port } = await start();
    const idle = await Promise.all(
      Array.from({ length: 140 }, () => openSocket(port).catch(() => undefined)),
    );
    await sleep(100);
    const began = performance.now();
    const stats = await fetch(`http://127.0.0.1:${port}/stats`);
    expect(stats.status).toBe(200);
    const body = (await stats.json()) as {
      connections: { connections: number; evicted: number };
    };
    // All 140 came from one address: at most 32 of them are held at once.
    expect(body.connections.connections).toBeLessThanOrEqual(32);
    expect(body.connections.evicted).toBeGreaterThan(0);
    const page = new DashboardClient(`http://127.0.0.1:${port}/`);
    await page.opened();
    await page.until(() => page.messages.some((m) => m.type === 'hello'), 'hello', 5000);
    expect(performance.now() - began).toBeLessThan(5000);
    page.close();
    for (const socket of idle) socket?.destroy();
  });

  it('caps connections per remote address; other addresses are still served', async () => {
    const { port } = await start({ maxConnectionsPerAddress: 3 });
    const url = `http://127.0.0.1:${port}/`;
    const pages = [new DashboardClient(url), new DashboardClient(url), new DashboardClient(url)];
    await Promise.all(pages.map((p) => p.opened()));
    const fourth = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const fourthOutcome = await new Promise<string>((resolve) => {
      fourth.on('open', () => resolve('open'));
      fourth.on('error', () => resolve('refused'));
    });
    expect(fourthOutcome).toBe('refused');
    // 127.0.0.2 is another loopback address on Linux: a different client for the server.
    const other = new WebSocket(`ws://127.0.0.1:${port}/ws`, { localAddress: '127.0.0.2' });
    const otherOutcome = await new Promise<string>((resolve) => {
      other.on('open', () => resolve('open'));
      other.on('error', (error) => resolve(`refused: ${error.message}`));
    });
    expect(otherOutcome).toBe('open');
    other.terminate();
    for (const page of pages) page.close();
  });

  it('closes a connection that sends nothing, or trickles its headers, after idleTimeoutMs', async () => {
    const { port } = await start({ idleTimeoutMs: 300 });
    const silent = await openSocket(port);
    const trickling = await openSocket(port);
    trickling.write('GET / HTTP/1.1\r\n');
    const trickle = setInterval(() => trickling.writable && trickling.write('X-Slow: 1\r\n'), 100);
    const [silentClosed, tricklingClosed] = await Promise.all([
      closedWithin(silent, 3000),
      closedWithin(trickling, 3000),
    ]);
    clearInterval(trickle);
    expect(silentClosed).toBe(true);
    expect(tricklingClosed).toBe(true);
    // A prompt request is still served.
    expect((await get(port, '/stats')).status).toBe(200);
  });

  it('repeated subscribes from a page that stops reading queue no more than the cap plus one history', async () => {
    const maxBufferedBytes = 256 * 1024;
    const drawn: number[] = [];
    await start({
      source: replaySource({ preroll: 300, speed: 1 }),
      maxBufferedBytes,
      historyLimit: 300,
      onDrawn: (r) => drawn.push(r.openTime),
    });
    const hub = dashboard as Dashboard;
    while (hub.stats().signals < 300) await sleep(10);
    const page = new DashboardClient((dashboard as Dashboard).url);
    await page.opened();
    page.subscribe('BTCUSDT');
    await page.until(() => page.messages.some((m) => m.type === 'history'), 'history');
    const historyBytes = JSON.stringify(page.messages.find((m) => m.type === 'history')).length;
    expect(historyBytes).toBeGreaterThan(100_000);
    page.ws.pause();

    let maxQueued = 0;
    const sampler = setInterval(() => {
      for (const c of hub.stats().clients) maxQueued = Math.max(maxQueued, c.bufferedAmount);
    }, 1);
    // The same symbol again and again, then switching back and forth between two symbols.
    for (let i = 0; i < 300; i++) page.subscribe('BTCUSDT');
    for (let i = 0; i < 300; i++) page.subscribe(i % 2 === 0 ? 'ETHUSDT' : 'BTCUSDT');
    // A `drawn` report after them tells when the server has handled every one of them.
    page.ws.send(JSON.stringify({ type: 'drawn', symbol: 'BTCUSDT', openTime: 7 }));
    while (!drawn.includes(7)) await sleep(5);
    await sleep(50);
    clearInterval(sampler);
    const stats = hub.stats();
    for (const c of stats.clients) maxQueued = Math.max(maxQueued, c.bufferedAmount);
    expect(stats.repeatedSubscribes).toBe(300);
    expect(maxQueued).toBeLessThanOrEqual(maxBufferedBytes + historyBytes);
    page.close();
  });

  it('disconnects a page that stops answering pings, with close code 1013 and a reason', async () => {
    // A heartbeat long enough that a loaded machine's pauses do not make the live page miss one.
    await start({ heartbeatMs: 1000 });
    const hub = dashboard as Dashboard;
    const url = (dashboard as Dashboard).url;
    const alive = new DashboardClient(url);
    const stalled = new DashboardClient(url);
    await Promise.all([alive.opened(), stalled.opened()]);
    stalled.ws.pause();
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      stalled.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    while (hub.stats().unresponsive === 0) await sleep(20);
    stalled.ws.resume();
    expect(await closed).toEqual({ code: 1013, reason: expect.stringMatching(/no answer to a ping/) });
    // Three more heartbeats: the page that answers stays.
    await sleep(3500);
    expect(hub.stats().unresponsive).toBe(1);
    expect(hub.stats().clients.length).toBe(1);
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    alive.close();
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

/** True when the server closes `socket` within `ms`. */
function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed || socket.readableEnded) resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    socket.on('error', () => undefined);
    socket.resume();
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
