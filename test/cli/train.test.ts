import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/models/loadModel.js';
import { runProcess } from '../support/runProcess.js';

// 2 500 bars: the default features warm up in 1 500 (a day of history for their baselines).
const SLICE = 'fixtures/binance/LINKUSDT-1m-2023-02-01_2023-02-02.csv.gz';
const dir = mkdtempSync(join(tmpdir(), 'microstream-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `microstream train` in a child process (async: the test worker keeps answering vitest). */
async function train(out: string, ...flags: string[]) {
  const run = await runProcess('npx', ['tsx', 'src/cli/main.ts', 'train', SLICE, '--out', out, ...flags]);
  expect(run.status, run.stderr).toBe(0);
  return run;
}

describe('microstream train', () => {
  it('writes the same bytes twice, prints the report, and shows progress on stderr', async () => {
    const a = await train(join(dir, 'a.json'), '--seed', '5', '--quiet');
    const b = await train(join(dir, 'b.json'), '--seed', '5');
    const bytes = readFileSync(join(dir, 'a.json'), 'utf8');
    expect(readFileSync(join(dir, 'b.json'), 'utf8')).toBe(bytes);
    expect(a.stderr).toBe('');
    expect(b.stderr).toMatch(/reading .*LINKUSDT.*: 2500 bars, \d+ bars\/s/);
    expect(b.stderr).toMatch(/EM iteration 1: log-likelihood -?\d/);
    const model = loadModel(bytes);
    expect(model.symbol).toBe('LINKUSDT');
    expect(model.provenance).toMatchObject({
      seed: 5,
      bars: 2500,
      featureSet: 'default',
      contamination: 0.05,
    });
    expect(model.provenance.trainingBars).toBe(2500 - 1500);
    expect(model.decision).toEqual({ rule: 'hysteresis', margin: 0.4, minDwellBars: 4 });
    expect(a.stdout).toContain('decision rule: hysteresis, margin 0.4, minimum dwell 4 bars');
    for (const text of [
      'transition matrix',
      'realized volatility Crisis/Stable',
      'anomaly threshold',
      'dwell',
    ]) {
      expect(a.stdout).toContain(text);
    }
    for (const s of model.report.states) expect(a.stdout).toContain(s.meanDwellBars.toFixed(1));
  }, 60_000);

  it('stores the decision rule it is given, and refuses a margin outside [0, 1) or a dwell that is not a whole number of bars', async () => {
    await train(join(dir, 'm.json'), '--margin', '0.5', '--quiet');
    expect(loadModel(readFileSync(join(dir, 'm.json'), 'utf8')).decision).toEqual({
      rule: 'hysteresis',
      margin: 0.5,
      minDwellBars: 4,
    });
    // No hold is written as no field: such a model file is the one earlier versions wrote.
    await train(join(dir, 'n.json'), '--margin', '0.9', '--min-dwell', '1', '--quiet');
    const written = JSON.parse(readFileSync(join(dir, 'n.json'), 'utf8'));
    expect(written.decision).toEqual({ rule: 'hysteresis', margin: 0.9 });
    for (const [flag, value, message] of [
      ['--margin', '1', /--margin expects a number in \[0, 1\), got '1'/],
      ['--min-dwell', '0', /--min-dwell expects .*got '0'/],
      ['--min-dwell', '2.5', /--min-dwell expects .*got '2.5'/],
      ['--min-dwell', '1441', /--min-dwell expects .*got '1441'/],
    ] as const) {
      const bad = await runProcess('npx', [
        'tsx',
        'src/cli/main.ts',
        'train',
        SLICE,
        '--out',
        join(dir, 'x.json'),
        flag,
        value,
      ]);
      expect(bad.status).toBe(2); // a usage error, refused before any training
      expect(bad.stderr).toMatch(message);
    }
  }, 120_000);

  it('takes the feature set, the number of states and the recorded symbol from the command line', async () => {
    await train(
      join(dir, 'c.json'),
      '--features',
      'original',
      '--states',
      '2',
      '--symbol',
      'USDM-LINK',
      '--quiet',
    );
    const model = loadModel(readFileSync(join(dir, 'c.json'), 'utf8'));
    expect(model.labels).toEqual(['Stable', 'Crisis']);
    expect(model.provenance.featureSet).toBe('original');
    expect(model.symbol).toBe('USDM-LINK');
    expect(model.provenance.sequences.map((s) => s.symbol)).toEqual(['LINKUSDT']);
  }, 60_000);
});
