/**
 * The whole per-bar cost of the pipeline after a bar closes — features, frozen standardisation,
 * Isolation Forest score, one HMM forward step and the signal (`detector.pushBar` on real bars
 * with the shipped model; goal p99 ≤ 5 µs) — side by side in the same run with the original
 * system's per-bar method:
 *
 * 1. a faithful TypeScript re-implementation: the original three features, each standardised over
 *    the last 20 bars, scored by our `IsolationForest`, and Viterbi (`GaussianHMM.decode`) re-run
 *    over the last 10 bars for every bar;
 * 2. the original's real per-bar call: scikit-learn `IsolationForest.predict` + `decision_function`
 *    on one row and hmmlearn `GaussianHMM.predict` on the last 10 rows, in a Python subprocess
 *    (scripts/bench_pipeline.py) that times each bar itself, on the same standardised features.
 *
 * Data: the bundled month of BTCUSDT 1-minute klines (41 761 bars). Latency is measured per bar,
 * individually: `process.hrtime.bigint()` around each call (wall time; the ~40 ns of the clock
 * reads are included) over every bar of several passes, each pass a fresh detector. Throughput is
 * CPU time (user + system) of whole passes: the bench machine is shared, and a process waiting for
 * a core is not slower code. Python's per-bar figures come in wall time (`time.perf_counter_ns`,
 * compared with our wall time) and CPU time (`time.process_time_ns`), with one thread per pool.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bar } from '../../src/bars/bar.js';
import type { RegimeModel } from '../../src/models/RegimeModel.js';
import { built, builtNode } from '../lib/builtPackage.js';
import {
  type BenchRow,
  type BenchSuite,
  clockStalls,
  explainTail,
  fixedWork,
  fixedWorkRounds,
  gcPausesDuring,
  latencyRow,
  perItemNs,
  ratio,
  summarize,
} from '../lib/suite.js';

const { FeatureStage, ORIGINAL_FEATURES, RollingZScore, defaultModel, trainModel, createRegimeDetector } =
  built;
const { readKlines } = builtNode;

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SAMPLE = join(root, 'fixtures/replay/BTCUSDT-1m-2024-11-30_2024-12-29.csv.gz');
const LATENCY_PASSES = 5;
const THROUGHPUT_PASSES = 7;
/** The original's method costs about 0.5 ms per bar in TypeScript and tens of ms in Python. */
const ORIGINAL_TS_BARS = 5_000;
const PYTHON_BARS = 300;

/** The original system's per-bar method, in TypeScript on our forest and HMM. */
class OriginalPerBarMethod {
  readonly #features = new FeatureStage(ORIGINAL_FEATURES);
  readonly #zscore = new RollingZScore(ORIGINAL_FEATURES.length, 20);
  readonly #model: RegimeModel;
  readonly #last10: number[][] = [];
  /** Whether the forest flagged the last bar. */
  anomaly = false;

  constructor(model: RegimeModel) {
    this.#model = model;
  }

