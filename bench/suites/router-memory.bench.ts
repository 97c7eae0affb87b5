import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow, BenchSuite } from '../lib/suite.js';
import { summarize } from '../lib/suite.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * The shipped model's baselines need ~1 500 bars before a detector is warm, so each symbol is fed
 * ~1 500 minutes of trades: 1 000 symbols keep a run to about a minute and still grow the heap by
 * several MB, far above the noise of a collected heap.
 */
const SYMBOLS = 1_000;
const REPEATS = 3;

interface ChildFigures {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  symbols: number;
  warmUp: number;
  minutes: number;
  snapshotBytes: number;
}

/** One fresh `node --expose-gc` process measuring `feed` (see bench/lib/routerMemory.child.ts). */
function measure(feed: string): ChildFigures {
  const run = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(root, 'bench/lib/routerMemory.child.ts'), feed, String(SYMBOLS)],
    { cwd: root, encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  if (run.status !== 0)
    throw new Error(
      `router-memory child failed (it imports dist/: run \`npm run build\` first): ${run.error?.message ?? run.stderr}`,
    );
  return JSON.parse(run.stdout);
}

/**
 * Memory of a {@link RegimeRouter} per warm symbol, everything it holds: the V8 heap plus memory
 * outside it (`external`, which includes the typed arrays' `arrayBuffers`). Each figure comes from
 * a fresh process that holds nothing but the shared model and the prebuilt feed when it takes its
 * baseline (after two forced full GCs), then feeds 1 000 symbols until each has emitted a warm
 * signal and holds an open bar, collects again, and divides the growth by the symbol count — a
 * growth of tens of MB, so the figure cannot come out negative or be lost in noise. Several
 * processes per feed; median and spread (MAD). The child runs the built package (`dist/`), as a
 * user does. Two feeds: kline minutes as 4 trades without ids,
 * and 12 trades a minute with aggregate and first/last trade ids (dedup ranges in use).
 */
const suite: BenchSuite = {
  name: 'router-memory',
  title: 'RegimeRouter memory per warm symbol: heap + external (array buffers), 1 000 symbols, fresh process',
  async run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = [];
    const feeds: [string, string][] = [
      ['klines4', 'BTCUSDT klines as 4 trades/minute, no ids'],
      ['idTrades12', 'LINKUSDT klines as 12 trades/minute with aggregate and trade ids'],
    ];
    let snapshotBytes = 0;
    for (const [feed, label] of feeds) {
      const runs = Array.from({ length: REPEATS }, () => measure(feed));
      const per = (f: (r: ChildFigures) => number) => summarize(runs.map((r) => f(r) / r.symbols));
      const total = per((r) => r.heapUsed + r.external);
      const heap = per((r) => r.heapUsed);
      const buffers = per((r) => r.arrayBuffers);
      const { minutes, warmUp } = runs[0];
      rows.push({
        case: `RegimeRouter heap + external per warm symbol, ${label}`,
        unit: 'bytes/symbol',
        median: total.median,
        spread: total.spread,
        samples: runs.length,
        note: `goal ≤ 4096; of which V8 heap ${heap.median.toFixed(0)}, array buffers ${buffers.median.toFixed(0)}; ${SYMBOLS} symbols × ${minutes} minutes (warm after ${warmUp}), each run a fresh process`,
      });
      snapshotBytes = runs[0].snapshotBytes;
    }
    rows.push({
      case: 'detector snapshot as JSON',
      unit: 'bytes/symbol',
      median: snapshotBytes,
      spread: 0,
      samples: 1,
      note: 'what a Kafka state record carries per symbol (12 trades/minute feed)',
    });
    return rows;
  },
};

export default suite;
