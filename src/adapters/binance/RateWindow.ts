import type { Clock } from './clock.js';

/**
 * A sliding-window rate limit: at most `limit` events in any `windowMs`. Used for Binance's
 * connection limit (300 new connections per 5 minutes per IP) and message limit (5 messages per
 * second per connection, pings and subscriptions included).
 *
 * @example
 * ```ts
 * const opens = new RateWindow(300, 300_000, systemClock);
 * const wait = opens.delay(); // 0 when a connection may open now
 * if (wait === 0) opens.record();
 * ```
 */
export class RateWindow {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #clock: Clock;
  readonly #times: number[] = [];

  constructor(limit: number, windowMs: number, clock: Clock) {
    if (!(Number.isInteger(limit) && limit >= 1))
      throw new RangeError(`rate limit must be an integer >= 1, got ${limit}`);
    if (!(windowMs > 0)) throw new RangeError(`rate window must be > 0 ms, got ${windowMs}`);
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#clock = clock;
  }

  /** Milliseconds until one more event fits in the window (0: now). */
  delay(): number {
    const now = this.#clock.now();
    while (this.#times.length > 0 && this.#times[0] <= now - this.#windowMs) this.#times.shift();
    if (this.#times.length < this.#limit) return 0;
    return this.#times[0] + this.#windowMs - now;
  }

  /** Counts one event now. */
  record(): void {
    this.#times.push(this.#clock.now());
  }
}
