import { randomInt } from 'node:crypto';
import type { Trade } from '../../bars/trade.js';
import {
  optionalBoolean,
  optionalFunction,
  positive,
  positiveInteger,
  timerMs,
} from '../shared/optionChecks.js';
import { TradeDeliveryQueue } from '../shared/TradeDeliveryQueue.js';
import { BinanceHttpError, BinanceRest, type RestRetry } from './BinanceRest.js';
import { type BackoffOptions, backoffDelay, resolveBackoff } from './backoff.js';
import { type Clock, sleep, systemClock } from './clock.js';
import { type BinanceMarket, type MarketProfile, marketProfile } from './markets.js';
import { RateWindow } from './RateWindow.js';
import { type ConnectionOptions, StreamConnection } from './StreamConnection.js';
import { TradeFrameParser } from './TradeFrameParser.js';

/**
 * Settings of {@link binanceTrades}. Every limit defaults to Binance's published one.
 *
 * @example
 * ```ts
 * const options: BinanceTradesOptions = { symbols: ['BTCUSDT', 'ETHUSDT'], market: 'spot', maxBuffered: 50_000 };
 * ```
 */
export interface BinanceTradesOptions {
  /** Symbols, e.g. `['BTCUSDT', 'ETHUSDT']` (any case). */
  symbols: readonly string[];
  /** `'aggTrade'` (default; gaps are filled from REST) or `'trade'` (see `apiKey`). */
  stream?: 'aggTrade' | 'trade';
  /** `'spot'` (default) or `'usdm'` (USD-M futures). */
  market?: BinanceMarket;
  /** Aborting ends the iteration and closes sockets, timers and pending requests. */
  signal?: AbortSignal;
  /** WebSocket base URL (default: the market's; `/stream` is appended). */
  wsUrl?: string;
  /** REST base URL (default: the market's). */
  restUrl?: string;
  /** With `stream: 'trade'`: fills gaps from `historicalTrades`, which needs an API key. Without it gaps are reported, not filled. */
  apiKey?: string;
  /** Streams per connection (default: the market's limit, 1024 spot, 200 usdm). */
  streamsPerConnection?: number;
  /** Streams per SUBSCRIBE message (default 200). */
  subscribeBatchSize?: number;
  /** Messages per second per connection (default: the market's limit, 5 spot, 10 usdm). */
  messagesPerSecond?: number;
  /** New connections allowed per `connectionWindowMs` (default 300). */
  connectionsPerWindow?: number;
  /** Window of `connectionsPerWindow`, in ms (default 5 minutes). */
  connectionWindowMs?: number;
  /** REST weight per minute (default: the market's limit, 6000 spot, 2400 usdm). */
  weightPerMinute?: number;
  /** Silence after which a connection is replaced (default 30 s; pings are sent after a third of it). */
  stallTimeoutMs?: number;
  /** Age at which a connection is replaced before Binance cuts it at 24 h (default 23 h 30 min). */
  maxConnectionAgeMs?: number;
  /** How long old and new connections overlap during that replacement (default 10 s). */
  rotationOverlapMs?: number;
  /** How long an id gap may wait for late frames before REST fills it (default 1 s). */
  gapGraceMs?: number;
  /** Reconnect and REST retry backoff (default 250 ms doubling to 30 s, with jitter). */
  backoff?: BackoffOptions;
  /** Uniform numbers in [0, 1) for the backoff jitter (default: crypto random). */
  random?: () => number;
  /** Time and timers (default: the system clock). */
  clock?: Clock;
  /** Trades held for a slow consumer before sockets are paused (default 10 000). */
  maxBuffered?: number;
  /** Check the symbols against exchangeInfo before connecting (default true). */
  validateSymbols?: boolean;
  /** Called with every frame that is not valid JSON or not a valid trade event. */
  onMalformed?: (frame: MalformedFrame) => void;
  /** Called on connection, reconnection, gap filling, throttling and backpressure events. */
  onEvent?: (event: BinanceStreamEvent) => void;
}

