import { WebSocket } from 'ws';
import type { RegimeSignal } from '../../src/index.js';
import type { ClientMessage, HelloMessage } from './protocol.js';

/** Options of {@link SignalHub}. */
export interface SignalHubOptions {
  /** Name of the source shown to pages, e.g. `'replay'`. */
  source: string;
  /** Symbols known before their first signal, in display order. */
  symbols?: string[];
  /** Signals kept per symbol and sent to a page when it subscribes (default 500). */
  historyLimit?: number;
  /** A page with more than this many bytes not yet sent is skipped for live updates (default 1 MiB). */
  maxBufferedBytes?: number;
  /** A page skipped for this long is disconnected (default 5 000 ms); it reconnects by itself. */
  dropAfterMs?: number;
  /** Called when a page reports it has drawn a bar (`receivedAt` is the server's wall clock, ms). */
  onDrawn?: (report: { client: number; symbol: string; openTime: number; receivedAt: number }) => void;
}

/** One connected page as {@link SignalHub.stats} reports it. */
export interface HubClientStats {
  id: number;
  /** Subscribed symbol, `''` before the page subscribed. */
  symbol: string;
  /** Bytes queued for the page and not yet written to its socket. */
  bufferedAmount: number;
  /** Live updates skipped because the page was too slow. */
  skipped: number;
  /** Open time of the last bar the page reported drawn, -1 before the first. */
  drawnOpenTime: number;
}

/** Counters of {@link SignalHub}. */
export interface HubStats {
  source: string;
  symbols: string[];
  /** Signals published since start. */
  signals: number;
  clients: HubClientStats[];
  /** Live updates skipped for slow pages, all pages together. */
  skipped: number;
  /** Pages disconnected for being too slow. */
  dropped: number;
  /** Page messages that were not valid protocol messages (ignored). */
  badMessages: number;
}

interface Client {
  id: number;
  ws: WebSocket;
  symbol: string;
  skipped: number;
  /** Server time when skipping began, -1 while the page keeps up. */
  skippingSince: number;
  drawnOpenTime: number;
}

/** Server wall-clock time in epoch ms with sub-millisecond resolution. */
export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Fans signals out to connected pages: keeps the last N signals per symbol for pages that connect
 * later, and never lets a slow page grow the server's memory.
 *
 * Each signal is serialised once and the same frame goes to every page subscribed to its symbol.
 * A page whose socket has more than `maxBufferedBytes` queued is skipped for live updates; once it
 * has drained, it gets the whole history again (so its charts have no holes); a page still behind
 * after `dropAfterMs` is disconnected. What the server holds per page is therefore bounded by
 * `maxBufferedBytes` plus one history message.
 *
 * @example
 * ```ts
 * const hub = new SignalHub({ source: 'replay', symbols: ['BTCUSDT'] });
 * wss.on('connection', (ws) => hub.attach(ws));
 * for await (const signal of source.signals(abort.signal)) hub.publish(signal);
 * ```
 */
export class SignalHub {
  readonly #source: string;
  readonly #symbols: string[];
  readonly #historyLimit: number;
  readonly #maxBufferedBytes: number;
  readonly #dropAfterMs: number;
  readonly #onDrawn: SignalHubOptions['onDrawn'];
  /** Per symbol, the last signals already serialised as JSON, oldest first. */
  readonly #history = new Map<string, string[]>();
  readonly #clients = new Set<Client>();
  #nextId = 1;
  #signals = 0;
  #skipped = 0;
  #dropped = 0;
  #badMessages = 0;
  #ended: string | undefined;

