/**
 * The Kafka adapter's parts around the detector, against a real broker: topic creation,
 * producing a real Binance export, reading the state topic, and consuming signals without repeats.
 */
import { Admin, Consumer, ProduceAcks, Producer } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import {
  consumeSignals,
  createDetectorTopics,
  decodeTrade,
  decodeTradeBatch,
  encodeSignal,
  PARTITION_SNAPSHOT_FORMAT,
  type PartitionSnapshot,
  produceTrades,
  readPartitionSnapshot,
} from '../../../src/adapters/kafka/index.js';
import type { Trade } from '../../../src/bars/trade.js';
import { readAggTrades } from '../../../src/node/index.js';
import type { RegimeSignal } from '../../../src/pipeline/signal.js';
import { shifty } from '../../util/shifty.js';
import { kafkaSkipReason, useKafkaBroker } from './useKafkaBroker.js';

const FIXTURE = 'fixtures/trades/BTCUSDT-aggTrades-2026-01-01T0000-0012.csv';

/** A BTCUSDT trade `id` ms after 2026-01-01, the sides alternating. */
const trade = (id: number): Trade => ({
  time: 1767225600000 + id,
  price: 87648.21,
  qty: 0.001,
  isBuyerMaker: id % 2 === 0,
  id,
  symbol: 'BTCUSDT',
});

