import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { type AddressInfo, isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import type { RegimeSignal } from '../../pipeline/signal.js';
import { positiveInteger } from '../shared/optionChecks.js';
import { ConnectionGuard } from './ConnectionGuard.js';
import { type HubStats, SignalHub, type SignalHubOptions } from './SignalHub.js';
import type { SignalSource } from './sources/source.js';
import { staticFiles } from './staticFiles.js';

/** Options of {@link startDashboard}. */
export interface DashboardOptions extends Omit<SignalHubOptions, 'source' | 'symbols'> {
  /**
   * Where the signals come from: `replaySource()`, `binanceSource()`, `tradeSource()` or your own.
   * Without one, the page shows what you hand to {@link Dashboard.publish}.
   */
  source?: SignalSource;
  /** Name shown on the page when there is no `source` (default `'signals'`). */
  name?: string;
  /** Symbols, in display order, known before their first signal when there is no `source`. */
  symbols?: string[];
  /** Interface to listen on (default `127.0.0.1`: only this machine can connect). */
  host?: string;
  /** TCP port (default 8080; 0 picks a free one). */
  port?: number;
  /** Pages connected at once, beyond which new ones are refused with 503 (default 100). */
  maxClients?: number;
  /**
   * Host names (besides `localhost` and IP addresses) the server answers to, e.g. `['dash.example.com']`
   * when exposed under a name. Requests naming any other host are refused with 421, which defeats
   * DNS rebinding: a hostile page whose name was re-pointed at this server is same-origin with
   * itself, so only the Host header gives it away.
   */
  allowedHosts?: readonly string[];
  /**
   * TCP connections at once, page loads and WebSockets together (default `maxClients` + 32). Beyond
   * it a new connection replaces the oldest idle one, or is closed unanswered when none is idle.
   */
  maxConnections?: number;
  /** TCP connections at once from one remote address, with the same rule (default 32). */
  maxConnectionsPerAddress?: number;
  /**
   * A connection that has not sent a complete request (or idles between requests) for this long
   * is closed (default 10 000 ms). WebSockets are watched by the heartbeat instead (`heartbeatMs`).
   */
  idleTimeoutMs?: number;
}

/** A running dashboard server. */
export interface Dashboard {
  /** The page's address, e.g. `http://127.0.0.1:8080/`. */
  url: string;
  /** Counters and the state of every connected page (what `GET /stats` serves, without the memory figures). */
  stats(): HubStats;
  /**
   * Shows one signal on the page (and keeps it for pages that connect later): the way to feed
   * your own detector's signals, with or without a `source`.
   */
  publish(signal: RegimeSignal): void;
  /** Settles when the source has no more data (or failed); without a source, when closed. */
  sourceDone: Promise<void>;
  /** Stops the source, disconnects every page and closes the server. */
  close(): Promise<void>;
}

/** The page's files: `src/dashboard/public/` from source, `dist/public/` (copied by the build) from the package. */
const publicDir = fileURLToPath(new URL('./public/', import.meta.url));
/** The chart library the page loads: copied into the package by the build, from node_modules in a clone. */
const chartLibrary = existsSync(join(publicDir, 'vendor/lightweight-charts.js'))
  ? join(publicDir, 'vendor/lightweight-charts.js')
  : join(
      dirname(createRequire(import.meta.url).resolve('lightweight-charts/package.json')),
      'dist/lightweight-charts.standalone.production.js',
    );
/** Largest message a page may send; ours are under 100 bytes. */
const maxPageMessageBytes = 1024;

/**
 * Starts the dashboard: an HTTP server for the page (`/`), its WebSocket (`/ws`, see
 * `protocol.ts`) and a JSON status (`/stats`: pages, skipped and dropped updates, server memory),
 * fed by `source` or by {@link Dashboard.publish}.
 *
 * Security: binds the loopback interface unless `host` says otherwise; requests naming a host other
 * than `localhost`, an IP address or one of `allowedHosts` are refused (DNS rebinding); WebSocket
 * upgrades from a page served by another origin are refused (cross-site WebSocket hijacking); pages
 * may send at most 1 KiB per message; at most `maxClients` pages, `maxConnections` TCP
 * connections at once and `maxConnectionsPerAddress` from one address, where idle connections give
 * way to new ones and are closed after `idleTimeoutMs` (so idle or half-open connections cannot
 * lock anyone out); what is queued for a page is capped (see `SignalHub`); static files
 * never leave `public/`.
 *
 * @example
 * ```ts
 * const dashboard = await startDashboard({ source: replaySource({ speed: 60 }), port: 0 });
 * console.log(`open ${dashboard.url}`);
 *
 * // Your own detector's signals:
 * const mine = await startDashboard({ name: 'my bot', symbols: ['BTCUSDT'] });
 * for await (const trade of trades) for (const signal of detector.push(trade)) mine.publish(signal);
 * ```
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { host = '127.0.0.1', port = 8080, maxClients = 100, allowedHosts = [] } = options;
  positiveInteger('maxClients', maxClients);
  if (!Array.isArray(allowedHosts) || allowedHosts.some((h) => typeof h !== 'string'))
    throw new TypeError('allowedHosts must be an array of host names, e.g. ["dashboard.example.com"]');
  const source = options.source ?? publishedOnly(options.name ?? 'signals', options.symbols ?? []);
  const knownHost = (req: IncomingMessage) => isAllowedHost(req.headers.host, allowedHosts);
  const maxConnections = options.maxConnections ?? maxClients + 32;
  const guard = new ConnectionGuard({
    maxConnections,
    maxConnectionsPerAddress: Math.min(maxConnections, options.maxConnectionsPerAddress ?? 32),
    idleTimeoutMs: options.idleTimeoutMs ?? 10_000,
  });
  const hub = new SignalHub({ ...options, source: source.name, symbols: source.symbols });
  const serveStatic = staticFiles(publicDir, { '/vendor/lightweight-charts.js': chartLibrary });
  const startedAt = Date.now();

  const server = createServer((req, res) => {
    if (!knownHost(req)) {
      res.writeHead(421, { 'content-type': 'text/plain; charset=utf-8' }).end('unknown host\n');
      return;
    }
    if (new URL(req.url ?? '/', 'http://localhost').pathname === '/stats') {
      const body = JSON.stringify({
        uptimeMs: Date.now() - startedAt,
        memory: process.memoryUsage(),
        connections: guard.stats(),
        ...hub.stats(),
      });
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
      return;
    }
    serveStatic(req, res).catch(() => res.destroy());
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxPageMessageBytes });
  server.on('connection', (socket) => guard.admit(socket));
  server.on('request', (req, res) => guard.serving(req.socket, res));
  server.on('upgrade', (req, socket, head) => {
    guard.upgraded(req.socket);
    const refusal =
      new URL(req.url ?? '/', 'http://localhost').pathname !== '/ws'
        ? '404 Not Found'
        : !knownHost(req)
          ? '421 Misdirected Request'
          : !sameOrigin(req)
            ? '403 Forbidden'
            : hub.clientCount >= maxClients
              ? '503 Service Unavailable'
              : undefined;
    if (refusal !== undefined) {
      socket.end(`HTTP/1.1 ${refusal}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => hub.attach(ws));
  });

  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  const abort = new AbortController();
  const sourceDone = source
    .run((signal) => hub.publish(signal), abort.signal)
    .then(
      () => hub.end(abort.signal.aborted ? 'server stopped' : `${source.name} finished`),
      (error: unknown) => {
        hub.end(`${source.name} failed: ${error instanceof Error ? error.message : String(error)}`);
        throw error;
      },
    );

  return {
    url: `http://${shownHost}:${address.port}/`,
    stats: () => hub.stats(),
    publish: (signal) => hub.publish(signal),
    sourceDone,
    async close() {
      abort.abort();
      await sourceDone.catch(() => undefined);
      hub.close();
      guard.close();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** True when the request has no Origin (not a browser page) or one whose host is the server's. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * True when the Host header names `localhost`, an IP address, or one of `allowed` (port ignored).
 * A missing Host (HTTP/1.0) is allowed: no browser sends one.
 */
function isAllowedHost(hostHeader: string | undefined, allowed: readonly string[]): boolean {
  if (hostHeader === undefined) return true;
  let hostname: string;
  try {
    hostname = new URL(`http://${hostHeader}`).hostname;
  } catch {
    return false;
  }
  return (
    hostname === 'localhost' || isIP(hostname.replace(/^\[|\]$/g, '')) !== 0 || allowed.includes(hostname)
  );
}

/** The source of a dashboard fed only through `publish`: it emits nothing and runs until closed. */
function publishedOnly(name: string, symbols: string[]): SignalSource {
  return {
    name,
    symbols,
    run: (_emit, abort) =>
      new Promise<void>((resolve) => {
        if (abort.aborted) resolve();
        else abort.addEventListener('abort', () => resolve(), { once: true });
      }),
  };
}
