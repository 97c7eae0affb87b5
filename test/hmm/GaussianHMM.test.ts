import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GaussianHMM } from '../../src/hmm/index.js';
import { ModelValidationError } from '../../src/util/validate.js';

const params2d = {
  startProb: [0.5, 0.3, 0.2],
  transMat: [
    [0.8, 0.15, 0.05],
    [0.1, 0.7, 0.2],
    [0.3, 0.3, 0.4],
  ],
  means: [
    [0, 0],
    [1.5, -0.5],
    [-1, 2],
  ],
  covars: [
    [
      [1, 0.3],
      [0.3, 0.5],
    ],
    [
      [0.4, -0.1],
      [-0.1, 0.9],
    ],
    [
      [2, 0.8],
      [0.8, 1.2],
    ],
  ],
};

/** Bivariate normal log density written out by hand (explicit 2×2 inverse), independent of the model's Cholesky code. */
function logNormal2(x: number[], mu: number[], c: number[][]): number {
  const det = c[0][0] * c[1][1] - c[0][1] * c[1][0];
  const a = x[0] - mu[0];
  const b = x[1] - mu[1];
  const q = (c[1][1] * a * a - 2 * c[0][1] * a * b + c[0][0] * b * b) / det;
  return -0.5 * (2 * Math.log(2 * Math.PI) + Math.log(det) + q);
}

/** Every state path of length T with its joint probability p(path, X), by brute force. */
function enumeratePaths(X: number[][]): { path: number[]; p: number }[] {
  const K = 3;
  const out: { path: number[]; p: number }[] = [];
  const T = X.length;
  for (let code = 0; code < K ** T; code++) {
    const path: number[] = [];
    let c = code;
    for (let t = 0; t < T; t++) {
      path.push(c % K);
      c = Math.floor(c / K);
    }
    let logp = Math.log(params2d.startProb[path[0]]);
    for (let t = 0; t < T; t++) {
      if (t > 0) logp += Math.log(params2d.transMat[path[t - 1]][path[t]]);
      logp += logNormal2(X[t], params2d.means[path[t]], params2d.covars[path[t]]);
    }
    out.push({ path, p: Math.exp(logp) });
  }
  return out;
}