describe.skipIf(kafkaSkipReason)('Kafka adapter on a real broker', () => {
  const kafka = useKafkaBroker();
  /** The three topics of a test, `<prefix>-trades`, `-signals` and `-state`. */
  const createTopics = (prefix: string, partitions: number) =>
    createDetectorTopics({
      brokers: kafka.brokers,
      tradesTopic: `${prefix}-trades`,
      signalsTopic: `${prefix}-signals`,
      stateTopic: `${prefix}-state`,
      partitions,
    });

  it('creates the three topics once, the state topic compacted', async () => {
    const topics = { tradesTopic: 't1-trades', signalsTopic: 't1-signals', stateTopic: 't1-state' };
    await createDetectorTopics({ brokers: kafka.brokers, ...topics, partitions: 3 });
    await createDetectorTopics({ brokers: kafka.brokers, ...topics, partitions: 3 });
    const admin = new Admin({ clientId: 'test', bootstrapBrokers: kafka.brokers });
    try {
      const metadata = await admin.metadata({ topics: Object.values(topics) });
      for (const t of Object.values(topics)) expect(metadata.topics.get(t)?.partitionsCount).toBe(3);
      const [config] = await admin.describeConfigs({
        resources: [{ resourceType: 2, resourceName: 't1-state', configurationKeys: ['cleanup.policy'] }],
      });
      expect(config.configs.find((c) => c.name === 'cleanup.policy')?.value).toBe('compact');
      await admin.createTopics({ topics: ['t2-trades'], partitions: 4, replicas: 1 });
      await admin.createTopics({ topics: ['t2-state'], partitions: 2, replicas: 1 });
    } finally {
      await admin.close();
    }
    await expect(
      createDetectorTopics({
        brokers: kafka.brokers,
        tradesTopic: 't2-trades',
        signalsTopic: 't2-signals',
        stateTopic: 't2-state',
      }),
    ).rejects.toThrow(/t2-state has 2 partitions but t2-trades has 4/);
  });

  it('publishes a real Binance aggTrades export keyed by symbol, in order, in one partition, as batches', async () => {
    await createTopics('p', 4);
    const progress: number[] = [];
    const sent = await produceTrades({
      brokers: kafka.brokers,
      topic: 'p-trades',
      source: readAggTrades(FIXTURE),
      symbol: 'BTCUSDT',
      batchSize: 1000,
      onProgress: (n) => progress.push(n),
    });
    const expected: Trade[] = [];
    for await (const t of readAggTrades(FIXTURE, { symbol: 'BTCUSDT' })) expected.push(t);
    expect(sent).toBe(expected.length);
    const requests = Math.ceil(expected.length / 1000);
    expect(progress).toEqual(Array.from({ length: requests }, (_, i) => Math.min((i + 1) * 1000, sent)));

    // One batch record per request (one symbol), each validated on decode.
    const received = await readAll('p-trades', requests);
    expect(new Set(received.map((m) => m.partition)).size).toBe(1);
    expect(received.every((m) => m.key === 'BTCUSDT')).toBe(true);
    const decoded: Trade[] = [];
    for (const m of received) {
      const batch = decodeTradeBatch(m.value);
      for (let i = 0; i < batch.count; i++) {
        const t = { ...batch.readTrade(i, { time: 0, price: 0, qty: 0, isBuyerMaker: false }) };
        if (t.id === undefined) delete t.id;
        if (t.firstId === undefined) delete t.firstId;
        if (t.lastId === undefined) delete t.lastId;
        decoded.push(t);
      }
    }
    expect(decoded).toEqual(expected);
  });

  it('publishes one JSON record per trade with format json, and skips invalid trades', async () => {
    await createTopics('j', 2);
    const trades: Trade[] = [
      { time: 1767225600039, price: 87648.21, qty: 0.001, isBuyerMaker: false, id: 1, symbol: 'BTCUSDT' },
      { time: 1767225600040, price: -1, qty: 0.001, isBuyerMaker: false, id: 2, symbol: 'BTCUSDT' },
      { time: 1767225600041, price: 87648.2, qty: 0.5, isBuyerMaker: true, id: 3, symbol: 'BTCUSDT' },
    ];
    const rejected: string[] = [];
    const sent = await produceTrades({
      brokers: kafka.brokers,
      topic: 'j-trades',
      source: trades,
      format: 'json',
      onRejectTrade: (_, reason) => rejected.push(reason),
    });
    expect(sent).toBe(2);
    expect(rejected).toEqual(['price must be a finite number > 0, got -1']);
    const received = await readAll('j-trades', 2);
    expect(received.map((m) => decodeTrade(m.value))).toEqual([trades[0], trades[2]]);
  });

  it('checks and encodes one reading of each trade: null is skipped, a trade that changes after it is read is sent as read', async () => {
    await createTopics('r', 1);
    // qty honest on its first k reads, then -1; and a time honest on its first k reads, then NaN.
    const shifting = [1, 2, 3, 4, 5, 6].flatMap((k) => [
      shifty(trade(10 * k), 'qty', k, -1).value,
      shifty(trade(10 * k + 1), 'time', k, Number.NaN).value,
    ]);
    const source = [trade(1), null as unknown as Trade, ...shifting, trade(100)];
    const rejected: unknown[] = [];
    const sent = await produceTrades({
      brokers: kafka.brokers,
      topic: 'r-trades',
      source,
      onRejectTrade: (t, reason) => rejected.push([t, reason]),
    });
    expect(rejected).toEqual([[null, 'a trade must be an object, got null']]);
    expect(sent).toBe(source.length - 1);
    const [record] = await readAll('r-trades', 1);
    const batch = decodeTradeBatch(record.value); // throws if a value changed between check and write
    const sentTrades = Array.from({ length: batch.count }, (_, i) => ({ ...batch.readTrade(i, trade(0)) }));
    expect(sentTrades.map((t) => t.time)).toEqual(
      [1, ...[1, 2, 3, 4, 5, 6].flatMap((k) => [10 * k, 10 * k + 1]), 100].map((id) => 1767225600000 + id),
    );
    expect(sentTrades.every((t) => t.qty === 0.001)).toBe(true);
  });

  it("sends a live source's waiting trades once the first has waited lingerMs", async () => {
    await createTopics('l', 1);
    const progress: number[] = [];
    // Three trades, then a pause far longer than lingerMs (only ended once they were acknowledged), then two more.
    let acknowledged: () => void = () => {};
    const firstSent = new Promise<void>((resolve) => {
      acknowledged = resolve;
    });
    async function* live() {
      yield* [trade(1), trade(2), trade(3)];
      await firstSent;
      yield* [trade(4), trade(5)];
    }
    const sent = await produceTrades({
      brokers: kafka.brokers,
      topic: 'l-trades',
      source: live(),
      lingerMs: 20,
      onProgress: (n) => {
        progress.push(n);
        if (n === 3) acknowledged();
      },
    });
    expect(sent).toBe(5);
    expect(progress).toEqual([3, 5]);
    const records = await readAll('l-trades', 2);
    expect(records.map((r) => decodeTradeBatch(r.value).count)).toEqual([3, 2]);
  });

  it('reads the latest state record of a partition, and nothing for a partition without one', async () => {
    await createTopics('s', 3);
    const record = (partition: number, offset: number, tradesTopic = 's-trades'): PartitionSnapshot => ({
      format: PARTITION_SNAPSHOT_FORMAT,
      version: 1,
      tradesTopic,
      partition,
      offset: String(offset),
      writtenAt: 0,
      detectors: { marker: offset },
    });
    const producer = new Producer({
      clientId: 'test',
      bootstrapBrokers: kafka.brokers,
      acks: ProduceAcks.ALL,
    });
    const consumer = new Consumer({
      clientId: 'test',
      groupId: 'state-reader',
      bootstrapBrokers: kafka.brokers,
    });
    try {
      for (const offset of [10, 20, 30]) {
        await producer.send({
          messages: [
            {
              topic: 's-state',
              partition: 1,
              key: Buffer.from('s-trades/1'),
              value: json(record(1, offset)),
            },
          ],
          compression: 'gzip',
        });
      }
      await producer.send({
        messages: [
          { topic: 's-state', partition: 2, key: Buffer.from('x/2'), value: json(record(2, 5, 'x')) },
        ],
      });
      const latest = await readPartitionSnapshot(consumer, 's-state', 's-trades', 1);
      expect(latest?.offset).toBe('30');
      expect(latest?.detectors).toEqual({ marker: 30 });
      expect(await readPartitionSnapshot(consumer, 's-state', 's-trades', 0)).toBeUndefined();
      await expect(readPartitionSnapshot(consumer, 's-state', 's-trades', 2)).rejects.toThrow(
        /belongs to x\[2\]/,
      );
    } finally {
      await producer.close();
      await consumer.close();
    }
  });

  it('consumes signals and drops the repeats of a replay, keeping the first copy', async () => {
    await createDetectorTopics({
      brokers: kafka.brokers,
      tradesTopic: 'c-trades',
      signalsTopic: 'c-signals',
      stateTopic: 'c-state',
      partitions: 2,
    });
    // Writer A emits bars 0..5 of X, then a new owner replays X from bar 3 to bar 8; Y is untouched.
    const bars = [0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7, 8];
    const producer = new Producer({
      clientId: 'test',
      bootstrapBrokers: kafka.brokers,
      acks: ProduceAcks.ALL,
    });
    try {
      await producer.send({
        messages: [
          ...bars.map((b) => ({
            topic: 'c-signals',
            key: Buffer.from('X'),
            value: encodeSignal(signal('X', b)),
          })),
          { topic: 'c-signals', key: Buffer.from('X'), value: Buffer.from('not json') },
          { topic: 'c-signals', key: Buffer.from('Y'), value: encodeSignal(signal('Y', 0)) },
        ],
      });
    } finally {
      await producer.close();
    }
    const deduped = await take(consumeSignals({ brokers: kafka.brokers, topic: 'c-signals' }), 10);
    expect(deduped.signals.filter((s) => s.symbol === 'X').map((s) => s.bar.openTime / 60_000)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    expect(deduped.stats).toEqual({ received: 14, duplicates: 3, malformed: 1 });
    const raw = await take(consumeSignals({ brokers: kafka.brokers, topic: 'c-signals', dedupe: false }), 13);
    expect(raw.signals.filter((s) => s.symbol === 'X')).toHaveLength(bars.length);
  });

  async function readAll(topic: string, count: number) {
    const consumer = new Consumer({
      clientId: 'test',
      groupId: `read-${topic}`,
      bootstrapBrokers: kafka.brokers,
    });
    const out: { partition: number; key: string; value: Buffer }[] = [];
    try {
      const stream = await consumer.consume({ topics: [topic], mode: 'earliest', maxWaitTime: 200 });
      for await (const m of stream) {
        out.push({ partition: m.partition, key: m.key.toString(), value: m.value });
        if (out.length === count) break;
      }
      await stream.close();
    } finally {
      await consumer.close(true);
    }
    return out;
  }
});

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** Reads `count` signals, then stops the consumer. */
async function take(consumer: ReturnType<typeof consumeSignals>, count: number) {
  const signals: RegimeSignal[] = [];
  for await (const s of consumer) {
    signals.push(s);
    if (signals.length === count) break;
  }
  return { signals, stats: consumer.stats() };
}

function signal(symbol: string, bar: number): RegimeSignal {
  const openTime = bar * 60_000;
  return {
    symbol,
    interval: 60_000,
    bar: {
      symbol,
      openTime,
      closeTime: openTime + 59_999,
      open: 1,
      high: 1,
      low: 1,
      close: 1,
      volume: 0,
      gap: false,
    },
    features: {},
    anomaly: { score: -0.4, threshold: -0.5, isAnomaly: false },
    regime: {
      state: 0,
      label: 'Stable',
      probabilities: [1, 0, 0],
      changed: false,
      mostProbableState: 0,
      mostProbableLabel: 'Stable',
    },
    warm: true,
    outOfRange: false,
  };
}
