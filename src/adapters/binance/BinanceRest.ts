import { type BackoffOptions, backoffDelay } from './backoff.js';
import { type Clock, sleep } from './clock.js';

/**
 * A REST request Binance refused, or could not be reached for; the message says what to fix.
 *
 * @example
 * ```ts
 * try { for await (const bar of binanceKlines({ symbol: 'BTCUSDT', interval: '7m', startTime: 0 })) {} }
 * catch (e) { if (e instanceof BinanceHttpError) console.error(e.status, e.code, e.message); }
 * ```
 */
export class BinanceHttpError extends Error {
  /** HTTP status (0 when the server could not be reached). */
  readonly status: number;
  /** Binance's error code from the body (e.g. -1121 for an invalid symbol), when it sent one. */
  readonly code: number | undefined;

  constructor(message: string, status: number, code?: number) {
    super(message);
    this.name = 'BinanceHttpError';
    this.status = status;
    this.code = code;
  }
}

/**
 * A wait before a REST retry, reported so a user can see throttling happen.
 *
 * @example
 * ```ts
 * const retry: RestRetry = { path: '/api/v3/aggTrades', status: 429, waitMs: 1000 };
 * ```
 */
export interface RestRetry {
  /** Endpoint path, e.g. `/api/v3/aggTrades`. */
  path: string;
  /** HTTP status that caused the retry (429, 418, 5xx), or 0 for a network error. */
  status: number;
  /** How long the client waits before retrying, in ms. */
  waitMs: number;
}

/**
 * Settings of {@link BinanceRest}.
 *
 * @example
 * ```ts
 * const options: BinanceRestOptions = { restUrl: 'https://api.binance.com', weightPerMinute: 6000, clock: systemClock, random: Math.random };
 * ```
 */
export interface BinanceRestOptions {
  /** API root, e.g. `https://api.binance.com`. */
  restUrl: string;
  /** Request weight allowed per minute (Binance's IP limit). */
  weightPerMinute: number;
  clock: Clock;
  /** Uniform numbers in [0, 1) for backoff jitter. */
  random: () => number;
  /** Aborts pending requests and waits. */
  signal?: AbortSignal;
  /** Sent as `X-MBX-APIKEY` (only `historicalTrades` needs it). */
  apiKey?: string;
  /** Retries after a 5xx answer or a network error before giving up (default 8). */
  maxRetries?: number;
  backoff?: BackoffOptions;
  onRetry?: (retry: RestRetry) => void;
}

/**
 * A small Binance REST client that stays inside the published limits: it counts request weight
 * per minute (resynchronised from each answer's `X-MBX-USED-WEIGHT-1M` header) and waits for the
 * next minute rather than exceed it; it honours `Retry-After` on HTTP 429 (rate limited) and 418
 * (IP banned for ignoring 429s), and makes every request wait out such a pause; it retries 5xx
 * answers and network errors with exponential backoff; any other refusal is a
 * {@link BinanceHttpError} whose message says what to fix.
 *
 * @example
 * ```ts
 * const rest = new BinanceRest({ restUrl: 'https://api.binance.com', weightPerMinute: 6000, clock: systemClock, random: Math.random });
 * const rows = await rest.get('/api/v3/aggTrades', { symbol: 'BTCUSDT', fromId: 1, limit: 1000 }, 4);
 * ```
 */
