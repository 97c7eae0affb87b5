/**
 * The last `capacity` trade keys of one symbol, to drop duplicates in bounded memory: a ring of
 * keys plus a set for O(1) look-ups. The oldest key is forgotten when a new one comes in.
 *
 * @example
 * ```ts
 * const seen = new RecentKeys(4096);
 * if (!seen.has(key)) { seen.add(key); deliver(trade); }
 * ```
 */
export class RecentKeys {
  readonly #ring: (string | undefined)[];
  readonly #set = new Set<string>();
  #next = 0;

  constructor(capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0))
      throw new RangeError(`capacity must be an integer > 0, got ${capacity}`);
    this.#ring = new Array(capacity);
  }

  has(key: string): boolean {
    return this.#set.has(key);
  }

  add(key: string): void {
    if (this.#set.has(key)) return;
    const old = this.#ring[this.#next];
    if (old !== undefined) this.#set.delete(old);
    this.#ring[this.#next] = key;
    this.#next = (this.#next + 1) % this.#ring.length;
    this.#set.add(key);
  }
}
