/**
 * End-to-end through a real Kafka broker (single-node KRaft on 127.0.0.1, started for the run):
 * trades produced to an 8-partition topic, `runKafkaDetector` consumers (each its own process)
 * catching up on the backlog, signals read back with `consumeSignals`.
 *
 * In one run: the per-trade JSON records of before (the baseline) and the batch records
 * `produceTrades` writes now, each compression the client offers, 1, 2 and 4 consumer processes,
 * and the signal lag of a live 10 000 trades/s feed against the detector's `lingerMs`.
 *
 * CPU: every figure comes with the CPU time each process used (from `/proc/<pid>/stat`), so that
 * the consumer's own cost — trades per CPU-second, which is what one dedicated core sustains — can
 * be read apart from the broker's and from what other work on the machine took.
 *
 * Cores: in the throughput part the consumer process runs on a core of its own (`taskset`; the
 * broker and this process on the others, see `pinConsumers`), so that trades per consumer
 * CPU-second is what one dedicated core sustains. Scale-out and lag run unpinned.
 *
 * What runs: the package as built (`dist/`, which `npm run bench` builds first), in the detector
 * processes (`scripts/kafka/detectorProcess.ts` with `built: true`), in the in-process ceiling and
 * in the reader, as a user's code runs it (the sources through tsx made the detectors ~1.4× slower).
 *
 * Steady state: each consumer process first catches up on an equal warm-up backlog, then on the
 * measured one, as a consumer that has been running for a while would (the `…, cold` rows give the
 * warm-up backlog's own figures, JIT compilation included).
 *
 * Settings (the adapter's defaults unless said): produceTrades requests of 20 000 trades, acks=all;
 * the detector sends signals in batches of up to 1000 or after `lingerMs`, snapshots a partition
 * every 500 bars. 50 synthetic symbols around the real BTCUSDT price
 * (scripts/kafka/syntheticTrades.ts): the main feed closes a bar every ~40 trades, a busy feed every
 * ~600. `KAFKA_BENCH_TRADES` sets the batch backlog (default 1 000 000); `KAFKA_BENCH_PARTS` picks
 * parts (`throughput`, `scaleout`, `lag`; all by default), e.g.
 * `KAFKA_BENCH_PARTS=lag npm run bench -- kafka`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brokerUnavailableReason, type KafkaBroker, startBroker } from '../../scripts/kafka/broker.js';
import { cpuSeconds } from '../../scripts/kafka/cpuSeconds.js';
import { syntheticTrades } from '../../scripts/kafka/syntheticTrades.js';
import type { KafkaCompression, KafkaSignalFormat } from '../../src/adapters/kafka/index.js';
import type { Trade } from '../../src/bars/trade.js';
import type { RegimeDetector } from '../../src/pipeline/RegimeDetector.js';
import { built, builtKafka } from '../lib/builtPackage.js';
import { type BenchRow, type BenchSuite, latencyRow, summarize } from '../lib/suite.js';

const SYMBOLS = 50;
const TRADES = Number(process.env.KAFKA_BENCH_TRADES ?? 1_000_000);
/** The JSON baseline's backlog: it is 10× slower, so a fifth of the trades take as long. */
const JSON_TRADES = Math.round(TRADES / 5);
const PARTITIONS = 8;
/** Mean event-time gap between trades of the busy feed, ms: ~600 trades per symbol per minute. */
const BUSY_GAP_MS = 2;
const REPEATS = 3;
const COMPRESSIONS: KafkaCompression[] = ['none', 'lz4', 'zstd', 'snappy', 'gzip'];
/** The detector's default, for the rows that do not vary it. */
const DEFAULT_LINGER_MS = 20;
/** Rate of the paced runs that measure lag, trades/s (well under one consumer's capacity). */
const PACED_RATE = 10_000;
const PACED_SECONDS = 30;
/**
 * Bars closing in the first seconds of a paced run are left out of the lag figures (and their
 * worst lag is given in the note): the first signals wait for the JIT, for the signal producer's
 * first connection and for the topic's metadata, which a running deployment paid long ago.
 */
const WARM_UP_SECONDS = 3;
/** The note of the rows measured on a fresh process's first backlog. */
const COLD_NOTE =
  "the same consumer's first backlog (its warm-up, an equal one): a fresh process, CPU including the JIT's compilation of the detector's and the client's code";
