import { quoteValue } from '../../util/validate.js';

// Checks of the Kafka adapters' options, made before anything connects. A wrong option is a
// TypeError or RangeError that names it: not a broker error later, and not a detector that
// snapshots after every signal (`snapshotEveryBars: 0`) or never (`NaN`).

/**
 * The bootstrap brokers, checked and copied: a non-empty array of `host:port` strings.
 *
 * @example
 * ```ts
 * brokerList(['10.0.0.5:9092']); // a copy
 * brokerList(['localhost']);     // throws TypeError: brokers[0] must be 'host:port' …
 * ```
 */
export function brokerList(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new TypeError(`brokers must be a non-empty array of 'host:port' strings, got ${quoteValue(value)}`);
  return value.map((broker, i) => {
    const port = typeof broker === 'string' ? BROKER.exec(broker)?.[1] : undefined;
    if (port === undefined || Number(port) < 1 || Number(port) > 65_535)
      throw new TypeError(`brokers[${i}] must be 'host:port' (port 1-65535), got ${quoteValue(broker)}`);
    return broker as string;
  });
}

/**
 * A Kafka topic name: 1–249 characters of `a-z A-Z 0-9 . _ -`, not `.` or `..` (the broker's own
 * rule, checked here so that the error names the option).
 *
 * @example
 * ```ts
 * topicName('trades', 'tradesTopic');    // 'trades'
 * topicName('my trades', 'tradesTopic'); // throws TypeError: tradesTopic must be a topic name …
 * ```
 */
export function topicName(value: unknown, name: string): string {
  if (typeof value !== 'string' || !TOPIC.test(value) || value === '.' || value === '..')
    throw new TypeError(
      `${name} must be a topic name (1-249 characters of a-z, A-Z, 0-9, '.', '_', '-'), got ${quoteValue(value)}`,
    );
  return value;
}

/**
 * The detector's three topics, each a {@link topicName} and all different (signals read back as
 * trades, or snapshots as either, would be counted as malformed records forever).
 *
 * @example
 * ```ts
 * const { tradesTopic, signalsTopic, stateTopic } = detectorTopics(options);
 * ```
 */
export function detectorTopics(options: {
  tradesTopic?: unknown;
  signalsTopic?: unknown;
  stateTopic?: unknown;
}): {
  tradesTopic: string;
  signalsTopic: string;
  stateTopic: string;
} {
  const topics = {
    tradesTopic: topicName(options.tradesTopic, 'tradesTopic'),
    signalsTopic: topicName(options.signalsTopic, 'signalsTopic'),
    stateTopic: topicName(options.stateTopic, 'stateTopic'),
  };
  const { tradesTopic, signalsTopic, stateTopic } = topics;
  if (tradesTopic === signalsTopic || tradesTopic === stateTopic || signalsTopic === stateTopic)
    throw new RangeError(
      `tradesTopic, signalsTopic and stateTopic must be three different topics, got ${quoteValue(tradesTopic)}, ${quoteValue(signalsTopic)} and ${quoteValue(stateTopic)}`,
    );
  return topics;
}

/**
 * A non-empty string (a group or client id), or `fallback` when `value` is undefined.
 *
 * @example
 * ```ts
 * nonEmptyString(options.groupId, 'groupId');                          // throws unless a non-empty string
 * nonEmptyString(options.clientId, 'clientId', 'microstream-detector'); // the default when undefined
 * ```
 */
export function nonEmptyString(value: unknown, name: string, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0)
    throw new TypeError(`${name} must be a non-empty string, got ${quoteValue(value)}`);
  return value;
}

/**
 * The largest value of Kafka's int32 fields (timeouts, partition counts), and the ceiling of every
 * count the Kafka adapters take.
 */
export const KAFKA_INT32_MAX = 2 ** 31 - 1;

/**
 * `value` when it is an `AbortSignal` or undefined.
 *
 * @example
 * ```ts
 * const signal = optionalAbortSignal(options.signal);
 * ```
 */
export function optionalAbortSignal(value: unknown): AbortSignal | undefined {
  if (value !== undefined && !(value instanceof AbortSignal))
    throw new TypeError(`signal must be an AbortSignal, got ${quoteValue(value)}`);
  return value;
}

const BROKER = /^[^\s]+:(\d{1,5})$/;
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
