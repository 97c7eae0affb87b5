import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { Random } from '../../../src/util/random.js';

/** One trade the fake Bybit generated. */
export interface FakeBybitTrade {
  symbol: string;
  /** Bybit's trade id: a 19-digit number on spot (beyond 2^53, so a string), a UUID on linear. */
  id: string;
  price: string;
  size: string;
  time: number;
  side: 'Buy' | 'Sell';
}

/** A REST answer forced on the next recent-trade request. */
export interface BybitRestFault {
  /** HTTP status (429, 500, …); 200 with `retCode` for Bybit's in-body errors (10006: too many visits). */
  status: number;
  retCode?: number;
}

export interface FakeBybitOptions {
  /** Symbols listed, per category. */
  spot?: string[];
  linear?: string[];
  seed?: number;
  /** Most trades a recent-trade request serves (Bybit: 60 on spot, 1000 on linear). */
  recentLimit?: { spot: number; linear: number };
  /** Most trades one WebSocket message carries (default 3). */
  tradesPerMessage?: number;
  /** Send no trade ids (`i`, `execId`), as some exchanges do: ccxt's trades then have none. */
  noIds?: boolean;
}

/**
 * A Bybit look-alike on 127.0.0.1 speaking Bybit's v5 formats: the public WebSocket endpoints
 * `/v5/public/spot` and `/v5/public/linear` (`{"op":"subscribe","args":["publicTrade.BTCUSDT"]}`,
 * `{"op":"ping"}`, trade messages `{"topic":"publicTrade.BTCUSDT","type":"snapshot","data":[…]}`
 * carrying several trades each) and REST `GET /v5/market/recent-trade` (`{"retCode":0,"result":
 * {"list":[…newest first]}}`, at most the last 60 spot or 1000 linear trades: Bybit has no
 * history by time or id). Misbehaves on demand like the fake Binance: dropped connections,
 * duplicated, reordered and malformed messages, REST errors and rate limits.
 */
export class FakeBybit {
  readonly requests: { path: string; query: Record<string, string>; status: number }[] = [];
  readonly restFaults: BybitRestFault[] = [];
  /** Probabilities applied to every trade message sent. */
  faults = { duplicate: 0, reorder: 0, malformed: 0 };
  malformedSent = 0;
  connectionsOpened = 0;
  #options: FakeBybitOptions;
  #rng: Random;
  #http: Server;
  #wss: WebSocketServer;
  #sockets = new Map<WebSocket, { category: 'spot' | 'linear'; topics: Set<string> }>();
  #history = new Map<string, FakeBybitTrade[]>();
  #category = new Map<string, 'spot' | 'linear'>();
  #state = new Map<string, { seq: number; price: number; time: number }>();
  #dropAfter = -1;

