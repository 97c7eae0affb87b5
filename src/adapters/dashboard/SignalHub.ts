import { WebSocket } from 'ws';
import type { RegimeSignal } from '../../pipeline/signal.js';
import { optionalFunction, positive, positiveInteger, timerMs } from '../shared/optionChecks.js';
import type { ClientMessage, HelloMessage } from './protocol.js';

/** Options of `SignalHub`. */
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
  /**
   * Interval of the WebSocket heartbeat (default 15 000 ms): each page is pinged this often, and a
   * page that has not answered the previous ping (a dead peer, or one that stopped reading) is
   * disconnected. Browsers answer pings by themselves.
   */
  heartbeatMs?: number;
  /** Called when a page reports it has drawn a bar (`receivedAt` is the server's wall clock, ms). */
  onDrawn?: (report: { client: number; symbol: string; openTime: number; receivedAt: number }) => void;
}

/** One connected page as `stats()` reports it. */
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

/** Counters of `SignalHub`. */
export interface HubStats {
  source: string;
  symbols: string[];
  /** Signals published since start. */
  signals: number;
  clients: HubClientStats[];
  /** Live updates skipped for slow pages, all pages together. */
  skipped: number;
  /** Pages disconnected for being too slow (more than `maxBufferedBytes` queued for `dropAfterMs`). */
  dropped: number;
  /** Pages disconnected for not answering a heartbeat ping. */
  unresponsive: number;
  /** `subscribe` messages for the symbol the page already had: answered by nothing (no second history). */
  repeatedSubscribes: number;
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
  /** A history message handed to the socket and not yet written out to the network. */
  historyInFlight: boolean;
  /** State the page is owed, sent (in this order) as soon as its queue is under the cap. */
  owesSymbols: boolean;
  owesHistory: boolean;
  owesEnd: boolean;
  /** False from a heartbeat ping until its pong. */
  answeredPing: boolean;
}

/** Close code for a page disconnected by the server (RFC 6455 1013: try again later). */
const tryAgainLater = 1013;

/** Server wall-clock time in epoch ms with sub-millisecond resolution. */
export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Fans signals out to connected pages: keeps the last N signals per symbol for pages that connect
 * later, and never lets a slow, stalled or hostile page grow the server's memory.
 *
 * Each signal is serialised once and the same frame goes to every page subscribed to its symbol.
 * Every frame, whatever its kind, is queued for a page only while the page has at most
 * `maxBufferedBytes` waiting: a live update beyond that is skipped, and the state messages
 * (`symbols`, `history`, `end`) are owed and sent once the page has drained, the history being
 * the whole history again (so its charts have no holes). A `subscribe` for the symbol the page
 * already has is answered by nothing, and a page switching symbols has at most one history on its
 * way at a time, so repeating `subscribe` queues nothing. A page still behind after `dropAfterMs`,
 * or silent to a heartbeat ping for `heartbeatMs`, is disconnected with close code 1013 and a
 * reason. What the server holds per page is therefore bounded by `maxBufferedBytes` plus one
 * `symbols`, one `history` and one `end` message.
 *
 * Call {@link SignalHub.close} when done: it stops the hub's timer.
 *
 * @example
 * ```ts
 * const hub = new SignalHub({ source: 'replay', symbols: ['BTCUSDT'] });
 * wss.on('connection', (ws) => hub.attach(ws));
 * for await (const signal of source.signals(abort.signal)) hub.publish(signal);
 * hub.close();
 * ```
 */
export class SignalHub {
  readonly #source: string;
  readonly #symbols: string[];
  readonly #historyLimit: number;
  readonly #maxBufferedBytes: number;
  readonly #dropAfterMs: number;
  readonly #heartbeatMs: number;
  readonly #onDrawn: SignalHubOptions['onDrawn'];
  /** Per symbol, the last signals already serialised as JSON, oldest first. */
  readonly #history = new Map<string, string[]>();
  readonly #clients = new Set<Client>();
  #nextId = 1;
  #signals = 0;
  #skipped = 0;
  #dropped = 0;
  #unresponsive = 0;
  #repeatedSubscribes = 0;
  #badMessages = 0;
  #ended: string | undefined;
  /** Catches up pages that drained, disconnects those behind for too long. */
  readonly #sweep: ReturnType<typeof setInterval>;
  readonly #heartbeat: ReturnType<typeof setInterval>;

  constructor(options: SignalHubOptions) {
    this.#source = options.source;
    this.#symbols = [...(options.symbols ?? [])];
    this.#historyLimit = positiveInteger('historyLimit', options.historyLimit ?? 500);
    this.#maxBufferedBytes = positive('maxBufferedBytes', options.maxBufferedBytes ?? 1024 * 1024);
    // 0: a page is dropped at the first sweep that finds it behind.
    this.#dropAfterMs = timerMs('dropAfterMs', options.dropAfterMs ?? 5000, { zero: true });
    this.#heartbeatMs = timerMs('heartbeatMs', options.heartbeatMs ?? 15_000);
    this.#onDrawn = optionalFunction('onDrawn', options.onDrawn);
    this.#sweep = setInterval(() => this.#catchUp(), Math.min(250, Math.max(10, this.#dropAfterMs / 4)));
    this.#heartbeat = setInterval(() => this.#ping(), this.#heartbeatMs);
    this.#sweep.unref();
    this.#heartbeat.unref();
  }