/**
 * A frame that was counted as malformed and skipped.
 *
 * @example
 * ```ts
 * binanceTrades({ symbols: ['BTCUSDT'], onMalformed: (m: MalformedFrame) => console.warn(m.reason, m.frame) });
 * ```
 */
export interface MalformedFrame {
  /** The raw frame text. */
  frame: string;
  /** What is wrong with it. */
  reason: string;
  /** Serial number of the connection it came on. */
  connection: number;
}

/**
 * What the stream is doing, for logs and monitoring.
 *
 * @example
 * ```ts
 * binanceTrades({ symbols: ['BTCUSDT'], onEvent: (e: BinanceStreamEvent) => e.type === 'gapFilled' && console.log(e.trades) });
 * ```
 */
export type BinanceStreamEvent =
  | { type: 'connected'; connection: number; streams: number }
  | { type: 'disconnected'; connection: number; code: number; reason: string }
  | { type: 'reconnecting'; attempt: number; delayMs: number; streams: number }
  | { type: 'stalled'; connection: number; silentMs: number }
  | { type: 'rotating'; connection: number; ageMs: number }
  | { type: 'gapFilled'; symbol: string; fromId: number; toId: number; trades: number }
  | { type: 'gapUnfilled'; symbol: string; fromId: number; toId: number }
  | ({ type: 'restRetry' } & RestRetry)
  | { type: 'paused'; buffered: number }
  | { type: 'resumed'; buffered: number };

/**
 * Counters of a {@link BinanceTradeStream}.
 *
 * @example
 * ```ts
 * const { trades, duplicates, filledTrades, reconnects }: BinanceTradesStats = stream.stats();
 * ```
 */
export interface BinanceTradesStats {
  /** Connections open now. */
  connections: number;
  /** Connections opened since the start, reconnects and rotations included. */
  connectionsOpened: number;
  /** Connections replaced after an unexpected close or a stall. */
  reconnects: number;
  /** Connections replaced before the 24-hour limit. */
  rotations: number;
  /** Connections found silent. */
  stalls: number;
  /** Trades delivered or waiting in the buffer. */
  trades: number;
  /** Trades dropped because their id was already delivered. */
  duplicates: number;
  /** Frames skipped as malformed. */
  malformed: number;
  /** Trades that came from REST to fill gaps. */
  filledTrades: number;
  /**
   * Trades known to be missing and not fillable (trade stream without an API key, or ids REST
   * no longer serves); each gap also marks the next delivered trade with `missingBefore`.
   */
  missing: number;
  /** REST requests sent, and retries among them. */
  restRequests: number;
  restRetries: number;
  /** Trades buffered now (waiting for the consumer, or behind a gap being filled). */
  buffered: number;
  /** Times the sockets were paused because the consumer fell behind. */
  pauses: number;
}

/**
 * Symbols Binance does not list on the chosen market (checked before connecting).
 *
 * @example
 * ```ts
 * try { for await (const t of binanceTrades({ symbols: ['NOPEUSDT'] })) {} }
 * catch (e) { if (e instanceof BinanceSymbolError) console.error(e.symbols); }
 * ```
 */
export class BinanceSymbolError extends Error {
  readonly symbols: readonly string[];

  constructor(symbols: readonly string[], market: BinanceMarket) {
    super(
      `Binance ${market} does not list ${symbols.join(', ')}: use Binance's exact symbol names (e.g. BTCUSDT)${
        market === 'spot' ? ", or market: 'usdm' for USD-M futures" : ", or market: 'spot'"
      }`,
    );
    this.name = 'BinanceSymbolError';
    this.symbols = symbols;
  }
}

const PAGE = 1000;

interface Sequence {
  symbol: string;
  /** Last id delivered, -1 before the first trade. */
  lastId: number;
  /** Trades after a gap, ascending by id. */
  pending: Trade[];
  filling: boolean;
  graceTimer: unknown;
}

