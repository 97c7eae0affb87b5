import { quoteValue } from '../../util/validate.js';
import { positiveInteger } from '../shared/optionChecks.js';
import { loadKafkaClient } from './kafkaClient.js';
import { brokerList, detectorTopics, KAFKA_INT32_MAX } from './kafkaOptions.js';

/** Options of {@link createDetectorTopics}. */
export interface DetectorTopicsOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: string[];
  tradesTopic: string;
  signalsTopic: string;
  stateTopic: string;
  /** Partitions of each topic: the most consumers that can share the work. Default 12. */
  partitions?: number;
  /** Replication factor. Default 1 (a test broker); use 3 on a real cluster. */
  replicas?: number;
}

/**
 * Creates the three topics of a detector group when they do not exist yet: trades and signals
 * with `partitions` partitions, and the state topic with as many, compacted (only the latest
 * snapshot per partition is kept) and allowed records up to 16 MiB (a partition's snapshot grows
 * with its symbols, a few KB each).
 *
 * Existing topics are left as they are, but a state topic with fewer partitions than the trades
 * topic is refused: the snapshot of trades partition `p` lives in state partition `p`.
 *
 * @example
 * ```ts
 * await createDetectorTopics({ brokers: ['127.0.0.1:9092'], tradesTopic: 'trades',
 *   signalsTopic: 'signals', stateTopic: 'microstream-state', partitions: 24, replicas: 3 });
 * ```
 */
export async function createDetectorTopics(options: DetectorTopicsOptions): Promise<void> {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`createDetectorTopics needs an options object, got ${quoteValue(options)}`);
  const brokers = brokerList(options.brokers);
  const { tradesTopic, signalsTopic, stateTopic } = detectorTopics(options);
  const partitions = positiveInteger('partitions', options.partitions ?? 12, KAFKA_INT32_MAX);
  const replicas = positiveInteger('replicas', options.replicas ?? 1, KAFKA_INT32_MAX);
  const { Admin } = await loadKafkaClient();
  const admin = new Admin({ clientId: 'microstream-admin', bootstrapBrokers: brokers });
  const create = async (topic: string, configs: { name: string; value: string }[] = []) => {
    try {
      await admin.createTopics({ topics: [topic], partitions, replicas, configs });
    } catch (error) {
      const exists = (error as { findBy?: (key: string, value: unknown) => unknown }).findBy?.(
        'apiId',
        'TOPIC_ALREADY_EXISTS',
      );
      if (!exists) throw error;
    }
  };
  try {
    await create(tradesTopic);
    await create(signalsTopic);
    await create(stateTopic, [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'max.message.bytes', value: String(16 << 20) },
    ]);
    const metadata = await admin.metadata({ topics: [tradesTopic, stateTopic] });
    const trades = metadata.topics.get(tradesTopic)?.partitionsCount ?? 0;
    const state = metadata.topics.get(stateTopic)?.partitionsCount ?? 0;
    if (state < trades) {
      throw new Error(
        `state topic ${stateTopic} has ${state} partitions but ${tradesTopic} has ${trades}: ` +
          `add partitions to ${stateTopic} (it needs at least as many)`,
      );
    }
  } finally {
    await admin.close();
  }
}
