/**
 * One member of a detector group as its own process, for the Kafka benchmark and the scale-out
 * test: `node --import tsx scripts/kafka/detectorProcess.ts <bootstrap> <groupId> <prefix> [options]`
 * (topics `<prefix>-trades`, `<prefix>-signals`, `<prefix>-state`; `options`, JSON, may set
 * `lingerMs`, `snapshotEveryBars`, `sessionTimeoutMs` and `signalFormat`).
 *
 * Prints every adapter event as one JSON line on stdout, and `{"type":"stopped","stats":…}` after a
 * graceful shutdown (SIGTERM).
 *
 * @example
 * ```sh
 * node --import tsx scripts/kafka/detectorProcess.ts 127.0.0.1:9092 regimes bench '{"lingerMs":20}'
 * ```
 */
import { type KafkaDetectorOptions, runKafkaDetector } from '../../src/adapters/kafka/index.js';

const [bootstrap, groupId, prefix, optionsJson] = process.argv.slice(2);
const options: Pick<
  KafkaDetectorOptions,
  'lingerMs' | 'snapshotEveryBars' | 'sessionTimeoutMs' | 'signalFormat'
> = optionsJson === undefined ? {} : JSON.parse(optionsJson);
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
  lingerMs: options.lingerMs,
  snapshotEveryBars: options.snapshotEveryBars,
  sessionTimeoutMs: options.sessionTimeoutMs,
  signalFormat: options.signalFormat,
  signal: stop.signal,
  onEvent: (event) =>
    print(event.type === 'commitFailed' ? { type: event.type, error: event.error.message } : event),
});
print({ type: 'stopped', stats });
