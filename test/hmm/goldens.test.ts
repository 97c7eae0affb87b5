import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { GaussianHMM } from '../../src/hmm/index.js';

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

  it.skipIf(skipRegeneration)('regenerates byte-identical goldens', () => {
    const run = spawnSync('python3', [join('scripts', 'golden_hmm.py'), '--out', out], {
      encoding: 'utf8',
      cwd: join(import.meta.dirname, '..', '..'),
    });
    expect(run.error).toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(files);
    for (const file of files) {
      const fresh = readText(join(out, file));
      expect(
        fresh === readText(join(goldenDir, file)),
        `${file} differs from a fresh run of the script`,
      ).toBe(true);
    }
  });
});
