import type { Trade } from './trade.js';

/**
 * Why a trade was not merged into a bar:
 * - `'duplicate'`: its id was already merged into a still-open bar;
 * - `'late'`: its bar had already closed (it arrived after the bar's end plus the allowed lateness);
 * - `'invalid'`: a field is missing, of the wrong type, or out of range (non-finite or non-positive
 *   price, negative or non-finite quantity, non-finite time, malformed ids).
 */
export type RejectReason = 'duplicate' | 'late' | 'invalid';

/**
 * Thrown by a bar aggregator with `errorPolicy: 'throw'` when it rejects a trade. The trade was
 * counted in `stats()` and left no trace in the bars, so the aggregator can keep going.
 *
 * @example
 * ```ts
 * try { agg.push(trade); } catch (e) { if (e instanceof TradeRejectedError) console.error(e.reason, e.message); }
 * ```
 */
export class TradeRejectedError extends Error {
  override name = 'TradeRejectedError';
  constructor(
    /** Why the trade was rejected. */
    readonly reason: RejectReason,
    /** The rejected input, as given. */
    readonly trade: Trade,
    detail: string,
  ) {
    super(`${reason} trade: ${detail}`);
  }
}
