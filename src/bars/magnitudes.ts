/**
 * The range of magnitudes the pipeline accepts, chosen so that its arithmetic cannot overflow or
 * underflow into an Infinity or a NaN: every price, and every non-zero bar volume, lies in
 * [{@link MIN_MAGNITUDE}, {@link MAX_MAGNITUDE}], so any ratio of two of them (a return, a range, a
 * volume relative to its mean, an illiquidity ratio) stays within about 1e±200 and every logarithm
 * of one is finite. Real markets sit far inside it (prices from 1e-8 to 1e10).
 *
 * Inputs outside it are rejected as `'invalid'` and counted, like NaN.
 *
 * @example
 * ```ts
 * isInMagnitudeRange(87_000); // true
 * isInMagnitudeRange(5e-324); // false: a subnormal price would make ln(close / previous close) -Infinity
 * ```
 */
export const MIN_MAGNITUDE = 1e-100;

/** Largest accepted price or bar volume; see {@link MIN_MAGNITUDE}. */
export const MAX_MAGNITUDE = 1e100;

/**
 * Largest accepted trade quantity and notional (price × qty): 2^51, the largest addend bar volumes
 * sum exactly (see `exactSum.ts`). Beyond it a bar's volume loses exactness and, near the top of
 * the double range, overflows.
 */
export const MAX_TRADE_AMOUNT = 2 ** 51;

/**
 * Largest accepted |time| in epoch ms: 8.64e15, the range of a JavaScript `Date` (±100 million days).
 * Below 2^53, so bar open times and their sums with the interval stay exact integers.
 */
export const MAX_TIME_MS = 8.64e15;

/**
 * Earliest accepted trade time: 2010-01-01T00:00Z in epoch ms (1 262 304 000 000). No market this
 * library reads traded before it; an earlier time is almost always seconds given as milliseconds
 * (1 767 225 600 is 1970-01-21 in ms), which would otherwise pass silently and build 1970 bars.
 */
export const MIN_TRADE_TIME_MS = 1_262_304_000_000;

/**
 * True when `x` is a number in [{@link MIN_MAGNITUDE}, {@link MAX_MAGNITUDE}] (false for NaN).
 *
 * @example
 * ```ts
 * if (!isInMagnitudeRange(bar.close)) console.warn('price out of range', bar.close);
 * ```
 */
export function isInMagnitudeRange(x: number): boolean {
  return x >= MIN_MAGNITUDE && x <= MAX_MAGNITUDE;
}