const LINGERS = [5, 20, 50, 100];
/** Which parts to run: `KAFKA_BENCH_PARTS=lag` (comma-separated: throughput, scaleout, lag; all by default). */
const PARTS = new Set((process.env.KAFKA_BENCH_PARTS ?? 'throughput,scaleout,lag').split(','));
const WORKER = fileURLToPath(new URL('../../scripts/kafka/detectorProcess.ts', import.meta.url));
/** The adapter as it ships (`dist/`), in this process and in the detector processes (`built: true`). */
const { consumeSignals, createDetectorTopics, produceTrades, runKafkaDetector } = builtKafka;

const suite: BenchSuite = {
  name: 'kafka',
  title: 'End-to-end through a real Kafka broker: trades/s in, CPU per trade, scale-out, signal lag',
  async run(): Promise<BenchRow[]> {
    const reason = brokerUnavailableReason();
    if (reason) {
      process.stderr.write(`  kafka suite skipped: ${reason}\n`);
      return [];
    }
    const broker = await startBroker();
    try {
      const rows: BenchRow[] = [];
      if (PARTS.has('throughput')) {
        // One consumer at a time, on a core of its own: what "trades per consumer CPU-second" means.
        pinConsumers(broker, true);
        try {
          rows.push(...(await throughput(broker)));
        } finally {
          pinConsumers(broker, false);
        }
      }
      if (PARTS.has('scaleout')) rows.push(...(await scaleOut(broker)));
      if (PARTS.has('lag')) rows.push(...(await lag(broker)));
      return rows;
    } finally {
      await broker.stop();
    }
  },
};
export default suite;

/**
 * CPUs for the consumer processes started while the throughput part runs (`taskset -c` syntax), or
 * undefined when they are not pinned.
 */
let consumerCpus: string | undefined;

/**
 * Gives the throughput part's consumer a core of its own, with `taskset` on a machine of 2 CPUs or
 * more: the broker (all its threads) and this process (the producer and the reader) are kept to the
 * first half of the CPUs, and the consumer processes started meanwhile to the second half. Unpinned,
 * the consumer shared its core with the broker's threads, and the JSON baseline, the one consumer
 * that is CPU-bound, lost the most: in two pinned runs it did 0.14 and 0.17 M trades per CPU-second,
 * against 0.08-0.12 M unpinned. `on: false` lets everything run anywhere again (scale-out and lag
 * run so).
 */
function pinConsumers(broker: KafkaBroker, on: boolean): void {
  const cpus = availableParallelism();
  if (cpus < 2) return;
  const half = Math.floor(cpus / 2);
  const others = on ? `0-${half - 1}` : `0-${cpus - 1}`;
  try {
    for (const pid of [broker.pid, process.pid])
      execFileSync('taskset', ['-a', '-p', '-c', others, String(pid)], { stdio: 'ignore' });
  } catch {
    if (on) process.stderr.write('  taskset failed: consumers share their cores with the broker\n');
    consumerCpus = undefined;
    return;
  }
  consumerCpus = on ? (half === cpus - 1 ? `${half}` : `${half}-${cpus - 1}`) : undefined;
}

/** What one catch-up run measured. */
interface CatchUp {
  /** Trades produced per second (produceTrades, acks=all). */
  produced: number;
  /** Bytes of the trades topic's log segments per trade. */
  bytesPerTrade: number;
  /** Bytes of the signals topic's log segments per signal (after the detectors stopped). */
  bytesPerSignal: number;
  /** Trades per second from the group's first assignment to the last signal read back. */
  tradesPerSecond: number;
  /** Trades each consumer applied per CPU-second it used (after joining). */
  perCpuSecond: number[];
  /**
   * The same, over the warm-up backlog: the first one of a fresh process, whose CPU includes the
   * JIT compiling the detector's and the client's code (what the runs before 2026-12-04 measured).
   */
  coldPerCpuSecond: number[];
  /** CPUs the consumers were pinned to (`taskset`), if they were. */
  consumerCpus: string | undefined;
  /** CPU share (CPU-s per wall-s) of the consumers together, of the broker, and of this process (the reader). */
  consumerShare: number;
  brokerShare: number;
  readerShare: number;
}

let runs = 0;

/** Warm-up trades topics already produced. */
const warmUpTopics = new Set<string>();

