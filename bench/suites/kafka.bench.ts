/**
 * End-to-end through a real Kafka broker (single-node KRaft on 127.0.0.1, started for the run):
 * trades produced to a 4-partition topic, one `runKafkaDetector` consuming them, signals read back
 * with `consumeSignals`.
 *
 * Settings (the adapter's defaults unless said): produceTrades batches of 5000 trades, acks=all;
 * the detector sends signals in batches of up to 1000 or after 100 ms (`lingerMs`), snapshots a
 * partition every 500 bars, fetches with maxWaitTime 100 ms. 50 synthetic symbols around the real
 * BTCUSDT price (scripts/kafka/syntheticTrades.ts), 40 trades per symbol-minute.
 */

import { compatibilityPartitioner, ProduceAcks, Producer } from '@platformatic/kafka';
import { brokerUnavailableReason, type KafkaBroker, startBroker } from '../../scripts/kafka/broker.js';
import { syntheticTrades } from '../../scripts/kafka/syntheticTrades.js';
import {
  consumeSignals,
  createDetectorTopics,
  encodeTrade,
  produceTrades,
  runKafkaDetector,
} from '../../src/adapters/kafka/index.js';
import type { Trade } from '../../src/bars/trade.js';
import { createRegimeDetector, type RegimeDetector } from '../../src/pipeline/RegimeDetector.js';
import { type BenchRow, type BenchSuite, latencyRow, summarize } from '../lib/suite.js';

const SYMBOLS = 50;
const TRADES = 200_000;
const PARTITIONS = 4;
const REPEATS = 3;
/** Rate of the paced run that measures lag, trades/s (well under one consumer's capacity). */
const PACED_RATE = 5000;
const PACED_SECONDS = 20;

const suite: BenchSuite = {
  name: 'kafka',
  title: 'End-to-end through a real Kafka broker: trades/s in, signals/s out, signal lag',
  async run(): Promise<BenchRow[]> {
    const reason = brokerUnavailableReason();
    if (reason) {
      process.stderr.write(`  kafka suite skipped: ${reason}\n`);
      return [];
    }
    const broker = await startBroker();
    try {
      return [...(await throughput(broker)), ...(await lag(broker))];
    } finally {
      await broker.stop();
    }
  },
};
export default suite;

/** Catch-up: a backlog of TRADES trades, consumed by a fresh group, REPEATS times. */
async function throughput(broker: KafkaBroker): Promise<BenchRow[]> {
  const brokers = [broker.bootstrap];
  const trades = [...syntheticTrades({ symbols: SYMBOLS, trades: TRADES, seed: 1 })];
  const expected = inProcessSignals(trades);
  const inProcess: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    inProcessSignals(trades);
    inProcess.push(TRADES / ((performance.now() - t0) / 1000));
  }

  const produced: number[] = [];
  const tradesIn: number[] = [];
  const signalsOut: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const topics = {
      tradesTopic: `tp${r}-trades`,
      signalsTopic: `tp${r}-signals`,
      stateTopic: `tp${r}-state`,
    };
    await createDetectorTopics({ brokers, ...topics, partitions: PARTITIONS });
    let t0 = performance.now();
    await produceTrades({ brokers, topic: topics.tradesTopic, source: trades });
    produced.push(TRADES / ((performance.now() - t0) / 1000));

    const stop = new AbortController();
    // Timed from the group assignment: the join itself (about a second) is not throughput.
    const run = runKafkaDetector({
      brokers,
      ...topics,
      groupId: `tp${r}`,
      signal: stop.signal,
      onEvent: (e) => {
        if (e.type === 'assigned') t0 = performance.now();
      },
    });
    let received = 0;
    for await (const _ of consumeSignals({ brokers, topic: topics.signalsTopic })) {
      if (++received === expected) break;
    }
    const seconds = (performance.now() - t0) / 1000;
    stop.abort();
    await run;
    tradesIn.push(TRADES / seconds);
    signalsOut.push(expected / seconds);
  }
  const peer = summarize(inProcess);
  const row = (name: string, samples: number[], unit: string, note: string, vs?: string): BenchRow => {
    const s = summarize(samples);
    return { case: name, unit, median: s.median, spread: s.spread, samples: samples.length, vs, note };
  };
  const rows = [
    row(
      'detector in process, no Kafka (50 symbols)',
      inProcess,
      'trades/s',
      'the ceiling: parsing-free, one core',
    ),
    row(
      'produceTrades → broker',
      produced,
      'trades/s',
      `batches of 5000, acks=all, ${PARTITIONS} partitions`,
    ),
    row(
      'runKafkaDetector, 1 consumer: trades in',
      tradesIn,
      'trades/s',
      `backlog of ${TRADES} trades, timed from the group assignment`,
      'detector in process, no Kafka (50 symbols)',
    ),
    row(
      'runKafkaDetector, 1 consumer: signals out',
      signalsOut,
      'signals/s',
      `${expected} signals, read back`,
    ),
  ];
  rows[2].ratio = summarize(tradesIn).median / peer.median;
  return rows;
}