interface Group {
  streams: string[];
  symbols: string[];
  current: StreamConnection | undefined;
  /** The replacement opened by a rotation, until it takes over. */
  next: StreamConnection | undefined;
  attempts: number;
  everReady: boolean;
  timer: unknown;
}

/**
 * Live trades from Binance for many symbols, as one `AsyncIterable<Trade>`: see
 * {@link binanceTrades}. Iterate it once; `stats()` may be read at any time.
 *
 * @example
 * ```ts
 * const stream = binanceTrades({ symbols: ['BTCUSDT'] });
 * setInterval(() => console.log(stream.stats()), 10_000).unref();
 * for await (const trade of stream) handle(trade);
 * ```
 */
export class BinanceTradeStream implements AsyncIterable<Trade> {
  readonly #symbols: string[];
  readonly #stream: 'aggTrade' | 'trade';
  readonly #market: BinanceMarket;
  readonly #profile: MarketProfile;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #gapGraceMs: number;
  readonly #validateSymbols: boolean;
  /** What every connection of the stream is opened with, checked once. */
  readonly #connectionSettings: Pick<
    ConnectionOptions,
    'url' | 'messagesPerSecond' | 'subscribeBatchSize' | 'stallTimeoutMs'
  >;
  readonly #maxConnectionAgeMs: number;
  readonly #rotationOverlapMs: number;
  readonly #backoff: Required<BackoffOptions>;
  /** Whether a gap in the ids can be filled from REST (aggregate trades, or raw trades with an API key). */
  readonly #canFill: boolean;
  readonly #onMalformed: ((frame: MalformedFrame) => void) | undefined;
  readonly #onEvent: ((event: BinanceStreamEvent) => void) | undefined;
  readonly #parser = new TradeFrameParser();
  readonly #abort = new AbortController();
  readonly #rest: BinanceRest;
  readonly #opens: RateWindow;
  readonly #sequences = new Map<string, Sequence>();
  readonly #groups: Group[] = [];
  #nextConnectionId = 1;
  readonly #delivery: TradeDeliveryQueue<Trade>;
  #closed = false;
  #counts = {
    connectionsOpened: 0,
    reconnects: 0,
    rotations: 0,
    stalls: 0,
    trades: 0,
    duplicates: 0,
    malformed: 0,
    filledTrades: 0,
    missing: 0,
    pauses: 0,
  };

  /**
   * @param options read once, here, and checked: a bad one throws a `TypeError` or `RangeError`
   * naming it, and changing the object afterwards changes nothing.
   */
  constructor(options: BinanceTradesOptions) {
    this.#market = options.market ?? 'spot';
    this.#profile = marketProfile(this.#market);
    this.#stream = options.stream ?? 'aggTrade';
    if (this.#stream !== 'aggTrade' && this.#stream !== 'trade') {
      throw new RangeError(`stream must be 'aggTrade' or 'trade', got ${JSON.stringify(this.#stream)}`);
    }
    if (!Array.isArray(options.symbols) || options.symbols.length === 0) {
      throw new TypeError('symbols must be a non-empty array of symbol names, e.g. ["BTCUSDT"]');
    }
    for (const s of options.symbols) {
      if (typeof s !== 'string' || !/^[A-Za-z0-9_-]+$/.test(s)) {
        throw new TypeError(
          `symbols: ${JSON.stringify(s)} is not a symbol name (letters and digits, e.g. BTCUSDT)`,
        );
      }
    }
    this.#symbols = [...new Set(options.symbols.map((s) => s.toUpperCase()))];
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? (() => randomInt(2 ** 47) / 2 ** 47);
    this.#delivery = new TradeDeliveryQueue<Trade>({
      source: 'binanceTrades',
      maxBuffered: positiveInteger('maxBuffered', options.maxBuffered ?? 10_000),
      signal: options.signal,
      start: () => {
        this.#start().catch((error) => this.#fail(error));
      },
      stop: () => this.close(),
      onPause: () => this.#onPause(),
      onResume: () => this.#onResume(),
    });
    this.#gapGraceMs = timerMs('gapGraceMs', options.gapGraceMs ?? 1000);
    this.#validateSymbols = optionalBoolean('validateSymbols', options.validateSymbols, true);
    this.#connectionSettings = {
      url: `${webSocketUrl(options.wsUrl ?? this.#profile.wsUrl).replace(/\/$/, '')}/stream`,
      messagesPerSecond: positiveInteger(
        'messagesPerSecond',
        options.messagesPerSecond ?? this.#profile.messagesPerSecond,
      ),
      subscribeBatchSize: positiveInteger('subscribeBatchSize', options.subscribeBatchSize ?? 200),
      stallTimeoutMs: timerMs('stallTimeoutMs', options.stallTimeoutMs ?? 30_000),
    };
    this.#maxConnectionAgeMs = timerMs('maxConnectionAgeMs', options.maxConnectionAgeMs ?? 23.5 * 3_600_000);
    this.#rotationOverlapMs = timerMs('rotationOverlapMs', options.rotationOverlapMs ?? 10_000, {
      zero: true,
    });
    this.#backoff = resolveBackoff(options.backoff);
    const apiKey = options.apiKey;
    if (apiKey !== undefined && (typeof apiKey !== 'string' || apiKey.length === 0))
      throw new TypeError('apiKey must be a non-empty string');
    this.#canFill = this.#stream === 'aggTrade' || apiKey !== undefined;
    this.#onMalformed = optionalFunction('onMalformed', options.onMalformed);
    this.#onEvent = optionalFunction('onEvent', options.onEvent);
    // The window gets a margin (10%, at most 1 s): the server counts a connection when its
    // handshake arrives, a little after the client counted it.
    const windowMs = timerMs('connectionWindowMs', options.connectionWindowMs ?? 300_000);
    this.#opens = new RateWindow(
      positiveInteger('connectionsPerWindow', options.connectionsPerWindow ?? 300),
      windowMs + Math.min(1000, windowMs / 10),
      this.#clock,
    );
    this.#rest = new BinanceRest({
      restUrl: options.restUrl ?? this.#profile.restUrl,
      weightPerMinute: positive('weightPerMinute', options.weightPerMinute ?? this.#profile.weightPerMinute),
      clock: this.#clock,
      random: this.#random,
      signal: this.#abort.signal,
      apiKey,
      backoff: this.#backoff,
      onRetry: (retry) => this.#emit({ type: 'restRetry', ...retry }),
    });
    const perConnection = positiveInteger(
      'streamsPerConnection',
      options.streamsPerConnection ?? this.#profile.streamsPerConnection,
    );
    for (let i = 0; i < this.#symbols.length; i += perConnection) {
      const symbols = this.#symbols.slice(i, i + perConnection);
      this.#groups.push({
        symbols,
        streams: symbols.map((s) => `${s.toLowerCase()}@${this.#stream}`),
        current: undefined,
        next: undefined,
        attempts: 0,
        everReady: false,
        timer: undefined,
      });
    }
    for (const symbol of this.#symbols) {
      this.#sequences.set(symbol, { symbol, lastId: -1, pending: [], filling: false, graceTimer: undefined });
    }
  }

  /** Counters; see {@link BinanceTradesStats}. */
  stats(): BinanceTradesStats {
    const rest = this.#rest.stats();
    let connections = 0;
    for (const g of this.#groups) connections += (g.current ? 1 : 0) + (g.next ? 1 : 0);
    return {
      ...this.#counts,
      connections,
      restRequests: rest.requests,
      restRetries: rest.retries,
      buffered: this.#delivery.buffered,
    };
  }

  /** Ends the iteration and closes every socket, timer and pending request. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort(new Error('binanceTrades closed'));
    for (const group of this.#groups) {
      this.#clock.clearTimeout(group.timer);
      group.current?.close();
      group.next?.close();
      group.current = undefined;
      group.next = undefined;
    }
    for (const seq of this.#sequences.values()) {
      this.#clock.clearTimeout(seq.graceTimer);
      seq.pending.length = 0;
    }
    this.#delivery.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<Trade> {
    return this.#delivery[Symbol.asyncIterator]();
  }

  async #start(): Promise<void> {
    if (this.#validateSymbols) await this.#checkSymbols();
    for (const group of this.#groups) {
      if (this.#closed) return;
      await this.#connect(group, false);
    }
  }

  async #checkSymbols(): Promise<void> {
    const path = `${this.#profile.restPath}/exchangeInfo`;
    const weight = this.#profile.weights.exchangeInfo;
    const listed = async (symbols: string[]): Promise<Set<string>> => {
      const query: Record<string, string> =
        this.#market === 'spot' ? { symbols: JSON.stringify(symbols) } : {};
      const info = (await this.#rest.get(path, query, weight)) as { symbols?: { symbol?: unknown }[] };
      if (!Array.isArray(info?.symbols)) throw new Error(`Binance ${path} answered without a symbols list`);
      return new Set(info.symbols.map((s) => String(s.symbol)));
    };
    let known: Set<string>;
    try {
      known = await listed(this.#symbols);
    } catch (error) {
      if (!(error instanceof BinanceHttpError && error.code === -1121)) throw error;
      // Spot names no culprit when one symbol of the list is unknown: ask one by one.
      known = new Set();
      for (const symbol of this.#symbols) {
        try {
          for (const s of await listed([symbol])) known.add(s);
        } catch (inner) {
          if (!(inner instanceof BinanceHttpError && inner.code === -1121)) throw inner;
        }
      }
    }
    const unknown = this.#symbols.filter((s) => !known.has(s));
    if (unknown.length > 0) throw new BinanceSymbolError(unknown, this.#market);
  }

  /** Opens a connection for `group`, as its current one or (rotation) as its next one. */
  async #connect(group: Group, asNext: boolean): Promise<void> {
    for (let wait = this.#opens.delay(); wait > 0; wait = this.#opens.delay()) {
      await sleep(this.#clock, wait, this.#abort.signal);
    }
    if (this.#closed) return;
    this.#opens.record();
    this.#counts.connectionsOpened++;
    const connection = new StreamConnection(
      this.#nextConnectionId++,
      {
        ...this.#connectionSettings,
        streams: group.streams,
        clock: this.#clock,
        parser: this.#parser,
      },
      {
        onTrade: (trade) => this.#accept(trade),
        onMalformed: (frame, reason, c) => {
          this.#counts.malformed++;
          this.#onMalformed?.({ frame, reason, connection: c.id });
        },
        onReady: (c) => this.#onReady(group, c),
        onStall: (c, silentMs) => {
          this.#counts.stalls++;
          this.#emit({ type: 'stalled', connection: c.id, silentMs });
        },
        onClosed: (c, code, reason) => this.#onClosed(group, c, code, reason),
        onRefused: (_c, message) => this.#fail(new Error(message)),
      },
    );
    if (asNext) group.next = connection;
    else group.current = connection;
    if (this.#delivery.paused) connection.pause();
    connection.open();
  }

  #onReady(group: Group, connection: StreamConnection): void {
    this.#emit({ type: 'connected', connection: connection.id, streams: connection.streams.length });
    if (connection === group.next) {
      // Rotation: both connections deliver for the overlap (duplicates are dropped), then the old one goes.
      this.#clock.clearTimeout(group.timer);
      group.attempts = 0;
      group.timer = this.#clock.setTimeout(() => {
        const old = group.current;
        group.current = group.next;
        group.next = undefined;
        old?.close();
        this.#scheduleRotation(group);
      }, this.#rotationOverlapMs);
      return;
    }
    group.attempts = 0;
    this.#scheduleRotation(group);
    if (group.everReady && this.#canFill) {
      // Trades may have been missed while disconnected, even for symbols that trade no more now.
      for (const symbol of group.symbols) {
        const seq = this.#sequences.get(symbol) as Sequence;
        if (seq.lastId >= 0) this.#fill(seq);
      }
    }
    group.everReady = true;
  }

  /** Replaces the current connection when it reaches the maximum age (not before `minDelayMs`). */
  #scheduleRotation(group: Group, minDelayMs = 0): void {
    const connection = group.current;
    if (!connection || connection.openedAt === 0) return;
    const maxAge = this.#maxConnectionAgeMs;
    const ageMs = this.#clock.now() - connection.openedAt;
    this.#clock.clearTimeout(group.timer);
    group.timer = this.#clock.setTimeout(
      () => {
        this.#counts.rotations++;
        this.#emit({
          type: 'rotating',
          connection: connection.id,
          ageMs: this.#clock.now() - connection.openedAt,
        });
        this.#connect(group, true).catch((error) => this.#fail(error));
      },
      Math.max(minDelayMs, maxAge - ageMs),
    );
  }

  #onClosed(group: Group, connection: StreamConnection, code: number, reason: string): void {
    if (this.#closed) return;
    this.#emit({ type: 'disconnected', connection: connection.id, code, reason });
    if (connection === group.next) {
      // The replacement failed: try again after a backoff, the current connection still serving.
      group.next = undefined;
      this.#scheduleRotation(group, backoffDelay(++group.attempts, this.#backoff, this.#random));
      return;
    }
    if (connection !== group.current) return;
    this.#clock.clearTimeout(group.timer);
    if (group.next) {
      // The old connection went first during a rotation: the new one takes over now.
      group.current = group.next;
      group.next = undefined;
      this.#scheduleRotation(group);
      return;
    }
    group.current = undefined;
    this.#counts.reconnects++;
    const attempt = ++group.attempts;
    const delayMs = backoffDelay(attempt, this.#backoff, this.#random);
    this.#emit({ type: 'reconnecting', attempt, delayMs, streams: group.streams.length });
    group.timer = this.#clock.setTimeout(() => {
      this.#connect(group, false).catch((error) => this.#fail(error));
    }, delayMs);
  }

  /** Hot path: one decoded live trade. Delivers it, drops it as a duplicate, or holds it behind a gap. */
  #accept(trade: Trade): void {
    const seq = this.#sequences.get(trade.symbol as string);
    if (seq === undefined) {
      this.#counts.malformed++;
      this.#onMalformed?.({
        frame: JSON.stringify(trade),
        reason: 'trade of a symbol not subscribed',
        connection: 0,
      });
      return;
    }
    const id = trade.id as number;
    if (seq.lastId < 0 || (id === seq.lastId + 1 && seq.pending.length === 0)) {
      seq.lastId = id;
      this.#deliver(trade);
    } else if (id <= seq.lastId) {
      this.#counts.duplicates++;
    } else {
      this.#hold(seq, trade);
    }
  }

  #hold(seq: Sequence, trade: Trade): void {
    const pending = seq.pending;
    const id = trade.id as number;
    let i = pending.length;
    while (i > 0 && (pending[i - 1].id as number) > id) i--;
    if (i > 0 && pending[i - 1].id === id) {
      this.#counts.duplicates++;
      return;
    }
    pending.splice(i, 0, trade);
    this.#delivery.held++;
    this.#drain(seq);
    if (pending.length > 0 && !seq.filling && seq.graceTimer === undefined) {
      seq.graceTimer = this.#clock.setTimeout(() => {
        seq.graceTimer = undefined;
        this.#onGap(seq);
      }, this.#gapGraceMs);
    }
    this.#delivery.pauseIfFull();
  }

  /** Delivers the pending trades that continue the sequence. */
  #drain(seq: Sequence): void {
    const pending = seq.pending;
    let n = 0;
    while (n < pending.length && (pending[n].id as number) <= seq.lastId + 1) {
      const trade = pending[n++];
      if ((trade.id as number) <= seq.lastId) this.#counts.duplicates++;
      else {
        seq.lastId = trade.id as number;
        this.#deliver(trade);
      }
    }
    if (n > 0) {
      pending.splice(0, n);
      this.#delivery.held -= n;
    }
    if (pending.length === 0 && seq.graceTimer !== undefined) {
      this.#clock.clearTimeout(seq.graceTimer);
      seq.graceTimer = undefined;
    }
  }

  /** A gap outlived the grace period: fill it from REST, or report it when it cannot be filled. */
  #onGap(seq: Sequence): void {
    if (seq.pending.length === 0 || this.#closed) return;
    if (this.#canFill) {
      this.#fill(seq);
      return;
    }
    this.#skipGap(seq);
  }

  /**
   * Gives up on the ids before the first pending trade: counts and reports them, and marks that
   * trade with `missingBefore` so the loss shows in the stream itself (and in its bar and signal).
   */
  #skipGap(seq: Sequence): void {
    const fromId = seq.lastId + 1;
    const next = seq.pending[0];
    const toId = (next.id as number) - 1;
    const lost = toId - fromId + 1;
    this.#counts.missing += lost;
    next.missingBefore = (next.missingBefore ?? 0) + lost;
    this.#emit({ type: 'gapUnfilled', symbol: seq.symbol, fromId, toId });
    seq.lastId = toId;
    this.#drain(seq);
  }

  /** Pages REST trades from the last delivered id until the sequence is whole and caught up. */
  #fill(seq: Sequence): void {
    if (seq.filling || this.#closed) return;
    seq.filling = true;
    this.#clock.clearTimeout(seq.graceTimer);
    seq.graceTimer = undefined;
    const startId = seq.lastId + 1;
    let filled = 0;
    const run = async () => {
      let fruitless = 0;
      while (!this.#closed) {
        await this.#delivery.waitForRoom();
        if (this.#closed) return;
        const fromId = seq.lastId + 1;
        const rows = await this.#fetchTrades(seq.symbol, fromId);
        for (const trade of rows) {
          const id = trade.id as number;
          if (id > seq.lastId && !seq.pending.some((p) => p.id === id)) filled++;
          if (id === seq.lastId + 1) {
            seq.lastId = id;
            this.#deliver(trade);
            this.#drain(seq);
          } else if (id <= seq.lastId) {
            this.#counts.duplicates++;
          } else {
            this.#hold(seq, trade);
          }
        }
        if (seq.pending.length === 0 && rows.length < PAGE) return;
        if (rows.length === PAGE) continue;
        // The live stream is ahead of what REST serves yet: wait, then ask again.
        if (seq.lastId >= fromId) fruitless = 0;
        else if (++fruitless >= 5) {
          this.#skipGap(seq);
          return;
        }
        await sleep(this.#clock, this.#gapGraceMs, this.#abort.signal);
      }
    };
    run()
      .then(() => {
        if (filled > 0)
          this.#emit({
            type: 'gapFilled',
            symbol: seq.symbol,
            fromId: startId,
            toId: seq.lastId,
            trades: filled,
          });
      })
      .catch((error) => {
        if (!this.#closed) this.#fail(error);
      })
      .finally(() => {
        seq.filling = false;
        this.#counts.filledTrades += filled;
        if (!this.#closed && seq.pending.length > 0) this.#onGap(seq);
      });
  }

  async #fetchTrades(symbol: string, fromId: number): Promise<Trade[]> {
    const path = `${this.#profile.restPath}/${this.#stream === 'aggTrade' ? 'aggTrades' : 'historicalTrades'}`;
    const weight =
      this.#stream === 'aggTrade' ? this.#profile.weights.aggTrades : this.#profile.weights.historicalTrades;
    const rows = await this.#rest.get(path, { symbol, fromId, limit: PAGE }, weight);
    if (!Array.isArray(rows))
      throw new Error(`Binance ${path} answered with something other than a list of trades`);
    return rows.map((row: Record<string, unknown>) => {
      const trade: Trade =
        this.#stream === 'aggTrade'
          ? {
              time: row.T as number,
              price: Number(row.p),
              qty: Number(row.q),
              isBuyerMaker: row.m as boolean,
              id: row.a as number,
              firstId: row.f as number,
              lastId: row.l as number,
              symbol,
            }
          : {
              time: row.time as number,
              price: Number(row.price),
              qty: Number(row.qty),
              isBuyerMaker: row.isBuyerMaker as boolean,
              id: row.id as number,
              symbol,
            };
      if (
        !Number.isSafeInteger(trade.id) ||
        !(trade.price > 0) ||
        !(trade.qty >= 0) ||
        !Number.isFinite(trade.time)
      ) {
        throw new Error(`Binance ${path} answered with an invalid trade: ${JSON.stringify(row)}`);
      }
      return trade;
    });
  }

  #deliver(trade: Trade): void {
    this.#counts.trades++;
    this.#delivery.push(trade);
    this.#delivery.pauseIfFull();
  }

  #onPause(): void {
    this.#counts.pauses++;
    for (const g of this.#groups) {
      g.current?.pause();
      g.next?.pause();
    }
    this.#emit({ type: 'paused', buffered: this.#delivery.buffered });
  }

  #onResume(): void {
    for (const g of this.#groups) {
      g.current?.resume();
      g.next?.resume();
    }
    this.#emit({ type: 'resumed', buffered: this.#delivery.buffered });
  }

  #emit(event: BinanceStreamEvent): void {
    this.#onEvent?.(event);
  }

  #fail(error: unknown): void {
    if (this.#closed) return;
    this.#delivery.close(error);
    this.close();
  }
}