/**
 * Produces `trades` into a fresh trades topic, then starts `consumers` detector processes in one
 * group and times them until every signal was read back.
 *
 * Each process first catches up on a warm-up backlog (the same trades, format and compression, in a
 * topic kept for the whole bench run) and only then joins the measured group: a consumer that has
 * been running for a while has its code compiled, and a 1 M-trade backlog is too short for the
 * compilation to be amortised (a fresh batch consumer used ~40 % more CPU on its first 1 M trades
 * than on the next 1 M). The warm-up backlog is timed the same way and reported as the cold figure.
 */
async function catchUp(
  broker: KafkaBroker,
  trades: Trade[],
  expected: number,
  opts: {
    /** Names the trades (e.g. `main`): runs with the same feed, format and compression share a warm-up topic. */
    feed: string;
    format: 'json' | 'batch';
    compression?: KafkaCompression;
    consumers: number;
    /** How the detector writes signals (default JSON, the adapter's default). */
    signalFormat?: KafkaSignalFormat;
  },
): Promise<CatchUp> {
  if (expected === 0) throw new Error('kafka bench: this backlog closes no bar (raise KAFKA_BENCH_TRADES)');
  const brokers = [broker.bootstrap];
  const warmUpTopic = `warm-${opts.feed}-${opts.format}-${opts.compression ?? 'none'}`;
  const prefix = `run${runs++}`;
  const topics = {
    tradesTopic: `${prefix}-trades`,
    signalsTopic: `${prefix}-signals`,
    stateTopic: `${prefix}-state`,
  };
  await createDetectorTopics({ brokers, ...topics, partitions: PARTITIONS });
  await createDetectorTopics({
    brokers,
    tradesTopic: warmUpTopic,
    signalsTopic: `${prefix}-warm-signals`,
    stateTopic: `${prefix}-warm-state`,
    partitions: PARTITIONS,
  });
  if (!warmUpTopics.has(warmUpTopic)) {
    await produceTrades({
      brokers,
      topic: warmUpTopic,
      source: trades,
      format: opts.format,
      compression: opts.compression,
    });
    warmUpTopics.add(warmUpTopic);
  }
  const p0 = performance.now();
  await produceTrades({
    brokers,
    topic: topics.tradesTopic,
    source: trades,
    format: opts.format,
    compression: opts.compression,
  });
  const produced = trades.length / ((performance.now() - p0) / 1000);
  const bytesPerTrade = topicBytes(broker, topics.tradesTopic) / trades.length;

  const clocks = { warmUp: newClock(), run: newClock() };
  const onAssigned = (phase: Phase) => {
    const clock = clocks[phase];
    if (clock.started > 0) return;
    clock.started = performance.now();
    clock.brokerCpu0 = cpuSeconds(broker.pid) ?? 0;
    clock.readerCpu0 = cpuTime();
  };
  const workers = Array.from({ length: opts.consumers }, () =>
    startWorker(
      broker.bootstrap,
      prefix,
      { lingerMs: DEFAULT_LINGER_MS, signalFormat: opts.signalFormat, warmUpTradesTopic: warmUpTopic },
      onAssigned,
    ),
  );
  try {
    const cold = await readBack(broker, workers, 'warmUp', clocks.warmUp, `${prefix}-warm-signals`, expected);
    const coldTrades = await Promise.all(workers.map((w) => w.endWarmUp()));
    const run = await readBack(broker, workers, 'run', clocks.run, topics.signalsTopic, expected);
    const applied = await Promise.all(workers.map((w) => w.stop()));
    return {
      produced,
      bytesPerTrade,
      bytesPerSignal: topicBytes(broker, topics.signalsTopic) / expected,
      tradesPerSecond: trades.length / run.seconds,
      perCpuSecond: applied.map((n, i) => n / run.used[i]),
      coldPerCpuSecond: coldTrades.map((n, i) => n / cold.used[i]),
      consumerCpus,
      consumerShare: run.used.reduce((a, b) => a + b, 0) / run.seconds,
      brokerShare: run.brokerCpu / run.seconds,
      readerShare: run.readerCpu / run.seconds,
    };
  } finally {
    for (const w of workers) if (w.process.exitCode === null) w.process.kill('SIGKILL');
  }
}

/** A catch-up phase: `warmUp` (a fresh process's first backlog), then `run` (the measured one). */
type Phase = 'warmUp' | 'run';

/** When a phase's first consumer was assigned partitions, and the broker's and this process's CPU then. */
interface PhaseClock {
  started: number;
  brokerCpu0: number;
  readerCpu0: number;
}

