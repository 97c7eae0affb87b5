/**
 * One member of a detector group as its own process, for the Kafka benchmark and the scale-out
 * test: `node --import tsx scripts/kafka/detectorProcess.ts <bootstrap> <groupId> <prefix> [options]`
 * (topics `<prefix>-trades`, `<prefix>-signals`, `<prefix>-state`; `options`, JSON, may set
 * `lingerMs`, `snapshotEveryBars`, `sessionTimeoutMs`, `signalFormat`, `warmUpTradesTopic` and
 * `built`).
 *
 * With `built: true` it runs the package as it ships (`dist/`, after `npm run build`), as the
 * benchmark does; otherwise the sources, as the tests do (no build needed).
 *
 * Prints every adapter event as one JSON line on stdout, and `{"type":"stopped","stats":…}` after a
 * graceful shutdown (SIGTERM).
 *
 * With `warmUpTradesTopic`, the process first runs a detector group `<groupId>-warm` on that topic
 * (signals to `<prefix>-warm-signals`, state to `<prefix>-warm-state`; its events printed with
 * `"phase":"warmUp"`) until a line arrives on stdin, then prints `{"type":"warmedUp","stats":…}` and
 * starts the run above: the benchmark's steady state, in a process whose code the JIT has already
 * optimised, as in a consumer that has been running for a while.
 *
 * @example
 * ```sh
 * node --import tsx scripts/kafka/detectorProcess.ts 127.0.0.1:9092 regimes bench '{"lingerMs":20}'
 * ```
 */
import type { KafkaDetectorOptions } from '../../src/adapters/kafka/index.js';

const [bootstrap, groupId, prefix, optionsJson] = process.argv.slice(2);
const options: Pick<
  KafkaDetectorOptions,
  'lingerMs' | 'snapshotEveryBars' | 'sessionTimeoutMs' | 'signalFormat'
> & { warmUpTradesTopic?: string; built?: boolean } =
  optionsJson === undefined ? {} : JSON.parse(optionsJson);
const { runKafkaDetector }: typeof import('../../src/adapters/kafka/index.js') = options.built
  ? await import(new URL('../../dist/kafka.js', import.meta.url).href)
  : await import('../../src/adapters/kafka/index.js');
const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());
const print = (value: unknown) =>
  process.stdout.write(`${JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? String(v) : v))}\n`);

/** One detector group on the given topics until `signal`; events printed, tagged with `phase` if given. */
function detect(
  group: string,
  topics: Pick<KafkaDetectorOptions, 'tradesTopic' | 'signalsTopic' | 'stateTopic'>,
  signal: AbortSignal,
  phase?: 'warmUp',
) {
  const tag = phase === undefined ? {} : { phase };
  return runKafkaDetector({
    brokers: [bootstrap],
    groupId: group,
    ...topics,
    lingerMs: options.lingerMs,
    snapshotEveryBars: options.snapshotEveryBars,
    sessionTimeoutMs: options.sessionTimeoutMs,
    signalFormat: options.signalFormat,
    signal,
    onEvent: (event) =>
      print(
        event.type === 'commitFailed'
          ? { ...tag, type: event.type, error: event.error.message }
          : { ...tag, ...event },
      ),
  });
}

if (options.warmUpTradesTopic !== undefined) {
  const warmUp = new AbortController();
  process.stdin.once('data', () => warmUp.abort());
  const warmStats = await detect(
    `${groupId}-warm`,
    {
      tradesTopic: options.warmUpTradesTopic,
      signalsTopic: `${prefix}-warm-signals`,
      stateTopic: `${prefix}-warm-state`,
    },
    AbortSignal.any([warmUp.signal, stop.signal]),
    'warmUp',
  );
  process.stdin.destroy();
  print({ type: 'warmedUp', stats: warmStats });
}

const stats = await detect(
  groupId,
  { tradesTopic: `${prefix}-trades`, signalsTopic: `${prefix}-signals`, stateTopic: `${prefix}-state` },
  stop.signal,
);
print({ type: 'stopped', stats });
