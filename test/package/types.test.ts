import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './builtPackage.js';
import { entryPoints, type InstalledPackage, installPackedPackage } from './installedPackage.js';

/**
 * Every entry point type-checks in the two kinds of TypeScript project users have, with
 * `skipLibCheck: false` so that our declaration files (and what they import) are checked too: an ESM
 * project (`module: nodenext`, `"type": "module"`) and a CommonJS one (`module: node16`), which
 * resolve the `import` and `require` conditions of the exports map (`.d.ts` and `.d.cts`).
 */
const PROJECTS = {
  esm: { type: 'module', module: 'nodenext' },
  cjs: { type: 'commonjs', module: 'node16' },
} as const;

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const entries = entryPoints(pkg);
let installed: InstalledPackage;

beforeAll(() => {
  // The optional peers whose types our declarations import are installed, as a user of that entry has them.
  const declarations = readdirSync(join(ROOT, 'dist'))
    .filter((file) => /\.d\.c?ts$/.test(file))
    .map((file) => readFileSync(join(ROOT, 'dist', file), 'utf8'))
    .join('\n');
  const peers = Object.entries<string>(pkg.peerDependencies ?? {})
    .filter(([name]) => declarations.includes(`from '${name}'`))
    .map(([name, range]) => `${name}@${range}`);
  installed = installPackedPackage([`@types/node@${pkg.devDependencies['@types/node']}`, ...peers]);
  for (const [name, { type, module }] of Object.entries(PROJECTS)) {
    const dir = join(installed.dir, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type }));
    const compilerOptions = {
      module,
      moduleResolution: module,
      target: 'es2022',
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      types: ['node'],
    };
    // One file per entry, each using a value so that its types are read.
    entries.forEach((entry, i) => {
      writeFileSync(
        join(dir, `entry${i}.ts`),
        `import * as entry from '${entry}';\nexport const names: string[] = Object.keys(entry);\n`,
      );
    });
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions, files: entries.map((_, i) => `entry${i}.ts`) }),
    );
  }
});

afterAll(() => {
  if (installed !== undefined) rmSync(dirname(installed.dir), { recursive: true, force: true });
});

/** Runs the repository's TypeScript on one project; its diagnostics, or '' when it passes. */
async function typeCheck(project: string): Promise<string> {
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, '-p', project], { encoding: 'utf8' }, (error, stdout) =>
      resolve(error === null ? '' : stdout || error.message),
    );
  });
}

describe.each(Object.keys(PROJECTS))('in a %s project with skipLibCheck false', (name) => {
  // A diagnostic names its file: an entry's dist/<entry>.d.(c)ts or a package that entry imports.
  it('every entry point type-checks', async () => {
    expect(await typeCheck(join(installed.dir, name))).toBe('');
  }, 180_000);
});