function newClock(): PhaseClock {
  return { started: 0, brokerCpu0: 0, readerCpu0: 0 };
}

/** Reads `expected` signals back from `topic`; the phase's wall time and each process's CPU since it joined. */
async function readBack(
  broker: KafkaBroker,
  workers: Worker[],
  phase: Phase,
  clock: PhaseClock,
  topic: string,
  expected: number,
): Promise<{ seconds: number; used: number[]; brokerCpu: number; readerCpu: number }> {
  let received = 0;
  for await (const _ of consumeSignals({
    brokers: [broker.bootstrap],
    topic,
    signal: AbortSignal.timeout(600_000),
  })) {
    if (++received === expected) break;
  }
  if (received < expected) throw new Error(`${phase}: only ${received} of ${expected} signals came back`);
  return {
    seconds: (performance.now() - clock.started) / 1000,
    used: workers.map((w) => (cpuSeconds(w.process.pid ?? 0) ?? 0) - w.cpuAtJoin[phase]),
    brokerCpu: (cpuSeconds(broker.pid) ?? 0) - clock.brokerCpu0,
    readerCpu: cpuTime() - clock.readerCpu0,
  };
}

/** One consumer: the JSON baseline, then batches with each compression. */
async function throughput(broker: KafkaBroker): Promise<BenchRow[]> {
  const trades = [...syntheticTrades({ symbols: SYMBOLS, trades: TRADES, seed: 1 })];
  const jsonTrades = trades.slice(0, JSON_TRADES);
  const expected = inProcessSignals(trades);
  const jsonExpected = inProcessSignals(jsonTrades);
  const inProcess: number[] = [];
  const inProcessCpu: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const [t0, c0] = [performance.now(), cpuTime()];
    inProcessSignals(trades);
    inProcess.push(TRADES / ((performance.now() - t0) / 1000));
    inProcessCpu.push(TRADES / (cpuTime() - c0));
  }
  const json: CatchUp[] = [];
  const batch = new Map<KafkaCompression, CatchUp[]>(COMPRESSIONS.map((c) => [c, []]));
  const binarySignals: CatchUp[] = [];
  for (let r = 0; r < REPEATS; r++) {
    json.push(
      await catchUp(broker, jsonTrades, jsonExpected, { feed: 'main', format: 'json', consumers: 1 }),
    );
    binarySignals.push(
      await catchUp(broker, trades, expected, {
        feed: 'main',
        format: 'batch',
        compression: 'none',
        consumers: 1,
        signalFormat: 'binary',
      }),
    );
    for (const compression of COMPRESSIONS) {
      if (r > 0 && compression !== 'none' && compression !== 'lz4') continue;
      batch.get(compression)?.push(
        await catchUp(broker, trades, expected, {
          feed: 'main',
          format: 'batch',
          compression,
          consumers: 1,
        }),
      );
    }
  }
  const jsonCase = 'runKafkaDetector, 1 consumer, JSON records (before)';
  const rows: BenchRow[] = [
    rate(
      'detector in process, no Kafka (50 symbols)',
      inProcess,
      'trades/s',
      'the ceiling: parsing-free, one core',
    ),
    rate(
      'detector in process, no Kafka: trades per CPU-second',
      inProcessCpu,
      'trades/CPU-s',
      'the ceiling, in CPU time (less sensitive to other load)',
    ),
    rate(
      'produceTrades → broker, JSON records',
      json.map((c) => c.produced),
      'trades/s',
      `one record per trade, requests of 20 000, acks=all, ${PARTITIONS} partitions; ${fmt(json[0].bytesPerTrade)} B/trade on disk`,
    ),
    catchUpRow(jsonCase, json, `backlog of ${JSON_TRADES} trades, after an equal warm-up backlog`),
  ];
  for (const [compression, runs] of batch) {
    rows.push(
      rate(
        `produceTrades → broker, batch records, ${compression}`,
        runs.map((c) => c.produced),
        'trades/s',
        `${fmt(runs[0].bytesPerTrade)} B/trade on disk`,
        'produceTrades → broker, JSON records',
      ),
    );
    rows.push(
      catchUpRow(
        `runKafkaDetector, 1 consumer, batch records, ${compression}`,
        runs,
        `backlog of ${TRADES} trades, after an equal warm-up backlog`,
        jsonCase,
      ),
    );
    rows.push(
      rate(
        `runKafkaDetector, 1 consumer, batch records, ${compression}: trades per consumer CPU-second`,
        runs.flatMap((c) => c.perCpuSecond),
        'trades/CPU-s',
        'what one dedicated core sustains (the consumer process only, after joining)',
        `${jsonCase}: trades per consumer CPU-second`,
      ),
    );
    if (compression === 'none')
      rows.push(
        rate(
          `runKafkaDetector, 1 consumer, batch records, ${compression}: trades per consumer CPU-second, cold`,
          runs.flatMap((c) => c.coldPerCpuSecond),
          'trades/CPU-s',
          COLD_NOTE,
          `${jsonCase}: trades per consumer CPU-second, cold`,
        ),
      );
  }
  rows.splice(
    4,
    0,
    rate(
      `${jsonCase}: trades per consumer CPU-second`,
      json.flatMap((c) => c.perCpuSecond),
      'trades/CPU-s',
      'the consumer process only, after joining',
    ),
    rate(
      `${jsonCase}: trades per consumer CPU-second, cold`,
      json.flatMap((c) => c.coldPerCpuSecond),
      'trades/CPU-s',
      COLD_NOTE,
    ),
  );
  rows.push(
    catchUpRow(
      'runKafkaDetector, 1 consumer, batch records, none, binary signal records',
      binarySignals,
      `backlog of ${TRADES} trades after an equal warm-up backlog; signalFormat 'binary': ${fmt(binarySignals[0].bytesPerSignal)} B a signal on disk against ${fmt(batch.get('none')?.[0].bytesPerSignal ?? Number.NaN)} B as JSON`,
      jsonCase,
    ),
    rate(
      'runKafkaDetector, 1 consumer, batch records, none, binary signal records: trades per consumer CPU-second',
      binarySignals.flatMap((c) => c.perCpuSecond),
      'trades/CPU-s',
      'what one dedicated core sustains (the consumer process only, after joining)',
      `${jsonCase}: trades per consumer CPU-second`,
    ),
  );
  const busy = await busyFeed(broker);
  rows.push(
    ...busy.rows,
    ...costModel(
      {
        perCpuSecond: summarize(batch.get('none')?.flatMap((c) => c.perCpuSecond) ?? []).median,
        signalsPerTrade: expected / TRADES,
      },
      busy.fit,
    ),
  );
  return withRatios(rows);
}

