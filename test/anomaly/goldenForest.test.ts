import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runProcess } from '../support/runProcess.js';

/**
 * Reruns scripts/golden_forest.py with the local scikit-learn and checks it reproduces the
 * committed golden files, so they cannot drift from the script that claims to write them.
 * Skipped (with the reason printed) where python3 or scikit-learn is missing — except under
 * CI=true, where the check must run.
 */
const root = join(import.meta.dirname, '..', '..');
const committed = join(root, 'fixtures', 'golden', 'forest');
const probe = spawnSync('python3', ['-c', 'import numpy, scipy, sklearn'], { encoding: 'utf8' });
const missing = probe.error
  ? `python3 not found (${probe.error.message})`
  : probe.status !== 0
    ? probe.stderr.trim()
    : '';
if (missing && process.env.CI !== 'true') console.warn(`skipping the forest golden regeneration: ${missing}`);

/** Every number of `a` and `b` within 1e-12 (relative above 1), everything else identical. */
function expectSame(a: unknown, b: unknown, path: string): void {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Math.abs(a - b) > 1e-12 * Math.max(1, Math.abs(a))) expect.fail(`${path}: ${a} != ${b}`);
  } else if (Array.isArray(a) && Array.isArray(b)) {
    expect(b.length, path).toBe(a.length);
    for (let i = 0; i < a.length; i++) expectSame(a[i], b[i], `${path}[${i}]`);
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    expect(Object.keys(b).sort(), path).toEqual(Object.keys(a).sort());
    for (const key of Object.keys(a)) expectSame((a as never)[key], (b as never)[key], `${path}.${key}`);
  } else expect(b, path).toEqual(a);
}

describe.skipIf(missing !== '' && process.env.CI !== 'true')('scripts/golden_forest.py', () => {
  const out = mkdtempSync(join(tmpdir(), 'golden-forest-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('regenerates the committed golden files', async () => {
    const run = await runProcess('python3', [join(root, 'scripts', 'golden_forest.py'), out]);
    expect(run.status, run.stderr).toBe(0);
    const files = readdirSync(committed).sort();
    expect(readdirSync(out).sort()).toEqual(files);
    for (const file of files) {
      const read = (dir: string) => JSON.parse(readFileSync(join(dir, file), 'utf8'));
      expectSame(read(committed), read(out), file);
    }
  }, 120_000);
});
