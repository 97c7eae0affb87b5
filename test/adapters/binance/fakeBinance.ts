import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { type Clock, systemClock } from '../../../src/adapters/binance/clock.js';
import type { Trade } from '../../../src/bars/trade.js';
import { Random } from '../../../src/util/random.js';

/** One trade the fake exchange generated: an aggregate trade of exactly one underlying trade. */
export interface FakeTrade {
  symbol: string;
  aggId: number;
  tradeId: number;
  price: string;
  qty: string;
  time: number;
  isBuyerMaker: boolean;
}

/**
 * The `Trade` the Binance adapter delivers for a fake trade (ids as in the aggTrade stream), under
 * the symbol given: what a test pushes directly to compare with what came through an adapter.
 */
export function tradeOf(t: FakeTrade, symbol: string): Trade {
  return {
    time: t.time,
    price: Number(t.price),
    qty: Number(t.qty),
    isBuyerMaker: t.isBuyerMaker,
    id: t.aggId,
    firstId: t.tradeId,
    lastId: t.tradeId,
    symbol,
  };
}

/** A REST answer forced on the next matching request. */
export interface RestFault {
  status: number;
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
  /** Only requests whose path ends with this (default: any trade or kline request). */
  path?: string;
}

/** What the fake saw of one client connection. */
export interface FakeConnectionLog {
  id: number;
  openedAt: number;
  closedAt: number | undefined;
  /** Why the server closed it, when it did. */
  closedBy: string | undefined;
  streams: Set<string>;
  /** Opened on a raw stream endpoint (`/ws`, `/ws/<n>`, as ccxt uses): frames carry no `{stream, data}` wrapper. */
  raw: boolean;
  messages: number;
  pongs: number;
}

export interface FakeBinanceOptions {
  /** Symbols the exchange lists (others are "Invalid symbol."). */
  symbols: string[];
  clock?: Clock;
  seed?: number;
  /** Limits the fake enforces the way Binance does; breaking one is recorded in `violations`. */
  streamsPerConnection?: number;
  messagesPerSecond?: number;
  connectionsPerWindow?: number;
  connectionWindowMs?: number;
  weightPerMinute?: number;
  /** The server closes a connection at this age (Binance: 24 h). */
  maxConnectionAgeMs?: number;
  /** The server pings this often and drops a client that has not ponged for `pongTimeoutMs`. */
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  /** The key historicalTrades accepts (it always demands one; any when unset). */
  apiKey?: string;
  /** First aggregate id of every symbol (default 1 000 000). */
  firstAggId?: number;
  /** First price of every symbol (default 100 + the symbol's length). */
  startPrice?: number;
  /** Trades kept per symbol for REST (default: all); a long load run keeps memory flat with a limit. */
  historyLimit?: number;
  /** Kline rows (Binance's 12-column arrays) served by the klines endpoints, per symbol (default: built from the generated trades). */
  klines?: Record<string, unknown[][]>;
}

interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

const WEIGHTS: Record<string, number> = { aggTrades: 4, historicalTrades: 25, klines: 2, exchangeInfo: 20 };

/**
 * A Binance look-alike on 127.0.0.1: the combined-stream WebSocket endpoint (`/stream`, with
 * SUBSCRIBE), the raw-stream endpoint (`/ws`, `/ws/<n>`, with SUBSCRIBE; ccxt's form) and the REST endpoints the adapter uses, under both `/api/v3` (spot) and `/fapi/v1`
 * (USD-M). It enforces Binance's limits (recording every breach in `violations`), pings clients
 * and drops those that do not pong, closes connections at the maximum age, and misbehaves on
 * demand: dropped connections mid-burst, stalls, duplicated, reordered and malformed frames,
 * forced REST statuses with `Retry-After`.
 */
export class FakeBinance {
  readonly violations: string[] = [];
  readonly connections: FakeConnectionLog[] = [];
  readonly requests: { path: string; query: Record<string, string>; status: number; at: number }[] = [];
  readonly restFaults: RestFault[] = [];
  /** Probabilities applied to every frame sent. */
  faults = { duplicate: 0, reorder: 0, malformed: 0 };
  /** Standard deviation of the relative price step from one generated trade to the next. */
  volatility = 0.0005;
  /** Malformed frames sent so far (each is a separate message). */
  malformedSent = 0;
  /** Aggregate ids REST never serves (an exchange that lost them): `aggTrades` leaves them out. */
  readonly withheld = new Set<number>();
  #options: FakeBinanceOptions;
  #clock: Clock;
  #rng: Random;
  #http: Server;
  #wss: WebSocketServer;
  #sockets = new Map<WebSocket, FakeConnectionLog>();
  #stalled = new Set<WebSocket>();
  #history = new Map<string, FakeTrade[]>();
  #state = new Map<string, { aggId: number; tradeId: number; price: number; time: number }>();
  #opens: number[] = [];
  #weight = { minute: -1, used: 0 };
  #bannedUntil = 0;
  #dropAfter = -1;
  #nextConnection = 1;