/** One feed's point for {@link costModel}: the consumer's trades per CPU-second and its signals per trade. */
interface FeedCost {
  perCpuSecond: number;
  signalsPerTrade: number;
}

/**
 * The consumer's CPU as a cost per trade plus a cost per signal record, fitted exactly through the
 * two feeds' batch-record runs (no compression, JSON signals): CPU-s per trade = a + b · signals per
 * trade. The feeds differ in trades per bar, so the two points separate what a trade costs
 * (decoding, the bar stage) from what a closed bar costs (features, forest, filter, the signal
 * record's encoding and produce, its share of the snapshots).
 */
function costModel(main: FeedCost, busy: FeedCost): BenchRow[] {
  const perSignal =
    (1 / main.perCpuSecond - 1 / busy.perCpuSecond) / (main.signalsPerTrade - busy.signalsPerTrade);
  const perTrade = 1 / busy.perCpuSecond - perSignal * busy.signalsPerTrade;
  const note = `fitted through the main feed (${fmt(main.perCpuSecond / 1e6)} M trades/CPU-s, a signal per ${Math.round(1 / main.signalsPerTrade)} trades) and the busy feed (${fmt(busy.perCpuSecond / 1e6)} M, one per ${Math.round(1 / busy.signalsPerTrade)}): consumer CPU = trades × a + signals × b`;
  return [
    {
      case: 'consumer CPU model: a, per trade',
      unit: 'µs/trade',
      median: perTrade * 1e6,
      spread: 0,
      samples: 1,
      note,
    },
    {
      case: 'consumer CPU model: b, per signal record',
      unit: 'µs/signal',
      median: perSignal * 1e6,
      spread: 0,
      samples: 1,
      note: `live, signals/s = symbols / bar interval: 10 000 symbols at 1-minute bars cost ${fmt((10_000 / 60) * perSignal * 1e3)} ms of CPU a second in signals, whatever the trade rate`,
    },
  ];
}