describe('GaussianHMM with known parameters', () => {
  const hmm = new GaussianHMM(params2d);
  const X = [
    [0.1, -0.3],
    [1.2, 0.4],
    [-0.8, 1.9],
    [1.9, -1.1],
    [0.2, 0.2],
    [-1.5, 2.5],
  ];
  const paths = enumeratePaths(X);
  const total = paths.reduce((s, e) => s + e.p, 0);

  it('scores X as the sum over all state paths', () => {
    expect(hmm.score(X)).toBeCloseTo(Math.log(total), 12);
  });

  it('smooths to the brute-force posteriors P(z_t | X)', () => {
    const smoothed = hmm.smooth(X);
    for (let t = 0; t < X.length; t++) {
      for (let k = 0; k < 3; k++) {
        const pk = paths.filter((e) => e.path[t] === k).reduce((s, e) => s + e.p, 0) / total;
        expect(smoothed[t][k]).toBeCloseTo(pk, 12);
      }
    }
  });

  it('filters to the brute-force P(z_t | x_1..t)', () => {
    const filtered = hmm.filter(X);
    for (let t = 0; t < X.length; t++) {
      const prefix = enumeratePaths(X.slice(0, t + 1));
      const z = prefix.reduce((s, e) => s + e.p, 0);
      for (let k = 0; k < 3; k++) {
        const pk = prefix.filter((e) => e.path[t] === k).reduce((s, e) => s + e.p, 0) / z;
        expect(filtered[t][k]).toBeCloseTo(pk, 12);
      }
    }
  });

  it('decodes the most probable path', () => {
    const best = paths.reduce((a, b) => (b.p > a.p ? b : a));
    expect(Array.from(hmm.decode(X))).toEqual(best.path);
  });

  it('forwardStep reproduces filter() exactly and its log-likelihood increments sum to score()', () => {
    const state = hmm.createFilterState();
    expect(Array.from(state.probabilities)).toEqual(params2d.startProb);
    const filtered = hmm.filter(X);
    let sum = 0;
    X.forEach((x, t) => {
      sum += hmm.forwardStep(state, x);
      expect(Array.from(state.probabilities)).toEqual(filtered[t]);
    });
    expect(state.steps).toBe(X.length);
    expect(sum).toBeCloseTo(hmm.score(X), 10);
  });

  it('forwardStep leaves the state untouched and returns NaN on a non-finite or short observation', () => {
    const state = hmm.createFilterState();
    hmm.forwardStep(state, X[0]);
    const before = Array.from(state.probabilities);
    expect(hmm.forwardStep(state, [Number.NaN, 0])).toBeNaN();
    expect(hmm.forwardStep(state, [0, Number.POSITIVE_INFINITY])).toBeNaN();
    expect(hmm.forwardStep(state, [0])).toBeNaN();
    expect(Array.from(state.probabilities)).toEqual(before);
    expect(state.steps).toBe(1);
  });

  it('treats lengths as independent sequences', () => {
    const a = X.slice(0, 2);
    const b = X.slice(2);
    expect(hmm.score(X, [2, 4])).toBeCloseTo(hmm.score(a) + hmm.score(b), 10);
    expect(hmm.smooth(X, [2, 4])).toEqual([...hmm.smooth(a), ...hmm.smooth(b)]);
    expect(Array.from(hmm.decode(X, [2, 4]))).toEqual([...hmm.decode(a), ...hmm.decode(b)]);
    expect(() => hmm.score(X, [2, 3])).toThrow(/add up to 5/);
  });

  it('does not underflow on a million-step sequence', () => {
    const { X: long } = hmm.sample(1_000_000, 3);
    const ll = hmm.score(long);
    expect(Number.isFinite(ll)).toBe(true);
    // Per-step log-likelihood of this model's own data is near its (negative) entropy rate, far from 0.
    expect(ll / long.length).toBeLessThan(-1);
    expect(ll / long.length).toBeGreaterThan(-5);
    const last = hmm.smooth(long.slice(-10));
    for (const row of last) expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
  });

  it('samples with the right state frequencies and means', () => {
    const { X: s, states } = hmm.sample(100_000, 11);
    const again = hmm.sample(100_000, 11);
    expect(again.X).toEqual(s);
    // Stationary distribution π = πA, found by power iteration.
    let pi = [1 / 3, 1 / 3, 1 / 3];
    for (let i = 0; i < 200; i++)
      pi = [0, 1, 2].map((j) => pi.reduce((acc, p, k) => acc + p * params2d.transMat[k][j], 0));
    for (let k = 0; k < 3; k++) {
      const idx = Array.from(states.keys()).filter((t) => states[t] === k);
      expect(idx.length / states.length).toBeCloseTo(pi[k], 1);
      const mean0 = idx.reduce((acc, t) => acc + s[t][0], 0) / idx.length;
      expect(mean0).toBeCloseTo(params2d.means[k][0], 1);
    }
  });
});