  private constructor(options: FakeBinanceOptions, http: Server) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#rng = new Random(options.seed ?? 1);
    this.#http = http;
    this.#wss = new WebSocketServer({ noServer: true, autoPong: false, perMessageDeflate: false });
    for (const symbol of options.symbols) {
      this.#history.set(symbol, []);
      const first = options.firstAggId ?? 1_000_000;
      this.#state.set(symbol, {
        aggId: first,
        tradeId: first * 3,
        price: options.startPrice ?? 100 + symbol.length,
        time: 0,
      });
    }
  }

  /** Starts a fake exchange on a free port of 127.0.0.1. */
  static async start(options: FakeBinanceOptions): Promise<FakeBinance> {
    const http = createServer();
    const fake = new FakeBinance(options, http);
    http.on('request', (req, res) => fake.#rest(req, res));
    http.on('upgrade', (req, socket, head) => fake.#upgrade(req, socket, head));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.#http.address() as AddressInfo).port;
  }
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }
  get restUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  /** Connections open now. */
  get openConnections(): number {
    return this.#sockets.size;
  }

  /** Every trade generated for `symbol`, oldest first. */
  history(symbol: string): readonly FakeTrade[] {
    return this.#history.get(symbol) ?? [];
  }

  /**
   * Generates `count` trades for `symbol` and sends them to subscribed connections (subject to the
   * faults). `time` sets their trade time (default: the clock).
   */
  publish(symbol: string, count: number, time?: number): FakeTrade[] {
    const state = this.#state.get(symbol);
    if (!state) throw new Error(`fake exchange does not list ${symbol}`);
    const trades: FakeTrade[] = [];
    for (let i = 0; i < count; i++) {
      state.price = Math.max(1, state.price * (1 + this.volatility * this.#rng.normal()));
      state.time = Math.max(state.time, time ?? Math.floor(this.#clock.now()));
      const trade: FakeTrade = {
        symbol,
        aggId: state.aggId++,
        tradeId: state.tradeId++,
        price: state.price.toFixed(8),
        qty: (0.001 + this.#rng.float()).toFixed(8),
        time: state.time,
        isBuyerMaker: this.#rng.int(2) === 0,
      };
      trades.push(trade);
    }
    const history = this.#history.get(symbol) as FakeTrade[];
    history.push(...trades);
    const limit = this.#options.historyLimit ?? Number.POSITIVE_INFINITY;
    if (history.length > 2 * limit) history.splice(0, history.length - limit);
    for (const [ws, log] of this.#sockets) {
      for (const kind of ['aggTrade', 'trade'] as const) {
        if (log.streams.has(`${symbol.toLowerCase()}@${kind}`)) this.#send(ws, trades, kind);
      }
    }
    return trades;
  }

  /** During the next publish, drops every connection abruptly after `frames` frames. */
  dropAfter(frames: number): void {
    this.#dropAfter = frames;
  }

  /** Drops one connection (by its id in `connections`) abruptly. */
  drop(id: number): void {
    for (const [ws, log] of this.#sockets) if (log.id === id) this.#terminate(ws, 'dropped');
  }

  /** Drops every connection abruptly (no close frame). */
  dropAll(): void {
    for (const ws of this.#sockets.keys()) this.#terminate(ws, 'dropped');
  }

  /** Stops (or restarts) all traffic to every open connection: frames, pings and pongs. */
  stallAll(on: boolean): void {
    if (on) for (const ws of this.#sockets.keys()) this.#stalled.add(ws);
    else this.#stalled.clear();
  }

  async close(): Promise<void> {
    for (const ws of this.#sockets.keys()) ws.terminate();
    this.#wss.close();
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }

  #send(ws: WebSocket, trades: FakeTrade[], kind: 'aggTrade' | 'trade'): void {
    if (this.#stalled.has(ws)) return;
    const raw = this.#sockets.get(ws)?.raw ?? false;
    const frames = trades.map((t) => frame(t, kind, raw));
    const { duplicate, reorder, malformed } = this.faults;
    for (let i = 0; i < frames.length; i++) {
      if (reorder > 0 && i + 1 < frames.length && this.#rng.float() < reorder) {
        [frames[i], frames[i + 1]] = [frames[i + 1], frames[i]];
      }
    }
    for (const text of frames) {
      if (this.#dropAfter === 0) {
        this.#dropAfter = -1;
        this.dropAll();
        return;
      }
      if (this.#dropAfter > 0) this.#dropAfter--;
      if (malformed > 0 && this.#rng.float() < malformed) {
        this.malformedSent++;
        ws.send(MALFORMED[this.#rng.int(MALFORMED.length)]);
      }
      ws.send(text);
      if (duplicate > 0 && this.#rng.float() < duplicate) ws.send(text);
    }
  }

  #upgrade(req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): void {
    const now = this.#clock.now();
    const windowMs = this.#options.connectionWindowMs ?? 300_000;
    this.#opens = this.#opens.filter((t) => t > now - windowMs);
    if (this.#opens.length >= (this.#options.connectionsPerWindow ?? 300)) {
      this.violations.push(
        `connection rate: more than ${this.#options.connectionsPerWindow ?? 300} per ${windowMs} ms`,
      );
      socket.end('HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\n\r\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const raw = url.pathname === '/ws' || url.pathname.startsWith('/ws/');
    if (url.pathname !== '/stream' && !raw) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    this.#opens.push(now);
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#connection(ws, raw));
  }

  #connection(ws: WebSocket, raw: boolean): void {
    const log: FakeConnectionLog = {
      id: this.#nextConnection++,
      openedAt: this.#clock.now(),
      closedAt: undefined,
      closedBy: undefined,
      streams: new Set(),
      raw,
      messages: 0,
      pongs: 0,
    };
    this.connections.push(log);
    this.#sockets.set(ws, log);
    const sent: number[] = [];
    let lastPong = this.#clock.now();
    const count = () => {
      const now = this.#clock.now();
      sent.push(now);
      while (sent.length > 0 && sent[0] <= now - 1000) sent.shift();
      log.messages++;
      if (sent.length > (this.#options.messagesPerSecond ?? 5)) {
        this.violations.push(`message rate: ${sent.length} messages within 1 s on connection ${log.id}`);
        this.#close(ws, 1008, 'Too many messages');
      }
    };
    ws.on('message', (data) => {
      count();
      let request: { method?: unknown; params?: unknown; id?: unknown };
      try {
        request = JSON.parse(data.toString());
      } catch {
        ws.send(JSON.stringify({ error: { code: 3, msg: 'Invalid JSON' }, id: null }));
        return;
      }
      if (request.method !== 'SUBSCRIBE' || !Array.isArray(request.params)) {
        ws.send(JSON.stringify({ error: { code: 2, msg: 'Invalid request' }, id: request.id ?? null }));
        return;
      }
      for (const s of request.params) log.streams.add(String(s));
      if (log.streams.size > (this.#options.streamsPerConnection ?? 1024)) {
        this.violations.push(`streams: ${log.streams.size} on connection ${log.id}`);
        this.#close(ws, 1008, 'Too many streams');
        return;
      }
      if (!this.#stalled.has(ws)) ws.send(JSON.stringify({ result: null, id: request.id }));
    });
    ws.on('ping', (data) => {
      count();
      if (!this.#stalled.has(ws)) ws.pong(data);
    });
    ws.on('pong', () => {
      count();
      log.pongs++;
      lastPong = this.#clock.now();
    });
    const pingInterval = this.#options.pingIntervalMs ?? 20_000;
    const pongTimeout = this.#options.pongTimeoutMs ?? 60_000;
    const pinger = setInterval(() => {
      if (this.#stalled.has(ws)) return;
      if (this.#clock.now() - lastPong > pongTimeout) this.#terminate(ws, 'no pong');
      else ws.ping();
    }, pingInterval);
    const maxAge = this.#options.maxConnectionAgeMs ?? 24 * 3_600_000;
    const ageTimer = this.#clock.setTimeout(() => this.#close(ws, 1001, 'max age'), maxAge);
    ws.on('close', () => {
      clearInterval(pinger);
      this.#clock.clearTimeout(ageTimer);
      log.closedAt = this.#clock.now();
      this.#sockets.delete(ws);
      this.#stalled.delete(ws);
    });
    ws.on('error', () => {});
  }

  #close(ws: WebSocket, code: number, reason: string): void {
    const log = this.#sockets.get(ws);
    if (log && !log.closedBy) log.closedBy = reason;
    ws.close(code, reason);
  }

  #terminate(ws: WebSocket, reason: string): void {
    const log = this.#sockets.get(ws);
    if (log && !log.closedBy) log.closedBy = reason;
    ws.terminate();
  }

  #rest(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(url.searchParams);
    const now = this.#clock.now();
    const answer = this.#answer(url.pathname, query, req.headers['x-mbx-apikey'], now);
    this.requests.push({ path: url.pathname, query, status: answer.status, at: now });
    res.writeHead(answer.status, {
      'Content-Type': 'application/json',
      'X-MBX-USED-WEIGHT-1M': String(this.#weight.used),
      ...answer.headers,
    });
    res.end(JSON.stringify(answer.body));
  }

  #answer(
    path: string,
    query: Record<string, string>,
    key: string | string[] | undefined,
    now: number,
  ): Answer {
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({
      status,
      body,
      headers,
    });
    const match = /^\/(api\/v3|fapi\/v1)\/(\w+)$/.exec(path);
    const endpoint = match?.[2] ?? '';
    if (!(endpoint in WEIGHTS)) return reply(404, { code: -1, msg: 'Not found' });
    if (now < this.#bannedUntil) {
      this.violations.push(`request to ${path} during a Retry-After pause`);
      return reply(418, { code: -1003, msg: 'Way too many requests; IP banned.' }, { 'Retry-After': '1' });
    }
    const minute = Math.floor(now / 60_000);
    if (minute !== this.#weight.minute) this.#weight = { minute, used: 0 };
    this.#weight.used += WEIGHTS[endpoint];
    const limit = this.#options.weightPerMinute ?? 6000;
    if (this.#weight.used > limit) {
      this.violations.push(`weight: ${this.#weight.used} > ${limit} in one minute`);
      const retryAfter = Math.ceil(((minute + 1) * 60_000 - now) / 1000);
      this.#bannedUntil = now + retryAfter * 1000;
      return reply(429, { code: -1003, msg: 'Too many requests.' }, { 'Retry-After': String(retryAfter) });
    }
    const faultIndex = this.restFaults.findIndex((f) =>
      f.path ? path.endsWith(f.path) : endpoint !== 'exchangeInfo',
    );
    if (faultIndex >= 0) {
      const [fault] = this.restFaults.splice(faultIndex, 1);
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) {
        headers['Retry-After'] = String(fault.retryAfter);
        this.#bannedUntil = now + fault.retryAfter * 1000;
      }
      return reply(fault.status, { code: -1000, msg: `fault ${fault.status}` }, headers);
    }
    if (endpoint === 'exchangeInfo') {
      const listed = this.#options.symbols;
      if (query.symbols !== undefined) {
        const asked = JSON.parse(query.symbols) as string[];
        if (asked.some((s) => !listed.includes(s)))
          return reply(400, { code: -1121, msg: 'Invalid symbol.' });
        return reply(200, { symbols: asked.map((symbol) => ({ symbol, status: 'TRADING' })) });
      }
      return reply(200, { symbols: listed.map((symbol) => ({ symbol, status: 'TRADING' })) });
    }
    const history = this.#history.get(query.symbol ?? '');
    if (!history) return reply(400, { code: -1121, msg: 'Invalid symbol.' });
    const limit1000 = Math.min(1000, Number(query.limit ?? 500));
    if (endpoint === 'klines') return this.#klines(query);
    if (endpoint === 'historicalTrades') {
      if (key === undefined) return reply(401, { code: -2014, msg: 'API-key format invalid.' });
      if (this.#options.apiKey !== undefined && key !== this.#options.apiKey) {
        return reply(401, { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' });
      }
      const from = history.findIndex((t) => t.tradeId >= Number(query.fromId));
      const rows = from < 0 ? [] : history.slice(from, from + limit1000);
      return reply(
        200,
        rows.map((t) => ({
          id: t.tradeId,
          price: t.price,
          qty: t.qty,
          quoteQty: (Number(t.price) * Number(t.qty)).toFixed(8),
          time: t.time,
          isBuyerMaker: t.isBuyerMaker,
          isBestMatch: true,
        })),
      );
    }
    const from = history.findIndex((t) => t.aggId >= Number(query.fromId));
    const rows = (from < 0 ? [] : history.slice(from, from + limit1000)).filter(
      (t) => !this.withheld.has(t.aggId),
    );
    return reply(
      200,
      rows.map((t) => ({
        a: t.aggId,
        p: t.price,
        q: t.qty,
        f: t.tradeId,
        l: t.tradeId,
        T: t.time,
        m: t.isBuyerMaker,
        M: true,
      })),
    );
  }

  #klinesFromTrades(symbol: string, interval: string): unknown[][] {
    return klineRows(
      this.history(symbol),
      { '1m': 60_000, '5m': 300_000, '1h': 3_600_000 }[interval] ?? 60_000,
    );
  }

  #klines(query: Record<string, string>): Answer {
    if (!['1m', '5m', '1h'].includes(query.interval ?? '')) {
      return { status: 400, body: { code: -1120, msg: 'Invalid interval.' }, headers: {} };
    }
    const rows = this.#options.klines?.[query.symbol] ?? this.#klinesFromTrades(query.symbol, query.interval);
    const start = Number(query.startTime ?? 0);
    const end = Number(query.endTime ?? Number.MAX_SAFE_INTEGER);
    const limit = Math.min(1000, Number(query.limit ?? 500));
    const body = rows.filter((r) => (r[0] as number) >= start && (r[0] as number) <= end).slice(0, limit);
    return { status: 200, body, headers: {} };
  }
}

/** Binance's kline row for each interval of `trades` that had any (times ascending). */
function klineRows(trades: readonly FakeTrade[], intervalMs: number): unknown[][] {
  const rows: unknown[][] = [];
  let bar:
    | {
        open: number;
        high: number;
        low: number;
        close: number;
        v: number;
        qv: number;
        n: number;
        bv: number;
        bqv: number;
        t: number;
      }
    | undefined;
  const emit = () => {
    if (!bar) return;
    const f = (x: number) => x.toFixed(8);
    rows.push([
      bar.t,
      f(bar.open),
      f(bar.high),
      f(bar.low),
      f(bar.close),
      f(bar.v),
      bar.t + intervalMs - 1,
      f(bar.qv),
      bar.n,
      f(bar.bv),
      f(bar.bqv),
      '0',
    ]);
  };
  for (const trade of trades) {
    const t = Math.floor(trade.time / intervalMs) * intervalMs;
    const price = Number(trade.price);
    const qty = Number(trade.qty);
    if (bar?.t !== t) {
      emit();
      bar = { open: price, high: price, low: price, close: price, v: 0, qv: 0, n: 0, bv: 0, bqv: 0, t };
    }
    bar.high = Math.max(bar.high, price);
    bar.low = Math.min(bar.low, price);
    bar.close = price;
    bar.v += qty;
    bar.qv += price * qty;
    bar.n++;
    if (!trade.isBuyerMaker) {
      bar.bv += qty;
      bar.bqv += price * qty;
    }
  }
  emit();
  return rows;
}

function frame(t: FakeTrade, kind: 'aggTrade' | 'trade', raw: boolean): string {
  const stream = `${t.symbol.toLowerCase()}@${kind}`;
  const data =
    kind === 'aggTrade'
      ? `{"e":"aggTrade","E":${t.time},"s":"${t.symbol}","a":${t.aggId},"p":"${t.price}","q":"${t.qty}","f":${t.tradeId},"l":${t.tradeId},"T":${t.time},"m":${t.isBuyerMaker},"M":true}`
      : `{"e":"trade","E":${t.time},"s":"${t.symbol}","t":${t.tradeId},"p":"${t.price}","q":"${t.qty}","T":${t.time},"m":${t.isBuyerMaker},"M":true}`;
  return raw ? data : `{"stream":"${stream}","data":${data}}`;
}

const MALFORMED = [
  '{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTCUSDT","a":',
  'not json at all',
  '{"stream":"x@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"p":"abc","q":"1","f":1,"l":1,"T":1,"m":true}}',
  '{"stream":"x@aggTrade","data":{"e":"aggTrade","s":"BTCUSDT","a":1,"p":"1","q":"1","f":1,"l":1,"T":1}}',
  '',
  '{"unexpected":true}',
];