/**
 * The same comparison on a busier feed: 50 symbols each trading ~10 times a second (a liquid
 * altcoin; BTCUSDT spot trades more), ~600 trades per bar instead of the main feed's ~40. Each
 * closed bar costs one JSON signal record to encode and send, common to both formats; a feed that
 * needs several consumers is a busy one, where that cost is spread over more trades.
 */
async function busyFeed(broker: KafkaBroker): Promise<{ rows: BenchRow[]; fit: FeedCost }> {
  const trades = [...syntheticTrades({ symbols: SYMBOLS, trades: TRADES, seed: 4, meanGapMs: BUSY_GAP_MS })];
  const jsonTrades = trades.slice(0, JSON_TRADES);
  const jsonExpected = inProcessSignals(jsonTrades);
  const expected = inProcessSignals(trades);
  // Repeated like the main feed's rows: one catch-up of this feed is ~0.3-0.5 CPU-s, so a single
  // one moves with the clock ticks /proc counts in and with other load.
  const json: CatchUp[] = [];
  const batch: CatchUp[] = [];
  const binary: CatchUp[] = [];
  for (let r = 0; r < REPEATS; r++) {
    json.push(
      await catchUp(broker, jsonTrades, jsonExpected, { feed: 'busy', format: 'json', consumers: 1 }),
    );
    batch.push(
      await catchUp(broker, trades, expected, {
        feed: 'busy',
        format: 'batch',
        compression: 'none',
        consumers: 1,
      }),
    );
    binary.push(
      await catchUp(broker, trades, expected, {
        feed: 'busy',
        format: 'batch',
        compression: 'none',
        consumers: 1,
        signalFormat: 'binary',
      }),
    );
  }
  const perBar = `${Math.round(trades.length / expected)} trades per bar`;
  const jsonCase = `busy feed (${perBar}): runKafkaDetector, 1 consumer, JSON records (before)`;
  const fit = {
    perCpuSecond: summarize(batch.flatMap((c) => c.perCpuSecond)).median,
    signalsPerTrade: expected / trades.length,
  };
  const rows = [
    catchUpRow(jsonCase, json, `backlog of ${JSON_TRADES} trades, after an equal warm-up backlog`),
    rate(
      `${jsonCase}: trades per consumer CPU-second`,
      json.flatMap((c) => c.perCpuSecond),
      'trades/CPU-s',
      'the consumer process only, after joining',
    ),
    catchUpRow(
      `busy feed (${perBar}): runKafkaDetector, 1 consumer, batch records, none`,
      batch,
      `backlog of ${TRADES} trades, after an equal warm-up backlog`,
      jsonCase,
    ),
    rate(
      `busy feed (${perBar}): runKafkaDetector, 1 consumer, batch records, none: trades per consumer CPU-second`,
      batch.flatMap((c) => c.perCpuSecond),
      'trades/CPU-s',
      'what one dedicated core sustains (the consumer process only, after joining)',
      `${jsonCase}: trades per consumer CPU-second`,
    ),
    rate(
      `busy feed (${perBar}): runKafkaDetector, 1 consumer, batch records, none, binary signal records: trades per consumer CPU-second`,
      binary.flatMap((c) => c.perCpuSecond),
      'trades/CPU-s',
      'what one dedicated core sustains (the consumer process only, after joining)',
      `${jsonCase}: trades per consumer CPU-second`,
    ),
  ];
  return { rows, fit };
}

/** 1, 2 and 4 consumer processes on one 8-partition topic, batch records. */
async function scaleOut(broker: KafkaBroker): Promise<BenchRow[]> {
  const trades = [...syntheticTrades({ symbols: SYMBOLS, trades: TRADES, seed: 3 })];
  const expected = inProcessSignals(trades);
  const rows: BenchRow[] = [];
  for (const consumers of [1, 2, 4]) {
    const c = await catchUp(broker, trades, expected, {
      feed: 'scaleout',
      format: 'batch',
      compression: 'none',
      consumers,
    });
    rows.push({
      case: `scale-out: ${consumers} consumer process${consumers > 1 ? 'es' : ''}, total`,
      unit: 'trades/s',
      median: c.tradesPerSecond,
      spread: 0,
      samples: 1,
      note: `CPU share: consumers ${fmt(c.consumerShare)}, broker ${fmt(c.brokerShare)}, reader ${fmt(c.readerShare)}; timed from the first assignment (rebalances included)`,
    });
    const per = summarize(c.perCpuSecond);
    rows.push({
      case: `scale-out: ${consumers} consumer process${consumers > 1 ? 'es' : ''}, per process`,
      unit: 'trades/CPU-s',
      median: per.median,
      spread: per.spread,
      samples: c.perCpuSecond.length,
      note: `each: ${c.perCpuSecond.map((x) => fmt(x)).join(', ')} (replays after a rebalance count as work)`,
    });
  }
  return rows;
}

