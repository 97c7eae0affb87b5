import { timerMs } from '../shared/optionChecks.js';

/**
 * Exponential backoff settings for reconnects and REST retries.
 *
 * @example
 * ```ts
 * binanceTrades({ symbols: ['BTCUSDT'], backoff: { initialMs: 1000, maxMs: 60_000 } });
 * ```
 */
export interface BackoffOptions {
  /** First delay, in ms (default 250). */
  initialMs?: number;
  /** Largest delay, in ms (default 30 000, or `initialMs` when that is larger). */
  maxMs?: number;
}

/**
 * The delay before retry number `attempt` (1-based): "equal jitter" exponential backoff, half of
 * `min(maxMs, initialMs · 2^(attempt−1))` plus a uniformly random part of the other half, so many
 * clients that lost the same server do not come back in lockstep.
 *
 * @param random Uniform numbers in [0, 1): pass a seeded source to make the delays reproducible.
 * @example
 * ```ts
 * backoffDelay(3, { initialMs: 100 }, () => 0.5); // 300: half of 400, plus half of the other half
 * ```
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const initialMs = options.initialMs ?? 250;
  const maxMs = options.maxMs ?? Math.max(30_000, initialMs);
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}

/**
 * `backoff` checked, with its defaults filled in, and copied: `initialMs` a finite number of ms
 * > 0, `maxMs` at least `initialMs`, both at most 2^31 − 1 (a timer's limit). A zero, negative or NaN
 * delay would make every retry immediate, a reconnect storm against the exchange, and so would a
 * longer one than a timer can wait (it fires after 1 ms); this refuses them when the stream is made.
 *
 * @example
 * ```ts
 * resolveBackoff(undefined);          // { initialMs: 250, maxMs: 30000 }
 * resolveBackoff({ initialMs: -1 });  // RangeError: backoff.initialMs must be …
 * ```
 */
export function resolveBackoff(backoff: BackoffOptions | undefined): Required<BackoffOptions> {
  if (backoff !== undefined && (typeof backoff !== 'object' || backoff === null))
    throw new TypeError(`backoff must be an object { initialMs?, maxMs }, got ${String(backoff)}`);
  const initialMs = timerMs('backoff.initialMs', backoff?.initialMs ?? 250);
  const maxMs = timerMs('backoff.maxMs', backoff?.maxMs ?? Math.max(30_000, initialMs));
  if (maxMs < initialMs)
    throw new RangeError(`backoff.maxMs must be at least initialMs (${initialMs}), got ${maxMs}`);
  return { initialMs, maxMs };
}
