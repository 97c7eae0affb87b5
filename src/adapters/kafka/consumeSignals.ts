import { randomUUID } from 'node:crypto';
import type { RegimeSignal } from '../../pipeline/signal.js';
import { quoteValue } from '../../util/validate.js';
import { optionalBoolean } from '../shared/optionChecks.js';
import { loadKafkaClient } from './kafkaClient.js';
import { brokerList, nonEmptyString, optionalAbortSignal, topicName } from './kafkaOptions.js';
import { decodeSignal } from './wireFormat.js';

/** Options of {@link consumeSignals}. */
export interface ConsumeSignalsOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: string[];
  /** Signals topic. */
  topic: string;
  /**
   * Consumer group. With one, reading resumes at the group's committed offsets (committed every
   * second); without, a private group reads the whole topic from the beginning and commits nothing.
   */
  groupId?: string;
  /** Drop repeats of a signal already yielded (see below). Default true. */
  dedupe?: boolean;
  /** Kafka client id. Default `'microstream-signals'`. */
  clientId?: string;
  /** Aborting it ends the iteration. */
  signal?: AbortSignal;
}

/** Counts of a {@link consumeSignals} iteration. */
export interface SignalConsumerStats {
  /** Signal messages read. */
  received: number;
  /** Repeats dropped. */
  duplicates: number;
  /** Messages that were not signals (skipped). */
  malformed: number;
}

/** The signals of a topic, in order per symbol; see {@link consumeSignals}. */
export interface SignalConsumer extends AsyncIterable<RegimeSignal> {
  stats(): SignalConsumerStats;
}

/**
 * Reads the signals topic written by {@link runKafkaDetector}, without the repeats that
 * at-least-once delivery produces after a partition moved.
 *
 * A symbol's signals are all in one partition, each writer's in bar order, and a writer that took
 * over starts from a snapshot whose earlier signals were already written. So a signal is a repeat
 * exactly when its bar does not come after the last bar yielded for its (symbol, interval): one
 * number per symbol is all the memory dedupe needs. With `dedupe: false` every message is yielded.
 *
 * @example
 * ```ts
 * const stop = new AbortController();
 * for await (const s of consumeSignals({ brokers: ['127.0.0.1:9092'], topic: 'signals', signal: stop.signal })) {
 *   if (s.warm && s.regime.changed) console.log(s.symbol, s.regime.label);
 * }
 * ```
 */
export function consumeSignals(options: ConsumeSignalsOptions): SignalConsumer {
  const settings = signalsSettings(options);
  const stats: SignalConsumerStats = { received: 0, duplicates: 0, malformed: 0 };
  return {
    stats: () => ({ ...stats }),
    [Symbol.asyncIterator]: () => iterate(settings, stats),
  };
}

/** {@link ConsumeSignalsOptions} checked when {@link consumeSignals} is called, and copied. */
interface SignalsSettings {
  brokers: string[];
  topic: string;
  groupId: string | undefined;
  dedupe: boolean;
  clientId: string;
  signal: AbortSignal | undefined;
}

function signalsSettings(options: ConsumeSignalsOptions): SignalsSettings {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`consumeSignals needs an options object, got ${quoteValue(options)}`);
  return {
    brokers: brokerList(options.brokers),
    topic: topicName(options.topic, 'topic'),
    groupId: options.groupId === undefined ? undefined : nonEmptyString(options.groupId, 'groupId'),
    dedupe: optionalBoolean('dedupe', options.dedupe, true),
    clientId: nonEmptyString(options.clientId, 'clientId', 'microstream-signals'),
    signal: optionalAbortSignal(options.signal),
  };
}

async function* iterate(settings: SignalsSettings, stats: SignalConsumerStats): AsyncGenerator<RegimeSignal> {
  const { signal } = settings;
  if (signal?.aborted) return;
  const { Consumer } = await loadKafkaClient();
  const consumer = new Consumer({
    clientId: settings.clientId,
    groupId: settings.groupId ?? `microstream-signals-${randomUUID()}`,
    bootstrapBrokers: settings.brokers,
    sessionTimeout: 10_000,
    rebalanceTimeout: 10_000,
    heartbeatInterval: 1000,
    maxWaitTime: 200,
  });
  const lastOpenTime = new Map<string, number>();
  const { dedupe } = settings;
  try {
    const stream = await consumer.consume({
      topics: [settings.topic],
      mode: settings.groupId ? 'committed' : 'earliest',
      fallbackMode: 'earliest',
      autocommit: settings.groupId ? 1000 : false,
    });
    const onAbort = () => void stream.close().catch(() => {});
    signal?.addEventListener('abort', onAbort);
    try {
      for await (const message of stream) {
        stats.received++;
        const s = decodeSignal(message.value);
        if (!s) {
          stats.malformed++;
          continue;
        }
        if (dedupe) {
          const id = `${s.symbol}/${s.interval}`;
          const last = lastOpenTime.get(id);
          if (last !== undefined && s.bar.openTime <= last) {
            stats.duplicates++;
            continue;
          }
          lastOpenTime.set(id, s.bar.openTime);
        }
        yield s;
        if (signal?.aborted) break;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await stream.close().catch(() => {});
    }
  } finally {
    await consumer.close(true);
  }
}