  /** One closed bar: returns the regime of the bar (−1 while the windows fill). */
  push(bar: Bar): number {
    const x = this.#features.push(bar);
    const z = this.#zscore.transform(x, new Float64Array(x.length));
    if (!this.#features.warm || !this.#zscore.full) return -1;
    const forest = this.#model.forest;
    this.anomaly = forest.score(z) < forest.threshold;
    this.#last10.push(Array.from(z));
    if (this.#last10.length > 10) this.#last10.shift();
    const path = this.#model.hmm.decode(this.#last10);
    return path[path.length - 1];
  }
}

/**
 * Wall nanoseconds of each call of `fn` on each bar, each pass with a fresh `make()` (into a
 * preallocated array: the bench allocates nothing per bar); `starts` (when given) gets each call's
 * start on performance.now()'s timeline, to match slow calls with GC pauses.
 */
function perBarLatency(
  bars: readonly Bar[],
  make: () => (bar: Bar) => unknown,
  passes: number,
  starts?: Float64Array,
): Float64Array {
  const samples = new Float64Array(bars.length * passes);
  for (let pass = 0; pass < passes; pass++) {
    const fn = make();
    const part = perItemNs(bars.length, 1, (i) => fn(bars[i]), starts?.subarray(pass * bars.length));
    samples.set(part, pass * bars.length);
  }
  return samples;
}

/** CPU nanoseconds per bar of whole passes. */
function perBarCpu(bars: readonly Bar[], make: () => (bar: Bar) => unknown, passes: number): number[] {
  const samples: number[] = [];
  for (let pass = -1; pass < passes; pass++) {
    const fn = make();
    const before = process.cpuUsage();
    for (const bar of bars) fn(bar);
    const used = process.cpuUsage(before);
    if (pass >= 0) samples.push(((used.user + used.system) * 1000) / bars.length);
  }
  return samples;
}

/**
 * Bar i's median over `passes` passes of `n` bars (`samples[pass * n + i]`): the cost that comes
 * back each time the bar is processed.
 */
function perBarMedians(samples: Float64Array, n: number, passes: number): Float64Array {
  const out = new Float64Array(n);
  const one = new Float64Array(passes);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < passes; p++) one[p] = samples[p * n + i];
    one.sort();
    out[i] = passes % 2 === 1 ? one[(passes - 1) / 2] : (one[passes / 2 - 1] + one[passes / 2]) / 2;
  }
  return out;
}

/** The p50 row (with p99, p99.9 and max) of per-bar nanosecond samples, in µs. */
function latencyRows(name: string, samples: ArrayLike<number>, note: string): BenchRow[] {
  return [latencyRow(name, 'µs/bar', samples, note, 1e-3)];
}

interface PythonFigures {
  sklearn: string;
  hmmlearn: string;
  forest_wall_ns: number[];
  forest_cpu_ns: number[];
  total_wall_ns: number[];
  total_cpu_ns: number[];
}