/**
 * Paced: PACED_RATE trades/s for PACED_SECONDS, live, once per `lingerMs`. Lag of a signal = when
 * it is read back − when the request holding the trade that closed its bar (its symbol's first
 * trade of the next minute) was acknowledged. Bars closed in the first WARM_UP_SECONDS are reported
 * apart (worst lag in the note).
 */
async function lag(broker: KafkaBroker): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const lingerMs of LINGERS) {
    const { steady, warmUp } = await pacedLag(broker, lingerMs);
    rows.push(
      latencyRow(
        `signal lag at ${PACED_RATE} trades/s (${SYMBOLS} symbols), lingerMs ${lingerMs}`,
        'ms',
        steady,
        `from the closing trade's ack to the signal read back (wall); batch records, producer linger 5 ms; ${steady.length} signals of a ${PACED_SECONDS} s run after its first ${WARM_UP_SECONDS} s (their ${warmUp.length} signals: worst ${Math.max(...warmUp).toFixed(0)} ms)`,
      ),
    );
  }
  return rows;
}

async function pacedLag(
  broker: KafkaBroker,
  lingerMs: number,
): Promise<{ steady: number[]; warmUp: number[] }> {
  const brokers = [broker.bootstrap];
  const prefix = `lag${lingerMs}`;
  const topics = {
    tradesTopic: `${prefix}-trades`,
    signalsTopic: `${prefix}-signals`,
    stateTopic: `${prefix}-state`,
  };
  await createDetectorTopics({ brokers, ...topics, partitions: PARTITIONS });
  // Event time runs 60× faster than wall time, so bars close every second of the run.
  const trades = [
    ...syntheticTrades({ symbols: SYMBOLS, trades: PACED_RATE * PACED_SECONDS, seed: 2, meanGapMs: 6 }),
  ];
  const closedAt = new Map<string, number>();
  const lastWindow = new Map<string, number>();
  const stop = new AbortController();
  const run = runKafkaDetector({ brokers, ...topics, groupId: prefix, lingerMs, signal: stop.signal });
  const steady: number[] = [];
  const warmUp: number[] = [];
  let feedStarted = Number.POSITIVE_INFINITY;
  const reading = (async () => {
    for await (const s of consumeSignals({ brokers, topic: topics.signalsTopic, signal: stop.signal })) {
      const sentAt = closedAt.get(`${s.symbol}/${s.bar.openTime}`);
      if (sentAt === undefined) continue;
      const lag = performance.now() - sentAt;
      (sentAt - feedStarted < WARM_UP_SECONDS * 1000 ? warmUp : steady).push(lag);
    }
  })();
  await new Promise((r) => setTimeout(r, 3000)); // group join
  let acked = 0;
  feedStarted = performance.now();
  await produceTrades({
    brokers,
    topic: topics.tradesTopic,
    source: paced(trades, PACED_RATE),
    lingerMs: 5,
    onProgress: (sent) => {
      const ackedAt = performance.now();
      for (; acked < sent; acked++) markClosing(trades[acked], ackedAt);
    },
  });
  await new Promise((r) => setTimeout(r, 2000));
  stop.abort();
  await Promise.all([run, reading]);
  return { steady, warmUp };

  function markClosing(t: Trade, ackedAt: number) {
    const symbol = t.symbol ?? '';
    const window = Math.floor(t.time / 60_000) * 60_000;
    const previous = lastWindow.get(symbol);
    if (previous !== undefined && window > previous) closedAt.set(`${symbol}/${previous}`, ackedAt);
    lastWindow.set(symbol, window);
  }
}

/** Yields `trades` at `rate` per second of wall time. */
async function* paced(trades: Trade[], rate: number): AsyncGenerator<Trade> {
  const started = performance.now();
  for (let i = 0; i < trades.length; i++) {
    const due = started + (i / rate) * 1000;
    const wait = due - performance.now();
    if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
    yield trades[i];
  }
}

