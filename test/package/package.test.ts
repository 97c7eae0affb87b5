import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from './builtPackage.js';
import { packInto } from './installedPackage.js';

interface PackedFile {
  path: string;
}

/** What a user of the package needs: the build, the model files, the replay data and the docs. */
const SHIPPED = [
  /^dist\//,
  /^bin\/microstream\.js$/,
  /^models\/[^/]+\.json$/,
  /^fixtures\/replay\/[^/]+\.csv\.gz$/,
  /^fixtures\/trades\/BTCUSDT-aggTrades-2026-01-01T0000-0012\.csv$/,
  /^(README\.md|LICENSE|package\.json)$/,
];

let packed: string[] = [];

beforeAll(() => {
  ensureBuilt();
  const json = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: 'pipe',
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
    expect(
      packed.filter((path) => /^models\/[^/]+\.json$/.test(path)).length,
      'a bundled model',
    ).toBeGreaterThan(0);
  });

  it('has a core bundle (dist/index.js and every chunk it imports) with no Node-only imports', () => {
    expect(externalImports(join(ROOT, 'dist/index.js')).filter(isNodeOnly)).toEqual([]);
    // The Node entry does import Node modules (the bundler may drop the node: prefix): the scan sees them.
    expect(externalImports(join(ROOT, 'dist/node.js')).filter(isNodeOnly)).toContain('zlib');
  });

  it('installs from its tarball, loads through the exports map from ESM and CommonJS, runs its CLI', () => {
    const dir = join(ROOT, 'test-artifacts/package');
    rmSync(dir, { recursive: true, force: true });
    const installed = join(dir, 'node_modules/microstream');
    mkdirSync(installed, { recursive: true });
    const tarball = packInto(dir);
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
    // The built CLI, run from the installed package, prints Binance's kline for 2026-01-01 00:00.
    const fixture = join(ROOT, 'fixtures/trades/BTCUSDT-aggTrades-2026-01-01T0000-0012.csv');
    const csv = execFileSync('node', [join(installed, 'bin/microstream.js'), 'bars', fixture, '--quiet'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(csv.split('\n')[1].split(',').slice(0, 9)).toEqual([
      String(Date.UTC(2026, 0, 1)),
      '87648.21000000',
      '87648.22000000',
      '87632.74000000',
      '87648.00000000',
      '4.08049000',
      String(Date.UTC(2026, 0, 1, 0, 0, 59, 999)),
      expect.stringMatching(/^357625\.77/),
      '1193',
    ]);
  });
});

const NODE_ONLY = new Set([...builtinModules, 'ws']);

/** A Node built-in module (with or without the `node:` prefix) or the Node-only `ws` client. */
function isNodeOnly(specifier: string): boolean {
  return specifier.startsWith('node:') || NODE_ONLY.has(specifier.split('/')[0]);
}

/** The packages and built-ins imported by a bundled file and by every chunk it imports, transitively. */
function externalImports(entry: string): string[] {
  const seen = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier));
      else external.add(specifier);
    }
  };
  visit(entry);
  return [...external];
}

/** The module specifiers of the static and dynamic imports (and requires) in bundled JavaScript. */
function importsOf(code: string): string[] {
  const pattern =
    /\b(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;
  return [...code.matchAll(pattern)].map((m) => m[1] ?? m[2] ?? m[3]);
}