export class BinanceRest {
  readonly #options: BinanceRestOptions;
  #usedWeight = 0;
  #weightMinute = -1;
  #pausedUntil = 0;
  #requests = 0;
  #retries = 0;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: BinanceRestOptions) {
    this.#options = options;
  }

  /** Requests sent, and retries among them. */
  stats(): { requests: number; retries: number; usedWeight: number } {
    return { requests: this.#requests, retries: this.#retries, usedWeight: this.#usedWeight };
  }

  /**
   * GETs `path` with `query` and returns the parsed JSON body, retrying as described above.
   * Requests go one at a time, so none is ever in flight when a 429 arrives and the weight count
   * is always current.
   */
  get(path: string, query: Record<string, string | number>, weight: number): Promise<unknown> {
    const result = this.#queue.then(() => this.#request(path, query, weight));
    this.#queue = result.catch(() => {});
    return result;
  }

  async #request(path: string, query: Record<string, string | number>, weight: number): Promise<unknown> {
    const { clock, signal } = this.#options;
    const url = `${this.#options.restUrl.replace(/\/$/, '')}${path}?${new URLSearchParams(
      Object.entries(query).map(([k, v]) => [k, String(v)]),
    )}`;
    const headers: Record<string, string> = this.#options.apiKey
      ? { 'X-MBX-APIKEY': this.#options.apiKey }
      : {};
    let failures = 0;
    for (;;) {
      await this.#reserve(weight);
      this.#requests++;
      let response: Response;
      try {
        response = await fetch(url, { headers, signal });
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        failures++;
        if (failures > (this.#options.maxRetries ?? 8)) {
          throw new BinanceHttpError(
            `could not reach Binance at ${url} (${(error as Error).message}): check restUrl and the network`,
            0,
          );
        }
        await this.#retryWait(
          path,
          0,
          backoffDelay(failures, this.#options.backoff ?? {}, this.#options.random),
        );
        continue;
      }
      const used = Number(response.headers.get('x-mbx-used-weight-1m'));
      if (response.headers.has('x-mbx-used-weight-1m') && Number.isFinite(used)) {
        this.#weightMinute = Math.floor(clock.now() / 60_000);
        this.#usedWeight = Math.max(used, 0);
      }
      if (response.ok) return await response.json();
      const body = await response.text();
      if (response.status === 429 || response.status === 418) {
        const retryAfter = Number(response.headers.get('retry-after'));
        const waitMs =
          Number.isFinite(retryAfter) && retryAfter >= 0
            ? retryAfter * 1000
            : backoffDelay(++failures, this.#options.backoff ?? {}, this.#options.random);
        this.#pausedUntil = Math.max(this.#pausedUntil, clock.now() + waitMs);
        await this.#retryWait(path, response.status, waitMs);
        continue;
      }
      if (response.status >= 500) {
        failures++;
        if (failures > (this.#options.maxRetries ?? 8)) {
          throw new BinanceHttpError(
            `Binance ${path} kept answering HTTP ${response.status} after ${failures} tries: the exchange is failing; try again later`,
            response.status,
          );
        }
        await this.#retryWait(
          path,
          response.status,
          backoffDelay(failures, this.#options.backoff ?? {}, this.#options.random),
        );
        continue;
      }
      throw refusal(path, query, response.status, body, this.#options.restUrl);
    }
  }

  /** Waits out a 429/418 pause and, when this request would exceed the minute's weight, the minute. */
  async #reserve(weight: number): Promise<void> {
    const { clock, signal } = this.#options;
    for (;;) {
      const now = clock.now();
      if (now < this.#pausedUntil) {
        await sleep(clock, this.#pausedUntil - now, signal);
        continue;
      }
      const minute = Math.floor(now / 60_000);
      if (minute !== this.#weightMinute) {
        this.#weightMinute = minute;
        this.#usedWeight = 0;
      }
      if (this.#usedWeight + weight <= this.#options.weightPerMinute) {
        this.#usedWeight += weight;
        return;
      }
      await sleep(clock, (minute + 1) * 60_000 - now + 1, signal);
    }
  }

  async #retryWait(path: string, status: number, waitMs: number): Promise<void> {
    this.#retries++;
    this.#options.onRetry?.({ path, status, waitMs });
    await sleep(this.#options.clock, waitMs, this.#options.signal);
  }
}

function refusal(
  path: string,
  query: Record<string, string | number>,
  status: number,
  body: string,
  restUrl: string,
): BinanceHttpError {
  let code: number | undefined;
  let msg = '';
  try {
    const parsed = JSON.parse(body) as { code?: unknown; msg?: unknown };
    if (typeof parsed.code === 'number') code = parsed.code;
    if (typeof parsed.msg === 'string') msg = parsed.msg;
  } catch {
    msg = body.slice(0, 200);
  }
  let fix = 'check the request parameters';
  if (code === -1121) {
    fix = `check the symbol ${JSON.stringify(query.symbol)}: use Binance's exact name (e.g. BTCUSDT) and the right market ('spot' or 'usdm')`;
  } else if (status === 401 || code === -2014 || code === -2015) {
    fix = 'pass a valid apiKey (this endpoint needs one)';
  } else if (status === 404) {
    fix = `check restUrl (${restUrl}): it must be the API root, e.g. https://api.binance.com for spot or https://fapi.binance.com for usdm`;
  } else if (code === -1120) {
    fix = `check the interval ${JSON.stringify(query.interval)}: one of 1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M`;
  }
  const detail = code === undefined ? (msg ? ` (${msg})` : '') : ` (code ${code}: ${msg})`;
  return new BinanceHttpError(`Binance ${path} answered HTTP ${status}${detail}: ${fix}`, status, code);
}
