import { randomInt } from 'node:crypto';
import { invalidTradeReason, type Trade } from '../../bars/trade.js';
import { type BackoffOptions, backoffDelay, resolveBackoff } from '../binance/backoff.js';
import { type Clock, sleep, sleepUntil, systemClock } from '../binance/clock.js';
import {
  optionalBoolean,
  optionalFunction,
  optionalObject,
  positiveInteger,
  timerMs,
} from '../shared/optionChecks.js';
import { TradeDeliveryQueue } from '../shared/TradeDeliveryQueue.js';
import type { CcxtExchange, CcxtTrade } from './CcxtExchange.js';
import { isCcxtError, isFatalWatchError, isTransientError } from './ccxtErrors.js';
import { type ExchangeProfile, exchangeProfile } from './exchangeProfiles.js';
import { createCcxtExchange } from './loadCcxt.js';
import { RecentKeys } from './RecentKeys.js';

/**
 * A trade from {@link ccxtTrades}: a {@link Trade} whose `symbol` is ccxt's unified symbol
 * (`'BTC/USDT'`, `'BTC/USDT:USDT'` for a USDT-settled swap) and whose `tradeId` is the
 * exchange's id as ccxt gives it. `id` is set too when that id is an integer below 2^53.
 *
 * @example
 * ```ts
 * const t: ExchangeTrade = { symbol: 'BTC/USDT', tradeId: '42', id: 42, time: 1767225600039, price: 87648.21, qty: 0.001, isBuyerMaker: false };
 * ```
 */
export interface ExchangeTrade extends Trade {
  symbol: string;
  /** The exchange's trade id, verbatim (Bybit's derivatives use UUIDs); undefined where the exchange gives none. */
  tradeId: string | undefined;
}

/**
 * Settings of {@link ccxtTrades}.
 *
 * @example
 * ```ts
 * const options: CcxtTradesOptions = { signal: controller.signal, maxBuffered: 50_000 };
 * ```
 */
export interface CcxtTradesOptions {
  /** Aborting ends the iteration (and closes the exchange when `closeExchange`). */
  signal?: AbortSignal;
  /** Trades held for a slow consumer before the stream stops asking ccxt for more (default 10 000). */
  maxBuffered?: number;
  /** How long a jump in sequential ids may wait for late trades before REST fills it (default 1 s). */
  gapGraceMs?: number;
  /** Trade keys remembered per symbol to drop duplicates, where ids are not sequential (default 4096). */
  dedupeWindow?: number;
  /** `fetchTrades` retries after network errors, timeouts and rate limits before a gap is given up (default 5). */
  restRetries?: number;
  /** `fetchTrades` pages one gap may take (default 100). */
  maxFillPages?: number;
  /** Backoff of re-subscriptions and REST retries (default 250 ms doubling to 30 s, with jitter). */
  backoff?: BackoffOptions;
  /** Uniform numbers in [0, 1) for the backoff jitter (default: crypto random). */
  random?: () => number;
  /** Time and timers (default: the system clock). */
  clock?: Clock;
  /** ccxt settings when the exchange is given by id, e.g. `{ options: { defaultType: 'swap' } }`. */
  exchangeConfig?: object;
  /** Close the exchange's connections when the stream ends (default: only when created from an id). */
  closeExchange?: boolean;
  /** Extra `watchTrades` params (default: the exchange profile's; Binance: `{ name: 'aggTrade' }`). */
  watchParams?: object;
  /** Called with every trade ccxt returned that is not a valid trade of the symbol watched. */
  onMalformed?: (malformed: CcxtMalformedTrade) => void;
  /** Called on disconnections, gap fills, unfillable gaps, REST retries and backpressure. */
  onEvent?: (event: CcxtStreamEvent) => void;
}

/**
 * A trade ccxt returned that was counted as malformed and skipped.
 *
 * @example
 * ```ts
 * ccxtTrades('bybit', ['BTC/USDT'], { onMalformed: (m: CcxtMalformedTrade) => console.warn(m.reason) });
 * ```
 */
export interface CcxtMalformedTrade {
  symbol: string;
  /** ccxt's trade, as JSON. */
  trade: string;
  reason: string;
}

/**
 * What the stream is doing, for logs and monitoring.
 *
 * - `disconnected`: `watchTrades` failed (the connection dropped or ccxt rejected a frame);
 *   the stream subscribes again after `delayMs` and fills what it missed.
 * - `connectionLost`: one of the exchange's WebSocket clients closed.
 * - `overflow`: ccxt's trade cache of a symbol filled up between two reads (a slow consumer):
 *   its oldest trades may be gone, so the stream fills them from REST.
 * - `gapFilled` / `gapUnfilled`: a gap was filled from REST, or could not be (`missing` trades,
 *   exact with sequential ids, else a lower bound of 1; the next trade carries `missingBefore`).
 *
 * @example
 * ```ts
 * ccxtTrades('bybit', ['BTC/USDT'], { onEvent: (e: CcxtStreamEvent) => e.type === 'gapUnfilled' && console.warn(e) });
 * ```
 */
