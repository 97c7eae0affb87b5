import { describe, expect, it } from 'vitest';
import { consumeSignals } from '../../../src/adapters/kafka/consumeSignals.js';
import { createDetectorTopics } from '../../../src/adapters/kafka/createDetectorTopics.js';
import {
  brokerList,
  detectorTopics,
  KAFKA_INT32_MAX,
  nonEmptyString,
  optionalAbortSignal,
  topicName,
} from '../../../src/adapters/kafka/kafkaOptions.js';
import { produceTrades } from '../../../src/adapters/kafka/produceTrades.js';
import { type KafkaDetectorOptions, runKafkaDetector } from '../../../src/adapters/kafka/runKafkaDetector.js';
import { positiveInteger } from '../../../src/adapters/shared/optionChecks.js';

// No broker listens on port 1: every call below must fail on its options before it connects.
const brokers = ['127.0.0.1:1'];
const topics = { tradesTopic: 'trades', signalsTopic: 'signals', stateTopic: 'state' };

describe('Kafka option checks', () => {
  it('take host:port brokers, copied, and name the bad one', () => {
    const list = ['10.0.0.5:9092', 'kafka-1.internal:19092', '[::1]:9092'];
    const copy = brokerList(list);
    expect(copy).toEqual(list);
    expect(copy).not.toBe(list);
    expect(() => brokerList([])).toThrow(/brokers must be a non-empty array/);
    expect(() => brokerList('127.0.0.1:9092')).toThrow(/brokers must be a non-empty array/);
    expect(() => brokerList(['127.0.0.1:9092', 'localhost'])).toThrow(/brokers\[1\] must be 'host:port'/);
    expect(() => brokerList(['localhost:0'])).toThrow(/port 1-65535/);
    expect(() => brokerList(['localhost:65536'])).toThrow(/port 1-65535/);
    expect(() => brokerList(['local host:9092'])).toThrow(/brokers\[0\]/);
    expect(() => brokerList([9092])).toThrow(/got 9092/);
  });

  it("take Kafka's topic names only", () => {
    for (const name of ['trades', 'a.b_c-D9', 'x'.repeat(249)]) expect(topicName(name, 't')).toBe(name);
    for (const bad of ['', '.', '..', 'my trades', 'trädes', 'x'.repeat(250), 7, undefined])
      expect(() => topicName(bad, 'tradesTopic')).toThrow(/tradesTopic must be a topic name/);
  });

  it('want three different detector topics', () => {
    expect(detectorTopics(topics)).toEqual(topics);
    expect(() => detectorTopics({ ...topics, stateTopic: 'trades' })).toThrow(/three different topics/);
    expect(() => detectorTopics({ ...topics, signalsTopic: 'state' })).toThrow(/three different topics/);
  });

  it('fill defaults and refuse what is out of range', () => {
    expect(positiveInteger('n', 1, KAFKA_INT32_MAX)).toBe(1);
    expect(positiveInteger('n', KAFKA_INT32_MAX, KAFKA_INT32_MAX)).toBe(2 ** 31 - 1);
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '5', null])
      expect(() => positiveInteger('maxBatchSignals', bad, KAFKA_INT32_MAX)).toThrow(
        /maxBatchSignals must be an integer > 0 and <= 2147483647/,
      );
    expect(nonEmptyString(undefined, 'clientId', 'me')).toBe('me');
    expect(() => nonEmptyString(undefined, 'groupId')).toThrow(/groupId must be a non-empty string/);
    expect(() => nonEmptyString('', 'groupId')).toThrow(/groupId must be a non-empty string/);
    const signal = new AbortController().signal;
    expect(optionalAbortSignal(signal)).toBe(signal);
    expect(() => optionalAbortSignal({ aborted: false })).toThrow(/signal must be an AbortSignal/);
  });
});

