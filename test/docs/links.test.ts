import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markdownAnchors, markdownLinks } from './markdown.js';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..', '..');
/** Built sites (git-ignored), not pages we write. */
const GENERATED = new Set(['docs/api', 'docs/site']);

function markdownFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory() && !GENERATED.has(path)) files.push(...markdownFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.md')) files.push(path);
  }
  return files;
}

const PAGES = ['README.md', 'SECURITY.md', ...markdownFiles('docs')];

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
/** `owner/name` of the GitHub repository package.json names. */
const REPO = /github\.com[/:]([^/]+\/[^/.]+)(?:\.git)?$/.exec(pkg.repository?.url ?? '')?.[1];
/** A URL into this repository's main branch, as the npm page needs for README's image and files. */
const REPO_FILE = REPO
  ? new RegExp(
      `^https://(?:github\\.com/${REPO}/(?:blob|tree)|raw\\.githubusercontent\\.com/${REPO})/main/([^#?]+)`,
    )
  : undefined;

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(path: string): Set<string> {
  let anchors = anchorCache.get(path);
  if (!anchors) {
    anchors = markdownAnchors(readFileSync(join(ROOT, path), 'utf8'));
    anchorCache.set(path, anchors);
  }
  return anchors;
}

/** What is wrong with one link of `page`, or undefined when it leads somewhere. */
function problem(page: string, target: string): string | undefined {
  if (/^(mailto|data):/.test(target)) return undefined;
  if (/^https?:\/\//.test(target)) {
    const inRepo = REPO_FILE?.exec(target)?.[1];
    if (inRepo === undefined) return undefined; // another site: not fetched here
    return existsSync(join(ROOT, decodeURIComponent(inRepo)))
      ? undefined
      : `no file ${inRepo} in the repository`;
  }
  const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
  const file =
    pathPart === '' ? page : relative(ROOT, resolve(ROOT, dirname(page), decodeURIComponent(pathPart)));
  if (file.startsWith('..')) return 'leads outside the repository';
  if (!existsSync(join(ROOT, file))) return `no file ${file}`;
  if (anchor !== undefined && file.endsWith('.md') && statSync(join(ROOT, file)).isFile()) {
    if (!anchorsOf(file).has(anchor)) return `no heading #${anchor} in ${file}`;
  }
  return undefined;
}

describe('links in README.md, SECURITY.md and docs/', () => {
  it('finds the guides', () => {
    expect(PAGES).toEqual(
      expect.arrayContaining(['docs/concepts.md', 'docs/regime-detector.md', 'docs/benchmarks.md']),
    );
  });

  it.each(PAGES)('%s: every relative link names a file that exists, and a heading in it', (page) => {
    const text = readFileSync(join(ROOT, page), 'utf8');
    const broken = markdownLinks(text)
      .map((link) => ({ ...link, problem: problem(page, link.target) }))
      .filter((link) => link.problem !== undefined)
      .map((link) => `${page}:${link.line} (${link.target}): ${link.problem}`);
    expect(broken).toEqual([]);
  });
});

describe('the front-door README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const links = markdownLinks(readme);

  it('is at most 300 lines', () => {
    expect(readme.trimEnd().split('\n').length).toBeLessThanOrEqual(300);
  });

  it('keeps the two quick-start commands (CI runs the test command)', () => {
    const quickStart = /## Quick start\s+```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = quickStart.split('\n').map((line) => line.replace(/#.*/, '').trim());
    expect(commands.filter(Boolean)).toEqual(['npm install && npm start', 'npm test']);
    expect(readFileSync(join(ROOT, '.ci/run'), 'utf8')).toMatch(/^\s*npm test$/m);
  });

  it('names its GitHub repository in package.json, so the npm page can resolve absolute links', () => {
    expect(REPO).toBeDefined();
    expect(pkg.homepage).toMatch(new RegExp(`^https://github\\.com/${REPO}`));
    expect(pkg.bugs?.url).toBe(`https://github.com/${REPO}/issues`);
  });

  it('links images and files outside docs/ absolutely, so they work on the npm page', () => {
    const images = links.filter((link) => link.image);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image.target).toMatch(REPO_FILE as RegExp);
    const relativeOutsideDocs = links
      .filter((link) => !/^[a-z]+:/.test(link.target) && !link.target.startsWith('#'))
      .filter((link) => !/^docs\/(?:[^/]+\/)*[^/]+\.md(#|$)/.test(link.target));
    expect(relativeOutsideDocs).toEqual([]);
    expect(links.map((link) => link.target)).toContain(`https://github.com/${REPO}/blob/main/SECURITY.md`);
  });
});