export type CcxtStreamEvent =
  | { type: 'disconnected'; symbol: string; error: string; attempt: number; delayMs: number }
  | { type: 'connectionLost'; error: string }
  | { type: 'overflow'; symbol: string; trades: number }
  | { type: 'gapFilled'; symbol: string; trades: number }
  | { type: 'gapUnfilled'; symbol: string; missing: number; exact: boolean; reason: string }
  | { type: 'restRetry'; symbol: string; attempt: number; delayMs: number; error: string }
  | { type: 'paused'; buffered: number }
  | { type: 'resumed'; buffered: number };

/**
 * Counters of a {@link CcxtTradeStream}.
 *
 * @example
 * ```ts
 * const { trades, duplicates, filledTrades, missing }: CcxtTradesStats = stream.stats();
 * ```
 */
export interface CcxtTradesStats {
  /** Trades delivered or waiting in the buffer. */
  trades: number;
  /** Trades dropped because they were already delivered. */
  duplicates: number;
  /** Trades skipped as malformed. */
  malformed: number;
  /** Trades that came from REST to fill gaps. */
  filledTrades: number;
  /** Trades known (or, without sequential ids, thought) lost and not fillable; see `missingBefore`. */
  missing: number;
  /** Gaps that could not be filled. */
  unfilledGaps: number;
  /** Failed `watchTrades` calls (each followed by a new subscription). */
  watchErrors: number;
  /** WebSocket connections of the exchange that closed. */
  connectionsLost: number;
  /** `fetchTrades` requests sent, and retries among them. */
  restRequests: number;
  restRetries: number;
  /** Trades buffered now (waiting for the consumer, or behind a gap being filled). */
  buffered: number;
  /** Times the stream stopped reading because the consumer fell behind. */
  pauses: number;
}

/**
 * Symbols the exchange does not list.
 *
 * @example
 * ```ts
 * try { for await (const t of ccxtTrades('bybit', ['NOPE/USDT'])) {} }
 * catch (e) { if (e instanceof CcxtSymbolError) console.error(e.symbols); }
 * ```
 */
export class CcxtSymbolError extends Error {
  readonly symbols: readonly string[];

  constructor(exchange: string, symbols: readonly string[]) {
    super(
      `${exchange} does not list ${symbols.join(', ')}: use ccxt's unified symbols (e.g. BTC/USDT, BTC/USDT:USDT for a swap)`,
    );
    this.name = 'CcxtSymbolError';
    this.symbols = symbols;
  }
}

/** Tries of REST to catch up with the live stream before a sequential gap is given up. */
const FRUITLESS_TRIES = 5;
/** REST catch-ups after a lost connection while no live trade comes. */
const CATCH_UPS = 5;

interface SymbolState {
  symbol: string;
  profile: ExchangeProfile;
  delivered: boolean;
  /** Time of the latest trade delivered. */
  lastTime: number;
  /** Sequential ids: the last id delivered, -1 before the first trade. */
  lastSeq: number;
  /** Keys of the trades delivered last (ids not sequential). */
  recent: RecentKeys;
  /** Trades held back: behind an id gap (ascending ids), or arriving while a gap is filled. */
  pending: ExchangeTrade[];
  /**
   * A connection was lost and no live trade has come since: REST is asked again (`catchUps` times,
   * backing off) and, without sequential ids, the next live trades wait for a fill.
   */
  suspect: boolean;
  catchUps: number;
  filling: boolean;
  graceTimer: unknown;
  /** After a lost connection: when REST is asked for what the symbol may have missed. */
  catchUpTimer: unknown;
  attempts: number;
}

/**
 * Live trades of many symbols from any ccxt exchange, as one `AsyncIterable`: see
 * {@link ccxtTrades}. Iterate it once; `stats()` may be read at any time.
 *
 * @example
 * ```ts
 * const stream = ccxtTrades('bybit', ['BTC/USDT']);
 * setInterval(() => console.log(stream.stats()), 10_000).unref();
 * for await (const trade of stream) handle(trade);
 * ```
 */
