import WebSocket from 'ws';
import type { Trade } from '../../bars/trade.js';
import type { Clock } from './clock.js';
import { RateWindow } from './RateWindow.js';
import type { TradeFrameParser } from './TradeFrameParser.js';

// What a binary frame (never sent by Binance) is parsed as: nothing, so it is reported malformed.
const NO_BYTES = Buffer.alloc(0);

/**
 * What a {@link StreamConnection} reports to the stream that owns it.
 *
 * @example
 * ```ts
 * const hooks: ConnectionHooks = { onTrade, onMalformed, onReady, onStall, onClosed, onRefused };
 * ```
 */
export interface ConnectionHooks {
  onTrade(trade: Trade): void;
  onMalformed(frame: string, reason: string, connection: StreamConnection): void;
  /** Every subscription was confirmed. */
  onReady(connection: StreamConnection): void;
  /** Nothing (no frame, ping or pong) arrived for the stall timeout; the socket is being terminated. */
  onStall(connection: StreamConnection, silentMs: number): void;
  /** The socket closed without {@link StreamConnection.close} being called. */
  onClosed(connection: StreamConnection, code: number, reason: string): void;
  /** Binance refused a subscription. */
  onRefused(connection: StreamConnection, message: string): void;
}

/**
 * Settings of one {@link StreamConnection}.
 *
 * @example
 * ```ts
 * const options: ConnectionOptions = { url: 'wss://stream.binance.com:9443/stream', streams: ['btcusdt@aggTrade'], clock: systemClock, parser: new TradeFrameParser(), messagesPerSecond: 5, subscribeBatchSize: 200, stallTimeoutMs: 30_000 };
 * ```
 */
export interface ConnectionOptions {
  /** Combined-stream endpoint, e.g. `wss://stream.binance.com:9443/stream`. */
  url: string;
  /** Stream names, e.g. `btcusdt@aggTrade`. */
  streams: readonly string[];
  clock: Clock;
  parser: TradeFrameParser;
  /** Messages this client may send per second (subscriptions and pings). */
  messagesPerSecond: number;
  /** Streams per SUBSCRIBE message. */
  subscribeBatchSize: number;
  /** Silence after which the connection counts as stalled. */
  stallTimeoutMs: number;
}

/**
 * One WebSocket to Binance's combined-stream endpoint carrying a fixed set of streams.
 *
 * It subscribes in batches paced by the per-connection message limit, leaving room in every
 * second for the pong that `ws` sends automatically when Binance pings. A watchdog checks the
 * connection three times per stall timeout: after a third of it without traffic it sends its own
 * ping (Binance answers with a pong), after the whole of it the socket is terminated and the owner
 * told. Frames are decoded here, so a malformed one never reaches the owner as a trade.
 *
 * @example
 * ```ts
 * const connection = new StreamConnection(1, options, hooks);
 * connection.open();
 * // … later
 * connection.close();
 * ```
 */
export class StreamConnection {
  /** Serial number, for events and logs. */
  readonly id: number;
  readonly streams: readonly string[];
  #options: ConnectionOptions;
  #hooks: ConnectionHooks;
  #ws: WebSocket | undefined;
  #messages: RateWindow;
  #unconfirmed = new Set<number>();
  #batches: string[][] = [];
  #nextRequestId = 1;
  #lastActivity = 0;
  #openedAt = 0;
  #watchdog: unknown;
  #sendTimer: unknown;
  #closed = false;
  #paused = false;

  constructor(id: number, options: ConnectionOptions, hooks: ConnectionHooks) {
    this.id = id;
    this.streams = options.streams;
    this.#options = options;
    this.#hooks = hooks;
    // One message per second is left for the automatic pong.
    this.#messages = new RateWindow(Math.max(1, options.messagesPerSecond - 1), 1000, options.clock);
  }

  /** When the socket opened (clock ms), 0 before. */
  get openedAt(): number {
    return this.#openedAt;
  }