describe('GaussianHMM properties', () => {
  const hmm = new GaussianHMM(params2d);
  const row = fc.tuple(
    fc.double({ min: -50, max: 50, noNaN: true }),
    fc.double({ min: -50, max: 50, noNaN: true }),
  );
  const rowsArb = fc.array(row, { minLength: 1, maxLength: 40 });

  it('filtered and smoothed rows are probability vectors', () => {
    fc.assert(
      fc.property(rowsArb, (X) => {
        for (const r of [...hmm.filter(X), ...hmm.smooth(X)]) {
          expect(r.every((v) => v >= 0 && v <= 1)).toBe(true);
          expect(r.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
        }
      }),
    );
  });

  it('renumbering the states changes neither score nor posteriors (up to the renumbering)', () => {
    const order = [2, 0, 1];
    const permuted = new GaussianHMM({
      startProb: order.map((o) => params2d.startProb[o]),
      transMat: order.map((o) => order.map((p) => params2d.transMat[o][p])),
      means: order.map((o) => params2d.means[o]),
      covars: order.map((o) => params2d.covars[o]),
    });
    fc.assert(
      fc.property(rowsArb, (X) => {
        expect(permuted.score(X)).toBeCloseTo(hmm.score(X), 8);
        const a = hmm.smooth(X);
        const b = permuted.smooth(X);
        for (let t = 0; t < X.length; t++)
          for (let i = 0; i < 3; i++) expect(b[t][i]).toBeCloseTo(a[t][order[i]], 9);
      }),
    );
  });

  it('JSON round trip is exact for any valid parameters', () => {
    const prob = (k: number) =>
      fc
        .array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: k, maxLength: k })
        .map((w) => w.map((v) => v / w.reduce((s, x) => s + x, 0)));
    const arb = fc.integer({ min: 1, max: 4 }).chain((k) =>
      fc.record({
        startProb: prob(k),
        transMat: fc.array(prob(k), { minLength: k, maxLength: k }),
        means: fc.array(
          fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 2, maxLength: 2 }),
          {
            minLength: k,
            maxLength: k,
          },
        ),
        covars: fc.array(
          fc.array(fc.double({ min: 1e-6, max: 1e3, noNaN: true }), { minLength: 2, maxLength: 2 }),
          {
            minLength: k,
            maxLength: k,
          },
        ),
      }),
    );
    fc.assert(
      fc.property(arb, (p) => {
        const model = new GaussianHMM({ ...p, covariance: 'diag' });
        const text = JSON.stringify(model);
        const copy = GaussianHMM.fromJSON(JSON.parse(text));
        expect(JSON.stringify(copy)).toBe(text);
        expect(copy.means).toEqual(JSON.parse(JSON.stringify(p.means)));
        const x = [[0.5, -0.5]];
        expect(copy.score(x)).toBe(model.score(x));
      }),
    );
  });
});