/**
 * Paced: PACED_RATE trades/s for PACED_SECONDS, live. Lag of a signal = when it is read back −
 * when the trade that closed its bar (its symbol's first trade of the next minute) was acknowledged.
 */
async function lag(broker: KafkaBroker): Promise<BenchRow[]> {
  const brokers = [broker.bootstrap];
  const topics = { tradesTopic: 'lag-trades', signalsTopic: 'lag-signals', stateTopic: 'lag-state' };
  await createDetectorTopics({ brokers, ...topics, partitions: PARTITIONS });
  // Event time runs 60× faster than wall time, so bars close every second of the run.
  const trades = [
    ...syntheticTrades({ symbols: SYMBOLS, trades: PACED_RATE * PACED_SECONDS, seed: 2, meanGapMs: 12 }),
  ];
  const closedAt = new Map<string, number>();
  const lastWindow = new Map<string, number>();
  const stop = new AbortController();
  const run = runKafkaDetector({ brokers, ...topics, groupId: 'lag', signal: stop.signal });
  const latencies: number[] = [];
  const reading = (async () => {
    for await (const s of consumeSignals({ brokers, topic: topics.signalsTopic, signal: stop.signal })) {
      const sentAt = closedAt.get(`${s.symbol}/${s.bar.openTime}`);
      if (sentAt !== undefined) latencies.push(performance.now() - sentAt);
    }
  })();
  await new Promise((r) => setTimeout(r, 3000)); // group join
  const producer = new Producer({
    clientId: 'bench',
    bootstrapBrokers: brokers,
    acks: ProduceAcks.ALL,
    partitioner: compatibilityPartitioner,
  });
  const batch = PACED_RATE / 20;
  const started = performance.now();
  for (let i = 0; i < trades.length; i += batch) {
    const slice = trades.slice(i, i + batch);
    await producer.send({
      messages: slice.map((t) => ({
        topic: topics.tradesTopic,
        key: Buffer.from(t.symbol ?? ''),
        value: encodeTrade(t),
      })),
    });
    const ackedAt = performance.now();
    for (const t of slice) markClosing(t, ackedAt);
    const due = started + ((i + batch) / PACED_RATE) * 1000;
    if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
  }
  await producer.close();
  await new Promise((r) => setTimeout(r, 2000));
  stop.abort();
  await Promise.all([run, reading]);
  return [
    latencyRow(
      `signal lag at ${PACED_RATE} trades/s (${SYMBOLS} symbols)`,
      'ms',
      latencies,
      "from the closing trade's ack to the signal read back (wall); lingerMs 100",
    ),
  ];

  function markClosing(t: Trade, ackedAt: number) {
    const symbol = t.symbol ?? '';
    const window = Math.floor(t.time / 60_000) * 60_000;
    const previous = lastWindow.get(symbol);
    if (previous !== undefined && window > previous) closedAt.set(`${symbol}/${previous}`, ackedAt);
    lastWindow.set(symbol, window);
  }
}

function inProcessSignals(trades: Trade[]): number {
  const detectors = new Map<string, RegimeDetector>();
  let signals = 0;
  for (const t of trades) {
    const symbol = t.symbol ?? '';
    let d = detectors.get(symbol);
    if (!d) {
      d = createRegimeDetector({ symbol });
      detectors.set(symbol, d);
    }
    signals += d.pushTrade(t).length;
  }
  return signals;
}