  private constructor(options: FakeBybitOptions, http: Server) {
    this.#options = options;
    this.#rng = new Random(options.seed ?? 7);
    this.#http = http;
    this.#wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    for (const category of ['spot', 'linear'] as const) {
      for (const symbol of options[category] ?? []) {
        this.#category.set(symbol, category);
        this.#history.set(symbol, []);
        this.#state.set(symbol, { seq: 1, price: 100 + symbol.length, time: 0 });
      }
    }
  }

  /** Starts a fake Bybit on a free port of 127.0.0.1. */
  static async start(options: FakeBybitOptions): Promise<FakeBybit> {
    const http = createServer();
    const fake = new FakeBybit(options, http);
    http.on('request', (req, res) => fake.#rest(req, res));
    http.on('upgrade', (req, socket, head) => fake.#upgrade(req, socket, head));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#http.address() as AddressInfo).port}`;
  }
  get wsUrl(): string {
    return this.url.replace('http:', 'ws:');
  }
  /** Connections open now. */
  get openConnections(): number {
    return this.#sockets.size;
  }

  /** Whether some connection is subscribed to `symbol`'s trades. */
  subscribed(symbol: string): boolean {
    for (const conn of this.#sockets.values()) if (conn.topics.has(`publicTrade.${symbol}`)) return true;
    return false;
  }

  history(symbol: string): readonly FakeBybitTrade[] {
    return this.#history.get(symbol) ?? [];
  }

  /** Generates `count` trades of `symbol` and sends them to subscribed connections (subject to the faults). */
  publish(symbol: string, count: number, time = Date.now()): FakeBybitTrade[] {
    const state = this.#state.get(symbol);
    const category = this.#category.get(symbol);
    if (!state || !category) throw new Error(`fake Bybit does not list ${symbol}`);
    const trades: FakeBybitTrade[] = [];
    for (let i = 0; i < count; i++) {
      state.price = Math.max(1, state.price * (1 + 0.0005 * this.#rng.normal()));
      state.time = Math.max(state.time, time);
      const seq = state.seq++;
      trades.push({
        symbol,
        id:
          category === 'spot'
            ? `22900000000${String(seq).padStart(8, '0')}`
            : `${hex(this.#rng, 8)}-${hex(this.#rng, 4)}-5${hex(this.#rng, 3)}-9${hex(this.#rng, 3)}-${String(seq).padStart(12, '0')}`,
        price: state.price.toFixed(2),
        size: (0.001 + this.#rng.float()).toFixed(6),
        time: state.time,
        side: this.#rng.int(2) === 0 ? 'Sell' : 'Buy',
      });
    }
    (this.#history.get(symbol) as FakeBybitTrade[]).push(...trades);
    const topic = `publicTrade.${symbol}`;
    for (const [ws, conn] of this.#sockets) if (conn.topics.has(topic)) this.#send(ws, topic, trades);
    return trades;
  }

  /** During the next publish, drops every connection abruptly after `messages` messages. */
  dropAfter(messages: number): void {
    this.#dropAfter = messages;
  }

  /** Drops every connection abruptly (no close frame). */
  dropAll(): void {
    for (const ws of [...this.#sockets.keys()]) {
      this.#sockets.delete(ws);
      ws.terminate();
    }
  }

  async close(): Promise<void> {
    for (const ws of this.#sockets.keys()) ws.terminate();
    this.#wss.close();
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }

  #send(ws: WebSocket, topic: string, trades: FakeBybitTrade[]): void {
    const per = this.#options.tradesPerMessage ?? 3;
    const messages: string[] = [];
    for (let i = 0; i < trades.length; i += per) {
      const data = trades.slice(i, i + per).map((t) => ({
        T: t.time,
        s: t.symbol,
        S: t.side,
        v: t.size,
        p: t.price,
        L: 'PlusTick',
        i: this.#options.noIds ? undefined : t.id,
        BT: false,
      }));
      messages.push(JSON.stringify({ topic, type: 'snapshot', ts: Date.now(), data }));
    }
    const { duplicate, reorder, malformed } = this.faults;
    for (let i = 0; i + 1 < messages.length; i++) {
      if (reorder > 0 && this.#rng.float() < reorder)
        [messages[i], messages[i + 1]] = [messages[i + 1], messages[i]];
    }
    for (const text of messages) {
      if (this.#dropAfter === 0) {
        this.#dropAfter = -1;
        this.dropAll();
        return;
      }
      if (this.#dropAfter > 0) this.#dropAfter--;
      if (malformed > 0 && this.#rng.float() < malformed) {
        this.malformedSent++;
        ws.send(MALFORMED[this.#rng.int(MALFORMED.length)].replaceAll('TOPIC', topic));
      }
      ws.send(text);
      if (duplicate > 0 && this.#rng.float() < duplicate) ws.send(text);
    }
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const category =
      path === '/v5/public/spot' ? 'spot' : path === '/v5/public/linear' ? 'linear' : undefined;
    if (category === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.connectionsOpened++;
      const conn = { category, topics: new Set<string>() } as const;
      this.#sockets.set(ws, conn);
      const connId = `fake-${this.connectionsOpened}`;
      ws.on('message', (data) => {
        let request: { op?: unknown; args?: unknown; req_id?: unknown };
        try {
          request = JSON.parse(data.toString());
        } catch {
          ws.send(JSON.stringify({ success: false, ret_msg: 'invalid json', conn_id: connId }));
          return;
        }
        if (request.op === 'ping') {
          ws.send(
            JSON.stringify({
              success: true,
              ret_msg: 'pong',
              conn_id: connId,
              req_id: request.req_id,
              op: 'ping',
            }),
          );
          return;
        }
        if (request.op !== 'subscribe' || !Array.isArray(request.args)) {
          ws.send(JSON.stringify({ success: false, ret_msg: 'unknown op', conn_id: connId, op: request.op }));
          return;
        }
        const unknown = request.args.filter(
          (topic) => this.#category.get(String(topic).replace(/^publicTrade\./, '')) !== category,
        );
        if (unknown.length > 0) {
          ws.send(
            JSON.stringify({
              success: false,
              ret_msg: `Invalid symbol :[${unknown.join(',')}]`,
              conn_id: connId,
              req_id: request.req_id,
              op: 'subscribe',
            }),
          );
          return;
        }
        for (const topic of request.args) conn.topics.add(String(topic));
        ws.send(
          JSON.stringify({
            success: true,
            ret_msg: 'subscribe',
            conn_id: connId,
            req_id: request.req_id,
            op: 'subscribe',
          }),
        );
      });
      ws.on('close', () => this.#sockets.delete(ws));
      ws.on('error', () => {});
    });
  }

  #rest(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(url.searchParams);
    const reply = (status: number, body: unknown) => {
      this.requests.push({ path: url.pathname, query, status });
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
      return true;
    };
    if (url.pathname !== '/v5/market/recent-trade')
      return reply(404, { retCode: 10404, retMsg: 'not found' });
    const fault = this.restFaults.shift();
    if (fault && fault.status !== 200) {
      // Bybit's gateway answers rate limits and outages with a bare status and no JSON body.
      this.requests.push({ path: url.pathname, query, status: fault.status });
      res.writeHead(fault.status, { 'Content-Type': 'text/html' });
      res.end(`<html><body>${fault.status}</body></html>`);
      return true;
    }
    if (fault) {
      return reply(fault.status, {
        retCode: fault.retCode ?? fault.status,
        retMsg: fault.retCode === 10006 ? 'Too many visits!' : `fault ${fault.status}`,
        result: {},
        retExtInfo: {},
        time: Date.now(),
      });
    }
    const category = this.#category.get(query.symbol ?? '');
    if (category === undefined || category !== query.category)
      return reply(200, {
        retCode: 10001,
        retMsg: 'params error: symbol invalid',
        result: {},
        time: Date.now(),
      });
    const max = (this.#options.recentLimit ?? { spot: 60, linear: 1000 })[category];
    const limit = Number(query.limit ?? 60);
    if (!(Number.isInteger(limit) && limit >= 1 && limit <= max))
      return reply(200, { retCode: 10001, retMsg: `params error: limit must be in [1, ${max}]`, result: {} });
    const history = this.history(query.symbol);
    const list = history
      .slice(-limit)
      .reverse()
      .map((t) => ({
        execId: this.#options.noIds ? undefined : t.id,
        symbol: t.symbol,
        price: t.price,
        size: t.size,
        side: t.side,
        time: String(t.time),
        isBlockTrade: false,
      }));
    return reply(200, {
      retCode: 0,
      retMsg: 'OK',
      result: { category, list },
      retExtInfo: {},
      time: Date.now(),
    });
  }
}

function hex(rng: Random, digits: number): string {
  let s = '';
  for (let i = 0; i < digits; i++) s += rng.int(16).toString(16);
  return s;
}

const MALFORMED = [
  '{"topic":"TOPIC","type":"snapshot","data":[{"T":',
  'not json at all',
  '{"topic":"TOPIC","type":"snapshot","ts":1,"data":[{"T":1,"s":"X","S":"Buy","v":"1","p":"abc","i":"x1"}]}',
  '{"topic":"TOPIC","type":"snapshot","ts":1,"data":[{"s":"X","S":"Buy","v":"1","p":"1"}]}',
  '',
  '{"unexpected":true}',
];
