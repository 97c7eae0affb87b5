import { Random } from '../util/random.js';
import { checkUntrustedValue } from '../util/safeJson.js';
import { check, finiteNumber, integer, numberArray, plainCopy, plainObject } from '../util/validate.js';
import { averagePathLength } from './averagePathLength.js';

/**
 * Most features a forest loaded from JSON may declare. Scoring keeps a scratch row of that many
 * numbers, so a hostile file claiming billions of features must be refused, not allocated.
 */
const MAX_FEATURES = 65_536;

/**
 * Largest sub-sample size ψ: trees are scored as complete binary trees of depth ⌈log2 ψ⌉, 2^depth
 * slots each, so ψ ≤ 4096 keeps a 100-tree forest under 10 MB. (The Isolation Forest paper finds
 * ψ = 256 enough; scores change little beyond.)
 */
const MAX_SAMPLES = 4096;

/**
 * Hyper-parameters of an {@link IsolationForest}, named as in scikit-learn.
 *
 * @example
 * ```ts
 * const options: IsolationForestOptions = { nEstimators: 200, contamination: 0.01, seed: 7 };
 * ```
 */
export interface IsolationForestOptions {
  /** Number of trees (default 100). */
  nEstimators?: number;
  /** Rows drawn without replacement per tree: `'auto'` = min(256, n), or a count up to 4096 (capped at n). */
  maxSamples?: 'auto' | number;
  /** Expected share of anomalies in the training data, in (0, 0.5], or `'auto'` for threshold −0.5. */
  contamination?: 'auto' | number;
  /** Seed of the random sub-samples, features and split values (default 0). */
  seed?: number;
}

/**
 * One isolation tree as JSON: one array per field, one entry per node, nodes in pre-order
 * (root first). Leaves have `feature` −1, `threshold` 0 and children −1.
 *
 * @example
 * ```ts
 * // A root splitting 3 rows on feature 1 at 0.25: one row left, two rows right.
 * const tree: IsolationTreeJSON = {
 *   feature: [1, -1, -1], threshold: [0.25, 0, 0], left: [1, -1, -1], right: [2, -1, -1], size: [3, 1, 2],
 * };
 * ```
 */
export interface IsolationTreeJSON {
  /** Feature index each internal node splits on; −1 for a leaf. */
  feature: number[];
  /** Split value: a row goes left when `row[feature] <= threshold`. */
  threshold: number[];
  /** Index of the left child within this tree; −1 for a leaf. */
  left: number[];
  /** Index of the right child within this tree; −1 for a leaf. */
  right: number[];
  /** Training samples that reached the node (scikit-learn's `n_node_samples`). */
  size: number[];
}

/**
 * A fitted {@link IsolationForest} as plain JSON (see {@link IsolationForest.toJSON}).
 *
 * @example
 * ```ts
 * const json: IsolationForestJSON = forest.toJSON();
 * json.trees.length; // nEstimators
 * ```
 */
export interface IsolationForestJSON {
  /** Number of features of a row. */
  nFeatures: number;
  /** Sub-sample size ψ each tree was grown on; scores are normalised by c(ψ). */
  maxSamples: number;
  /** The contamination the threshold was derived from. */
  contamination: 'auto' | number;
  /** Score below which a row is an anomaly (scikit-learn's `offset_`). */
  threshold: number;
  trees: IsolationTreeJSON[];
}

/**
 * Isolation Forest anomaly detector with scikit-learn's semantics (`sklearn.ensemble.IsolationForest`).
 *
 * Each tree is grown on ψ = `maxSamples` rows drawn without replacement, splitting on a feature
 * drawn at random among those not constant in the node, at a value drawn uniformly between the
 * node's minimum and maximum, down to depth ⌈log2 ψ⌉. The path length of a row in a tree is the
 * depth of its leaf plus c(leaf size) (`averagePathLength`); its score is
 * −2^(−E[h(x)] / c(ψ)), scikit-learn's `score_samples`: around −0.5 and above for normal rows,
 * towards −1 for anomalies — lower means more anomalous. `threshold` is −0.5 for contamination
 * `'auto'`, else the contamination quantile of the training scores (numpy's linear percentile).
 *
 * Trees are stored as flat typed arrays, so scoring a row walks arrays and allocates nothing.
 * Training is seeded: the same data, options and seed give the same trees and the same JSON.
 *
 * @see Liu, Ting & Zhou, "Isolation Forest", ICDM 2008.
 *
 * @example
 * ```ts
 * const forest = new IsolationForest({ nEstimators: 100, contamination: 0.05, seed: 7 }).fit(X);
 * forest.score([0.1, 2.3]);     // e.g. −0.42
 * forest.isAnomaly([9, -40]);   // true
 * const copy = IsolationForest.fromJSON(JSON.parse(JSON.stringify(forest)));
 * ```
 */
