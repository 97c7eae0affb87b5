/**
 * A fixed-size window over the most recent values of a series, kept in a `Float64Array` ring
 * buffer: pushing never allocates. Means are summed afresh over the (short) window on each call
 * rather than kept as a running sum, so no rounding drift builds up over a long stream and a
 * restored window gives bit-identical results.
 *
 * @example
 * ```ts
 * const w = new RollingWindow(3);
 * w.push(1); w.push(2); w.push(3); w.push(4);
 * w.mean(); // 3 — the mean of 2, 3, 4
 * w.full;   // true
 * ```
 */
export class RollingWindow {
  readonly capacity: number;
  #values: Float64Array;
  #offset: number;
  #next = 0;
  #count = 0;

  /**
   * @param storage where to keep the values, from index `offset` on (default: a new array of
   *   `capacity`). Stages with several windows share one array this way: each typed array costs a
   *   couple of hundred bytes of overhead, which matters with thousands of symbols per process.
   */
  constructor(capacity: number, storage?: Float64Array, offset = 0) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`window capacity must be an integer >= 1, got ${capacity}`);
    this.capacity = capacity;
    this.#values = storage ?? new Float64Array(capacity);
    this.#offset = storage === undefined ? 0 : offset;
    if (this.#offset < 0 || this.#offset + capacity > this.#values.length)
      throw new RangeError(
        `storage of ${this.#values.length} values cannot hold ${capacity} from index ${offset}`,
      );
  }

  /** Number of values held, at most `capacity`. */
  get count(): number {
    return this.#count;
  }

  /** True once `capacity` values have been pushed. */
  get full(): boolean {
    return this.#count === this.capacity;
  }

  /** Appends a value, dropping the oldest when full. */
  push(value: number): void {
    this.#values[this.#offset + this.#next] = value;
    this.#next = this.#next + 1 === this.capacity ? 0 : this.#next + 1;
    if (this.#count < this.capacity) this.#count++;
  }

  /** Mean of the values held; `empty` when there are none. */
  mean(empty = 0): number {
    if (this.#count === 0) return empty;
    // Oldest first, so a window restored from its snapshot sums in the same order.
    const start = this.#count < this.capacity ? 0 : this.#next;
    let sum = 0;
    for (let i = 0, j = start; i < this.#count; i++, j = j + 1 === this.capacity ? 0 : j + 1)
      sum += this.#values[this.#offset + j];
    return sum / this.#count;
  }

  /** Copies the values held, oldest first, into `out` (allocates nothing); returns the count. */
  copyTo(out: Float64Array): number {
    const start = this.#count < this.capacity ? 0 : this.#next;
    for (let i = 0, j = start; i < this.#count; i++, j = j + 1 === this.capacity ? 0 : j + 1)
      out[i] = this.#values[this.#offset + j];
    return this.#count;
  }

  /** Forgets every value. */
  clear(): void {
    this.#next = 0;
    this.#count = 0;
  }

  /** The values held, oldest first. */
  toArray(): number[] {
    const out: number[] = [];
    const start = this.#count < this.capacity ? 0 : this.#next;
    for (let i = 0; i < this.#count; i++)
      out.push(this.#values[this.#offset + ((start + i) % this.capacity)]);
    return out;
  }

  /** Replaces the contents with `values` (oldest first, at most `capacity` of them). */
  fill(values: readonly number[]): void {
    if (values.length > this.capacity)
      throw new RangeError(`window holds ${this.capacity} values, got ${values.length}`);
    this.clear();
    for (const v of values) this.push(v);
  }
}
