import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { GaussianHMM } from '../../src/hmm/index.js';
import { runProcess } from '../support/runProcess.js';

/** Parity with hmmlearn on the golden files written by scripts/golden_hmm.py. */

const goldenDir = join(import.meta.dirname, '..', '..', 'fixtures', 'golden', 'hmm');
const files = readdirSync(goldenDir)
  .filter((f) => f.endsWith('.json') || f.endsWith('.json.gz'))
  .sort();

function readText(path: string): string {
  const bytes = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

interface Golden {
  case: string;
  covariance: 'full' | 'diag';
  startProb: number[];
  transMat: number[][];
  means: number[][];
  covars: number[][][] | number[][];
  lengths: number[];
  X: number[][];
  logLikelihood: number;
  rows: number[];
  filtered: number[][];
  smoothed: number[][];
  viterbi: string;
}

describe('parity with hmmlearn 0.3.3 (fixtures/golden/hmm)', () => {
  it('has the golden files', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  for (const file of files) {
    const g: Golden = JSON.parse(readText(join(goldenDir, file)));
    const hmm = new GaussianHMM({
      covariance: g.covariance,
      startProb: g.startProb,
      transMat: g.transMat,
      means: g.means,
      covars: g.covars,
    });

    it(`${g.case}: log-likelihood within 1e-9 relative`, () => {
      const ll = hmm.score(g.X, g.lengths);
      expect(Math.abs(ll - g.logLikelihood)).toBeLessThanOrEqual(1e-9 * Math.abs(g.logLikelihood));
    });

    it(`${g.case}: filtered and smoothed posteriors within 1e-9`, () => {
      const filtered = hmm.filter(g.X, g.lengths);
      const smoothed = hmm.smooth(g.X, g.lengths);
      let worst = 0;
      g.rows.forEach((t, r) => {
        for (let k = 0; k < g.startProb.length; k++) {
          worst = Math.max(worst, Math.abs(filtered[t][k] - g.filtered[r][k]));
          worst = Math.max(worst, Math.abs(smoothed[t][k] - g.smoothed[r][k]));
        }
      });
      expect(worst).toBeLessThanOrEqual(1e-9);
    });

    it(`${g.case}: Viterbi path identical`, () => {
      expect(Array.from(hmm.decode(g.X, g.lengths)).join('')).toBe(g.viterbi);
    });

    it(`${g.case}: online forwardStep matches hmmlearn's forward pass`, () => {
      const first = g.lengths[0];
      const state = hmm.createFilterState();
      let worst = 0;
      for (let t = 0, r = 0; t < first; t++) {
        hmm.forwardStep(state, g.X[t]);
        if (g.rows[r] !== t) continue;
        for (let k = 0; k < g.startProb.length; k++)
          worst = Math.max(worst, Math.abs(state.probabilities[k] - g.filtered[r][k]));
        r++;
      }
      expect(worst).toBeLessThanOrEqual(1e-9);
    });
  }
});

const pythonCheck = spawnSync(
  'python3',
  ['-c', 'import hmmlearn, numpy, sys; sys.exit(hmmlearn.__version__ != "0.3.3")'],
  {
    encoding: 'utf8',
  },
);
const pythonMissing =
  pythonCheck.error !== undefined || pythonCheck.status !== 0
    ? `python3 with hmmlearn 0.3.3 is not available (${pythonCheck.error?.message ?? pythonCheck.stderr.trim().split('\n').at(-1) ?? `exit ${pythonCheck.status}`})`
    : undefined;
const skipRegeneration = pythonMissing !== undefined && process.env.CI !== 'true';
if (skipRegeneration)
  console.log(`skipping golden regeneration: ${pythonMissing}; pip install -r scripts/requirements.txt`);

describe('golden files are what scripts/golden_hmm.py writes', () => {
  const out = mkdtempSync(join(tmpdir(), 'golden-hmm-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it.skipIf(skipRegeneration)(
    'regenerates goldens equal to the committed ones (numbers within 1e-12 relative)',
    async () => {
      const run = await runProcess('python3', [join('scripts', 'golden_hmm.py'), '--out', out], {
        cwd: join(import.meta.dirname, '..', '..'),
      });
      expect(run.error).toBeUndefined();
      expect(run.status, run.stderr).toBe(0);
      expect(readdirSync(out).sort()).toEqual(files);
      // Numbers, not bytes: the same pinned packages on another machine of the same kind can differ
      // in the 13th significant digit (BLAS, CPU features), which says nothing about the goldens.
      // Posteriors are exp of log-space sums, so their relative error grows with |ln p| (a CI run
      // saw 1.816013935335e-69 vs ...337e-69: 1.1e-12 relative, 7e-15 of ln p).
      for (const file of files) {
        const fresh = JSON.parse(readText(join(out, file)));
        const committed = JSON.parse(readText(join(goldenDir, file)));
        expect(
          firstDifference(fresh, committed, file, 1e-12),
          `${file} differs from a fresh run of the script`,
        ).toBe(undefined);
      }
    },
  );
});

describe('golden comparison', () => {
  it('accepts a difference in the 13th significant digit and names anything larger, or any change of shape', () => {
    const golden = { case: 'k2', means: [[1.2345678901234, -0.5]], viterbi: '0101' };
    expect(
      firstDifference({ ...golden, means: [[1.2345678901235, -0.5]] }, golden, 'g', 1e-12),
    ).toBeUndefined();
    expect(firstDifference({ ...golden, means: [[1.23456789013, -0.5]] }, golden, 'g', 1e-12)).toMatch(
      /^g\.means\[0\]\[0\]: /,
    );
    expect(firstDifference({ ...golden, viterbi: '0111' }, golden, 'g', 1e-12)).toMatch(/^g\.viterbi/);
    expect(firstDifference({ ...golden, means: [[1.2345678901234]] }, golden, 'g', 1e-12)).toMatch(
      /length 1 vs 2/,
    );
    expect(firstDifference({ case: 'k2', means: golden.means }, golden, 'g', 1e-12)).toMatch(/keys/);
  });

  it('lets a tiny posterior differ by its log-space rounding (1e-12 of |ln p|), and nothing else', () => {
    const tiny = { smoothed: [[1, 1.816013935335e-69]], means: [[1.816013935335e-69]] };
    const rounded = { smoothed: [[1, 1.816013935337e-69]], means: [[1.816013935337e-69]] };
    expect(firstDifference(rounded, { ...tiny, means: rounded.means }, 'g', 1e-12)).toBeUndefined();
    expect(firstDifference(rounded, tiny, 'g', 1e-12)).toMatch(/^g\.means\[0\]\[0\]: /);
    expect(firstDifference({ ...tiny, smoothed: [[1, 1.8160139363e-69]] }, tiny, 'g', 1e-12)).toMatch(
      /^g\.smoothed\[0\]\[1\]: /,
    );
    expect(
      firstDifference({ ...tiny, smoothed: [[1 - 2e-12, 1.816013935335e-69]] }, tiny, 'g', 1e-12),
    ).toMatch(/^g\.smoothed\[0\]\[0\]: /);
  });
});

/** Golden fields that are probabilities computed as exp of a log-space sum. */
const posteriorFields = new Set(['filtered', 'smoothed']);

/**
 * Where `a` and `b` first differ — in shape, in a string or boolean, or in a number by more than
 * `relative` of its magnitude — as a path and the two values; `undefined` when they agree. Under a
 * posterior field the bound is `relative · max(1, |ln x|)` of the magnitude: exp turns an error of
 * `relative · |ln x|` in the logarithm into that relative error of x.
 */
function firstDifference(
  a: unknown,
  b: unknown,
  path: string,
  relative: number,
  posterior = false,
): string | undefined {
  if (typeof a === 'number' && typeof b === 'number') {
    const magnitude = Math.max(Math.abs(a), Math.abs(b));
    const bound = relative * magnitude * (posterior ? Math.max(1, Math.abs(Math.log(magnitude))) : 1);
    if (a === b || Math.abs(a - b) <= bound) return undefined;
    return `${path}: ${a} vs ${b}`;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`, relative, posterior);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (
    typeof a === 'object' &&
    a !== null &&
    typeof b === 'object' &&
    b !== null &&
    !Array.isArray(a) &&
    !Array.isArray(b)
  ) {
    const keys = Object.keys(a).sort();
    if (keys.join() !== Object.keys(b).sort().join())
      return `${path}: keys ${keys} vs ${Object.keys(b).sort()}`;
    for (const key of keys) {
      const d = firstDifference(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
        `${path}.${key}`,
        relative,
        posterior || posteriorFields.has(key),
      );
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return a === b ? undefined : `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}
