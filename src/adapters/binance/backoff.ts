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
  /** Largest delay, in ms (default 30 000). */
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
  const maxMs = options.maxMs ?? 30_000;
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}
