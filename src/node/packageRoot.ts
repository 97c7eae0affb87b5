import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * microstream's own folder (the one holding its package.json), found from this module's location:
 * the repository root when running from source (`npm start`), the installed package's folder when
 * running from `dist/` — so bundled files (`fixtures/replay/`) are found the same way in both.
 *
 * @example
 * ```ts
 * join(packageRoot(), 'fixtures/replay'); // …/node_modules/microstream/fixtures/replay
 * ```
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`microstream: no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}
