/** Slots of one range in the node array: its bounds, its children and its heap priority. */
const LO = 0;
const HI = 1;
const LEFT = 2;
const RIGHT = 3;
const PRIORITY = 4;
const NONE = -1;
const SEED = 0x9e3779b9;
/**
 * Outputs of `#split`, shared by every set (no allocation per call, and two fields less per set: a
 * router keeps two sets per symbol). Safe to share: a split runs to its end before any other does.
 */
let splitLeft = NONE;
let splitRight = NONE;

/**
 * A set of integer trade ids kept as disjoint, non-adjacent ranges `[lo, hi]`.
 *
 * Exchange ids are (nearly) contiguous, so the ids of one bar are a single range or a few, however
 * many trades it holds: in-order ids extend the highest range in O(1) ({@link IdRangeSet.addAbove}).
 * Ids in any other order (a replay shuffled by a broker, a hostile feed sending descending even ids)
 * go into a treap — a binary search tree on `lo` kept balanced by random heap priorities — so an
 * insert or a lookup costs O(log n) expected in the number of ranges, never O(n): 400 000
 * scattered ids in one bar are as cheap as sorting them. The priorities come from a fixed-seed
 * generator, so the same ids always give the same tree.
 *
 * The snapshot ({@link IdRangeSet.toJSON}) is the ranges in ascending order, flat, whatever the
 * tree's shape.
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
  /** Nodes, five numbers each (see the slot constants), a node being its offset; freed nodes are reused. */
  #nodes: number[] = [];
  #root = NONE;
  /** Node holding the highest range, or NONE when empty: the in-order fast path. */
  #max = NONE;
  /**
   * The highest range's hi, NaN when empty. While the set is not empty this field, not
   * `#nodes[#max + HI]`, holds it: `addAbove` extends the top range by writing one number, with no
   * array to check and index. Every other method writes it back first (`#writeBack`) and reads it
   * again last (`#readTop`).
   */
  #top = Number.NaN;
  #size = 0;
  /** Offsets of freed nodes, made on the first free (most sets never free one: one array less per bar slot). */
  #free: number[] | null = null;
  /** xorshift32 state for the priorities (reset by `clear`: same ids, same tree). */
  #seed = SEED;

  /** Adds an id greater than every id in the set (the in-order case): O(1) when it extends the top range. */
  addAbove(id: number): void {
    if (id === this.#top + 1) this.#top = id;
    else this.add(id);
  }

  /** Adds any id, merging it with adjacent ranges, in O(log n) expected. */
  add(id: number): void {
    this.#writeBack();
    this.#insertId(id);
    this.#readTop();
  }

  #insertId(id: number): void {
    const nodes = this.#nodes;
    // Predecessor: the range with the largest lo <= id; successor: the smallest lo > id.
    let before = NONE;
    let after = NONE;
    for (let t = this.#root; t !== NONE; ) {
      if (nodes[t + LO] <= id) {
        before = t;
        t = nodes[t + RIGHT];
      } else {
        after = t;
        t = nodes[t + LEFT];
      }
    }
    if (before !== NONE && nodes[before + HI] >= id) return; // already inside
    const joinsBefore = before !== NONE && nodes[before + HI] === id - 1;
    const joinsAfter = after !== NONE && nodes[after + LO] === id + 1;
    if (joinsBefore && joinsAfter) {
      nodes[before + HI] = nodes[after + HI];
      this.#root = this.#remove(this.#root, nodes[after + LO]);
      this.#release(after);
      if (this.#max === after) this.#max = before;
    } else if (joinsBefore) nodes[before + HI] = id;
    else if (joinsAfter)
      nodes[after + LO] = id; // still above `before`: the order holds
    else {
      const node = this.#allocate(id);
      this.#root = this.#insert(this.#root, node);
      if (after === NONE) this.#max = node;
    }
  }

  /** Whether `id` is in the set, in O(log n) expected. */
  has(id: number): boolean {
    this.#writeBack();
    const nodes = this.#nodes;
    let before = NONE;
    for (let t = this.#root; t !== NONE; ) {
      if (nodes[t + LO] <= id) {
        before = t;
        t = nodes[t + RIGHT];
      } else t = nodes[t + LEFT];
    }
    return before !== NONE && nodes[before + HI] >= id;
  }

  /** Number of ranges (not ids) held: the memory this set uses. */
  get ranges(): number {
    return this.#size;
  }

  clear(): void {
    this.#nodes.length = 0;
    this.#free = null;
    this.#root = NONE;
    this.#max = NONE;
    this.#top = Number.NaN;
    this.#size = 0;
    this.#seed = SEED;
  }

  /** The ranges as a flat ascending array `[lo0, hi0, lo1, hi1, …]`. */
  toJSON(): number[] {
    this.#writeBack();
    const out: number[] = [];
    this.#collect(this.#root, out);
    return out;
  }

  /** Replaces the content with ranges from {@link IdRangeSet.toJSON} (assumed valid). */
  load(bounds: readonly number[]): void {
    this.clear();
    for (let i = 0; i < bounds.length; i += 2) {
      const node = this.#allocate(bounds[i]);
      this.#nodes[node + HI] = bounds[i + 1];
      this.#root = this.#insert(this.#root, node);
      this.#max = node;
    }
    this.#readTop();
  }

  #writeBack(): void {
    if (this.#max !== NONE) this.#nodes[this.#max + HI] = this.#top;
  }

  #readTop(): void {
    this.#top = this.#max === NONE ? Number.NaN : this.#nodes[this.#max + HI];
  }

  #allocate(id: number): number {
    let seed = this.#seed;
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    this.#seed = seed >>> 0;
    const node = this.#free?.pop() ?? this.#nodes.length;
    const nodes = this.#nodes;
    nodes[node + LO] = id;
    nodes[node + HI] = id;
    nodes[node + LEFT] = NONE;
    nodes[node + RIGHT] = NONE;
    nodes[node + PRIORITY] = this.#seed;
    this.#size++;
    return node;
  }

  #release(node: number): void {
    this.#free ??= [];
    this.#free.push(node);
    this.#size--;
  }

  /** Inserts `node` into the subtree `t`; returns the subtree's new root. */
  #insert(t: number, node: number): number {
    const nodes = this.#nodes;
    if (t === NONE) return node;
    if (nodes[node + PRIORITY] > nodes[t + PRIORITY]) {
      this.#split(t, nodes[node + LO]);
      nodes[node + LEFT] = splitLeft;
      nodes[node + RIGHT] = splitRight;
      return node;
    }
    if (nodes[node + LO] < nodes[t + LO]) nodes[t + LEFT] = this.#insert(nodes[t + LEFT], node);
    else nodes[t + RIGHT] = this.#insert(nodes[t + RIGHT], node);
    return t;
  }

  /** Removes the node whose lo is `lo` from the subtree `t`; returns the subtree's new root. */
  #remove(t: number, lo: number): number {
    const nodes = this.#nodes;
    if (nodes[t + LO] === lo) return this.#merge(nodes[t + LEFT], nodes[t + RIGHT]);
    if (lo < nodes[t + LO]) nodes[t + LEFT] = this.#remove(nodes[t + LEFT], lo);
    else nodes[t + RIGHT] = this.#remove(nodes[t + RIGHT], lo);
    return t;
  }

  /** Splits the subtree `t` into lo < key (`splitLeft`) and lo >= key (`splitRight`). */
  #split(t: number, key: number): void {
    const nodes = this.#nodes;
    if (t === NONE) {
      splitLeft = NONE;
      splitRight = NONE;
    } else if (nodes[t + LO] < key) {
      this.#split(nodes[t + RIGHT], key);
      nodes[t + RIGHT] = splitLeft;
      splitLeft = t;
    } else {
      this.#split(nodes[t + LEFT], key);
      nodes[t + LEFT] = splitRight;
      splitRight = t;
    }
  }

  /** Joins two subtrees, every lo of `a` below every lo of `b`. */
  #merge(a: number, b: number): number {
    const nodes = this.#nodes;
    if (a === NONE) return b;
    if (b === NONE) return a;
    if (nodes[a + PRIORITY] > nodes[b + PRIORITY]) {
      nodes[a + RIGHT] = this.#merge(nodes[a + RIGHT], b);
      return a;
    }
    nodes[b + LEFT] = this.#merge(a, nodes[b + LEFT]);
    return b;
  }

  #collect(t: number, out: number[]): void {
    // In order, iteratively: a degenerate tree must not overflow the stack.
    const stack: number[] = [];
    const nodes = this.#nodes;
    while (t !== NONE || stack.length > 0) {
      while (t !== NONE) {
        stack.push(t);
        t = nodes[t + LEFT];
      }
      t = stack.pop() as number;
      out.push(nodes[t + LO], nodes[t + HI]);
      t = nodes[t + RIGHT];
    }
  }
}