/**
 * Live trades of many symbols from Binance's WebSocket streams, never lost or duplicated across
 * reconnects, in exchange order per symbol (`trade.symbol` says which).
 *
 * - Symbols are split across connections at the per-connection stream limit; new connections
 *   and subscription messages are paced within Binance's connection and message limits.
 * - A connection silent for `stallTimeoutMs` is replaced; one nearing Binance's 24-hour cut is
 *   replaced ahead of time, old and new overlapping so nothing is missed.
 * - Reconnects back off exponentially with jitter. After a reconnect, and whenever ids jump,
 *   the missing aggregate trades are fetched from REST (`aggTrades?fromId=`, paged, within the
 *   weight limit, honouring `Retry-After`), duplicates dropped and order restored, so the ids
 *   delivered per symbol are contiguous — except across a gap REST cannot fill (the trade stream
 *   without an API key, or five answers in a row without the missing ids): then the stream goes on
 *   after it, and the first trade delivered after the gap carries `missingBefore` = the number of
 *   ids skipped (also reported as a `gapUnfilled` event and counted in `stats().missing`), which a
 *   `BarAggregator` sums into `bar.missingTrades` and so into the signal.
 * - Malformed frames are counted and passed to `onMalformed`, never thrown. An unknown symbol or
 *   an HTTP refusal ends the iteration with an error saying what to fix. Aborting `signal` ends
 *   it cleanly.
 * - Backpressure: at most `maxBuffered` trades wait for the consumer; beyond that the sockets are
 *   paused (TCP pushes back on Binance) until half of them are consumed. If Binance drops a paused
 *   connection, the reconnect fills the gap from REST.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * for await (const trade of binanceTrades({ symbols: ['BTCUSDT', 'ETHUSDT'], signal: controller.signal })) {
 *   console.log(trade.symbol, trade.id, trade.price, trade.qty);
 * }
 * ```
 */
export function binanceTrades(options: BinanceTradesOptions): BinanceTradeStream {
  return new BinanceTradeStream(options);
}

/** `url` when it is a ws: or wss: URL; a `TypeError` naming `wsUrl` otherwise. */
function webSocketUrl(url: unknown): string {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol !== 'ws:' && parsed?.protocol !== 'wss:')
    throw new TypeError(
      `wsUrl must be a ws:// or wss:// URL, got ${JSON.stringify(String(url)).slice(0, 80)}`,
    );
  return url as string;
}
