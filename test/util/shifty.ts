/**
 * A copy of `base` whose `field` is a getter that answers `base[field]` on its first
 * `honestReads` reads and `lie` on every later one: a hostile input (a Proxy or an object with
 * getters) that passes a check and then changes. `reads()` says how often the field was read.
 *
 * @example
 * ```ts
 * const { value: trade } = shifty({ time, price: 100, qty: 1, isBuyerMaker: false }, 'price', 1, Number.NaN);
 * ```
 */
export function shifty<T extends object>(
  base: T,
  field: keyof T & string,
  honestReads: number,
  lie: unknown,
): { value: T; reads: () => number } {
  let reads = 0;
  const value = { ...base };
  Object.defineProperty(value, field, {
    enumerable: true,
    get: () => (++reads <= honestReads ? base[field] : lie),
  });
  return { value, reads: () => reads };
}