describe('the Kafka entry points check their options before they connect', () => {
  const detector: KafkaDetectorOptions = { brokers, ...topics, groupId: 'regimes' };
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['no brokers', { brokers: [] }, /brokers must be a non-empty array/],
    ['a broker without a port', { brokers: ['localhost'] }, /brokers\[0\] must be 'host:port'/],
    ['a topic with a space', { tradesTopic: 'my trades' }, /tradesTopic must be a topic name/],
    ['the state topic equal to the trades topic', { stateTopic: 'trades' }, /three different topics/],
    ['an empty group', { groupId: '' }, /groupId must be a non-empty string/],
    ['snapshots after every signal', { snapshotEveryBars: 0 }, /snapshotEveryBars must be an integer/],
    ['snapshots never', { snapshotEveryBars: Number.NaN }, /snapshotEveryBars must be an integer/],
    ['an empty signal batch', { maxBatchSignals: 0 }, /maxBatchSignals must be an integer/],
    ['no room for a symbol', { maxSymbolsPerPartition: 0 }, /maxSymbolsPerPartition must be an integer > 0/],
    ['a negative linger', { lingerMs: -5 }, /lingerMs must be a number of ms/],
    ['an unknown signal format', { signalFormat: 'avro' }, /signalFormat must be 'json' or 'binary'/],
    [
      'a heartbeat slower than the session',
      { heartbeatIntervalMs: 20_000 },
      /must be below sessionTimeoutMs/,
    ],
    ['a half-millisecond session', { sessionTimeoutMs: 0.5 }, /sessionTimeoutMs must be an integer/],
    ['an onEvent that is not a function', { onEvent: 'console.log' }, /onEvent must be a function/],
    ['a signal that is not an AbortSignal', { signal: { aborted: true } }, /signal must be an AbortSignal/],
    ['a bar interval of zero', { intervalMs: 0 }, /intervalMs/],
    ['a negative lateness', { allowedLatenessMs: -1 }, /allowedLatenessMs/],
  ];
  for (const [what, change, message] of bad)
    it(`runKafkaDetector refuses ${what}`, async () => {
      await expect(runKafkaDetector({ ...detector, ...change } as KafkaDetectorOptions)).rejects.toThrow(
        message,
      );
    });

  it('runKafkaDetector refuses a model that is not a RegimeModel', async () => {
    await expect(
      runKafkaDetector({ ...detector, model: { kind: 'regime' } } as unknown as KafkaDetectorOptions),
    ).rejects.toThrow(/model/);
  });

  it('runKafkaDetector refuses no options at all', async () => {
    await expect(runKafkaDetector(undefined as unknown as KafkaDetectorOptions)).rejects.toThrow(
      /needs an options object/,
    );
  });

  it('produceTrades refuses a bad source, format, batch size, linger or compression', async () => {
    const produce = { brokers, topic: 'trades', source: [] };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ topic: 'trades/2026' }, /topic must be a topic name/],
      [{ source: 'BTCUSDT.csv' }, /source must be an iterable or async iterable/],
      [{ source: undefined }, /source must be an iterable/],
      [{ format: 'csv' }, /format must be 'batch' or 'json'/],
      [{ batchSize: 0 }, /batchSize must be an integer/],
      [{ lingerMs: Number.NaN }, /lingerMs must be a number of ms/],
      [{ compression: 'brotli' }, /compression must be one of none, gzip, snappy, lz4, zstd/],
      [{ symbol: '' }, /symbol must be a non-empty string/],
      [{ onProgress: 1 }, /onProgress must be a function/],
    ];
    for (const [change, message] of cases)
      await expect(produceTrades({ ...produce, ...change } as never)).rejects.toThrow(message);
  });

  it('consumeSignals refuses bad options when called, not at the first read', () => {
    expect(() => consumeSignals({ brokers: [], topic: 'signals' })).toThrow(
      /brokers must be a non-empty array/,
    );
    expect(() => consumeSignals({ brokers, topic: '' })).toThrow(/topic must be a topic name/);
    expect(() => consumeSignals({ brokers, topic: 'signals', groupId: '' })).toThrow(/groupId/);
    expect(() => consumeSignals({ brokers, topic: 'signals', dedupe: 'yes' as never })).toThrow(
      /dedupe must be a boolean/,
    );
  });

  it('createDetectorTopics refuses bad topics, partitions and replicas', async () => {
    await expect(createDetectorTopics({ brokers, ...topics, signalsTopic: 'trades' })).rejects.toThrow(
      /three different topics/,
    );
    await expect(createDetectorTopics({ brokers, ...topics, partitions: 0 })).rejects.toThrow(
      /partitions must be an integer/,
    );
    await expect(createDetectorTopics({ brokers, ...topics, replicas: 1.5 })).rejects.toThrow(
      /replicas must be an integer/,
    );
  });
});