/** The original's standardised features of `bars`, through scripts/bench_pipeline.py; undefined (reason on stderr) without Python. */
function runPython(bars: readonly Bar[]): PythonFigures | undefined {
  const features = new FeatureStage(ORIGINAL_FEATURES);
  const zscore = new RollingZScore(ORIGINAL_FEATURES.length, 20);
  const rows: number[] = [];
  for (const bar of bars) {
    const z = zscore.transform(features.push(bar), new Float64Array(ORIGINAL_FEATURES.length));
    if (features.warm && zscore.full) rows.push(...z);
  }
  const dir = mkdtempSync(join(tmpdir(), 'pipeline-bench-'));
  try {
    const file = join(dir, 'X.f64');
    writeFileSync(file, Float64Array.from(rows));
    const n = rows.length / ORIGINAL_FEATURES.length;
    const args = [file, n, ORIGINAL_FEATURES.length, PYTHON_BARS].map(String);
    const run = spawnSync('python3', [join(root, 'scripts', 'bench_pipeline.py'), ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    });
    if (run.status !== 0) {
      process.stderr.write(`  Python peer skipped: ${run.error?.message ?? run.stderr.trim()}\n`);
      return undefined;
    }
    return JSON.parse(run.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU time per bar of each stage of pushBar alone, on the same bars and the shipped model: where the time goes. */
function breakdown(bars: readonly Bar[]): BenchRow[] {
  const model = defaultModel();
  const d = model.features.length;
  const features = new FeatureStage(model.features);
  const rows: Float64Array[] = [];
  for (const bar of bars) {
    const x = features.push(bar);
    if (features.warm) rows.push(model.scaler.transform(x, new Float64Array(d)));
  }
  let sink = 0;
  const z = new Float64Array(d);
  const stages: [string, () => void][] = [
    [
      'features + frozen standardisation',
      () => {
        const stage = new FeatureStage(model.features);
        for (const bar of bars) sink += model.scaler.transform(stage.push(bar), z)[0];
      },
    ],
    [
      `Isolation Forest score (${model.forest.nEstimators} trees)`,
      () => {
        for (const row of rows) sink += model.forest.score(row);
      },
    ],
    [
      'HMM forward step',
      () => {
        const filter = model.hmm.createFilterState();
        for (const row of rows) sink += model.hmm.forwardStep(filter, row);
      },
    ],
  ];
  const out = stages.map(([name, fn]) => {
    const samples: number[] = [];
    for (let pass = -1; pass < THROUGHPUT_PASSES; pass++) {
      const before = process.cpuUsage();
      fn();
      const used = process.cpuUsage(before);
      if (pass >= 0) samples.push(((used.user + used.system) * 1000) / bars.length);
    }
    const s = summarize(samples);
    return {
      case: `  of pushBar: ${name}`,
      unit: 'ns/bar',
      median: s.median,
      spread: s.spread,
      samples: samples.length,
      note: 'CPU time of whole passes',
    };
  });
  if (Number.isNaN(sink)) throw new Error('a stage produced NaN');
  return out;
}

const suite: BenchSuite = {
  name: 'pipeline',
  title:
    'Per-bar cost after a bar closes: pushBar (shipped model) vs the original per-bar method, TS and Python',
  async run() {
    const bars: Bar[] = [];
    for await (const bar of readKlines(SAMPLE)) bars.push(bar);
    const ours = () => {
      const detector = createRegimeDetector({ symbol: 'BTCUSDT' });
      return (bar: Bar) => detector.pushBar(bar);
    };
    // A forest and an HMM on the original three features, trained on the same month (only their
    // cost matters here: 100 trees of 256 samples, 3 states, full covariances, like the original's).
    const { model: originalModel } = trainModel({ bars: [bars], features: 'original', maxIter: 20 });
    const original = () => {
      const method = new OriginalPerBarMethod(originalModel);
      return (bar: Bar) => method.push(bar);
    };
    const originalBars = bars.slice(0, ORIGINAL_TS_BARS);

    // The first pass runs while V8 is still optimising the hot functions (its first few thousand
    // bars cost 2-3x more); it is reported on its own row, and the p50/p99 rows are the steady
    // state of the passes after it, for both methods alike.
    const starts = new Float64Array(bars.length * (1 + LATENCY_PASSES));
    let ourSamples: Float64Array = new Float64Array(0);
    const switchesBefore = process.resourceUsage().involuntaryContextSwitches;
    const pauses = await gcPausesDuring(() => {
      ourSamples = perBarLatency(bars, ours, 1 + LATENCY_PASSES, starts);
    });
    const preemptions = process.resourceUsage().involuntaryContextSwitches - switchesBefore;
    const steady = ourSamples.subarray(bars.length);
    const ourLatency = latencyRows(
      'pushBar (microstream, shipped model)',
      steady,
      `goal p99 ≤ 5 µs, p99.9 ≤ 20 µs; every bar of ${LATENCY_PASSES} passes over ${bars.length} bars after one warm-up pass, timed one by one (wall); ${explainTail(steady, starts.subarray(bars.length), pauses, 20_000, preemptions)}`,
    );
    const repeatable = perBarMedians(steady, bars.length, LATENCY_PASSES);
    const overGoal = (xs: ArrayLike<number>) =>
      Array.prototype.filter.call(xs, (x: number) => x > 5_000).length;
    const ourRepeatable = latencyRows(
      "pushBar (microstream, shipped model), each bar's median of its passes",
      repeatable,
      `the same samples, one figure per bar: the median of its ${LATENCY_PASSES} timings, which leaves out the noise that does not come back on the same bar (interrupts, preemption, the host). Single timings over 5 µs: ${overGoal(steady)} of ${steady.length}; bars whose median is over 5 µs: ${overGoal(repeatable)} of ${bars.length}`,
    );
    // The machine's own tails, measured right after: the same number of items of fixed work,
    // each as long as pushBar's median, timed the same way; and the stalls a clock-reading loop sees.
    const rounds = fixedWorkRounds(summarize(steady).median);
    const floor = perItemNs(steady.length, 1, () => fixedWork(rounds));
    const stalls = clockStalls(3, 20_000);
    const machineFloor = latencyRows(
      "this machine's floor: fixed work as long as pushBar's median, timed the same way",
      floor,
      `${rounds} xorshift rounds per item, nothing allocated, timed right after pushBar: ${floor.filter((x) => x > 20_000).length} of ${floor.length} items over 20 µs (pushBar: ${steady.filter((x) => x > 20_000).length}), the tails any item of that length gets here. A loop that only reads the clock for 3 s saw ${Math.round(stalls.perSecond)} stalls over 20 µs a second (median ${(stalls.medianNs / 1e3).toFixed(0)} µs, longest ${(stalls.maxNs / 1e3).toFixed(0)} µs): time the thread did not run`,
    );
    const ourColdLatency = latencyRows(
      'pushBar (microstream, shipped model), warm-up pass (JIT still optimising)',
      ourSamples.subarray(0, bars.length),
      'the first pass of a fresh detector in this process',
    );
    const originalSamples = perBarLatency(originalBars, original, 1 + 2);
    const originalLatency = latencyRows(
      "original's per-bar method in TypeScript (rolling z-score, forest, Viterbi over last 10)",
      originalSamples.subarray(originalBars.length),
      `our IsolationForest and GaussianHMM.decode; first ${ORIGINAL_TS_BARS} bars, 2 passes after one warm-up pass (wall)`,
    );
    for (const [i, row] of ourLatency.entries()) {
      row.vs = originalLatency[i].case;
      row.ratio = ratio(originalLatency[i].median, row.median);
    }
    const rows = [...ourLatency, ...ourRepeatable, ...machineFloor, ...originalLatency, ...ourColdLatency];

    const python = runPython(bars);
    if (python !== undefined) {
      // Like with like: our per-bar figures are wall time of each call, so they are compared with
      // Python's wall time of each call; Python's CPU time is its own row.
      const name = `original's per-bar call in Python (scikit-learn ${python.sklearn} + hmmlearn ${python.hmmlearn})`;
      const pythonWall = latencyRows(
        `${name}, wall`,
        python.total_wall_ns,
        `${PYTHON_BARS} bars, each timed on its own (time.perf_counter_ns), one thread per pool`,
      );
      const pythonRows = [
        ...pythonWall,
        ...latencyRows(`${name}, CPU time`, python.total_cpu_ns, 'time.process_time_ns of the same calls'),
        ...latencyRows(
          '  of which IsolationForest.predict + decision_function on one row, wall',
          python.forest_wall_ns,
          `CPU time p50 ${(summarize(python.forest_cpu_ns).median / 1e6).toFixed(1)} ms (the original measured ~27 ms)`,
        ),
      ];
      for (const [i, row] of ourLatency.entries()) {
        const peer = pythonWall[i];
        rows.push({
          ...row,
          case: `${row.case} vs Python`,
          vs: peer.case,
          ratio: ratio(peer.median, row.median),
          note: 'wall p50 against wall p50',
        });
      }
      rows.push(...pythonRows);
    }

    const ourCpu = summarize(perBarCpu(bars, ours, THROUGHPUT_PASSES));
    const originalCpu = summarize(perBarCpu(originalBars, original, 3));
    const throughput = (
      name: string,
      s: { median: number; spread: number },
      n: number,
      note: string,
    ): BenchRow => ({
      case: name,
      unit: 'bars/s',
      median: 1e9 / s.median,
      spread: (1e9 * s.spread) / (s.median * s.median),
      samples: n,
      note,
    });
    const ourThroughput = throughput(
      'pushBar throughput (microstream)',
      ourCpu,
      THROUGHPUT_PASSES,
      'CPU time of whole passes',
    );
    const originalThroughput = throughput(
      "original's per-bar method in TypeScript, throughput",
      originalCpu,
      3,
      'CPU time',
    );
    ourThroughput.vs = originalThroughput.case;
    ourThroughput.ratio = ourThroughput.median / originalThroughput.median;
    rows.push(ourThroughput, originalThroughput, ...breakdown(bars));
    return rows;
  },
};

export default suite;
