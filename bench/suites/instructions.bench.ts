import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow, BenchSuite } from '../lib/suite.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const child = join(root, 'bench/lib/instructions.child.mjs');

/** Items per counted run: enough that a run-to-run wobble of a few million instructions is < 1 %. */
const WORKLOADS = [
  {
    name: 'push',
    items: 2_000_000,
    unit: 'instructions/trade',
    label: 'for (const bar of agg.push(trade)), BarAggregator',
  },
  {
    name: 'pushTrade',
    items: 2_000_000,
    unit: 'instructions/trade',
    label: 'for (const s of detector.pushTrade(trade)), whole pipeline, shipped model',
  },
  { name: 'pushBar', items: 40_000, unit: 'instructions/bar', label: 'detector.pushBar(bar), shipped model' },
] as const;

/** Instructions of one valgrind run of the child (cachegrind without cache simulation: a count). */
function countRun(distDir: string, workload: string, items: number): Promise<number> {
  const args = ['--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null'];
  args.push(
    process.execPath,
    '--predictable',
    '--predictable-gc-schedule',
    child,
    distDir,
    workload,
    String(items),
  );
  return new Promise((resolve, reject) => {
    const run = spawn('valgrind', args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    run.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    run.on('error', reject);
    run.on('close', (code) => {
      const refs = /I\s+refs:\s+([\d,]+)/.exec(stderr);
      if (code !== 0 || refs === null)
        reject(
          new Error(`instructions: valgrind run of ${workload} failed (${code}): ${stderr.slice(-2000)}`),
        );
      else resolve(Number(refs[1].replaceAll(',', '')));
    });
  });
}

/** Runs `jobs` at most `width` at a time. */
async function pooled<T>(jobs: (() => Promise<T>)[], width: number): Promise<T[]> {
  const results = new Array<T>(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
  return results;
}

/**
 * `dist/` as esbuild bundles it, before the build's `topLevelConst` pass: every top-level `const`
 * of the ES module chunks back to `var` (esbuild emits no top-level `const` of its own when
 * bundling). Next to a `models` link so that the chunks find the bundled model as `dist/` does.
 */
function bundledAsVar(): string {
  const dir = join(root, 'bench/.cache/instructions');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  symlinkSync(join(root, 'models'), join(dir, 'models'));
  const out = join(dir, 'dist-var');
  cpSync(join(root, 'dist'), out, { recursive: true });
  for (const file of readdirSync(out).filter((f) => f.endsWith('.js'))) {
    const code = readFileSync(join(out, file), 'utf8');
    writeFileSync(join(out, file), code.replace(/^const ([\w$]+) = /gm, 'var $1 = '));
  }
  return out;
}

/**
 * Instructions per item on the hot paths, counted by valgrind: a count, not a time, so it does not
 * move with the host's load or phase (timings on the 2-core VM swing by a third between runs), and
 * it shows what a change to the code does. Each figure is one run doing the workload's setup, the
 * warm-up of every workload and N items, minus a run doing the same without the items, over N. V8
 * runs in its predictable mode (`--predictable --predictable-gc-schedule`: one thread, and garbage
 * collections on a fixed schedule rather than on timings), so that two runs do the same work: two
 * runs of 2 M trades differed by 0.03 %, 2 instructions a trade (with V8's usual timing-driven
 * heuristics, by up to 14 %). Two builds of the same sources: the package as shipped (`dist/`)
 * and as esbuild bundles it, before the build gives back `const` to top-level declarations (see
 * `topLevelConst` in tsup.config.ts).
 */
const suite: BenchSuite = {
  name: 'instructions',
  title:
    'instructions per item on the hot paths, counted by valgrind (a count, not a time: the same on a loaded host)',
  async run(): Promise<BenchRow[]> {
    if (spawnSync('valgrind', ['--version']).status !== 0) {
      process.stderr.write('  skipped: valgrind is not installed (apt-get install valgrind)\n');
      return [];
    }
    const builds = [
      { dir: join(root, 'dist'), label: 'dist/ as shipped' },
      { dir: bundledAsVar(), label: 'dist/ as esbuild bundles it, top-level var' },
    ];
    const runs = builds.flatMap((build) => [
      { build, workload: 'none', items: 0 },
      ...WORKLOADS.map((w) => ({ build, workload: w.name, items: w.items })),
    ]);
    const counts = await pooled(
      runs.map((r) => () => countRun(r.build.dir, r.workload, r.items)),
      Math.max(1, cpus().length),
    );
    const count = (dir: string, workload: string) =>
      counts[runs.findIndex((r) => r.build.dir === dir && r.workload === workload)];
    const rows: BenchRow[] = [];
    for (const w of WORKLOADS) {
      const perItem = builds.map((b) => (count(b.dir, w.name) - count(b.dir, 'none')) / w.items);
      const [shipped, bundled] = builds.map((b) => `${w.label}; ${b.label}`);
      rows.push(
        {
          case: shipped,
          unit: w.unit,
          median: perItem[0],
          spread: 0,
          samples: 1,
          vs: bundled,
          ratio: perItem[1] / perItem[0],
          note: `valgrind, ${w.items.toLocaleString('en-US')} items after a warm-up, minus a run without them; node --predictable --predictable-gc-schedule`,
        },
        { case: bundled, unit: w.unit, median: perItem[1], spread: 0, samples: 1 },
      );
    }
    rmSync(join(root, 'bench/.cache/instructions'), { recursive: true, force: true });
    return rows;
  },
};

export default suite;
