import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, ROOT } from './builtPackage.js';

/** `microstream`'s package.json, as shipped. */
export interface PackageJson {
  name: string;
  exports: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** A project outside the repository with the packed tarball installed, as a user gets it. */
export interface InstalledPackage {
  /** The project's folder (its `node_modules/` holds microstream and what npm added for it). */
  dir: string;
  /** The installed `node_modules/microstream/package.json`. */
  pkg: PackageJson;
}

/** Packs the repository (`npm pack`, from the current `dist/`) into `dir`; returns the tarball's file name. */
export function packInto(dir: string): string {
  return execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: 'pipe',
  })
    .trim()
    .split('\n')
    .pop()!;
}

/**
 * Packs the repository (`npm pack`, from the current `dist/`) and installs the tarball with npm into
 * a fresh project in the system's temp folder, so nothing resolves from the repository's own
 * `node_modules`. Dependencies come from npm's cache when it has them (CI's `npm ci` fills it), from
 * the registry otherwise. `extra` are further packages to install beside it, e.g. `@types/node@22`.
 */
export function installPackedPackage(extra: string[] = []): InstalledPackage {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'microstream-package-'));
  const tarball = packInto(dir);
  const project = join(dir, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'bot', private: true }));
  execFileSync(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--loglevel=error',
      join(dir, tarball),
      ...extra,
    ],
    { cwd: project, stdio: 'pipe' },
  );
  const pkg = JSON.parse(readFileSync(join(project, 'node_modules/microstream/package.json'), 'utf8'));
  return { dir: project, pkg };
}

/** The package's import paths (`microstream`, `microstream/node`, …): its exports map without patterns. */
export function entryPoints(pkg: PackageJson): string[] {
  return Object.keys(pkg.exports)
    .filter((subpath) => !subpath.includes('*') && !subpath.endsWith('.json'))
    .map((subpath) => (subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`));
}

/** Every file under `dir` (symbolic links not followed), with its size in bytes. */
export function filesUnder(dir: string): { path: string; size: number }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return { path, size: statSync(path).size };
    });
}
