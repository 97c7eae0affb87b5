import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type Dashboard, type DashboardOptions, startDashboard } from '../../examples/dashboard/dashboard.js';
import { replaySource } from '../../examples/dashboard/sources/replay.js';

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

  it('caps TCP connections: beyond maxConnections a connection is closed unanswered, and freed slots are reused', async () => {
    const { port } = await start({ maxConnections: 3 });
    const open = (): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => resolve(socket));
        socket.on('error', reject);
      });
    const idle = [await open(), await open(), await open()];
    // Let the server account for them before the next one arrives.
    await new Promise((r) => setTimeout(r, 100));
    const beyond = await get(port, '/');
    expect(beyond.status).toBe(0);
    expect(beyond.text).toBe('');
    for (const socket of idle) socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await get(port, '/')).status).toBe(200);
  });
});
