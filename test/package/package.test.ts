import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from './builtPackage.js';

interface PackedFile {
  path: string;
}

/** What a user of the package needs: the build, the model files, the replay data and the docs. */
const SHIPPED = [
  /^dist\//,
  /^models\/[^/]+\.json$/,
  /^fixtures\/replay\/[^/]+\.csv\.gz$/,
  /^(README\.md|LICENSE|package\.json)$/,
];

let packed: string[] = [];

beforeAll(() => {
  ensureBuilt();
  const json = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  packed = (JSON.parse(json) as { files: PackedFile[] }[])[0].files.map((f) => f.path);
});

describe('the npm package', () => {
  it('holds only what a user needs', () => {
    expect(packed.filter((path) => !SHIPPED.some((pattern) => pattern.test(path)))).toEqual([]);
  });

  it('holds every entry point of the exports map, the CLI, the replay data, README and LICENSE', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const targets = new Set<string>([pkg.main, pkg.types, pkg.bin.microstream]);
    for (const [subpath, conditions] of Object.entries<Record<string, Record<string, string>> | string>(
      pkg.exports,
    )) {
      if (typeof conditions === 'string' || subpath.includes('*')) continue;
      for (const condition of Object.values(conditions))
        for (const file of Object.values(condition)) targets.add(file);
    }
    for (const target of targets) expect(packed, target).toContain(target.replace(/^\.\//, ''));
    for (const file of [
      'README.md',
      'LICENSE',
      'package.json',
      'fixtures/replay/BTCUSDT-1m-2024-11-30_2024-12-29.csv.gz',
    ]) {
      expect(packed).toContain(file);
    }
  });

  it('has a core bundle (dist/index.js and every chunk it imports) with no Node-only imports', () => {
    const seen = new Set<string>();
    const offending: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
        if (specifier.startsWith('.')) visit(join(dirname(file), specifier));
        else if (isNodeOnly(specifier)) offending.push(`${file}: ${specifier}`);
      }
    };
    visit(join(ROOT, 'dist/index.js'));
    expect(offending).toEqual([]);
    // The Node entry does import Node modules (the bundler may drop the node: prefix): the scan sees them.
    expect(importsOf(readFileSync(join(ROOT, 'dist/node.js'), 'utf8')).filter(isNodeOnly)).toContain('zlib');
  });

  it('installs from its tarball and loads through the exports map from ESM and CommonJS', () => {
    const dir = join(ROOT, 'test-artifacts/package');
    rmSync(dir, { recursive: true, force: true });
    const installed = join(dir, 'node_modules/microstream');
    mkdirSync(installed, { recursive: true });
    const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: 'pipe',
    })
      .trim()
      .split('\n')
      .pop()!;
    execFileSync('tar', ['xzf', join(dir, tarball), '--strip-components=1', '-C', installed]);
    // Dependencies resolve from the repository's node_modules, two levels up from test-artifacts/package.
    const esm = execFileSync(
      'node',
      [
        '--input-type=module',
        '-e',
        `const node = await import('microstream/node'); await import('microstream');
         console.log(typeof node.readAggTrades, typeof node.readKlines);`,
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(esm.trim()).toBe('function function');
    const cjs = execFileSync(
      'node',
      [
        '-e',
        `const node = require('microstream/node'); require('microstream'); console.log(typeof node.readKlines);`,
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(cjs.trim()).toBe('function');
  });
});

const NODE_ONLY = new Set([...builtinModules, 'ws']);

/** A Node built-in module (with or without the `node:` prefix) or the Node-only `ws` client. */
function isNodeOnly(specifier: string): boolean {
  return specifier.startsWith('node:') || NODE_ONLY.has(specifier.split('/')[0]);
}

/** The module specifiers of the static and dynamic imports (and requires) in bundled JavaScript. */
function importsOf(code: string): string[] {
  const pattern =
    /\b(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;
  return [...code.matchAll(pattern)].map((m) => m[1] ?? m[2] ?? m[3]);
}