describe('GaussianHMM.fit', () => {
  const truth = new GaussianHMM(params2d);
  const { X } = truth.sample(20_000, 5);

  for (const covariance of ['full', 'diag'] as const) {
    it(`(${covariance}) never lets the log-likelihood fall beyond rounding and orders states by feature 0`, () => {
      const hmm = new GaussianHMM({ states: 3, covariance, seed: 3, maxIter: 60, tol: 1e-6 });
      const seen: number[] = [];
      expect(hmm.monitor).toBeUndefined();
      const fit = hmm.fit(X, { onIteration: (i, ll) => seen.push(i, ll) }).monitor!;
      expect(fit.iterations).toBe(fit.logLikelihoods.length);
      expect(seen).toEqual(fit.logLikelihoods.flatMap((ll, i) => [i, ll]));
      for (let i = 1; i < fit.logLikelihoods.length; i++) {
        const prev = fit.logLikelihoods[i - 1];
        expect(fit.logLikelihoods[i]).toBeGreaterThanOrEqual(prev - 1e-12 * Math.abs(prev));
      }
      const m0 = hmm.means.map((m) => m[0]);
      expect(m0).toEqual([...m0].sort((a, b) => a - b));
      // The fit explains the data at least as well as the true parameters restricted to its family
      // (for diag: the true variances without the correlations), and not absurdly better than the truth.
      const reference =
        covariance === 'full'
          ? truth
          : new GaussianHMM({
              ...params2d,
              covariance: 'diag',
              covars: params2d.covars.map((c) => [c[0][0], c[1][1]]),
            });
      expect(hmm.score(X)).toBeGreaterThan(reference.score(X) - 1);
      expect(hmm.score(X) - truth.score(X)).toBeLessThan(100);
    });
  }

  it('never lets the penalised log-likelihood (what EM maximises) fall beyond rounding, whatever the priors', () => {
    const arb = fc.record({
      seed: fc.integer({ min: 0, max: 1000 }),
      states: fc.integer({ min: 2, max: 4 }),
      covariance: fc.constantFrom('full' as const, 'diag' as const),
      transPrior: fc.constantFrom(0, 0.5, 3),
      minCovar: fc.constantFrom(1e-3, 0.3, 1.5),
      n: fc.integer({ min: 100, max: 600 }),
    });
    fc.assert(
      fc.property(arb, ({ seed, states, covariance, transPrior, minCovar, n }) => {
        const data = truth.sample(n, seed).X;
        const hmm = new GaussianHMM({ states, covariance, seed, transPrior, minCovar, maxIter: 40, tol: 0 });
        const { logPosteriors, logLikelihoods } = hmm.fit(data).monitor!;
        expect(logPosteriors).toHaveLength(logLikelihoods.length);
        for (let i = 1; i < logPosteriors.length; i++) {
          const prev = logPosteriors[i - 1];
          expect(logPosteriors[i]).toBeGreaterThanOrEqual(prev - 1e-12 * Math.abs(prev));
        }
      }),
      { numRuns: 25 },
    );
  });

  it('is deterministic for a seed and reports convergence honestly', () => {
    const a = new GaussianHMM({ states: 3, seed: 9, maxIter: 500, tol: 1e-3 });
    const b = new GaussianHMM({ states: 3, seed: 9, maxIter: 500, tol: 1e-3 });
    expect(a.fit(X)).toBe(a); // fit returns the estimator; its history is on monitor
    b.fit(X);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const fa = a.monitor!;
    expect(fa.converged).toBe(true);
    expect(GaussianHMM.fromJSON(JSON.parse(JSON.stringify(a))).monitor).toBeUndefined();
    const lls = fa.logLikelihoods;
    expect(lls.at(-1)! - lls.at(-2)!).toBeLessThan(1e-3);
    const short = new GaussianHMM({ states: 3, seed: 9, maxIter: 2, tol: 1e-3 }).fit(X).monitor;
    expect(short).toMatchObject({ converged: false, iterations: 2 });
  });

  it('treats lengths as separate sequences: no transition is counted across a boundary', () => {
    // Two sequences that each stay in one regime; glued together there is one switch.
    const calm = Array.from({ length: 400 }, (_, i) => [Math.sin(i) * 0.1]);
    const wild = Array.from({ length: 400 }, (_, i) => [10 + Math.cos(i) * 0.1]);
    const hmm = new GaussianHMM({ states: 2, seed: 1, covariance: 'diag', maxIter: 50 });
    hmm.fit([...calm, ...wild], { lengths: [400, 400] });
    // With the boundary respected there are no observed switches, so off-diagonals go to ~0.
    expect(hmm.transMat[0][1]).toBeLessThan(1e-6);
    expect(hmm.transMat[1][0]).toBeLessThan(1e-6);
    const glued = new GaussianHMM({ states: 2, seed: 1, covariance: 'diag', maxIter: 50 });
    glued.fit([...calm, ...wild]);
    expect(glued.transMat[0][1]).toBeGreaterThan(1e-3);
  });

  it('applies the Dirichlet transition prior', () => {
    const calm = Array.from({ length: 400 }, (_, i) => [Math.sin(i) * 0.1]);
    const wild = Array.from({ length: 400 }, (_, i) => [10 + Math.cos(i) * 0.1]);
    const hmm = new GaussianHMM({ states: 2, seed: 1, covariance: 'diag', maxIter: 50, transPrior: 10 });
    hmm.fit([...calm, ...wild], { lengths: [400, 400] });
    // ~399 self-transitions + 10 pseudo-counts vs 0 + 10 in each row.
    expect(hmm.transMat[0][1]).toBeCloseTo(10 / 419, 3);
  });

  it('floors variances at minCovar so a state cannot collapse onto repeated points', () => {
    const data = [
      ...Array.from({ length: 50 }, () => [1]),
      ...Array.from({ length: 200 }, (_, i) => [5 + Math.sin(i)]),
    ];
    const hmm = new GaussianHMM({ states: 2, covariance: 'diag', minCovar: 0.05, maxIter: 50 });
    hmm.fit(data);
    expect(Math.min(...(hmm.covars as number[][]).map((c) => c[0]))).toBeGreaterThanOrEqual(0.05);
    const full = new GaussianHMM({ states: 2, covariance: 'full', minCovar: 0.05, maxIter: 50 });
    full.fit(data.map(([v], i) => [v, 2 * v + (i % 2) * 1e-9]));
    for (const c of full.covars as number[][][]) {
      const tr = c[0][0] + c[1][1];
      const det = c[0][0] * c[1][1] - c[0][1] * c[1][0];
      const smallest = tr / 2 - Math.sqrt((tr * tr) / 4 - det);
      expect(smallest).toBeGreaterThanOrEqual(0.05 * (1 - 1e-9));
    }
  });

  it('rejects malformed data with errors naming the row', () => {
    const hmm = new GaussianHMM({ states: 2 });
    expect(() => hmm.fit([[1, 2], [3]])).toThrow(/X\[1\] has 1 values, expected 2/);
    expect(() => hmm.fit([[1], [Number.NaN], [2]])).toThrow(/X\[1\]\[0\] is NaN/);
    expect(() => hmm.fit([[1]])).toThrow(/at least 2 observations/);
    expect(() => new GaussianHMM({ orderBy: 3 }).fit(X)).toThrow(/orderBy/);
    expect(() => hmm.score(X)).toThrow(/no parameters yet/);
  });
});

