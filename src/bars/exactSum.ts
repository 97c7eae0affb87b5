/**
 * Exact, order-independent sums of doubles, used for bar volumes.
 *
 * Why not `sum += x`: Binance's kline volumes are exact decimal sums. Adding doubles one by one
 * rounds at every step, so the total depends on the order of the trades and drifts with their
 * number; reordering two late trades would change a bar. Here every addend is split, exactly, into
 * three fixed-point limbs — multiples of 1, 2^-32 and 2^-64 — and each limb is summed on its own.
 * A limb sum stays an integer number of its quantum below 2^53 quanta, so it is exact, and exact
 * sums do not depend on order: any reordering gives bit-identical totals. Rounding happens once,
 * in {@link exactSumValue}, when a bar closes.
 *
 * Limits: addends up to 2^51 (≈ 2.2e15) are split exactly; the part of an addend below 2^-65
 * (≈ 2.7e-20) is dropped, a relative error of 3e-12 even for a 1e-8 quantity. Each limb holds at
 * least 2^22 worst-case addends (4 million trades in one bar) before it could round.
 *
 * A sum lives in three consecutive cells of a `Float64Array` so that many sums pack into one array
 * and adding allocates nothing.
 *
 * @example
 * ```ts
 * const sum = new Float64Array(EXACT_SUM_CELLS);
 * addExact(sum, 0, 0.1);
 * addExact(sum, 0, 0.2);
 * exactSumValue(sum, 0); // 0.30000000000000004 (= 0.1 + 0.2 as doubles, added exactly), whatever the order
 * ```
 */
export const EXACT_SUM_CELLS = 3;

// Adding then subtracting 1.5 · 2^52 · q rounds a value to a multiple of q exactly, while the
// value is below 2^51 · q in magnitude (the sum then lies in [2^52 q, 2^53 q), whose spacing is q).
const ROUND_TO_1 = 1.5 * 2 ** 52;
const ROUND_TO_2_POW_MINUS_32 = 1.5 * 2 ** 20;
const ROUND_TO_2_POW_MINUS_64 = 1.5 * 2 ** -12;

/**
 * Adds `x` exactly to the sum stored at `sum[at .. at + 3)`. Allocates nothing.
 *
 * @example
 * ```ts
 * addExact(volumes, slot * EXACT_SUM_CELLS, trade.qty);
 * ```
 */
export function addExact(sum: Float64Array, at: number, x: number): void {
  const whole = x + ROUND_TO_1 - ROUND_TO_1;
  let rest = x - whole; // exact, |rest| <= 1/2
  const middle = rest + ROUND_TO_2_POW_MINUS_32 - ROUND_TO_2_POW_MINUS_32;
  rest -= middle; // exact, |rest| <= 2^-33
  const low = rest + ROUND_TO_2_POW_MINUS_64 - ROUND_TO_2_POW_MINUS_64;
  sum[at] += whole;
  sum[at + 1] += middle;
  sum[at + 2] += low;
}

/**
 * The sum stored at `sum[at .. at + 3)`, rounded to a double (the only rounding step).
 *
 * @example
 * ```ts
 * bar.volume = exactSumValue(volumes, slot * EXACT_SUM_CELLS);
 * ```
 */
export function exactSumValue(sum: Float64Array, at: number): number {
  return sum[at] + (sum[at + 1] + sum[at + 2]);
}

/**
 * The total of the two sums at `a` and `b`, rounded once: limbs are added exactly first. Two exact
 * sums of the same stream stay exact when added limb by limb, as long as each total limb does.
 *
 * @example
 * ```ts
 * bar.volume = exactSumTotal(cells, takerBuyAt, takerSellAt);
 * ```
 */
export function exactSumTotal(sum: Float64Array, a: number, b: number): number {
  return sum[a] + sum[b] + (sum[a + 1] + sum[b + 1] + (sum[a + 2] + sum[b + 2]));
}