export class IsolationForest {
  /** Number of trees. */
  readonly nEstimators: number;
  /** Expected share of anomalies in the training data, or `'auto'`. */
  readonly contamination: 'auto' | number;
  /** Seed of the training randomness. */
  readonly seed: number;
  readonly #maxSamplesOption: 'auto' | number;

  #nFeatures = 0;
  #maxSamples = 0;
  #threshold = Number.NaN;
  /** nTrees · c(ψ): the sum of path lengths over the trees divided by this is E[h(x)] / c(ψ). */
  #denominator = 0;
  /**
   * The trees as grown (and as in the JSON): node arrays shared by all trees, nodes of tree t from
   * `#roots[t]` on, in pre-order. Leaves have feature −1; children are global node indices.
   */
  #roots: Int32Array = new Int32Array(0);
  #feature: Int32Array = new Int32Array(0);
  #split: Float64Array = new Float64Array(0);
  #left: Int32Array = new Int32Array(0);
  #right: Int32Array = new Int32Array(0);
  /** Training samples per node (scikit-learn's `n_node_samples`). */
  #size: Int32Array = new Int32Array(0);
  /**
   * The same trees laid out for scoring, each as a complete binary tree of depth `#walkDepth`
   * (the deepest leaf): slot k has children 2k+1 and 2k+2, so the walk computes the next slot
   * instead of loading it. Each tree has `2^depth − 1` split slots and `2^depth` bottom slots. A leaf
   * above the bottom becomes splits at +Infinity (always left) down to one bottom slot, which holds
   * the leaf's path length depth + c(size).
   */
  #walkDepth = 0;
  #walkFeature: Int32Array = new Int32Array(0);
  #walkSplit: Float64Array = new Float64Array(0);
  #walkPathLength: Float64Array = new Float64Array(0);
  /**
   * Scratch copy of the row being scored: a plain array of doubles (V8's packed-double elements),
   * filled with NaN at install so it never holds anything else.
   */
  #row: number[] = [];

  constructor(options: IsolationForestOptions = {}) {
    const { nEstimators = 100, maxSamples = 'auto', contamination = 'auto', seed = 0 } = options;
    if (!Number.isInteger(nEstimators) || nEstimators < 1)
      throw new RangeError(`nEstimators must be an integer >= 1, got ${nEstimators}`);
    if (
      maxSamples !== 'auto' &&
      !(Number.isInteger(maxSamples) && maxSamples >= 1 && maxSamples <= MAX_SAMPLES)
    )
      throw new RangeError(
        `maxSamples must be 'auto' or an integer in [1, ${MAX_SAMPLES}], got ${maxSamples}`,
      );
    if (contamination !== 'auto' && !(contamination > 0 && contamination <= 0.5))
      throw new RangeError(`contamination must be 'auto' or a number in (0, 0.5], got ${contamination}`);
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    this.nEstimators = nEstimators;
    this.#maxSamplesOption = maxSamples;
    this.contamination = contamination;
    this.seed = seed;
  }

  /** Number of features a row must have; 0 before `fit`. */
  get nFeatures(): number {
    return this.#nFeatures;
  }

  /** Sub-sample size ψ the trees were grown on (scikit-learn's `max_samples_`); 0 before `fit`. */
  get maxSamples(): number {
    return this.#maxSamples;
  }

  /** Score below which a row is an anomaly (scikit-learn's `offset_`); NaN before `fit`. */
  get threshold(): number {
    return this.#threshold;
  }

