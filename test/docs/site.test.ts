import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..', '..');
const typedoc = JSON.parse(readFileSync(join(ROOT, 'typedoc.json'), 'utf8'));
const guides = readdirSync(join(ROOT, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => `docs/${name}`);
/** Every page under docs/ (guides, model cards, evidence), not the built site. */
const pages = (readdirSync(join(ROOT, 'docs'), { recursive: true }) as string[])
  .map((name) => `docs/${name.split(sep).join('/')}`)
  .filter((path) => path.endsWith('.md') && !/^docs\/(api|site)\//.test(path));

/** A guide's title: its front matter's `title`, which names its page in the site. */
function titleOf(guide: string): string | undefined {
  return /^---\n(?:.*\n)*?title: (.+)\n(?:.*\n)*?---\n/.exec(readFileSync(join(ROOT, guide), 'utf8'))?.[1];
}

describe('typedoc.json', () => {
  it('takes every page under docs/ into the site (so typedoc checks its links), each guide with a title', () => {
    expect(guides.length).toBeGreaterThan(0);
    expect([...typedoc.projectDocuments].sort()).toEqual(expect.arrayContaining([...pages].sort()));
    for (const guide of guides) expect(titleOf(guide), guide).toBeDefined();
  });
});

// `npm run docs` with typedoc.json as it is (validation on, warnings are errors), into a
// temporary folder: an unresolved {@link}, a symbol referenced but not exported, or a guide
// linking to a page or heading that does not exist fails the build, and so this test.
describe('npm run docs (typedoc: the guides and the API reference)', () => {
  const out = mkdtempSync(join(tmpdir(), 'microstream-docs-'));
  let status: number | null = null;
  let output = '';
  // Asynchronous, so the test worker keeps answering vitest while typedoc runs (tens of seconds).
  beforeAll(async () => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/typedoc/bin/typedoc'), '--out', out], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    status = await new Promise<number | null>((done, fail) => {
      child.once('error', fail);
      child.once('close', done);
    });
  }, 300_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('builds without a warning', () => {
    expect(output).not.toMatch(/\[warning\]|\[error\]/);
    expect(status, output).toBe(0);
  });

  it('holds every guide as a page, linked from the README page', () => {
    const index = readFileSync(join(out, 'index.html'), 'utf8');
    for (const guide of ['docs/concepts.md', 'docs/regime-detector.md', 'docs/models-and-evaluation.md']) {
      const page = `documents/${titleOf(guide)?.replace(/\W/g, '_')}.html`;
      expect(existsSync(join(out, page)), page).toBe(true);
      expect(index).toContain(`href="${page}`);
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