interface Worker {
  process: ChildProcess;
  /** CPU-seconds the process had used when it was first assigned partitions, in each phase. */
  cpuAtJoin: Record<Phase, number>;
  /** Ends the warm-up phase; the trades it applied then. */
  endWarmUp(): Promise<number>;
  /** SIGTERM, then the trades it applied. */
  stop(): Promise<number>;
}

function startWorker(
  bootstrap: string,
  prefix: string,
  options: { lingerMs: number; signalFormat?: KafkaSignalFormat; warmUpTradesTopic: string },
  onAssigned: (phase: Phase) => void,
): Worker {
  const args = [
    '--import',
    'tsx',
    WORKER,
    bootstrap,
    prefix,
    prefix,
    JSON.stringify({ ...options, built: true }),
  ];
  const child = spawn(
    consumerCpus === undefined ? process.execPath : 'taskset',
    consumerCpus === undefined ? args : ['-c', consumerCpus, process.execPath, ...args],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  let buffered = '';
  let trades = 0;
  let warmedUp: (trades: number) => void = () => {};
  const warmUpTrades = new Promise<number>((resolve, reject) => {
    warmedUp = resolve;
    child.once('exit', (code) =>
      reject(new Error(`a detector process exited (${code}) before its warm-up ended`)),
    );
  });
  warmUpTrades.catch(() => {}); // awaited by endWarmUp; an exit after a normal stop is no error
  const worker: Worker = {
    process: child,
    cpuAtJoin: { warmUp: 0, run: 0 },
    endWarmUp() {
      child.stdin?.end('measure\n');
      return warmUpTrades;
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        process.stderr.write('  a detector process did not stop within 15 s of SIGTERM: killed\n');
        child.kill('SIGKILL');
      }, 15_000);
      await exited;
      clearTimeout(timer);
      return trades;
    },
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!line) continue;
      const event = JSON.parse(line);
      const phase: Phase = event.phase === 'warmUp' ? 'warmUp' : 'run';
      if (event.type === 'assigned' && event.partitions.length > 0 && worker.cpuAtJoin[phase] === 0) {
        worker.cpuAtJoin[phase] = cpuSeconds(child.pid ?? 0) ?? 0;
        onAssigned(phase);
      }
      if (event.type === 'warmedUp') warmedUp(event.stats.trades);
      if (event.type === 'stopped') trades = event.stats.trades;
    }
  });
  return worker;
}

/** Bytes of every log segment of `topic` on the broker. */
function topicBytes(broker: KafkaBroker, topic: string): number {
  let bytes = 0;
  for (const dir of readdirSync(broker.dataDir)) {
    if (!dir.startsWith(`${topic}-`)) continue;
    for (const f of readdirSync(join(broker.dataDir, dir)))
      if (f.endsWith('.log')) bytes += statSync(join(broker.dataDir, dir, f)).size;
  }
  return bytes;
}

function catchUpRow(name: string, runs: CatchUp[], note: string, vs?: string): BenchRow {
  const last = runs[runs.length - 1];
  return rate(
    name,
    runs.map((c) => c.tradesPerSecond),
    'trades/s',
    `${note}, timed from the group assignment; CPU share: consumer ${fmt(last.consumerShare)}, broker ${fmt(last.brokerShare)}, reader ${fmt(last.readerShare)}${last.consumerCpus === undefined ? '' : `; consumer on CPU ${last.consumerCpus}, broker and reader on the others`}`,
    vs,
  );
}

function rate(name: string, samples: number[], unit: string, note: string, vs?: string): BenchRow {
  const s = summarize(samples);
  return { case: name, unit, median: s.median, spread: s.spread, samples: samples.length, vs, note };
}

/** Ratios of rates: ours / the peer's. */
function withRatios(rows: BenchRow[]): BenchRow[] {
  const medians = new Map(rows.map((r) => [r.case, r.median]));
  for (const row of rows) {
    const peer = row.vs === undefined ? undefined : medians.get(row.vs);
    if (peer) row.ratio = row.median / peer;
  }
  return rows;
}

function cpuTime(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toPrecision(2);
}

function inProcessSignals(trades: Trade[]): number {
  const detectors = new Map<string, RegimeDetector>();
  let signals = 0;
  for (const t of trades) {
    const symbol = t.symbol ?? '';
    let d = detectors.get(symbol);
    if (!d) {
      d = built.createRegimeDetector({ symbol });
      detectors.set(symbol, d);
    }
    signals += d.pushTrade(t).length;
  }
  return signals;
}
