import { MAX_TIMER_MS } from '../shared/optionChecks.js';

/**
 * Where the Binance adapter gets its time and timers from. The default is the system clock;
 * a test passes its own to jump ahead (e.g. 24 hours, to drive the daily connection rotation).
 *
 * @example
 * ```ts
 * const clock: Clock = { now: () => Date.now() + offset, setTimeout, clearTimeout };
 * binanceTrades({ symbols: ['BTCUSDT'], clock });
 * ```
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Runs `callback` after `ms` milliseconds of this clock's time. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a timer returned by {@link Clock.setTimeout}. */
  clearTimeout(handle: unknown): void;
}

/**
 * The real clock: `Date.now()` and Node's timers (unref'd, so a pending reconnect or a retry wait
 * never keeps a finished program alive). A wait longer than a timer can keep (2^31 − 1 ms)
 * ends at that limit instead of after 1 ms; the rate limits that compute their waits check again
 * when it ends.
 *
 * @example
 * ```ts
 * systemClock.now(); // 1767225600039
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, Math.min(ms, MAX_TIMER_MS)).unref(),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Resolves after `ms` of `clock` time; rejects with the signal's reason when it aborts first.
 *
 * @example
 * ```ts
 * await sleep(systemClock, 250, controller.signal);
 * ```
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Resolves once `clock.now()` has reached `until`, sleeping again when a timer fired early (Node's
 * may, by a millisecond); rejects with the signal's reason when it aborts first.
 *
 * @example
 * ```ts
 * await sleepUntil(systemClock, pausedUntil, controller.signal);
 * ```
 */
export async function sleepUntil(clock: Clock, until: number, signal?: AbortSignal): Promise<void> {
  for (let wait = until - clock.now(); wait > 0; wait = until - clock.now()) await sleep(clock, wait, signal);
}
