import { quoteValue } from '../../../util/validate.js';
import { consumeSignals } from '../../kafka/consumeSignals.js';
import { brokerList, nonEmptyString, topicName } from '../../kafka/kafkaOptions.js';
import type { SignalSource } from './source.js';

/** Options of {@link kafkaSource}. */
export interface KafkaSourceOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: string[];
  /** The signals topic `microstream kafka run` writes to. */
  topic: string;
  /** Consumer group; without one the whole topic is read from the beginning (so pages get history). */
  groupId?: string;
  /** Show only these symbols (default: every symbol in the topic, as it appears). */
  symbols?: string[];
}

/**
 * Signals already computed by detectors running on Kafka (`runKafkaDetector`), read from their
 * output topic with duplicates dropped: the dashboard shows them and runs no detector itself.
 *
 * @example
 * ```ts
 * const source = kafkaSource({ brokers: ['127.0.0.1:9092'], topic: 'signals' });
 * ```
 */
export function kafkaSource(options: KafkaSourceOptions): SignalSource {
  const brokers = brokerList(options.brokers);
  const topic = topicName(options.topic, 'topic');
  const groupId = options.groupId === undefined ? undefined : nonEmptyString(options.groupId, 'groupId');
  const symbols = options.symbols ?? [];
  if (!Array.isArray(symbols) || symbols.some((s) => typeof s !== 'string'))
    throw new TypeError(`symbols must be an array of symbols, got ${quoteValue(symbols)}`);
  const only = new Set(symbols);
  return {
    name: 'kafka',
    symbols: [...only],
    async run(emit, abort) {
      for await (const signal of consumeSignals({ brokers, topic, groupId, signal: abort })) {
        if (only.size === 0 || only.has(signal.symbol)) emit(signal);
      }
    },
  };
}
