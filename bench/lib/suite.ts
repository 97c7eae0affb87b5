import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { Bench } from 'tinybench';

/** One measured figure of a benchmark suite. */
export interface BenchRow {
  /** What was measured, e.g. `BarAggregator (microstream)`. */
  case: string;
  /** Unit of `median` and `spread`, e.g. `ns/trade`, `ms`, `trades/s`. */
  unit: string;
  /** Median of the samples. */
  median: number;
  /** Spread of the samples: the median absolute deviation, in the unit of `median`. */
  spread: number;
  /** Number of samples behind the median. */
  samples: number;
  /**
   * Tails of a per-item latency (each item timed on its own), in the unit of `median`: 99th and
   * 99.9th percentiles and the maximum. Set on every per-item latency row; absent on rows that are
   * not per-item latencies (throughputs of whole passes, memory, sizes).
   */
  p99?: number;
  p999?: number;
  max?: number;
  /** The peer this row is compared with, when it is ours and a peer ran in the same run. */
  vs?: string;
  /** How many times better than `vs` (peer median / our median for times; ours / peer for rates). */
  ratio?: number;
  /** Anything a reader needs to read the row (goal, settings). */
  note?: string;
}

/** A benchmark suite: a file in `bench/suites/` whose default export is one of these. */
export interface BenchSuite {
  /** Short id used on the command line: `npm run bench -- <name>`. */
  name: string;
  /** One line saying what the suite measures. */
  title: string;
  run(): Promise<BenchRow[]>;
}

/** A timed case for {@link timeCases}. `ops` is how many items one call of `fn` processes. */
export interface TimedCase {
  name: string;
  fn: () => unknown;
  /** Items one call processes (e.g. trades in a batch); the row is per item. */
  ops?: number;
  /** Name of the peer case to compare against. */
  vs?: string;
  note?: string;
}

/**
 * Times cases with tinybench and returns one row per case, per item, with ratios against peers
 * that ran in the same process.
 */
export async function timeCases(
  cases: TimedCase[],
  opts: { unit?: 'ns' | 'us' | 'ms'; per?: string; time?: number } = {},
): Promise<BenchRow[]> {
  const unit = opts.unit ?? 'ns';
  const scale = unit === 'ns' ? 1e6 : unit === 'us' ? 1e3 : 1;
  const bench = new Bench({ time: opts.time ?? 1500, warmupTime: 300 });
  for (const c of cases) bench.add(c.name, c.fn);
  await bench.run();
  const medians = new Map<string, number>();
  const rows: BenchRow[] = [];
  for (const c of cases) {
    const task = bench.getTask(c.name);
    const result = task?.result;
    if (!result || !('latency' in result)) throw new Error(`benchmark case ${c.name} did not run`);
    const ops = c.ops ?? 1;
    const lat = result.latency;
    const median = (lat.p50 * scale) / ops;
    medians.set(c.name, median);
    rows.push({
      case: c.name,
      unit: `${unit}/${opts.per ?? 'op'}`,
      median,
      spread: (lat.mad * scale) / ops,
      samples: lat.samplesCount,
      vs: c.vs,
      note: c.note,
    });
  }
  for (const row of rows) if (row.vs) row.ratio = ratio(medians.get(row.vs), row.median);
  return rows;
}

/** Peer median / our median, for figures where smaller is better (times). */
export function ratio(peer: number | undefined, ours: number): number | undefined {
  return peer === undefined || ours <= 0 ? undefined : peer / ours;
}

/** Median, median absolute deviation, p99, p99.9 and max of raw samples (the input is untouched). */
export function summarize(samples: ArrayLike<number>): {
  median: number;
  spread: number;
  p99: number;
  p999: number;
  max: number;
} {
  const s = Float64Array.from(samples).sort();
  const q = (a: Float64Array, p: number) => a[Math.min(a.length - 1, Math.floor(p * (a.length - 1)))];
  const median = q(s, 0.5);
  const dev = s.map((v) => Math.abs(v - median)).sort();
  return { median, spread: q(dev, 0.5), p99: q(s, 0.99), p999: q(s, 0.999), max: s[s.length - 1] };
}

/**
 * Wall nanoseconds of each call of `fn(i)` for i in [0, n), each call timed on its own with
 * `process.hrtime.bigint()` (the ~40–80 ns of the two clock reads are included), over `passes`
 * passes, into a preallocated array so the timing loop itself allocates nothing per item. GC
 * pauses land on the item that triggered them: that is what the tails show.
 */
export function perItemNs(
  n: number,
  passes: number,
  fn: (i: number) => unknown,
  starts?: Float64Array,
): Float64Array {
  const samples = new Float64Array(n * passes);
  // `starts` (when given) gets each item's start on performance.now()'s timeline, in ms.
  const origin = process.hrtime.bigint();
  const originMs = performance.now();
  let k = 0;
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < n; i++) {
      const start = process.hrtime.bigint();
      fn(i);
      samples[k] = Number(process.hrtime.bigint() - start);
      if (starts !== undefined) starts[k] = originMs + Number(start - origin) / 1e6;
      k++;
    }
  }
  return samples;
}