  /**
   * Grows the forest on `X` (rows of equal length, finite numbers) and sets `threshold`.
   * Replaces any previous fit.
   */
  fit(X: number[][]): this {
    const { columns, n, d } = toColumns(X);
    const psi = this.#maxSamplesOption === 'auto' ? Math.min(256, n) : Math.min(this.#maxSamplesOption, n);
    const maxDepth = Math.ceil(Math.log2(Math.max(psi, 2)));
    const nTrees = this.nEstimators;
    const capacity = nTrees * (2 * psi - 1);
    const feature = new Int32Array(capacity);
    const split = new Float64Array(capacity);
    const left = new Int32Array(capacity);
    const right = new Int32Array(capacity);
    const size = new Int32Array(capacity);
    const roots = new Int32Array(nTrees);

    const rng = new Random(this.seed);
    // rows[0..psi) is the tree's sub-sample; partitioning reorders it in place, so `rows` stays
    // a permutation of 0..n-1 and the next partial Fisher–Yates draw is again uniform.
    const rows = new Int32Array(n);
    for (let i = 0; i < n; i++) rows[i] = i;
    const candidates = new Int32Array(d);
    // Depth-first stack of nodes to grow: [start, end) of `rows`, depth, parent, is-left flag.
    const stackSize = maxDepth + 2;
    const stackStart = new Int32Array(stackSize);
    const stackEnd = new Int32Array(stackSize);
    const stackDepth = new Int32Array(stackSize);
    const stackParent = new Int32Array(stackSize);
    const stackIsLeft = new Uint8Array(stackSize);

    let count = 0;
    for (let t = 0; t < nTrees; t++) {
      for (let i = 0; i < psi; i++) {
        const j = i + rng.int(n - i);
        const r = rows[i];
        rows[i] = rows[j];
        rows[j] = r;
      }
      roots[t] = count;
      stackStart[0] = 0;
      stackEnd[0] = psi;
      stackDepth[0] = 0;
      stackParent[0] = -1;
      let top = 1;
      while (top > 0) {
        top--;
        const start = stackStart[top];
        const end = stackEnd[top];
        const depth = stackDepth[top];
        const parent = stackParent[top];
        const id = count++;
        if (parent >= 0) {
          if (stackIsLeft[top] === 1) left[parent] = id;
          else right[parent] = id;
        }
        size[id] = end - start;
        left[id] = -1;
        right[id] = -1;

        let f = -1;
        let threshold = 0;
        if (depth < maxDepth && end - start >= 2) {
          // Draw features without replacement until one is not constant in the node (scikit-learn's
          // random splitter with max_features=1); if all are constant, the node is a leaf.
          for (let k = 0; k < d; k++) candidates[k] = k;
          for (let m = d; m > 0; m--) {
            const j = rng.int(m);
            const c = candidates[j];
            const base = c * n;
            let lo = Number.POSITIVE_INFINITY;
            let hi = Number.NEGATIVE_INFINITY;
            for (let s = start; s < end; s++) {
              const v = columns[base + rows[s]];
              if (v < lo) lo = v;
              if (v > hi) hi = v;
            }
            if (hi > lo) {
              f = c;
              threshold = (hi - lo) * rng.float() + lo;
              if (threshold === hi) threshold = lo;
              break;
            }
            candidates[j] = candidates[m - 1];
            candidates[m - 1] = c;
          }
        }
        feature[id] = f;
        split[id] = threshold;
        if (f < 0) continue;

        // Partition rows[start, end): values <= threshold first. Both sides are non-empty because
        // lo <= threshold < hi.
        const base = f * n;
        let i = start;
        let j = end - 1;
        while (i <= j) {
          if (columns[base + rows[i]] <= threshold) i++;
          else {
            const r = rows[i];
            rows[i] = rows[j];
            rows[j] = r;
            j--;
          }
        }
        // Push right first so the left child is grown next: pre-order, left child = id + 1.
        stackStart[top] = i;
        stackEnd[top] = end;
        stackDepth[top] = depth + 1;
        stackParent[top] = id;
        stackIsLeft[top] = 0;
        top++;
        stackStart[top] = start;
        stackEnd[top] = i;
        stackDepth[top] = depth + 1;
        stackParent[top] = id;
        stackIsLeft[top] = 1;
        top++;
      }
    }

    this.#install(
      d,
      psi,
      roots,
      feature.slice(0, count),
      split.slice(0, count),
      left.slice(0, count),
      right.slice(0, count),
      size.slice(0, count),
    );
    this.#threshold =
      this.contamination === 'auto' ? -0.5 : linearPercentile(this.scoreSamples(X), this.contamination);
    return this;
  }

  /**
   * Score of one row: scikit-learn's `score_samples`, −2^(−E[h(x)] / c(ψ)), in [−1, 0); lower is
   * more anomalous. A row containing NaN scores NaN (and is not an anomaly). Allocates nothing.
   */
  score(row: ArrayLike<number>): number {
    const nFeatures = this.#nFeatures;
    if (nFeatures === 0) throw new Error('IsolationForest: call fit() or fromJSON() before scoring');
    if (row.length < nFeatures)
      throw new RangeError(`IsolationForest: row has ${row.length} features, the forest needs ${nFeatures}`);
    // Hot path, no allocation. The row is first copied into a plain array of doubles the forest owns:
    // V8 then compiles the walk for that one array shape, whatever the caller passes (a
    // Float64Array row was 20 % slower to read in the loop than a number[] one).
    const x = this.#row;
    for (let f = 0; f < nFeatures; f++) {
      const v = row[f];
      if (Number.isNaN(v)) return Number.NaN;
      x[f] = v;
    }
    // Eight trees descend together so their memory loads overlap instead of waiting on each other;
    // every tree takes `depth` steps (complete layout), so one loop counter serves all eight. The
    // next slot is computed, 2k + 1 + (x > split), so there is neither a child to load nor a branch
    // the CPU would mispredict half the time; `| 0` keeps the slot an int32 (it is below 2^13), so
    // the compiled step has no overflow check.
    // Path lengths are summed in tree order, four at a time then one at a time, as in the 8-, 4- and
    // 1-tree loops below: the same additions in the same order give the same score to the last bit
    // on every tree count.
    const feature = this.#walkFeature;
    const split = this.#walkSplit;
    const pathLength = this.#walkPathLength;
    const depth = this.#walkDepth;
    const splits = (1 << depth) - 1;
    const bottoms = splits + 1;
    const nTrees = this.#roots.length;
    let sum = 0;
    let t = 0;
    for (; t + 8 <= nTrees; t += 8) {
      const base0 = t * splits;
      const base1 = base0 + splits;
      const base2 = base1 + splits;
      const base3 = base2 + splits;
      const base4 = base3 + splits;
      const base5 = base4 + splits;
      const base6 = base5 + splits;
      const base7 = base6 + splits;
      let a = 0;
      let b = 0;
      let c = 0;
      let d = 0;
      let e = 0;
      let f = 0;
      let g = 0;
      let h = 0;
      for (let s = 0; s < depth; s++) {
        a = (2 * a + 1 + +(x[feature[base0 + a]] > split[base0 + a])) | 0;
        b = (2 * b + 1 + +(x[feature[base1 + b]] > split[base1 + b])) | 0;
        c = (2 * c + 1 + +(x[feature[base2 + c]] > split[base2 + c])) | 0;
        d = (2 * d + 1 + +(x[feature[base3 + d]] > split[base3 + d])) | 0;
        e = (2 * e + 1 + +(x[feature[base4 + e]] > split[base4 + e])) | 0;
        f = (2 * f + 1 + +(x[feature[base5 + f]] > split[base5 + f])) | 0;
        g = (2 * g + 1 + +(x[feature[base6 + g]] > split[base6 + g])) | 0;
        h = (2 * h + 1 + +(x[feature[base7 + h]] > split[base7 + h])) | 0;
      }
      // Bottom slot k of tree t is pathLength[t · bottoms + k − splits].
      const bottom = t * bottoms - splits;
      sum +=
        pathLength[bottom + a] +
        pathLength[bottom + bottoms + b] +
        pathLength[bottom + 2 * bottoms + c] +
        pathLength[bottom + 3 * bottoms + d];
      sum +=
        pathLength[bottom + 4 * bottoms + e] +
        pathLength[bottom + 5 * bottoms + f] +
        pathLength[bottom + 6 * bottoms + g] +
        pathLength[bottom + 7 * bottoms + h];
    }
    for (; t + 4 <= nTrees; t += 4) {
      const base0 = t * splits;
      const base1 = base0 + splits;
      const base2 = base1 + splits;
      const base3 = base2 + splits;
      let a = 0;
      let b = 0;
      let c = 0;
      let d = 0;
      for (let s = 0; s < depth; s++) {
        a = (2 * a + 1 + +(x[feature[base0 + a]] > split[base0 + a])) | 0;
        b = (2 * b + 1 + +(x[feature[base1 + b]] > split[base1 + b])) | 0;
        c = (2 * c + 1 + +(x[feature[base2 + c]] > split[base2 + c])) | 0;
        d = (2 * d + 1 + +(x[feature[base3 + d]] > split[base3 + d])) | 0;
      }
      const bottom = t * bottoms - splits;
      sum +=
        pathLength[bottom + a] +
        pathLength[bottom + bottoms + b] +
        pathLength[bottom + 2 * bottoms + c] +
        pathLength[bottom + 3 * bottoms + d];
    }
    for (; t < nTrees; t++) {
      const base = t * splits;
      let a = 0;
      for (let s = 0; s < depth; s++) a = (2 * a + 1 + +(x[feature[base + a]] > split[base + a])) | 0;
      sum += pathLength[t * bottoms - splits + a];
    }
    // With ψ = 1 every depth and c(ψ) are 0; scikit-learn then defines the ratio as 1.
    const ratio = this.#denominator === 0 ? 1 : sum / this.#denominator;
    return -(2 ** -ratio);
  }

  /** {@link score} of every row of `X`. */
  scoreSamples(X: ArrayLike<ArrayLike<number>>): Float64Array {
    const scores = new Float64Array(X.length);
    for (let i = 0; i < X.length; i++) scores[i] = this.score(X[i]);
    return scores;
  }

  /** Whether `score(row) < threshold` (scikit-learn's `predict(row) === -1`). */
  isAnomaly(row: ArrayLike<number>): boolean {
    return this.score(row) < this.#threshold;
  }

  /** The fitted forest as plain JSON; {@link IsolationForest.fromJSON} restores it exactly. */
  toJSON(): IsolationForestJSON {
    if (this.#nFeatures === 0) throw new Error('IsolationForest: nothing to serialise before fit()');
    const trees: IsolationTreeJSON[] = [];
    const total = this.#feature.length;
    for (let t = 0; t < this.#roots.length; t++) {
      const from = this.#roots[t];
      const to = t + 1 < this.#roots.length ? this.#roots[t + 1] : total;
      const local = (node: number) => (node < 0 ? -1 : node - from);
      trees.push({
        feature: Array.from(this.#feature.subarray(from, to)),
        threshold: Array.from(this.#split.subarray(from, to)),
        left: Array.from(this.#left.subarray(from, to), local),
        right: Array.from(this.#right.subarray(from, to), local),
        size: Array.from(this.#size.subarray(from, to)),
      });
    }
    return {
      nFeatures: this.#nFeatures,
      maxSamples: this.#maxSamples,
      contamination: this.contamination,
      threshold: this.#threshold,
      trees,
    };
  }

  /**
   * Restores a forest written by {@link IsolationForest.toJSON}, validating everything: no
   * `__proto__` / `constructor` keys or nesting deeper than 32, shapes, finiteness, features below
   * `nFeatures`, child indices that form one tree per entry, node sizes that add up. Throws a `ModelValidationError` whose `path` names the offending field,
   * prefixed by `path` (default `forest`).
   */
  static fromJSON(json: unknown, path = 'forest'): IsolationForest {
    const data = plainCopy(json, path);
    checkUntrustedValue(data, {}, path);
    const o = plainObject(data, path);
    const nFeatures = integer(o.nFeatures, `${path}.nFeatures`, 1, MAX_FEATURES);
    const maxSamples = integer(o.maxSamples, `${path}.maxSamples`, 1, MAX_SAMPLES);
    let contamination: 'auto' | number = 'auto';
    if (o.contamination !== 'auto') {
      contamination = finiteNumber(o.contamination, `${path}.contamination`);
      check(
        contamination > 0 && contamination <= 0.5,
        `${path}.contamination`,
        `expected 'auto' or a number in (0, 0.5], got ${contamination}`,
      );
    }
    const threshold = finiteNumber(o.threshold, `${path}.threshold`);
    check(
      contamination !== 'auto' || threshold === -0.5,
      `${path}.threshold`,
      `expected -0.5 with contamination 'auto', got ${threshold}`,
    );
    check(
      Array.isArray(o.trees) && o.trees.length >= 1,
      `${path}.trees`,
      'expected a non-empty array of trees',
    );
    const trees = o.trees.map((tree, t) => validateTree(tree, `${path}.trees[${t}]`, nFeatures, maxSamples));

    let total = 0;
    for (const tree of trees) total += tree.feature.length;
    const roots = new Int32Array(trees.length);
    const feature = new Int32Array(total);
    const split = new Float64Array(total);
    const left = new Int32Array(total);
    const right = new Int32Array(total);
    const size = new Int32Array(total);
    let offset = 0;
    trees.forEach((tree, t) => {
      roots[t] = offset;
      for (let i = 0; i < tree.feature.length; i++) {
        feature[offset + i] = tree.feature[i];
        split[offset + i] = tree.threshold[i];
        left[offset + i] = tree.left[i] < 0 ? -1 : offset + tree.left[i];
        right[offset + i] = tree.right[i] < 0 ? -1 : offset + tree.right[i];
        size[offset + i] = tree.size[i];
      }
      offset += tree.feature.length;
    });

    const forest = new IsolationForest({ nEstimators: trees.length, maxSamples, contamination });
    forest.#install(nFeatures, maxSamples, roots, feature, split, left, right, size);
    forest.#threshold = threshold;
    return forest;
  }

  /**
   * Takes over trees in the grown layout (global node indices, leaves: feature −1, children −1,
   * split 0) and builds the scoring layout described at `#walkDepth`.
   */
  #install(
    nFeatures: number,
    maxSamples: number,
    roots: Int32Array,
    feature: Int32Array,
    split: Float64Array,
    left: Int32Array,
    right: Int32Array,
    size: Int32Array,
  ): void {
    const nTrees = roots.length;
    const m = feature.length;
    // Children always come after their parent, so one forward pass sets every depth.
    const depth = new Int32Array(m);
    let walkDepth = 0;
    for (let i = 0; i < m; i++) {
      if (feature[i] < 0) walkDepth = Math.max(walkDepth, depth[i]);
      else {
        depth[left[i]] = depth[i] + 1;
        depth[right[i]] = depth[i] + 1;
      }
    }
    const splits = (1 << walkDepth) - 1;
    const bottoms = splits + 1;
    const walkFeature = new Int32Array(nTrees * splits);
    const walkSplit = new Float64Array(nTrees * splits).fill(Number.POSITIVE_INFINITY);
    const walkPathLength = new Float64Array(nTrees * bottoms);
    // Node → slot: slot[root] = 0, children of slot k at 2k+1 and 2k+2.
    const slot = new Int32Array(m);
    for (let t = 0; t < nTrees; t++) {
      const from = roots[t];
      const to = t + 1 < nTrees ? roots[t + 1] : m;
      slot[from] = 0;
      for (let i = from; i < to; i++) {
        if (feature[i] >= 0) {
          walkFeature[t * splits + slot[i]] = feature[i];
          walkSplit[t * splits + slot[i]] = split[i];
          slot[left[i]] = 2 * slot[i] + 1;
          slot[right[i]] = 2 * slot[i] + 2;
          continue;
        }
        let bottom = slot[i];
        for (let level = depth[i]; level < walkDepth; level++) bottom = 2 * bottom + 1;
        walkPathLength[t * bottoms + bottom - splits] = depth[i] + averagePathLength(size[i]);
      }
    }
    this.#nFeatures = nFeatures;
    this.#maxSamples = maxSamples;
    this.#roots = roots;
    this.#feature = feature;
    this.#split = split;
    this.#left = left;
    this.#right = right;
    this.#size = size;
    this.#walkDepth = walkDepth;
    this.#walkFeature = walkFeature;
    this.#walkSplit = walkSplit;
    this.#walkPathLength = walkPathLength;
    this.#row = Array.from({ length: nFeatures }, () => Number.NaN);
    this.#denominator = nTrees * averagePathLength(maxSamples);
  }
}

/** Copies rows into one column-major Float64Array (column f at offset f·n), checking shape and values. */
function toColumns(X: number[][]): { columns: Float64Array; n: number; d: number } {
  if (!Array.isArray(X) || X.length === 0)
    throw new RangeError('IsolationForest.fit: X must be a non-empty array of rows');
  const n = X.length;
  const d = Array.isArray(X[0]) ? X[0].length : 0;
  if (d === 0) throw new RangeError('IsolationForest.fit: X[0] must be a non-empty array of numbers');
  if (d > MAX_FEATURES)
    throw new RangeError(`IsolationForest.fit: at most ${MAX_FEATURES} features, X[0] has ${d}`);
  const columns = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const row = X[i];
    if (!Array.isArray(row) || row.length !== d)
      throw new RangeError(`IsolationForest.fit: X[${i}] must be an array of ${d} numbers like X[0]`);
    for (let f = 0; f < d; f++) {
      const v = row[f];
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new RangeError(`IsolationForest.fit: X[${i}][${f}] must be a finite number, got ${v}`);
      columns[f * n + i] = v;
    }
  }
  return { columns, n, d };
}

/**
 * The `fraction` quantile of `values` exactly as `numpy.percentile(values, 100 * fraction)` with
 * its default linear method (virtual index (n−1)·q, numpy's two-sided lerp).
 */
function linearPercentile(values: Float64Array, fraction: number): number {
  const sorted = Float64Array.from(values).sort();
  const q = (100 * fraction) / 100;
  const virtual = (sorted.length - 1) * q;
  const below = Math.floor(virtual);
  const above = Math.min(below + 1, sorted.length - 1);
  const gamma = virtual - below;
  const a = sorted[below];
  const b = sorted[above];
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** Checks one tree's JSON and returns its arrays (see {@link IsolationTreeJSON}). */
function validateTree(
  value: unknown,
  path: string,
  nFeatures: number,
  maxSamples: number,
): IsolationTreeJSON {
  const o = plainObject(value, path);
  const feature = numberArray(o.feature, `${path}.feature`);
  const m = feature.length;
  check(
    m >= 1 && m <= 2 * maxSamples - 1,
    `${path}.feature`,
    `expected 1 to ${2 * maxSamples - 1} nodes (a tree on maxSamples = ${maxSamples} rows), got ${m}`,
  );
  const threshold = numberArray(o.threshold, `${path}.threshold`, m);
  const left = numberArray(o.left, `${path}.left`, m);
  const right = numberArray(o.right, `${path}.right`, m);
  const size = numberArray(o.size, `${path}.size`, m);
  const maxDepth = Math.ceil(Math.log2(Math.max(maxSamples, 2)));
  const hasParent = new Uint8Array(m);
  const depth = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    check(
      depth[i] <= maxDepth,
      `${path}.feature[${i}]`,
      `node at depth ${depth[i]}, deeper than ceil(log2(maxSamples)) = ${maxDepth}`,
    );
    integer(size[i], `${path}.size[${i}]`, 1, maxSamples);
    if (feature[i] === -1) {
      check(left[i] === -1, `${path}.left[${i}]`, `expected -1 for a leaf, got ${left[i]}`);
      check(right[i] === -1, `${path}.right[${i}]`, `expected -1 for a leaf, got ${right[i]}`);
      check(threshold[i] === 0, `${path}.threshold[${i}]`, `expected 0 for a leaf, got ${threshold[i]}`);
      continue;
    }
    check(
      Number.isInteger(feature[i]) && feature[i] >= 0 && feature[i] < nFeatures,
      `${path}.feature[${i}]`,
      `expected -1 (leaf) or a feature index in [0, ${nFeatures - 1}], got ${feature[i]}`,
    );
    // Children after their parent, each node with one parent: the nodes form a single tree.
    for (const [side, child] of [
      ['left', left[i]],
      ['right', right[i]],
    ] as const) {
      integer(child, `${path}.${side}[${i}]`, i + 1, m - 1);
      check(hasParent[child] === 0, `${path}.${side}[${i}]`, `node ${child} already has a parent`);
      hasParent[child] = 1;
      depth[child] = depth[i] + 1;
    }
  }
  for (let i = 1; i < m; i++) check(hasParent[i] === 1, `${path}.left`, `node ${i} has no parent`);
  for (let i = 0; i < m; i++) {
    if (feature[i] === -1) continue;
    check(
      size[i] === size[left[i]] + size[right[i]],
      `${path}.size[${i}]`,
      `expected the sum of its children's sizes (${size[left[i]] + size[right[i]]}), got ${size[i]}`,
    );
  }
  return { feature, threshold, left, right, size };
}