  /** Stops the hub's timers (pages stay connected; the server closes them). */
  close(): void {
    clearInterval(this.#sweep);
    clearInterval(this.#heartbeat);
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
        for (const client of this.#clients) {
          client.owesSymbols = true;
          this.#flush(client);
        }
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
    for (const client of this.#clients) {
      client.owesEnd = true;
      this.#flush(client);
    }
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
      historyInFlight: false,
      owesSymbols: false,
      owesHistory: false,
      owesEnd: this.#ended !== undefined,
      answeredPing: true,
    };
    this.#clients.add(client);
    ws.on('close', () => this.#clients.delete(client));
    ws.on('pong', () => {
      client.answeredPing = true;
    });
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => this.#receive(client, isBinary ? '' : data.toString()));
    const hello: HelloMessage = {
      type: 'hello',
      source: this.#source,
      symbols: this.#symbols,
      historyLimit: this.#historyLimit,
    };
    ws.send(JSON.stringify(hello));
    this.#flush(client);
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
      unresponsive: this.#unresponsive,
      repeatedSubscribes: this.#repeatedSubscribes,
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
      if (message.symbol === client.symbol) {
        // The page already has this symbol's history (or it is on its way): queue nothing.
        this.#repeatedSubscribes++;
        return;
      }
      client.symbol = message.symbol;
      client.owesHistory = true;
      this.#flush(client);
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
      client.owesHistory = true;
      this.#behind(client);
      return;
    }
    // A history owed (sent now or once the one on its way is out) already holds this signal.
    const covered = client.owesHistory;
    if (client.owesSymbols || client.owesHistory) this.#flush(client);
    if (!covered) ws.send(frame);
  }

  /**
   * Sends what the page is owed, in order, while its queue is under the cap; a history waits for
   * the previous one to be written out. Starts the page's lateness clock when it is over the cap.
   */
  #flush(client: Client): void {
    const { ws } = client;
    if (ws.readyState !== WebSocket.OPEN) return;
    if (!client.owesSymbols && !client.owesHistory && !client.owesEnd) return;
    if (ws.bufferedAmount > this.#maxBufferedBytes) {
      this.#behind(client);
      return;
    }
    client.skippingSince = -1;
    if (client.owesSymbols) {
      client.owesSymbols = false;
      ws.send(JSON.stringify({ type: 'symbols', symbols: this.#symbols }));
    }
    if (client.owesHistory) {
      if (client.historyInFlight) return;
      client.owesHistory = false;
      if (client.symbol !== '') this.#sendHistory(client);
    }
    if (client.owesEnd) {
      client.owesEnd = false;
      ws.send(JSON.stringify({ type: 'end', reason: this.#ended }));
    }
  }

  /** The page is over the cap: start its clock, or disconnect it when it has been behind too long. */
  #behind(client: Client): void {
    const now = performance.now();
    if (client.skippingSince < 0) client.skippingSince = now;
    else if (now - client.skippingSince >= this.#dropAfterMs) {
      this.#dropped++;
      this.#disconnect(
        client,
        `too slow: ${client.ws.bufferedAmount} bytes queued for over ${this.#dropAfterMs} ms`,
      );
    }
  }

  #sendHistory(client: Client): void {
    const signals = this.#history.get(client.symbol) ?? [];
    client.historyInFlight = true;
    client.ws.send(
      `{"type":"history","symbol":${JSON.stringify(client.symbol)},"signals":[${signals.join(',')}]}`,
      () => {
        client.historyInFlight = false;
        this.#flush(client);
      },
    );
  }

  /** Runs every few ms: pages that drained get what they are owed; pages behind too long go. */
  #catchUp(): void {
    for (const client of this.#clients) {
      if (client.skippingSince >= 0 && client.ws.bufferedAmount > this.#maxBufferedBytes)
        this.#behind(client);
      else this.#flush(client);
    }
  }

  /** Pings every page; one that did not answer the previous ping is disconnected. */
  #ping(): void {
    for (const client of this.#clients) {
      if (!client.answeredPing) {
        this.#unresponsive++;
        this.#disconnect(client, `no answer to a ping within ${this.#heartbeatMs} ms`);
        continue;
      }
      client.answeredPing = false;
      if (client.ws.readyState === WebSocket.OPEN) client.ws.ping();
    }
  }

  /**
   * Forgets the page and closes its socket with code 1013 and `reason` (which it may read if it
   * still reads), then cuts the connection: a page that reads nothing would never complete the close.
   */
  #disconnect(client: Client, reason: string): void {
    this.#clients.delete(client);
    client.ws.close(tryAgainLater, reason.slice(0, 120));
    setTimeout(() => client.ws.terminate(), 1000).unref();
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
