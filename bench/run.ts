/**
 * The benchmark harness: `npm run bench [-- suite ...]`.
 *
 * Runs every suite in `bench/suites/` (or the named ones), prints a table, merges the rows into
 * `bench/results.json` (machine, Node version, date per suite) and rewrites the table in
 * docs/benchmarks.md between the `bench:start` / `bench:end` markers, so the guide shows what ran.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchRow, BenchSuite } from './lib/suite.js';

const here = dirname(fileURLToPath(import.meta.url));
const resultsPath = join(here, 'results.json');
const tablePath = join(here, '..', 'docs', 'benchmarks.md');

interface SuiteResult {
  title: string;
  date: string;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; platform: string };
  /** The 1-minute load average when the suite started and when it ended (other work on the machine). */
  load?: [number, number];
  rows: BenchRow[];
}

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = readdirSync(join(here, 'suites'))
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
};

const results: Record<string, SuiteResult> = existsSync(resultsPath)
  ? JSON.parse(readFileSync(resultsPath, 'utf8')).suites
  : {};

for (const file of files) {
  const suite: BenchSuite = (await import(pathToFileURL(join(here, 'suites', file)).href)).default;
  if (wanted.length > 0 && !wanted.includes(suite.name)) continue;
  process.stderr.write(`\n▶ ${suite.name}: ${suite.title}\n`);
  const started = performance.now();
  const loadBefore = loadavg()[0];
  const rows = await suite.run();
  if (rows.length === 0) {
    // A suite that could not run here (a tool the machine lacks) says why; its last figures stay.
    process.stderr.write('  no rows: the earlier figures of this suite are kept\n');
    continue;
  }
  const load: [number, number] = [loadBefore, loadavg()[0]];
  process.stderr.write(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  console.log(renderTable({ [suite.name]: { title: suite.title, date: '', machine, rows } }));
  results[suite.name] = { title: suite.title, date: new Date().toISOString(), machine, load, rows };
}

writeFileSync(resultsPath, `${JSON.stringify({ suites: results }, null, 2)}\n`);
const page = readFileSync(tablePath, 'utf8');
const start = '<!-- bench:start -->';
const end = '<!-- bench:end -->';
const i = page.indexOf(start);
const j = page.indexOf(end);
if (i < 0 || j < i) {
  process.stderr.write(`no ${start} … ${end} markers in ${tablePath}: the table there was not updated\n`);
} else {
  const loads = Object.entries(results)
    .filter(([, r]) => r.load !== undefined)
    .map(([name, r]) => `${name} ${r.load![0].toFixed(1)}→${r.load![1].toFixed(1)}`)
    .join(', ');
  const loadNote = loads === '' ? '' : ` Load average (1 min) at the start → end of each suite: ${loads}.`;
  const table = `${start}\n${renderTable(results)}\n_Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}.${loadNote} Written by \`npm run bench\`; raw figures in \`bench/results.json\`._\n${end}`;
  writeFileSync(tablePath, page.slice(0, i) + table + page.slice(j + end.length));
}

function renderTable(suites: Record<string, SuiteResult>): string {
  const lines = [
    '| suite | case | median | spread (MAD) | p99 | p99.9 | max | vs peer | note |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  const tail = (x: number | undefined) => (x === undefined ? '' : fmt(x));
  for (const [name, s] of Object.entries(suites)) {
    for (const r of s.rows) {
      const vs = r.vs && r.ratio !== undefined ? `${fmt(r.ratio)}× vs ${r.vs}` : '';
      lines.push(
        `| ${name} | ${r.case} | ${fmt(r.median)} ${r.unit} | ${fmt(r.spread)} | ${tail(r.p99)} | ${tail(r.p999)} | ${tail(r.max)} | ${vs} | ${r.note ?? ''} |`,
      );
    }
  }
  return lines.join('\n');
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1e6) return x.toExponential(2);
  if (a >= 100) return x.toFixed(0);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}
