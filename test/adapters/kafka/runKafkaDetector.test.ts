/**
 * Scale-out on a real broker: 50 symbols, 1 000 000 trades, detector processes in one consumer
 * group; one is SIGKILLed mid-run and another joins. After dropping repeats, the signals must
 * equal a single process's for every (symbol, bar): nothing missing, nothing different.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Consumer, compatibilityPartitioner, ProduceAcks, Producer } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { syntheticTrades } from '../../../scripts/kafka/syntheticTrades.js';
import {
  consumeSignals,
  createDetectorTopics,
  decodeSignal,
  encodeTradeBatch,
  isSignalRecord,
  type KafkaDetectorEvent,
  produceTrades,
  runKafkaDetector,
  signalIdentity,
} from '../../../src/adapters/kafka/index.js';
import type { Trade } from '../../../src/bars/trade.js';
import { createRegimeDetector, type RegimeDetector } from '../../../src/pipeline/RegimeDetector.js';
import { kafkaSkipReason, useKafkaBroker } from './useKafkaBroker.js';

const SYMBOLS = 50;
const TRADES = 1_000_000;
const SEED = 20260101;
const PARTITIONS = 10;
const PREFIX = 'scale';
const WORKER = fileURLToPath(new URL('../../../scripts/kafka/detectorProcess.ts', import.meta.url));

describe.skipIf(kafkaSkipReason)('runKafkaDetector in a consumer group on a real broker', () => {
  const kafka = useKafkaBroker();

  it('gives the single-process signals for every (symbol, bar) after a member is SIGKILLed and another joins', async () => {
    const reference = singleProcessSignals(syntheticTrades({ symbols: SYMBOLS, trades: TRADES, seed: SEED }));
    await createDetectorTopics({
      brokers: kafka.brokers,
      tradesTopic: `${PREFIX}-trades`,
      signalsTopic: `${PREFIX}-signals`,
      stateTopic: `${PREFIX}-state`,
      partitions: PARTITIONS,
    });

    const a = startWorker('A');
    const b = startWorker('B');
    const workers = [a, b];
    try {
      await waitFor(
        () => a.owned().length > 0 && b.owned().length > 0,
        60_000,
        'A and B to share the partitions',
      );
      let c: Worker | undefined;
      let killedAt = 0;
      await produceTrades({
        brokers: kafka.brokers,
        topic: `${PREFIX}-trades`,
        source: syntheticTrades({ symbols: SYMBOLS, trades: TRADES, seed: SEED }),
        onProgress: (sent) => {
          // Mid-run: A has snapshotted and kept going, and most trades are still to come.
          if (c || sent < 0.3 * TRADES || !a.events.some((e) => e.type === 'snapshot')) return;
          killedAt = sent;
          a.process.kill('SIGKILL');
          c = startWorker('C');
          workers.push(c);
        },
      });
      expect(killedAt, 'A was killed before the last trade was produced').toBeGreaterThan(0);
      const aPartitions = a.owned();

      // Every signal once, each equal to the single-process one.
      const seen = new Map<string, string>();
      const signals = consumeSignals({
        brokers: kafka.brokers,
        topic: `${PREFIX}-signals`,
        signal: AbortSignal.timeout(240_000),
      });
      for await (const s of signals) {
        const id = signalIdentity(s);
        expect(seen.has(id), `${id} yielded twice`).toBe(false);
        seen.set(id, JSON.stringify(s));
        if (seen.size === reference.size) break;
      }
      const missing = [...reference.keys()].filter((id) => !seen.has(id));
      expect(missing.slice(0, 5), `${missing.length} of ${reference.size} signals missing`).toEqual([]);
      const different = [...seen].filter(([id, json]) => reference.get(id) !== json).map(([id]) => id);
      expect(different.slice(0, 5), `${different.length} signals differ from the single process`).toEqual([]);

      // The partitions A owned were taken over from its snapshots, not from scratch.
      const takenOver = [b, c as Worker].flatMap((w) =>
        w.events.filter((e) => e.type === 'restored' && aPartitions.includes(e.partition)),
      );
      expect(takenOver.map((e) => e.partition).sort()).toEqual(expect.arrayContaining(aPartitions));
      expect(takenOver.some((e) => e.fromSnapshot && Number(e.offset) > 0)).toBe(true);

      // Graceful shutdown of the survivors: exit 0 with their counts.
      for (const w of [b, c as Worker]) w.process.kill('SIGTERM');
      for (const w of [b, c as Worker]) {
        const code = await w.exited;
        expect(code, `${w.name} exit code; stderr: ${w.stderr()}`).toBe(0);
        expect(w.events.at(-1)?.type).toBe('stopped');
      }

      // Repeats on the topic (from the replay after the kill) are identical copies.
      const raw = consumeSignals({
        brokers: kafka.brokers,
        topic: `${PREFIX}-signals`,
        dedupe: false,
        signal: AbortSignal.timeout(120_000),
      });
      let copies = 0;
      for await (const s of raw) {
        expect(JSON.stringify(s)).toBe(reference.get(signalIdentity(s)));
        copies++;
        if (copies === signals.stats().received) break;
      }
      expect(copies).toBe(signals.stats().received);
      console.log(
        `scale-out: ${reference.size} signals, A killed after ${killedAt} trades produced, ` +
          `${signals.stats().duplicates} repeats dropped`,
      );
    } finally {
      for (const w of workers) if (w.process.exitCode === null) w.process.kill('SIGKILL');
    }
  }, 600_000);

  it('stops gracefully (signals sent, snapshots written) and a restart continues without one repeat', async () => {
    const trades = [...syntheticTrades({ symbols: 6, trades: 20_000, seed: 5 })];
    const half = trades.slice(0, 10_000);
    const topics = {
      tradesTopic: 'restart-trades',
      signalsTopic: 'restart-signals',
      stateTopic: 'restart-state',
    };
    await createDetectorTopics({ brokers: kafka.brokers, ...topics, partitions: 3 });
    const run = async (expected: number) => {
      const stop = new AbortController();
      const events: KafkaDetectorEvent[] = [];
      const running = runKafkaDetector({
        brokers: kafka.brokers,
        ...topics,
        groupId: 'restart',
        signal: stop.signal,
        onEvent: (e) => events.push(e),
      });
      let read = 0;
      for await (const _ of consumeSignals({
        brokers: kafka.brokers,
        topic: topics.signalsTopic,
        dedupe: false,
      })) {
        if (++read === expected) break;
      }
      stop.abort();
      return { stats: await running, events };
    };

    await produceTrades({ brokers: kafka.brokers, topic: topics.tradesTopic, source: half });
    const first = await run(singleProcessSignals(half).size);
    expect(first.stats.signals).toBe(singleProcessSignals(half).size);
    // The final checkpoint snapshots every partition that had trades.
    const snapshotted = [
      ...new Set(first.events.flatMap((e) => (e.type === 'snapshot' ? [e.partition] : []))),
    ].sort();
    expect(snapshotted.length).toBeGreaterThan(0);

    await produceTrades({ brokers: kafka.brokers, topic: topics.tradesTopic, source: trades.slice(10_000) });
    const reference = singleProcessSignals(trades);
    const second = await run(reference.size);
    const restored = second.events.filter((e) => e.type === 'restored');
    expect(
      restored.flatMap((e) => (e.type === 'restored' && e.fromSnapshot ? [e.partition] : [])).sort(),
    ).toEqual(snapshotted);
    // No trade applied twice (the restart resumed where the snapshots said).
    expect(first.stats.trades + second.stats.trades).toBeLessThanOrEqual(trades.length);

    // Everything on the topic, repeats included: exactly the single-process signals, each once.
    const all = new Map<string, string>();
    let copies = 0;
    for await (const s of consumeSignals({
      brokers: kafka.brokers,
      topic: topics.signalsTopic,
      dedupe: false,
    })) {
      all.set(signalIdentity(s), JSON.stringify(s));
      if (++copies === reference.size) break;
    }
    expect(all).toEqual(reference);
    expect(first.stats.signals + second.stats.signals).toBe(reference.size);
  }, 180_000);

  it('takes JSON and batch records on one topic, and counts broken ones without losing a trade', async () => {
    const trades = [...syntheticTrades({ symbols: 8, trades: 30_000, seed: 9 })];
    const topics = { tradesTopic: 'mixed-trades', signalsTopic: 'mixed-signals', stateTopic: 'mixed-state' };
    await createDetectorTopics({ brokers: kafka.brokers, ...topics, partitions: 3 });
    const produce = (slice: Trade[], format: 'json' | 'batch') =>
      produceTrades({
        brokers: kafka.brokers,
        topic: topics.tradesTopic,
        source: slice,
        format,
        batchSize: 2000,
      });
    // Even symbols' trades as JSON, odd ones' as batches, interleaved; then every symbol switches format.
    const half = trades.length / 2;
    const bySymbol = (from: number, to: number, even: boolean) =>
      trades.slice(from, to).filter((t) => (Number(t.symbol?.slice(1, 3)) % 2 === 0) === even);
    const [jsonFirst, batchFirst] = [bySymbol(0, half, true), bySymbol(0, half, false)];
    await Promise.all([produce(jsonFirst, 'json'), produce(batchFirst, 'batch')]);
    // Broken records, each in the partition of a real symbol: a damaged batch, a batch with an
    // invalid trade, and bytes that are neither format.
    const damaged = encodeTradeBatch('S00USDT', trades.slice(0, 3));
    damaged.writeUInt32LE(4, 8);
    const nanPrice = encodeTradeBatch('S01USDT', trades.slice(0, 2));
    nanPrice.writeDoubleLE(Number.NaN, 12 + 7 + 2 * 8);
    const producer = new Producer({
      clientId: 'test',
      bootstrapBrokers: kafka.brokers,
      acks: ProduceAcks.ALL,
      partitioner: compatibilityPartitioner,
    });
    try {
      await producer.send({
        messages: [
          { topic: topics.tradesTopic, key: Buffer.from('S00USDT'), value: damaged },
          { topic: topics.tradesTopic, key: Buffer.from('S01USDT'), value: nanPrice },
          { topic: topics.tradesTopic, key: Buffer.from('S02USDT'), value: Buffer.from([0x4d, 0x53, 0x54]) },
        ],
      });
    } finally {
      await producer.close();
    }
    await Promise.all([
      produce(bySymbol(half, trades.length, false), 'json'),
      produce(bySymbol(half, trades.length, true), 'batch'),
    ]);

    const reference = singleProcessSignals(trades);
    const stop = new AbortController();
    const events: KafkaDetectorEvent[] = [];
    const running = runKafkaDetector({
      brokers: kafka.brokers,
      ...topics,
      groupId: 'mixed',
      signal: stop.signal,
      onEvent: (e) => events.push(e),
    });
    const seen = await readSignals(kafka.brokers, topics.signalsTopic, reference.size);
    stop.abort();
    const stats = await running;
    expect(seen).toEqual(reference);
    expect(stats.trades).toBe(trades.length);
    expect(stats.malformed).toBe(3);
    expect(events.filter((e) => e.type === 'malformed')).toHaveLength(3);
  }, 180_000);

  it('gives detectors to the first maxSymbolsPerPartition symbols of a partition, and skips and counts the trades of others', async () => {
    const trades = [...syntheticTrades({ symbols: 6, trades: 12_000, seed: 11 })];
    const kept = new Set(['S00USDT', 'S01USDT', 'S02USDT', 'S03USDT']);
    const keptTrades = trades.filter((t) => kept.has(t.symbol ?? ''));
    const topics = { tradesTopic: 'limit-trades', signalsTopic: 'limit-signals', stateTopic: 'limit-state' };
    await createDetectorTopics({ brokers: kafka.brokers, ...topics, partitions: 1 });
    const produce = (source: Trade[], format: 'json' | 'batch') =>
      produceTrades({ brokers: kafka.brokers, topic: topics.tradesTopic, source, format, batchSize: 2000 });
    // The four kept symbols come first in the partition; then a fifth as batches, a sixth as JSON.
    await produce(keptTrades, 'batch');
    const s04 = trades.filter((t) => t.symbol === 'S04USDT');
    const s05 = trades.filter((t) => t.symbol === 'S05USDT');
    await produce(s04, 'batch');
    await produce(s05, 'json');

    const reference = singleProcessSignals(keptTrades);
    const stop = new AbortController();
    const refused: Extract<KafkaDetectorEvent, { type: 'refused' }>[] = [];
    const running = runKafkaDetector({
      brokers: kafka.brokers,
      ...topics,
      groupId: 'limit',
      maxSymbolsPerPartition: 4,
      signal: stop.signal,
      onEvent: (e) => {
        if (e.type === 'refused') refused.push(e);
      },
    });
    const seen = await readSignals(kafka.brokers, topics.signalsTopic, reference.size);
    const refusedTrades = () => refused.reduce((n, e) => n + e.trades, 0);
    await waitFor(
      () => refusedTrades() >= s04.length + s05.length,
      60_000,
      'the other symbols to be refused',
    );
    stop.abort();
    const stats = await running;
    expect(seen).toEqual(reference);
    expect(stats.trades).toBe(keptTrades.length);
    expect(stats.refused).toBe(s04.length + s05.length);
    expect(refusedTrades()).toBe(stats.refused);
    expect(new Set(refused.map((e) => e.symbol))).toEqual(new Set(['S04USDT', 'S05USDT']));
    expect(stats.malformed).toBe(0);
  }, 180_000);

  it('writes binary signal records when asked; readers take them next to JSON signals on one topic', async () => {
    const trades = [...syntheticTrades({ symbols: 6, trades: 20_000, seed: 13 })];
    const firstHalf = trades.slice(0, 10_000);
    const topics = {
      tradesTopic: 'format-trades',
      signalsTopic: 'format-signals',
      stateTopic: 'format-state',
    };
    await createDetectorTopics({ brokers: kafka.brokers, ...topics, partitions: 3 });
    // One group: JSON signals before a restart, binary ones after it (as in an upgrade).
    const run = async (signalFormat: 'json' | 'binary', expectedOnTopic: number) => {
      const stop = new AbortController();
      const running = runKafkaDetector({
        brokers: kafka.brokers,
        ...topics,
        groupId: 'format',
        signalFormat,
        signal: stop.signal,
      });
      let read = 0;
      for await (const _ of consumeSignals({
        brokers: kafka.brokers,
        topic: topics.signalsTopic,
        dedupe: false,
        signal: AbortSignal.timeout(120_000),
      })) {
        if (++read === expectedOnTopic) break;
      }
      stop.abort();
      return running;
    };
    await produceTrades({ brokers: kafka.brokers, topic: topics.tradesTopic, source: firstHalf });
    const first = await run('json', singleProcessSignals(firstHalf).size);
    await produceTrades({ brokers: kafka.brokers, topic: topics.tradesTopic, source: trades.slice(10_000) });
    const reference = singleProcessSignals(trades);
    const second = await run('binary', reference.size);
    expect(first.signals + second.signals).toBe(reference.size);
    expect(first.signals).toBeGreaterThan(0);
    expect(second.signals).toBeGreaterThan(0);

    // On the topic: exactly the first run's signals as JSON and the second's as records, each
    // keyed by its symbol in the partition a Java client's murmur2 gives that key.
    const consumer = new Consumer({
      clientId: 'raw',
      groupId: 'format-raw',
      bootstrapBrokers: kafka.brokers,
    });
    let json = 0;
    let binary = 0;
    const misplaced: string[] = [];
    try {
      const stream = await consumer.consume({
        topics: [topics.signalsTopic],
        mode: 'earliest',
        autocommit: false,
      });
      for await (const message of stream) {
        const value = message.value as Buffer;
        const key = message.key as Buffer;
        const symbol = decodeSignal(value)?.symbol;
        if (key.toString() !== symbol || message.partition !== compatibilityPartitioner(message, key) % 3)
          misplaced.push(`${symbol} with key ${key.toString()} in partition ${message.partition}`);
        if (isSignalRecord(value)) binary++;
        else if (value[0] === 0x7b) json++;
        if (json + binary === reference.size) break;
      }
      await stream.close();
    } finally {
      await consumer.close(true);
    }
    expect({ json, binary }).toEqual({ json: first.signals, binary: second.signals });
    expect(misplaced).toEqual([]);

    // Read back through the library: the single-process signals, whichever format carried them.
    const seen = new Map<string, unknown>();
    for await (const s of consumeSignals({ brokers: kafka.brokers, topic: topics.signalsTopic })) {
      seen.set(signalIdentity(s), JSON.parse(JSON.stringify(s)));
      if (seen.size === reference.size) break;
    }
    expect(seen).toEqual(new Map([...reference].map(([id, text]) => [id, JSON.parse(text)])));
  }, 180_000);

  interface WorkerEvent {
    type: string;
    partition: number;
    partitions: number[];
    offset: string;
    fromSnapshot: boolean;
  }
  interface Worker {
    name: string;
    process: ChildProcess;
    /** Exit code, from the moment the process started (it may exit before anyone waits). */
    exited: Promise<number | null>;
    events: WorkerEvent[];
    owned(): number[];
    stderr(): string;
  }

  function startWorker(name: string): Worker {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        WORKER,
        kafka.bootstrap,
        `${PREFIX}-group`,
        PREFIX,
        JSON.stringify({ snapshotEveryBars: 100, sessionTimeoutMs: 6000 }),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const events: WorkerEvent[] = [];
    let buffered = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line) events.push(JSON.parse(line));
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    return {
      name,
      process: child,
      exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
      events,
      owned: () => events.filter((e) => e.type === 'assigned').at(-1)?.partitions ?? [],
      stderr: () => stderr.slice(-2000),
    };
  }
});

/** Identity → JSON of the first `count` different signals on `topic` (repeats dropped), within 120 s. */
async function readSignals(brokers: string[], topic: string, count: number): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  for await (const s of consumeSignals({ brokers, topic, signal: AbortSignal.timeout(120_000) })) {
    seen.set(signalIdentity(s), JSON.stringify(s));
    if (seen.size === count) break;
  }
  return seen;
}

/** Identity → JSON of every signal a single in-process detector per symbol gives. */
function singleProcessSignals(trades: Iterable<Trade>): Map<string, string> {
  const detectors = new Map<string, RegimeDetector>();
  const out = new Map<string, string>();
  for (const trade of trades) {
    const symbol = trade.symbol ?? '';
    let detector = detectors.get(symbol);
    if (!detector) {
      detector = createRegimeDetector({ symbol });
      detectors.set(symbol, detector);
    }
    for (const s of detector.pushTrade(trade)) out.set(signalIdentity(s), JSON.stringify(s));
  }
  return out;
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