/**
 * Fixed work whose cost does not depend on its input: `rounds` xorshift steps. Timed one call at a
 * time like a real item, it shows the tails the machine adds to any item of that length.
 */
export function fixedWork(rounds: number): number {
  let x = 0x9e3779b9;
  for (let r = 0; r < rounds; r++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x;
}

/** How many {@link fixedWork} rounds take `targetNs` on this machine now (median of timed calls). */
export function fixedWorkRounds(targetNs: number): number {
  const probe = 1000;
  const samples = perItemNs(5000, 1, () => fixedWork(probe));
  const median = Float64Array.from(samples).sort()[samples.length >> 1];
  return Math.max(1, Math.round((probe * targetNs) / median));
}

/** The stalls a loop that only reads the clock sees: gaps over `thresholdNs` between two reads. */
export interface ClockStalls {
  /** Stalls per second. */
  perSecond: number;
  /** Median and longest stall, ns. */
  medianNs: number;
  maxNs: number;
}

/**
 * Reads the clock in a tight loop for `seconds` and collects the gaps over `thresholdNs`: time the
 * thread did not run (interrupts, preemption, on a virtual machine the host), which any timed
 * item that overlaps one pays in full.
 */
export function clockStalls(seconds: number, thresholdNs: number): ClockStalls {
  // performance.now() allocates nothing (process.hrtime.bigint() would, and its own scavenges
  // would count as stalls).
  const stalls: number[] = [];
  const thresholdMs = thresholdNs / 1e6;
  const start = performance.now();
  const end = start + seconds * 1000;
  let previous = start;
  for (;;) {
    const now = performance.now();
    if (now - previous > thresholdMs) stalls.push((now - previous) * 1e6);
    previous = now;
    if (now >= end) break;
  }
  stalls.sort((a, b) => a - b);
  return {
    perSecond: stalls.length / seconds,
    medianNs: stalls.length === 0 ? 0 : stalls[stalls.length >> 1],
    maxNs: stalls.length === 0 ? 0 : stalls[stalls.length - 1],
  };
}

/** A garbage-collection pause on the main thread, on performance.now()'s timeline (ms). */
export interface GcPause {
  start: number;
  end: number;
}

/** Runs `fn` and returns the GC pauses V8 reported while it ran (a `PerformanceObserver` on `gc`). */
export async function gcPausesDuring(fn: () => void): Promise<GcPause[]> {
  const pauses: GcPause[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  fn();
  // Entries are delivered on a later turn of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return pauses;
}

/**
 * What made the slow items slow: of the items over `thresholdNs`, how many overlapped a GC pause;
 * the others lost the core for a while (the machine's load average is given, and `preemptions`,
 * the involuntary context switches while the items ran, when known; interrupts and a VM's host
 * take it too) or hit a rare slow path.
 * Returns a sentence for a row's note.
 */
export function explainTail(
  samples: Float64Array,
  starts: Float64Array,
  pauses: readonly GcPause[],
  thresholdNs: number,
  preemptions?: number,
): string {
  let slow = 0;
  let duringGc = 0;
  for (let k = 0; k < samples.length; k++) {
    if (samples[k] <= thresholdNs) continue;
    slow++;
    const from = starts[k];
    const to = from + samples[k] / 1e6;
    if (pauses.some((p) => p.start < to && p.end > from)) duringGc++;
  }
  const longest = pauses.reduce((m, p) => Math.max(m, p.end - p.start), 0);
  return (
    `${slow} of ${samples.length} items over ${thresholdNs / 1e3} µs, ${duringGc} of them during one of ` +
    `${pauses.length} GC pauses (longest ${longest.toFixed(2)} ms), the rest time the thread did not run: ` +
    `preemption (load average ${loadavg()[0].toFixed(1)} on ${navigator.hardwareConcurrency} cores` +
    `${preemptions === undefined ? '' : `; the process was preempted ${preemptions} times meanwhile`}), interrupts, on a VM the host`
  );
}

/**
 * One row for a per-item latency: `median` is p50, with p99, p99.9 and max; `scale` converts the
 * samples to `unit` (1e-3 for ns samples shown in µs).
 */
export function latencyRow(
  name: string,
  unit: string,
  samples: ArrayLike<number>,
  note?: string,
  scale = 1,
): BenchRow {
  const s = summarize(samples);
  return {
    case: name,
    unit,
    median: s.median * scale,
    spread: s.spread * scale,
    samples: samples.length,
    p99: s.p99 * scale,
    p999: s.p999 * scale,
    max: s.max * scale,
    note,
  };
}
