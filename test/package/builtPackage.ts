import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root (tests run from it). */
export const ROOT = process.cwd();

/**
 * Builds `dist/` with tsup when it is missing. `npm test` builds before the tests run; after editing
 * `src/`, run `npm run build` before running these tests on their own.
 */
export function ensureBuilt(): void {
  if (!existsSync(join(ROOT, 'dist/index.js'))) execFileSync('npx', ['tsup'], { cwd: ROOT, stdio: 'pipe' });
}

/** The built ES module chunks (`dist/*.js`), by file name, building first when `dist/` is missing. */
export function builtChunks(): Map<string, string> {
  ensureBuilt();
  const dist = join(ROOT, 'dist');
  return new Map(
    readdirSync(dist)
      .filter((name) => name.endsWith('.js'))
      .map((name) => [name, readFileSync(join(dist, name), 'utf8')]),
  );
}
