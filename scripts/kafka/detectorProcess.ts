/**
 * One member of a detector group as its own process, for the Kafka benchmark:
 * `node --import tsx scripts/kafka/detectorProcess.ts <bootstrap> <groupId> <prefix> [lingerMs]`
 * (topics `<prefix>-trades`, `<prefix>-signals`, `<prefix>-state`).
 *
 * Prints every adapter event as one JSON line on stdout, and `{"type":"stopped","stats":…}` after a
 * graceful shutdown (SIGTERM).
 *
 * @example
 * ```sh
 * node --import tsx scripts/kafka/detectorProcess.ts 127.0.0.1:9092 regimes bench 20
 * ```
 */
import { runKafkaDetector } from '../../src/adapters/kafka/index.js';

const [bootstrap, groupId, prefix, lingerMs] = process.argv.slice(2);
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
  lingerMs: lingerMs === undefined ? undefined : Number(lingerMs),
  signal: stop.signal,
  onEvent: (event) =>
    print(event.type === 'commitFailed' ? { type: event.type, error: event.error.message } : event),
});
print({ type: 'stopped', stats });
