import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { averagePathLength } from '../../src/anomaly/averagePathLength.js';
import { IsolationForest, type IsolationForestJSON } from '../../src/anomaly/IsolationForest.js';
import { Random } from '../../src/util/random.js';
import { ModelValidationError } from '../../src/util/validate.js';

/** n rows of d standard normals, then `outliers` rows far out along every axis. */
function blob(seed: number, n: number, d: number, outliers = 0): number[][] {
  const rng = new Random(seed);
  const X = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
  for (let i = 0; i < outliers; i++) X.push(Array.from({ length: d }, () => 8 + rng.float() * 4));
  return X;
}

function pathOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ModelValidationError) return e.path;
    throw e;
  }
  throw new Error('expected a ModelValidationError');
}

/** Depth of every node of a JSON tree (children come after their parent). */
function depths(tree: IsolationForestJSON['trees'][number]): number[] {
  const depth = new Array<number>(tree.feature.length).fill(0);
  for (let i = 0; i < tree.feature.length; i++) {
    if (tree.feature[i] < 0) continue;
    depth[tree.left[i]] = depth[i] + 1;
    depth[tree.right[i]] = depth[i] + 1;
  }
  return depth;
}

describe('IsolationForest', () => {
  const X = blob(1, 1500, 3, 15);

  it('is deterministic: the same seed gives the same JSON bytes and scores, another seed other trees', () => {
    const a = new IsolationForest({ seed: 7, contamination: 0.01 }).fit(X);
    const b = new IsolationForest({ seed: 7, contamination: 0.01 }).fit(X);
    const c = new IsolationForest({ seed: 8, contamination: 0.01 }).fit(X);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(b.scoreSamples(X)).toEqual(a.scoreSamples(X));
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
  });

  it('round-trips through JSON text exactly: same bytes, same threshold, bit-identical scores', () => {
    for (const contamination of ['auto', 0.05] as const) {
      const forest = new IsolationForest({ seed: 3, contamination, nEstimators: 37 }).fit(X);
      const text = JSON.stringify(forest);
      const copy = IsolationForest.fromJSON(JSON.parse(text));
      expect(JSON.stringify(copy)).toBe(text);
      expect(copy.threshold).toBe(forest.threshold);
      expect(copy.nFeatures).toBe(3);
      expect(copy.maxSamples).toBe(256);
      expect(copy.nEstimators).toBe(37);
      expect(copy.scoreSamples(X)).toEqual(forest.scoreSamples(X));
    }
  });

  it('grows trees with scikit-learn’s shape: ψ = min(256, n) rows, depth <= ceil(log2 ψ), leaf sizes adding up', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer(),
        (n, d, seed) => {
          const forest = new IsolationForest({ nEstimators: 5, seed }).fit(blob(seed, n, d));
          const psi = Math.min(256, n);
          const json = forest.toJSON();
          if (forest.maxSamples !== psi || json.maxSamples !== psi) return false;
          const limit = Math.ceil(Math.log2(Math.max(psi, 2)));
          return json.trees.every((tree) => {
            const depth = depths(tree);
            let leafTotal = 0;
            for (let i = 0; i < tree.feature.length; i++) {
              if (tree.feature[i] >= 0) continue;
              leafTotal += tree.size[i];
              if (depth[i] > limit) return false;
              // A leaf above the depth limit holds one row (or identical rows, impossible here).
              if (depth[i] < limit && tree.size[i] !== 1) return false;
            }
            return (
              tree.size[0] === psi && leafTotal === psi && tree.left.every((l, i) => l < 0 || l === i + 1)
            );
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('scores in [−1, 0): lower for a far point than for the centre', () => {
    const forest = new IsolationForest({ seed: 2 }).fit(X);
    const scores = forest.scoreSamples(X);
    for (const s of scores) expect(s >= -1 && s < 0).toBe(true);
    expect(forest.score([0, 0, 0])).toBeGreaterThan(-0.5);
    expect(forest.score([10, 10, 10])).toBeLessThan(-0.6);
    expect(forest.isAnomaly([10, 10, 10])).toBe(true);
    expect(forest.isAnomaly([0, 0, 0])).toBe(false);
  });

  it("uses −0.5 as threshold for contamination 'auto' and the numpy linear percentile otherwise", () => {
    expect(new IsolationForest({ seed: 1 }).fit(X).threshold).toBe(-0.5);
    for (const contamination of [0.003, 0.01, 0.1, 0.5]) {
      const forest = new IsolationForest({ seed: 1, contamination }).fit(X);
      const sorted = Array.from(forest.scoreSamples(X)).sort((a, b) => a - b);
      const at = (sorted.length - 1) * contamination;
      const lo = sorted[Math.floor(at)];
      const hi = sorted[Math.ceil(at)];
      expect(forest.threshold).toBeGreaterThanOrEqual(lo);
      expect(forest.threshold).toBeLessThanOrEqual(hi);
      expect(forest.threshold).toBeCloseTo(lo + (hi - lo) * (at - Math.floor(at)), 15);
      const flagged = X.filter((row) => forest.isAnomaly(row)).length / X.length;
      expect(Math.abs(flagged - contamination)).toBeLessThanOrEqual(0.005);
    }
  });

  it('never splits on a constant feature; identical rows make one leaf scoring exactly −0.5', () => {
    const rng = new Random(4);
    const withConstant = Array.from({ length: 400 }, () => [rng.normal(), 5, rng.normal()]);
    const json = new IsolationForest({ seed: 4 }).fit(withConstant).toJSON();
    for (const tree of json.trees) expect(tree.feature).not.toContain(1);

    const same = Array.from({ length: 50 }, () => [1, 2]);
    const flat = new IsolationForest({ seed: 4, nEstimators: 10 }).fit(same);
    for (const tree of flat.toJSON().trees)
      expect(tree).toEqual({ feature: [-1], threshold: [0], left: [-1], right: [-1], size: [50] });
    expect(flat.score([1, 2])).toBe(-0.5);
    expect(flat.score([-100, 100])).toBe(-0.5);
  });

  it('follows scikit-learn for a single training row (c(1) = 0): every score is −0.5', () => {
    const forest = new IsolationForest({ seed: 1 }).fit([[3, 4]]);
    expect(forest.maxSamples).toBe(1);
    expect(forest.score([3, 4])).toBe(-0.5);
    expect(forest.score([300, -4])).toBe(-0.5);
  });

  it('scores every row as −2^(−mean path length / c(ψ)) of a plain walk of its JSON trees', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 700 }),
        fc.integer({ min: 1, max: 11 }),
        fc.integer(),
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 2, maxLength: 2 }),
        (n, nEstimators, seed, row) => {
          const forest = new IsolationForest({ nEstimators, seed }).fit(blob(seed, n, 2));
          const json = forest.toJSON();
          let total = 0;
          for (const tree of json.trees) {
            const depth = depths(tree);
            let node = 0;
            while (tree.feature[node] >= 0)
              node = row[tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
            total += depth[node] + averagePathLength(tree.size[node]);
          }
          const expected = -(2 ** (-total / nEstimators / averagePathLength(forest.maxSamples)));
          return Math.abs(forest.score(row) - expected) <= 1e-12;
        },
      ),
      { numRuns: 60 },
    );
  });

  it('sums path lengths in tree order, four trees at a time then one by one: scores exact to the last bit', () => {
    // Stored reports count anomalies from exact scores, so the summation order is part of the
    // contract: a faster walk must add the same numbers in the same order.
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 400 }),
        fc.integer({ min: 1, max: 27 }),
        fc.integer(),
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 3, maxLength: 3 }),
        (n, nEstimators, seed, row) => {
          const forest = new IsolationForest({ nEstimators, seed }).fit(blob(seed, n, 3));
          const lengths = forest.toJSON().trees.map((tree) => {
            const depth = depths(tree);
            let node = 0;
            while (tree.feature[node] >= 0)
              node = row[tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
            return depth[node] + averagePathLength(tree.size[node]);
          });
          let sum = 0;
          let t = 0;
          for (; t + 4 <= nEstimators; t += 4)
            sum += lengths[t] + lengths[t + 1] + lengths[t + 2] + lengths[t + 3];
          for (; t < nEstimators; t++) sum += lengths[t];
          const expected = -(2 ** -(sum / (nEstimators * averagePathLength(forest.maxSamples))));
          return (
            Object.is(forest.score(row), expected) &&
            Object.is(forest.score(Float64Array.from(row)), expected)
          );
        },
      ),
      { numRuns: 80 },
    );
  });

  it('caps an integer maxSamples at n and normalises by c(ψ)', () => {
    const small = X.slice(0, 100);
    const forest = new IsolationForest({ seed: 1, maxSamples: 1000, nEstimators: 1 }).fit(small);
    expect(forest.maxSamples).toBe(100);
    // One tree: the score is −2^(−h/c(ψ)) for the row's path length h = depth + c(leaf size).
    const tree = forest.toJSON().trees[0];
    const depth = depths(tree);
    const row = small[0];
    let node = 0;
    while (tree.feature[node] >= 0)
      node = row[tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
    const h = depth[node] + averagePathLength(tree.size[node]);
    expect(forest.score(row)).toBeCloseTo(-(2 ** (-h / averagePathLength(100))), 15);
  });

  it('scores a row with NaN as NaN (never an anomaly) and rejects rows that are too short', () => {
    const forest = new IsolationForest({ seed: 1 }).fit(X);
    expect(forest.score([0, Number.NaN, 0])).toBeNaN();
    expect(forest.isAnomaly([0, Number.NaN, 0])).toBe(false);
    expect(() => forest.score([0, 0])).toThrow(/row has 2 features, the forest needs 3/);
    expect(forest.score(new Float64Array([0, 0, 0]))).toBe(forest.score([0, 0, 0]));
  });

  it('refuses to score or serialise before fit, and refuses bad options and bad training data', () => {
    const forest = new IsolationForest();
    expect(() => forest.score([1])).toThrow(/fit\(\)/);
    expect(() => forest.toJSON()).toThrow(/fit\(\)/);
    expect(() => new IsolationForest({ nEstimators: 0 })).toThrow(/nEstimators/);
    expect(() => new IsolationForest({ maxSamples: 0.5 })).toThrow(/maxSamples/);
    expect(() => new IsolationForest({ maxSamples: 4097 })).toThrow(/maxSamples/);
    expect(() => new IsolationForest({ contamination: 0.6 })).toThrow(/contamination/);
    expect(() => new IsolationForest({ seed: Number.NaN })).toThrow(/seed/);
    expect(() => forest.fit([])).toThrow(/non-empty/);
    expect(() => forest.fit([[1, 2], [3]])).toThrow(/X\[1\]/);
    expect(() =>
      forest.fit([
        [1, 2],
        [3, Number.POSITIVE_INFINITY],
      ]),
    ).toThrow(/X\[1\]\[1\]/);
  });

  describe('fromJSON', () => {
    const good = new IsolationForest({ seed: 9, nEstimators: 3, contamination: 0.1 })
      .fit(X.slice(0, 40))
      .toJSON();
    /** A deep copy of `good` changed by `edit`. */
    const edited = (edit: (j: IsolationForestJSON & Record<string, unknown>) => void) => {
      const copy = structuredClone(good) as IsolationForestJSON & Record<string, unknown>;
      edit(copy);
      return copy;
    };
    const firstInternal = good.trees[0].feature.findIndex((f) => f >= 0);
    const firstLeaf = good.trees[0].feature.indexOf(-1);

    it.each<[string, (j: IsolationForestJSON & Record<string, unknown>) => void, string]>([
      ['nFeatures missing', (j) => delete (j as Partial<IsolationForestJSON>).nFeatures, 'forest.nFeatures'],
      ['maxSamples 0', (j) => (j.maxSamples = 0), 'forest.maxSamples'],
      ['contamination out of range', (j) => (j.contamination = 0.7), 'forest.contamination'],
      ['threshold not finite', (j) => (j.threshold = Number.NaN), 'forest.threshold'],
      [
        'auto with a threshold other than −0.5',
        (j) => {
          j.contamination = 'auto';
          j.threshold = -0.6;
        },
        'forest.threshold',
      ],
      ['no trees', (j) => (j.trees = []), 'forest.trees'],
      ['a tree that is not an object', (j) => ((j.trees as unknown[])[1] = [1]), 'forest.trees[1]'],
      ['arrays of different lengths', (j) => j.trees[0].threshold.pop(), 'forest.trees[0].threshold'],
      [
        'a non-finite threshold',
        (j) => (j.trees[2].threshold[0] = Number.POSITIVE_INFINITY),
        'forest.trees[2].threshold[0]',
      ],
      [
        'a feature >= nFeatures',
        (j) => (j.trees[0].feature[firstInternal] = 3),
        `forest.trees[0].feature[${firstInternal}]`,
      ],
      [
        'a child pointing back to its parent',
        (j) => (j.trees[0].left[firstInternal] = firstInternal),
        `forest.trees[0].left[${firstInternal}]`,
      ],
      [
        'a child index past the end',
        (j) => (j.trees[0].right[firstInternal] = 10_000),
        `forest.trees[0].right[${firstInternal}]`,
      ],
      [
        'a node with two parents',
        (j) => (j.trees[0].right[0] = j.trees[0].left[0]),
        'forest.trees[0].right[0]',
      ],
      [
        'a leaf with a child',
        (j) => (j.trees[0].left[firstLeaf] = firstLeaf + 1),
        `forest.trees[0].left[${firstLeaf}]`,
      ],
      [
        'a leaf with a threshold',
        (j) => (j.trees[0].threshold[firstLeaf] = 0.5),
        `forest.trees[0].threshold[${firstLeaf}]`,
      ],
      ['sizes that do not add up', (j) => (j.trees[0].size[0] += 1), 'forest.trees[0].size[0]'],
      ['a fractional size', (j) => (j.trees[0].size[firstLeaf] = 1.5), `forest.trees[0].size[${firstLeaf}]`],
      ['more nodes than ψ rows allow', (j) => (j.maxSamples = 2), 'forest.trees[0].feature'],
    ])('rejects %s and names the field', (_, edit, path) => {
      expect(pathOf(() => IsolationForest.fromJSON(edited(edit)))).toBe(path);
    });

    it('rejects a tree deeper than ceil(log2(maxSamples))', () => {
      // maxSamples 4 allows depth 2; this chain puts nodes 5 and 6 at depth 3.
      const tooDeep = {
        nFeatures: 1,
        maxSamples: 4,
        contamination: 'auto',
        threshold: -0.5,
        trees: [
          {
            feature: [0, -1, 0, -1, 0, -1, -1],
            threshold: [1, 0, 2, 0, 3, 0, 0],
            left: [1, -1, 3, -1, 5, -1, -1],
            right: [2, -1, 4, -1, 6, -1, -1],
            size: [4, 1, 3, 1, 2, 1, 1],
          },
        ],
      };
      expect(pathOf(() => IsolationForest.fromJSON(tooDeep))).toBe('forest.trees[0].feature[5]');
      expect(pathOf(() => IsolationForest.fromJSON({ ...tooDeep, maxSamples: 5000 }))).toBe(
        'forest.maxSamples',
      );
      expect(IsolationForest.fromJSON({ ...tooDeep, maxSamples: 8 }).score([2.5])).toBeLessThan(0);
    });

    it('rejects a node no parent points to', () => {
      const orphan = edited((j) => {
        const t = j.trees[0];
        for (const key of ['feature', 'threshold', 'left', 'right'] as const)
          t[key].push(key === 'threshold' ? 0 : -1);
        t.size.push(1);
      });
      expect(pathOf(() => IsolationForest.fromJSON(orphan))).toBe('forest.trees[0].left');
    });

    it('prefixes paths with the given one and accepts the unedited JSON', () => {
      expect(pathOf(() => IsolationForest.fromJSON(null, 'model.forest'))).toBe('model.forest');
      expect(IsolationForest.fromJSON(structuredClone(good)).toJSON()).toEqual(good);
    });
  });
});

describe('IsolationForest limits', () => {
  it('refuses a JSON forest that claims billions of features instead of allocating a row for them', () => {
    const json = new IsolationForest({ nEstimators: 2, seed: 1 })
      .fit(Array.from({ length: 20 }, (_, i) => [i, (i * 7) % 5]))
      .toJSON();
    const hostile = { ...json, nFeatures: 2 ** 31 - 1 };
    expect(() => IsolationForest.fromJSON(hostile)).toThrow(/forest\.nFeatures/);
  });
});
