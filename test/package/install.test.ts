import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryPoints, filesUnder, type InstalledPackage, installPackedPackage } from './installedPackage.js';

/** What a trading bot's `npm install microstream` may cost: packages besides microstream, and bytes. */
const MAX_OTHER_PACKAGES = 8;
const MAX_NODE_MODULES_BYTES = 8_000_000;

let installed: InstalledPackage;

beforeAll(() => {
  installed = installPackedPackage();
});

afterAll(() => {
  if (installed !== undefined) rmSync(dirname(installed.dir), { recursive: true, force: true });
});

describe('npm install microstream into an empty project', () => {
  it(`adds at most ${MAX_OTHER_PACKAGES} packages besides microstream`, () => {
    // npm's record of what it installed: one key per package folder, nested ones included.
    const lock = JSON.parse(readFileSync(join(installed.dir, 'node_modules/.package-lock.json'), 'utf8'));
    const others = Object.keys(lock.packages).filter(
      (path) => path.startsWith('node_modules/') && path !== 'node_modules/microstream',
    );
    expect(others.length, others.join(', ')).toBeLessThanOrEqual(MAX_OTHER_PACKAGES);
    // Whatever the count, the optional peers (the Kafka client, the chart renderer) are not among them.
    for (const peer of Object.keys(installed.pkg.peerDependencies ?? {}))
      expect(others).not.toContain(`node_modules/${peer}`);
  });

  it('takes at most 8 MB of node_modules, the bundled replay month included', () => {
    const files = filesUnder(join(installed.dir, 'node_modules'));
    const total = files.reduce((sum, f) => sum + f.size, 0);
    expect(total).toBeLessThanOrEqual(MAX_NODE_MODULES_BYTES);
    expect(
      files.some((f) => f.path.endsWith('.csv.gz') && f.size > 1_000_000),
      'the replay month',
    ).toBe(true);
  });

  it('ships no source maps and holds the bundled model once', () => {
    const files = filesUnder(join(installed.dir, 'node_modules/microstream'));
    expect(files.filter((f) => f.path.endsWith('.map'))).toEqual([]);
    // A string that only the model's JSON holds: its first state mean, digit for digit.
    const model = readFileSync(
      join(installed.dir, 'node_modules/microstream/models/btcusdt-1m.json'),
      'utf8',
    );
    const marker = /"means":\[\[?(-?[0-9.e-]{12,})/.exec(model)?.[1];
    expect(marker, 'a long number in the model').toBeDefined();
    const holders = files.filter((f) => readFileSync(f.path, 'latin1').includes(marker!));
    expect(holders.map((f) => f.path.slice(installed.dir.length))).toEqual([
      '/node_modules/microstream/models/btcusdt-1m.json',
    ]);
  });

  it('imports every entry point from ESM and from CommonJS', () => {
    const entries = entryPoints(installed.pkg);
    expect(entries).toEqual(
      expect.arrayContaining(['microstream', 'microstream/node', 'microstream/binance']),
    );
    for (const entry of entries) {
      const esm = execFileSync(
        'node',
        [
          '--input-type=module',
          '-e',
          `const m = await import('${entry}'); console.log(Object.keys(m).length);`,
        ],
        { cwd: installed.dir, encoding: 'utf8' },
      );
      expect(Number(esm), `${entry} from ESM`).toBeGreaterThan(0);
      const cjs = execFileSync('node', ['-e', `console.log(Object.keys(require('${entry}')).length);`], {
        cwd: installed.dir,
        encoding: 'utf8',
      });
      expect(Number(cjs), `${entry} from CommonJS`).toBe(Number(esm));
    }
  });

  it('runs the bundled model and the CLI from the installed package', () => {
    const labels = execFileSync(
      'node',
      ['-e', `console.log(require('microstream').defaultModel().labels.join(','));`],
      { cwd: installed.dir, encoding: 'utf8' },
    );
    expect(labels.trim()).toBe('Stable,Volatile,Crisis');
    const version = execFileSync(join(installed.dir, 'node_modules/.bin/microstream'), ['--version'], {
      cwd: installed.dir,
      encoding: 'utf8',
    });
    expect(version.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });
});