  /** Connects and subscribes. */
  open(): void {
    const ws = new WebSocket(this.#options.url, { perMessageDeflate: false });
    this.#ws = ws;
    this.#lastActivity = this.#options.clock.now();
    this.#armWatchdog();
    ws.on('open', () => {
      this.#openedAt = this.#options.clock.now();
      this.#touch();
      if (this.#paused) ws.pause();
      for (let i = 0; i < this.streams.length; i += this.#options.subscribeBatchSize) {
        this.#batches.push(this.streams.slice(i, i + this.#options.subscribeBatchSize));
      }
      this.#sendSubscriptions();
    });
    ws.on('message', (data, isBinary) => {
      this.#touch();
      // A text frame arrives as its UTF-8 bytes (a Buffer: binaryType stays 'nodebuffer'); the
      // parser reads them as they are, and they are decoded only when something needs the text.
      this.#frame(isBinary ? NO_BYTES : (data as Buffer));
    });
    ws.on('ping', () => this.#touch());
    ws.on('pong', () => this.#touch());
    // An 'error' is always followed by 'close', where the owner hears about it.
    ws.on('error', () => {});
    ws.on('close', (code, reason) => {
      this.#stopTimers();
      if (!this.#closed) {
        this.#closed = true;
        this.#hooks.onClosed(this, code, reason.toString());
      }
    });
  }

  /** Stops reading (the consumer is behind); the watchdog ignores the silence this causes. */
  pause(): void {
    this.#paused = true;
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.pause();
  }

  /** Reads again after {@link StreamConnection.pause}. */
  resume(): void {
    this.#paused = false;
    this.#touch();
    this.#ws?.resume();
  }

  /** Closes the socket without telling the owner. */
  close(): void {
    this.#closed = true;
    this.#stopTimers();
    const ws = this.#ws;
    if (!ws) return;
    if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'client closing');
    else ws.terminate();
    // A peer that never answers the close handshake must not keep the socket alive.
    const handle = this.#options.clock.setTimeout(() => ws.terminate(), 1000);
    ws.once('close', () => this.#options.clock.clearTimeout(handle));
  }

  #frame(bytes: Buffer): void {
    const trade = this.#options.parser.readBytes(bytes);
    if (typeof trade === 'string') {
      this.#hooks.onMalformed(bytes.toString(), trade, this);
      return;
    }
    if (trade !== undefined) {
      this.#hooks.onTrade(trade);
      return;
    }
    const text = bytes.toString();
    const reply = JSON.parse(text) as {
      id?: unknown;
      result?: unknown;
      error?: { code?: unknown; msg?: unknown };
    };
    if (typeof reply?.id !== 'number' || !this.#unconfirmed.has(reply.id)) {
      this.#hooks.onMalformed(text, 'neither a trade event nor a reply to a subscription', this);
      return;
    }
    if (reply.error !== undefined) {
      this.#hooks.onRefused(this, `Binance refused the subscription (${JSON.stringify(reply.error)})`);
      return;
    }
    this.#unconfirmed.delete(reply.id);
    if (this.#unconfirmed.size === 0 && this.#batches.length === 0) this.#hooks.onReady(this);
  }

  #sendSubscriptions(): void {
    this.#sendTimer = undefined;
    const ws = this.#ws;
    if (this.#closed || !ws || ws.readyState !== WebSocket.OPEN) return;
    while (this.#batches.length > 0) {
      const wait = this.#messages.delay();
      if (wait > 0) {
        this.#sendTimer = this.#options.clock.setTimeout(() => this.#sendSubscriptions(), wait);
        return;
      }
      const id = this.#nextRequestId++;
      this.#unconfirmed.add(id);
      this.#messages.record();
      ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: this.#batches.shift(), id }));
    }
  }

  #touch(): void {
    this.#lastActivity = this.#options.clock.now();
  }

  #armWatchdog(): void {
    const period = this.#options.stallTimeoutMs / 3;
    this.#watchdog = this.#options.clock.setTimeout(() => {
      if (this.#closed) return;
      const silentMs = this.#options.clock.now() - this.#lastActivity;
      const ws = this.#ws;
      if (this.#paused) {
        this.#touch();
      } else if (silentMs >= this.#options.stallTimeoutMs) {
        this.#closed = true;
        this.#stopTimers();
        this.#hooks.onStall(this, silentMs);
        ws?.terminate();
        this.#hooks.onClosed(this, 1006, `no traffic for ${Math.round(silentMs)} ms`);
        return;
      } else if (silentMs >= period && ws?.readyState === WebSocket.OPEN && this.#messages.delay() === 0) {
        this.#messages.record();
        ws.ping();
      }
      this.#armWatchdog();
    }, period);
  }

  #stopTimers(): void {
    this.#options.clock.clearTimeout(this.#watchdog);
    this.#options.clock.clearTimeout(this.#sendTimer);
  }
}
