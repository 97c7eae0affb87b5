/**
 * A set of integer trade ids kept as sorted, disjoint, non-adjacent ranges `[lo, hi]`.
 *
 * Exchange ids are (nearly) contiguous, so the ids of one bar are a single range or a few, however
 * many trades it holds: in-order ids extend the last range in O(1) ({@link IdRangeSet.addAbove}),
 * an out-of-order id is inserted and looked up by binary search.
 *
 * @example
 * ```ts
 * const ids = new IdRangeSet();
 * ids.addAbove(10); ids.addAbove(11); ids.add(5);
 * ids.has(11); // true
 * ids.toJSON(); // [5, 5, 10, 11]
 * ```
 */
export class IdRangeSet {
  /** lo0, hi0, lo1, hi1, … ascending; consecutive ranges are separated by at least one missing id. */
  #bounds: number[] = [];

  /** Adds an id greater than every id in the set (the in-order case), in O(1). */
  addAbove(id: number): void {
    const bounds = this.#bounds;
    const last = bounds.length - 1;
    if (last > 0 && id === bounds[last] + 1) {
      bounds[last] = id;
    } else {
      bounds.push(id);
      bounds.push(id);
    }
  }

  /** Adds any id, merging it with adjacent ranges. */
  add(id: number): void {
    const bounds = this.#bounds;
    const i = this.#firstRangeEndingAtOrAfter(id);
    if (i < bounds.length && bounds[i] <= id) return; // already inside range i
    const joinsPrevious = i > 0 && bounds[i - 1] === id - 1;
    const joinsNext = i < bounds.length && bounds[i] === id + 1;
    if (joinsPrevious && joinsNext) bounds.splice(i - 1, 2);
    else if (joinsPrevious) bounds[i - 1] = id;
    else if (joinsNext) bounds[i] = id;
    else bounds.splice(i, 0, id, id);
  }

  /** Whether `id` is in the set. */
  has(id: number): boolean {
    const i = this.#firstRangeEndingAtOrAfter(id);
    return i < this.#bounds.length && this.#bounds[i] <= id;
  }

  /** Number of ranges (not ids) held: the memory this set uses. */
  get ranges(): number {
    return this.#bounds.length / 2;
  }

  clear(): void {
    this.#bounds.length = 0;
  }

  /** The ranges as a flat array `[lo0, hi0, lo1, hi1, …]`. */
  toJSON(): number[] {
    return this.#bounds.slice();
  }

  /** Replaces the content with ranges from {@link IdRangeSet.toJSON} (assumed valid). */
  load(bounds: readonly number[]): void {
    this.#bounds = bounds.slice();
  }

  /** Index (even) of the `lo` of the first range whose `hi` is >= id, or `bounds.length`. */
  #firstRangeEndingAtOrAfter(id: number): number {
    const bounds = this.#bounds;
    let lo = 0;
    let hi = bounds.length / 2;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (bounds[2 * mid + 1] < id) lo = mid + 1;
      else hi = mid;
    }
    return 2 * lo;
  }
}