describe('GaussianHMM validation', () => {
  const json = new GaussianHMM(params2d).toJSON();
  const broken = (patch: (j: Record<string, unknown>) => void) => {
    const j = structuredClone(json) as unknown as Record<string, unknown>;
    patch(j);
    return j;
  };
  const cases: [string, (j: Record<string, unknown>) => void, string][] = [
    ['format', (j) => (j.format = 'other'), 'hmm.format'],
    ['version', (j) => (j.version = 2), 'hmm.version'],
    ['covariance', (j) => (j.covariance = 'tied'), 'hmm.covariance'],
    ['missing covars', (j) => delete j.covars, 'hmm.covars'],
    ['non-stochastic row', (j) => ((j.transMat as number[][])[1][0] += 1e-8), 'hmm.transMat[1]'],
    ['negative probability', (j) => (j.startProb = [0.5, -0.1, 0.6]), 'hmm.startProb[1]'],
    ['ragged means', (j) => (j.means as number[][])[2].pop(), 'hmm.means[2]'],
    ['non-finite mean', (j) => ((j.means as unknown[][])[1][1] = null), 'hmm.means[1][1]'],
    ['asymmetric covariance', (j) => ((j.covars as number[][][])[0][0][1] = 0.31), 'hmm.covars[0][1][0]'],
    [
      'indefinite covariance',
      (j) =>
        ((j.covars as number[][][])[2] = [
          [1, 2],
          [2, 1],
        ]),
      'hmm.covars[2]',
    ],
    ['negative tol', (j) => (j.tol = -1), 'hmm.tol'],
    ['orderBy out of range', (j) => (j.orderBy = 2), 'hmm.orderBy'],
    ['states mismatch', (j) => (j.states = 4), 'hmm.states'],
  ];
  for (const [name, patch, path] of cases) {
    it(`rejects ${name}, naming ${path}`, () => {
      let error: unknown;
      try {
        GaussianHMM.fromJSON(broken(patch), 'hmm');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ModelValidationError);
      expect((error as ModelValidationError).path).toBe(path);
    });
  }

  it('accepts the unbroken JSON and a row sum off by less than 1e-9', () => {
    expect(GaussianHMM.fromJSON(json).nStates).toBe(3);
    const j = broken((x) => ((x.transMat as number[][])[1][0] += 5e-10));
    expect(GaussianHMM.fromJSON(j).transMat[1][0]).toBe(0.1 + 5e-10);
  });

  it('asks for all known parameters or none', () => {
    expect(() => new GaussianHMM({ means: params2d.means, covars: params2d.covars })).toThrow(/startProb/);
  });
});