  constructor(options: SignalHubOptions) {
    this.#source = options.source;
    this.#symbols = [...(options.symbols ?? [])];
    this.#historyLimit = options.historyLimit ?? 500;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
    this.#dropAfterMs = options.dropAfterMs ?? 5000;
    this.#onDrawn = options.onDrawn;
    if (!Number.isInteger(this.#historyLimit) || this.#historyLimit < 1) {
      throw new RangeError(`historyLimit must be a positive integer, got ${options.historyLimit}`);
    }
  }

  /** Number of connected pages. */
  get clientCount(): number {
    return this.#clients.size;
  }

  /** Sends one signal to every page subscribed to its symbol and remembers it for later pages. */
  publish(signal: RegimeSignal): void {
    const json = JSON.stringify(signal);
    this.#signals++;
    let history = this.#history.get(signal.symbol);
    if (history === undefined) {
      history = [];
      this.#history.set(signal.symbol, history);
      if (!this.#symbols.includes(signal.symbol)) {
        this.#symbols.push(signal.symbol);
        this.#broadcast(JSON.stringify({ type: 'symbols', symbols: this.#symbols }));
      }
    }
    history.push(json);
    if (history.length > this.#historyLimit) history.shift();
    const frame = `{"type":"signal","sentAt":${wallClock()},"signal":${json}}`;
    for (const client of this.#clients) {
      if (client.symbol === signal.symbol) this.#deliver(client, frame);
    }
  }

  /** Tells every page that no more signals will come, and why. */
  end(reason: string): void {
    this.#ended = reason;
    this.#broadcast(JSON.stringify({ type: 'end', reason }));
  }

  /** Takes charge of a newly connected page: greets it and listens for its messages. */
  attach(ws: WebSocket): void {
    const client: Client = {
      id: this.#nextId++,
      ws,
      symbol: '',
      skipped: 0,
      skippingSince: -1,
      drawnOpenTime: -1,
    };
    this.#clients.add(client);
    ws.on('close', () => this.#clients.delete(client));
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => this.#receive(client, isBinary ? '' : data.toString()));
    const hello: HelloMessage = {
      type: 'hello',
      source: this.#source,
      symbols: this.#symbols,
      historyLimit: this.#historyLimit,
    };
    ws.send(JSON.stringify(hello));
    if (this.#ended !== undefined) ws.send(JSON.stringify({ type: 'end', reason: this.#ended }));
  }

  /** Counters and the state of every connected page. */
  stats(): HubStats {
    return {
      source: this.#source,
      symbols: [...this.#symbols],
      signals: this.#signals,
      clients: [...this.#clients].map((c) => ({
        id: c.id,
        symbol: c.symbol,
        bufferedAmount: c.ws.bufferedAmount,
        skipped: c.skipped,
        drawnOpenTime: c.drawnOpenTime,
      })),
      skipped: this.#skipped,
      dropped: this.#dropped,
      badMessages: this.#badMessages,
    };
  }

  #receive(client: Client, text: string): void {
    const message = parseClientMessage(text);
    if (message === undefined) {
      this.#badMessages++;
      return;
    }
    if (message.type === 'subscribe') {
      client.symbol = message.symbol;
      client.skippingSince = -1;
      this.#sendHistory(client);
    } else if (message.symbol === client.symbol) {
      client.drawnOpenTime = message.openTime;
      this.#onDrawn?.({
        client: client.id,
        symbol: message.symbol,
        openTime: message.openTime,
        receivedAt: wallClock(),
      });
    }
  }

  #deliver(client: Client, frame: string): void {
    const { ws } = client;
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > this.#maxBufferedBytes) {
      client.skipped++;
      this.#skipped++;
      const now = performance.now();
      if (client.skippingSince < 0) client.skippingSince = now;
      else if (now - client.skippingSince >= this.#dropAfterMs) {
        this.#dropped++;
        this.#clients.delete(client);
        ws.terminate();
      }
      return;
    }
    if (client.skippingSince >= 0) {
      // Caught up after skipping: the history (which already holds this signal) fills the holes.
      client.skippingSince = -1;
      this.#sendHistory(client);
      return;
    }
    ws.send(frame);
  }

  #sendHistory(client: Client): void {
    if (client.ws.readyState !== WebSocket.OPEN) return;
    const signals = this.#history.get(client.symbol) ?? [];
    client.ws.send(
      `{"type":"history","symbol":${JSON.stringify(client.symbol)},"signals":[${signals.join(',')}]}`,
    );
  }

  #broadcast(frame: string): void {
    for (const client of this.#clients) if (client.ws.readyState === WebSocket.OPEN) client.ws.send(frame);
  }
}

/** Parses a page's message; `undefined` when it is not a valid {@link ClientMessage}. */
function parseClientMessage(text: string): ClientMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  if (typeof m.symbol !== 'string' || m.symbol.length > 64) return undefined;
  if (m.type === 'subscribe') return { type: 'subscribe', symbol: m.symbol };
  if (m.type === 'drawn' && typeof m.openTime === 'number' && Number.isFinite(m.openTime)) {
    return { type: 'drawn', symbol: m.symbol, openTime: m.openTime };
  }
  return undefined;
}