export class CcxtTradeStream implements AsyncIterable<ExchangeTrade> {
  readonly #source: CcxtExchange | string;
  readonly #symbolsAsked: string[];
  readonly #backoff: Required<BackoffOptions>;
  readonly #closeExchange: boolean;
  readonly #exchangeConfig: object | undefined;
  readonly #watchParams: object | undefined;
  readonly #onMalformed: ((malformed: CcxtMalformedTrade) => void) | undefined;
  readonly #onEvent: ((event: CcxtStreamEvent) => void) | undefined;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #gapGraceMs: number;
  readonly #dedupeWindow: number;
  readonly #restRetries: number;
  readonly #maxFillPages: number;
  readonly #abort = new AbortController();
  readonly #states = new Map<string, SymbolState>();
  #exchange: CcxtExchange | undefined;
  #hooks: { onClose: CcxtExchange['onClose']; onError: CcxtExchange['onError'] } | undefined;
  readonly #delivery: TradeDeliveryQueue<ExchangeTrade>;
  /** REST requests go one at a time, not before this time (a `Retry-After`). */
  #restGate: Promise<unknown> = Promise.resolve();
  #restPausedUntil = 0;
  #closed = false;
  #counts = {
    trades: 0,
    duplicates: 0,
    malformed: 0,
    filledTrades: 0,
    missing: 0,
    unfilledGaps: 0,
    watchErrors: 0,
    connectionsLost: 0,
    restRequests: 0,
    restRetries: 0,
    pauses: 0,
  };

  constructor(exchange: CcxtExchange | string, symbols: readonly string[], options: CcxtTradesOptions = {}) {
    if (typeof exchange !== 'string' && (typeof exchange !== 'object' || exchange === null))
      throw new TypeError('exchange must be a ccxt exchange (new ccxt.pro.bybit()) or its id (e.g. "bybit")');
    if (
      !Array.isArray(symbols) ||
      symbols.length === 0 ||
      symbols.some((s) => typeof s !== 'string' || s === '')
    )
      throw new TypeError('symbols must be a non-empty array of ccxt symbols, e.g. ["BTC/USDT"]');
    this.#source = exchange;
    this.#symbolsAsked = [...new Set(symbols)];
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? (() => randomInt(2 ** 47) / 2 ** 47);
    this.#delivery = new TradeDeliveryQueue<ExchangeTrade>({
      source: 'ccxtTrades',
      maxBuffered: positiveInteger('maxBuffered', options.maxBuffered ?? 10_000),
      signal: options.signal,
      start: () => {
        this.#start().catch((error) => this.#fail(error));
      },
      stop: () => this.close(),
      onPause: () => {
        this.#counts.pauses++;
        this.#emit({ type: 'paused', buffered: this.#delivery.buffered });
      },
      onResume: () => this.#emit({ type: 'resumed', buffered: this.#delivery.buffered }),
    });
    this.#gapGraceMs = timerMs('gapGraceMs', options.gapGraceMs ?? 1000);
    this.#dedupeWindow = positiveInteger('dedupeWindow', options.dedupeWindow ?? 4096);
    this.#restRetries = positiveInteger('restRetries', options.restRetries ?? 5);
    this.#maxFillPages = positiveInteger('maxFillPages', options.maxFillPages ?? 100);
    this.#backoff = resolveBackoff(options.backoff);
    this.#closeExchange = optionalBoolean(
      'closeExchange',
      options.closeExchange,
      typeof exchange === 'string',
    );
    this.#exchangeConfig = optionalObject('exchangeConfig', options.exchangeConfig);
    this.#watchParams = optionalObject('watchParams', options.watchParams);
    this.#onMalformed = optionalFunction('onMalformed', options.onMalformed);
    this.#onEvent = optionalFunction('onEvent', options.onEvent);
  }

  /** Counters; see {@link CcxtTradesStats}. */
  stats(): CcxtTradesStats {
    return { ...this.#counts, buffered: this.#delivery.buffered };
  }

  /** Ends the iteration and stops every watch loop, timer and fill. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort(new Error('ccxtTrades closed'));
    const exchange = this.#exchange;
    if (exchange && this.#hooks) {
      exchange.onClose = this.#hooks.onClose;
      exchange.onError = this.#hooks.onError;
    }
    if (exchange && this.#closeExchange) exchange.close().catch(() => {});
    for (const state of this.#states.values()) {
      this.#clock.clearTimeout(state.graceTimer);
      this.#clock.clearTimeout(state.catchUpTimer);
      state.pending.length = 0;
    }
    this.#delivery.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<ExchangeTrade> {
    return this.#delivery[Symbol.asyncIterator]();
  }

  async #start(): Promise<void> {
    const exchange =
      typeof this.#source === 'string'
        ? await createCcxtExchange(this.#source, this.#exchangeConfig)
        : this.#source;
    this.#exchange = exchange;
    if (this.#closed) {
      if (typeof this.#source === 'string') await exchange.close();
      return;
    }
    if (!exchange.has.watchTrades && !exchange.has.watchTradesForSymbols)
      throw new Error(`ccxt's ${exchange.id} has no watchTrades: it cannot stream trades`);
    await exchange.loadMarkets();
    if (this.#closed) return;
    const unknown: string[] = [];
    const symbols: string[] = [];
    for (const asked of this.#symbolsAsked) {
      try {
        symbols.push(exchange.market(asked).symbol);
      } catch {
        unknown.push(asked);
      }
    }
    if (unknown.length > 0) throw new CcxtSymbolError(exchange.id, unknown);
    for (const symbol of new Set(symbols)) {
      this.#states.set(symbol, {
        symbol,
        profile: exchangeProfile(exchange, symbol),
        delivered: false,
        lastTime: Number.NEGATIVE_INFINITY,
        lastSeq: -1,
        recent: new RecentKeys(this.#dedupeWindow),
        pending: [],
        suspect: false,
        catchUps: 0,
        filling: false,
        graceTimer: undefined,
        catchUpTimer: undefined,
        attempts: 0,
      });
    }
    this.#hookConnections(exchange);
    await Promise.all([...this.#states.values()].map((state) => this.#watchLoop(exchange, state)));
  }

  /**
   * ccxt rejects only the watches pending when a connection closes; a symbol read between two
   * watches would never hear of it. So every close of any of the exchange's clients marks every
   * symbol: its next live trades wait until REST has filled what the outage may have taken.
   */
  #hookConnections(exchange: CcxtExchange): void {
    const onClose = exchange.onClose;
    const onError = exchange.onError;
    this.#hooks = { onClose, onError };
    const lost = () => {
      if (!this.#closed) for (const state of this.#states.values()) this.#lost(state);
    };
    const closed = (error: unknown) => {
      if (this.#closed) return;
      lost();
      this.#counts.connectionsLost++;
      this.#emit({ type: 'connectionLost', error: describeClose(error) });
    };
    // ccxt binds these when it creates a client: plain functions keep ccxt's `this`.
    exchange.onClose = function (this: CcxtExchange, client, error) {
      closed(error);
      return onClose?.call(this, client, error);
    };
    exchange.onError = function (this: CcxtExchange, client, error) {
      lost();
      return onError?.call(this, client, error);
    };
  }

  async #watchLoop(exchange: CcxtExchange, state: SymbolState): Promise<void> {
    const params = this.#watchParams ?? state.profile.watchParams;
    const watch = exchange.has.watchTrades
      ? () =>
          (exchange.watchTrades as NonNullable<CcxtExchange['watchTrades']>)(
            state.symbol,
            undefined,
            undefined,
            { ...params },
          )
      : () =>
          (exchange.watchTradesForSymbols as NonNullable<CcxtExchange['watchTradesForSymbols']>)(
            [state.symbol],
            undefined,
            undefined,
            { ...params },
          );
    let peek = false;
    while (!this.#closed) {
      if (await this.#delivery.whenResumed()) peek = true;
      if (this.#closed) return;
      if (peek) {
        // Trades ccxt received while this loop was not watching resolved no watch: take them
        // from ccxt's cache, or they would wait for the symbol's next trade.
        peek = false;
        const unseen = this.#unseenCached(exchange, state);
        if (unseen.length > 0) {
          this.#onBatch(state, unseen, false);
          continue;
        }
      }
      let batch: CcxtTrade[];
      try {
        batch = await watch.call(exchange);
      } catch (error) {
        if (this.#closed || isCcxtError(error, ['ExchangeClosedByUser'])) {
          this.close();
          return;
        }
        if (isFatalWatchError(error)) throw error;
        this.#counts.watchErrors++;
        this.#lost(state);
        peek = true;
        const attempt = ++state.attempts;
        const delayMs = backoffDelay(attempt, this.#backoff, this.#random);
        this.#emit({ type: 'disconnected', symbol: state.symbol, error: message(error), attempt, delayMs });
        await sleep(this.#clock, delayMs, this.#abort.signal).catch(() => {});
        continue;
      }
      if (this.#closed) return;
      state.attempts = 0;
      this.#onBatch(state, batch, true);
    }
  }

  /**
   * The trades of ccxt's cache for `state`'s symbol (`exchange.trades[symbol]`, where ccxt keeps
   * the last `tradesLimit`) that came after the last one delivered or held.
   */
  #unseenCached(exchange: CcxtExchange, state: SymbolState): CcxtTrade[] {
    const cache = (exchange as { trades?: Record<string, unknown> }).trades?.[state.symbol];
    if (!Array.isArray(cache)) return [];
    let start = cache.length;
    while (start > 0) {
      const raw = cache[start - 1] as CcxtTrade;
      const id = idOf(raw);
      const seen = state.profile.sequentialIds
        ? Number(id) <= state.lastSeq || state.pending.some((p) => p.tradeId === id)
        : state.recent.has(keyOfRaw(raw)) || state.pending.some((p) => keyOf(p) === keyOfRaw(raw));
      if (seen) break;
      start--;
    }
    return cache.slice(start) as CcxtTrade[];
  }

  /**
   * A connection of `state`'s symbol was lost: REST is asked for what it may have missed after
   * `gapGraceMs`, and again after 2, 4, 8 and 16 times that while no live trade comes (a quiet
   * symbol would otherwise get the trades made before its resubscription only with its next one).
   */
  #lost(state: SymbolState): void {
    if (!state.delivered) return;
    state.suspect = true;
    state.catchUps = 0;
    this.#scheduleCatchUp(state);
  }

  #scheduleCatchUp(state: SymbolState): void {
    if (state.catchUpTimer !== undefined || state.catchUps >= CATCH_UPS) return;
    state.catchUpTimer = this.#clock.setTimeout(
      () => {
        state.catchUpTimer = undefined;
        if (!this.#closed && state.suspect) this.#fill(state);
      },
      this.#gapGraceMs * 2 ** state.catchUps++,
    );
  }

  /**
   * Trades ccxt received for `state`'s symbol: an answer of `watchTrades` (`live`), or those
   * taken from its cache after a pause or an error.
   */
  #onBatch(state: SymbolState, batch: CcxtTrade[], live: boolean): void {
    const sequential = state.profile.sequentialIds;
    const cacheSize = Number(this.#exchange?.options.tradesLimit ?? 1000);
    if (batch.length >= cacheSize && state.delivered) {
      // ccxt's cache is full: older trades of this read may have been pushed out of it.
      this.#emit({ type: 'overflow', symbol: state.symbol, trades: batch.length });
      if (sequential) this.#scheduleGapCheck(state);
      else state.suspect = true;
    }
    if (!state.delivered) state.suspect = false;
    // With sequential ids a live trade after the loss shows any gap by its id.
    if (live && sequential) state.suspect = false;
    for (let i = 0; i < batch.length; i++) {
      const trade = this.#convert(state, batch[i]);
      if (trade === undefined) continue;
      if (sequential) this.#acceptSequential(state, trade);
      else if (state.filling || (live && state.suspect)) {
        state.pending.push(trade);
        this.#delivery.held++;
      } else this.#acceptKeyed(state, trade);
    }
    if (!sequential && state.suspect && !state.filling && state.pending.length > 0) this.#fill(state);
    this.#delivery.pauseIfFull();
  }

  /** A ccxt trade as an {@link ExchangeTrade}, or undefined (counted) when it is not a valid trade of `state`. */
  #convert(state: SymbolState, raw: CcxtTrade): ExchangeTrade | undefined {
    const tradeId = idOf(raw);
    const numeric = tradeId !== undefined && /^\d{1,16}$/.test(tradeId) ? Number(tradeId) : undefined;
    const trade: ExchangeTrade = {
      time: raw?.timestamp as number,
      price: raw?.price as number,
      qty: raw?.amount as number,
      isBuyerMaker:
        raw?.side === 'sell' ? true : raw?.side === 'buy' ? false : (undefined as unknown as boolean),
      id: numeric !== undefined && Number.isSafeInteger(numeric) ? numeric : undefined,
      symbol: state.symbol,
      tradeId,
    };
    const range = state.profile.idRange?.(raw);
    if (range) {
      trade.firstId = range.firstId;
      trade.lastId = range.lastId;
    }
    let reason = invalidTradeReason(trade);
    if (reason === undefined && raw.symbol !== state.symbol)
      reason = `trade of ${JSON.stringify(raw.symbol)} in the stream of ${state.symbol}`;
    if (reason === undefined && state.profile.sequentialIds && trade.id === undefined)
      reason = `id must be an integer on ${this.#exchange?.id}, got ${JSON.stringify(raw.id)}`;
    if (reason === undefined) return trade;
    this.#counts.malformed++;
    this.#onMalformed?.({ symbol: state.symbol, trade: safeJson(raw), reason });
    return undefined;
  }

  /** Sequential ids: delivers the trade, drops it as a duplicate, or holds it behind a gap. */
  #acceptSequential(state: SymbolState, trade: ExchangeTrade): void {
    const id = trade.id as number;
    if (state.lastSeq < 0 || (id === state.lastSeq + 1 && state.pending.length === 0)) {
      state.lastSeq = id;
      this.#deliver(state, trade);
    } else if (id <= state.lastSeq) {
      this.#counts.duplicates++;
    } else {
      this.#hold(state, trade);
    }
  }

  #hold(state: SymbolState, trade: ExchangeTrade): void {
    const pending = state.pending;
    const id = trade.id as number;
    let i = pending.length;
    while (i > 0 && (pending[i - 1].id as number) > id) i--;
    if (i > 0 && pending[i - 1].id === id) {
      this.#counts.duplicates++;
      return;
    }
    pending.splice(i, 0, trade);
    this.#delivery.held++;
    this.#drain(state);
    if (pending.length > 0) this.#scheduleGapCheck(state);
  }

  /** Sequential ids: a gap gets `gapGraceMs` for late trades, then REST. */
  #scheduleGapCheck(state: SymbolState): void {
    if (state.filling || state.graceTimer !== undefined) return;
    state.graceTimer = this.#clock.setTimeout(() => {
      state.graceTimer = undefined;
      if (!this.#closed) this.#fill(state);
    }, this.#gapGraceMs);
  }

  /** Sequential ids: delivers the held trades that continue the sequence. */
  #drain(state: SymbolState): void {
    const pending = state.pending;
    let n = 0;
    while (n < pending.length && (pending[n].id as number) <= state.lastSeq + 1) {
      const trade = pending[n++];
      if ((trade.id as number) <= state.lastSeq) this.#counts.duplicates++;
      else {
        state.lastSeq = trade.id as number;
        this.#deliver(state, trade);
      }
    }
    if (n > 0) {
      pending.splice(0, n);
      this.#delivery.held -= n;
    }
  }

  /** Opaque ids: delivers the trade unless its key was delivered recently. */
  #acceptKeyed(state: SymbolState, trade: ExchangeTrade): boolean {
    const key = keyOf(trade);
    if (state.recent.has(key)) {
      this.#counts.duplicates++;
      return false;
    }
    state.recent.add(key);
    this.#deliver(state, trade);
    return true;
  }

  #fill(state: SymbolState): void {
    if (state.filling || this.#closed) return;
    state.filling = true;
    this.#clock.clearTimeout(state.graceTimer);
    state.graceTimer = undefined;
    const run = state.profile.sequentialIds ? this.#fillById(state) : this.#fillByTime(state);
    run
      .catch((error) => {
        if (!this.#closed) this.#fail(error);
      })
      .finally(() => {
        state.filling = false;
        if (this.#closed) return;
        if (state.profile.sequentialIds) {
          if (state.pending.length > 0) this.#scheduleGapCheck(state);
        } else if (state.suspect && state.pending.length > 0) this.#fill(state);
        if (state.suspect) this.#scheduleCatchUp(state);
      });
  }

  /** Sequential ids: pages REST from the last delivered id until the sequence is whole and caught up. */
  async #fillById(state: SymbolState): Promise<void> {
    const { pageLimit = 1000, fromIdParams } = state.profile;
    let filled = 0;
    let fruitless = 0;
    let reason = 'the exchange does not serve trades by id';
    while (!this.#closed && fromIdParams) {
      const fromId = state.lastSeq + 1;
      const answer = await this.#fetchTrades(state, undefined, pageLimit, fromIdParams(fromId));
      if (typeof answer === 'string') {
        reason = answer;
        break;
      }
      answer.sort((a, b) => (a.id as number) - (b.id as number));
      for (const trade of answer) {
        const id = trade.id as number;
        if (id > state.lastSeq && !state.pending.some((p) => p.id === id)) filled++;
        this.#acceptSequential(state, trade);
      }
      if (state.pending.length === 0 && answer.length < pageLimit) break;
      if (answer.length >= pageLimit) continue;
      // The live stream is ahead of what REST serves yet: wait, then ask again.
      if (state.lastSeq >= fromId) fruitless = 0;
      else if (++fruitless >= FRUITLESS_TRIES) {
        reason = `REST served no trade from id ${fromId} after ${FRUITLESS_TRIES} tries`;
        break;
      }
      await sleep(this.#clock, this.#gapGraceMs, this.#abort.signal);
    }
    if (this.#closed) return;
    this.#counts.filledTrades += filled;
    if (filled > 0) this.#emit({ type: 'gapFilled', symbol: state.symbol, trades: filled });
    if (state.pending.length > 0) {
      const next = state.pending[0];
      const missing = (next.id as number) - state.lastSeq - 1;
      this.#reportGap(state, next, missing, true, reason);
      state.lastSeq = (next.id as number) - 1;
      this.#drain(state);
    }
  }

  /**
   * Opaque ids: asks REST for the trades since the last one delivered (paging forward by time),
   * then delivers the new ones and the live trades held meanwhile, in time order, without
   * duplicates. A gap is proven filled when REST reached back to a trade already delivered and
   * forward to the live trades; where it did not, the next trade carries `missingBefore: 1`.
   */
  async #fillByTime(state: SymbolState): Promise<void> {
    const limit = state.profile.pageLimit;
    let since = state.lastTime - 1;
    let newestSeen = Number.NEGATIVE_INFINITY;
    let coveredBack = false;
    let coveredLive = false;
    let reason = 'REST did not reach back to the last trade delivered';
    const fresh: ExchangeTrade[] = [];
    const freshKeys = new Set<string>();
    /** Live trades held when REST was last asked: those the fill can be proven to reach. */
    let liveAsked = 0;
    for (let page = 0; page < this.#maxFillPages && !this.#closed; page++) {
      liveAsked = state.pending.length;
      const answer = await this.#fetchTrades(state, since, limit, {});
      if (typeof answer === 'string') {
        reason = answer;
        break;
      }
      const pendingKeys = new Set(state.pending.map(keyOf));
      let newest = Number.NEGATIVE_INFINITY;
      for (const trade of answer) {
        newest = Math.max(newest, trade.time);
        const key = keyOf(trade);
        if (state.recent.has(key) || trade.time < state.lastTime) coveredBack = true;
        else if (pendingKeys.has(key)) coveredLive = true;
        else if (!freshKeys.has(key)) {
          freshKeys.add(key);
          fresh.push(trade);
        }
      }
      const firstLive = state.pending[0];
      if (firstLive !== undefined && newest > firstLive.time) coveredLive = true;
      const full = limit === undefined ? answer.length > 0 : answer.length >= limit;
      if (firstLive === undefined && !full) coveredLive = true;
      if (coveredLive || !(newest > newestSeen)) break;
      newestSeen = newest;
      since = newest;
    }
    if (this.#closed) return;
    fresh.sort((a, b) => a.time - b.time);
    this.#counts.filledTrades += fresh.length;
    if (fresh.length > 0) this.#emit({ type: 'gapFilled', symbol: state.symbol, trades: fresh.length });
    let holeBefore = !coveredBack;
    for (const trade of fresh) {
      if (holeBefore) this.#reportGap(state, trade, 1, false, reason);
      holeBefore = false;
      this.#acceptKeyed(state, trade);
    }
    // Without live trades when REST was asked, the stream and REST have not been seen to overlap
    // yet: the live trades wait for the next fill (the connection is still suspect).
    if (liveAsked === 0) return;
    state.suspect = false;
    if (!coveredLive) {
      holeBefore = true;
      reason = 'REST did not reach forward to the live trades';
    }
    const pending = state.pending.splice(0);
    this.#delivery.held -= pending.length;
    for (const trade of pending) {
      if (holeBefore && !state.recent.has(keyOf(trade))) {
        this.#reportGap(state, trade, 1, false, reason);
        holeBefore = false;
      }
      this.#acceptKeyed(state, trade);
    }
  }

  /** Marks `next` as the first trade after `missing` lost ones; counts and reports it. */
  #reportGap(state: SymbolState, next: ExchangeTrade, missing: number, exact: boolean, reason: string): void {
    next.missingBefore = (next.missingBefore ?? 0) + missing;
    this.#counts.missing += missing;
    this.#counts.unfilledGaps++;
    this.#emit({ type: 'gapUnfilled', symbol: state.symbol, missing, exact, reason });
  }

  /**
   * One `fetchTrades` page, retried on transient errors; a string says why none could be had.
   * Requests of all symbols go one at a time, so that a `Retry-After` holds every one of them.
   */
  #fetchTrades(
    state: SymbolState,
    since: number | undefined,
    limit: number | undefined,
    params: object,
  ): Promise<ExchangeTrade[] | string> {
    const result = this.#restGate.then(async () => {
      // Waiting here, inside the gate, lets one page at a time past a full queue.
      await this.#waitForQueueRoom();
      return this.#fetchTradesNow(state, since, limit, params);
    });
    this.#restGate = result.catch(() => {});
    return result;
  }

  async #fetchTradesNow(
    state: SymbolState,
    since: number | undefined,
    limit: number | undefined,
    params: object,
  ): Promise<ExchangeTrade[] | string> {
    const exchange = this.#exchange as CcxtExchange;
    if (!exchange.has.fetchTrades || typeof exchange.fetchTrades !== 'function')
      return `${exchange.id} has no fetchTrades`;
    for (let attempt = 1; ; attempt++) {
      await sleepUntil(this.#clock, this.#restPausedUntil, this.#abort.signal).catch(() => {});
      if (this.#closed) return 'closed';
      this.#counts.restRequests++;
      try {
        const rows = await exchange.fetchTrades(
          state.symbol,
          Number.isFinite(since) ? since : undefined,
          limit,
          params,
        );
        if (!Array.isArray(rows))
          return `${exchange.id} fetchTrades answered with something other than a list`;
        const trades: ExchangeTrade[] = [];
        for (const row of rows) {
          const trade = this.#convert(state, row);
          if (trade !== undefined) trades.push(trade);
        }
        return trades;
      } catch (error) {
        if (this.#closed) return 'closed';
        if (!isTransientError(error) || attempt > this.#restRetries)
          return `fetchTrades failed: ${message(error)}`;
        this.#counts.restRetries++;
        const retryAfter = retryAfterMs(exchange, error);
        if (retryAfter > 0) this.#restPausedUntil = this.#clock.now() + retryAfter;
        const delayMs = Math.max(backoffDelay(attempt, this.#backoff, this.#random), retryAfter);
        this.#emit({ type: 'restRetry', symbol: state.symbol, attempt, delayMs, error: message(error) });
        await sleep(this.#clock, delayMs, this.#abort.signal).catch(() => {});
        if (this.#closed) return 'closed';
      }
    }
  }

  #deliver(state: SymbolState, trade: ExchangeTrade): void {
    state.delivered = true;
    if (trade.time > state.lastTime) state.lastTime = trade.time;
    this.#counts.trades++;
    this.#delivery.push(trade);
  }

  /** REST requests wait here, so that fills add at most one page beyond `maxBuffered`. */
  async #waitForQueueRoom(): Promise<void> {
    while (!this.#closed && this.#delivery.queued >= this.#delivery.maxBuffered)
      await this.#delivery.waitForRoom();
  }

  #emit(event: CcxtStreamEvent): void {
    this.#onEvent?.(event);
  }

  #fail(error: unknown): void {
    if (this.#closed) return;
    this.#delivery.close(error);
    this.close();
  }
}

/**
 * Live trades of many symbols from any ccxt exchange that has `watchTrades` (or
 * `watchTradesForSymbols`), never duplicated, with every gap either filled from REST or shown in
 * the stream. `trade.symbol` is ccxt's unified symbol (`'BTC/USDT'`; `'BTC/USDT:USDT'` for a
 * linear swap) whatever form was asked, so signals keep one name per market.
 *
 * - **Duplicates** are dropped by trade id; where ids are sequential (Binance's aggregate ids)
 *   by `id <= last id`, elsewhere by the last `dedupeWindow` ids of the symbol; an exchange that
 *   gives no id is keyed by (time, price, amount, side), so two trades equal in all four are one
 *   (an "id" that is the trade's timestamp, which ccxt makes up for some exchanges, is no id).
 * - **Gaps**: a failed watch or a closed connection, a jump in sequential ids, and a read that
 *   filled ccxt's trade cache (`tradesLimit`) each start a fill from `fetchTrades` (by id on
 *   Binance, else by time from the last trade delivered, paged, retried with backoff after
 *   network errors and rate limits) before the symbol's next live trades are delivered. What
 *   REST cannot give is counted in `stats().missing`, reported by a `gapUnfilled` event, and set
 *   as `missingBefore` on the first trade after the gap: exact with sequential ids, else 1 (a
 *   lower bound: without ids nobody can count what was missed).
 * - **Backpressure**: at most `maxBuffered` trades wait for the consumer; beyond that the stream
 *   stops reading from ccxt, whose cache then holds at most `tradesLimit` trades per symbol;
 *   what overflows it is filled from REST. The buffer's bound is `maxBuffered` plus one ccxt
 *   read per symbol (≤ `tradesLimit`, default 1000) plus one REST page.
 * - The exchange is an instance you made (`new ccxt.pro.bybit({...})`, left open at the end) or
 *   an id (`'bybit'`: ccxt is imported then, and closed at the end). ccxt is an optional peer
 *   dependency: `npm install ccxt`.
 *
 * @example
 * ```ts
 * import { ccxtTrades } from 'microstream/ccxt';
 * const controller = new AbortController();
 * for await (const trade of ccxtTrades('bybit', ['BTC/USDT', 'ETH/USDT'], { signal: controller.signal })) {
 *   console.log(trade.symbol, trade.tradeId, trade.price, trade.qty, trade.missingBefore ?? 0);
 * }
 * ```
 */
export function ccxtTrades(
  exchange: CcxtExchange | string,
  symbols: readonly string[],
  options: CcxtTradesOptions = {},
): CcxtTradeStream {
  return new CcxtTradeStream(exchange, symbols, options);
}

/** The dedupe key of a trade: its id, or (time, price, amount, side) where it has none. */
function keyOf(trade: ExchangeTrade): string {
  return trade.tradeId ?? `${trade.time}|${trade.price}|${trade.qty}|${trade.isBuyerMaker ? 's' : 'b'}`;
}

/** {@link keyOf} of a ccxt trade. */
function keyOfRaw(raw: CcxtTrade): string {
  return idOf(raw) ?? `${raw?.timestamp}|${raw?.price}|${raw?.amount}|${raw?.side === 'sell' ? 's' : 'b'}`;
}

/**
 * The exchange's id of a ccxt trade, or undefined where it has none. Some of ccxt's parsers put
 * the trade's timestamp in `id` when a message carries no id (its Bybit WebSocket parser does):
 * that is no id, and taken as one it would make every trade of a millisecond a duplicate.
 */
function idOf(raw: CcxtTrade): string | undefined {
  if (raw?.id === undefined || raw.id === null) return undefined;
  const id = String(raw.id);
  return id === String(raw.timestamp) ? undefined : id;
}

/**
 * The `Retry-After` of a rate-limit answer, in ms (0 when there is none). ccxt does not wait for
 * it but keeps the headers of the latest response, which is the failed one.
 */
function retryAfterMs(exchange: CcxtExchange, error: unknown): number {
  if (!isCcxtError(error, ['DDoSProtection', 'RateLimitExceeded'])) return 0;
  const seconds = Number(exchange.last_response_headers?.['Retry-After']);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

/** What ccxt passes to `onClose`: an Error, or the WebSocket close event. */
function describeClose(event: unknown): string {
  if (event instanceof Error) return message(event);
  const { code, reason } = (event ?? {}) as { code?: unknown; reason?: unknown };
  return `closed${code === undefined ? '' : ` (code ${code}${reason ? `, ${reason}` : ''})`}`;
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (key, v) => (key === 'info' ? undefined : v)) ?? String(value);
  } catch {
    return String(value);
  }
}
