import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..', '..');
const out = mkdtempSync(join(tmpdir(), 'microstream-docs-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

// `npm run docs` with typedoc.json as it is (validation on, warnings are errors), into a
// temporary folder: an unresolved {@link}, a symbol referenced but not exported, or a guide
// linking to a page or heading that does not exist fails the build, and so this test.
describe('npm run docs (typedoc: the guides and the API reference)', () => {
  let status: number | null = null;
  let output = '';
  beforeAll(() => {
    const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/typedoc/bin/typedoc'), '--out', out], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    status = run.status;
    output = `${run.stdout}${run.stderr}`;
  }, 300_000);

  it('builds without a warning', () => {
    expect(output).not.toMatch(/\[warning\]|\[error\]/);
    expect(status, output).toBe(0);
  });

  it('holds every guide as a page, linked from the README page', () => {
    const index = readFileSync(join(out, 'index.html'), 'utf8');
    for (const guide of [
      'concepts',
      'regime-detector',
      'bars-and-files',
      'models-and-evaluation',
      'benchmarks',
    ]) {
      expect(existsSync(join(out, 'documents', `${guide}.html`)), guide).toBe(true);
      expect(index).toContain(`href="documents/${guide}.html`);
    }
  });

  it('holds the API reference of every entry point', () => {
    const modules = readFileSync(join(out, 'modules.html'), 'utf8');
    for (const entry of ['microstream', 'microstream/node', 'microstream/binance', 'microstream/kafka']) {
      expect(modules).toContain(`>${entry}<`);
    }
    expect(existsSync(join(out, 'functions', 'microstream.createRegimeDetector.html'))).toBe(true);
  });
});
