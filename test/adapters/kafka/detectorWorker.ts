/**
 * One member of the detector group, as a separate process for the scale-out test:
 * `node --import tsx detectorWorker.ts <bootstrap> <groupId> <prefix> <snapshotEveryBars>`.
 *
 * Prints every adapter event as one JSON line on stdout, and `{"type":"stopped","stats":…}` after
 * a graceful shutdown (SIGTERM).
 */
import { runKafkaDetector } from '../../../src/adapters/kafka/index.js';

const [bootstrap, groupId, prefix, snapshotEveryBars] = process.argv.slice(2);
const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());
const print = (value: unknown) =>
  process.stdout.write(`${JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? String(v) : v))}\n`);

const stats = await runKafkaDetector({
  brokers: [bootstrap],
  groupId,
  tradesTopic: `${prefix}-trades`,
  signalsTopic: `${prefix}-signals`,
  stateTopic: `${prefix}-state`,
  snapshotEveryBars: Number(snapshotEveryBars),
  sessionTimeoutMs: 6000,
  signal: stop.signal,
  onEvent: (event) =>
    print(event.type === 'commitFailed' ? { type: event.type, error: event.error.message } : event),
});
print({ type: 'stopped', stats });
