/**
 * The Kafka client, `@platformatic/kafka` (2.x), an optional peer dependency: loaded on first use,
 * and described here by the few types the adapter needs, so that `microstream/kafka` type-checks
 * in any project (ESM or CommonJS, `skipLibCheck` on or off) whether the client is installed or not.
 */

/** Compression of a produce request, as the broker stores it. */
export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** One record to produce. */
export interface KafkaMessageToProduce {
  topic: string;
  key?: Buffer;
  value: Buffer;
  partition?: number;
}

/** One record as consumed. */
export interface KafkaMessage {
  topic: string;
  partition: number;
  offset: bigint;
  key: Buffer | null | undefined;
  value: Buffer | null | undefined;
}

/** A producer: `send` resolves once the broker acknowledged every message (acks=all here). */
export interface KafkaProducer {
  send(options: { messages: KafkaMessageToProduce[]; compression?: KafkaCompression }): Promise<unknown>;
  close(): Promise<void>;
}

/** A consumer's stream of records (a Node readable stream in object mode). */
export interface KafkaMessagesStream extends AsyncIterable<KafkaMessage> {
  on(event: 'data', listener: (message: KafkaMessage) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  removeListener(event: 'data' | 'error', listener: (...args: never[]) => void): this;
  pause(): this;
  resume(): this;
  isPaused(): boolean;
  close(): Promise<void>;
}

/** Where a partition's next fetch starts. */
export interface KafkaPartitionOffset {
  topic: string;
  partition: number;
  offset: bigint;
}

/** Topic metadata: its id, partition count and each partition's leader. */
export interface KafkaTopicMetadata {
  id: string;
  partitionsCount: number;
  partitions: { leader: number }[];
}

/** A consumer-group member (and the low-level fetch the state topic needs). */
export interface KafkaConsumer {
  readonly topics: { track(topic: string): unknown };
  readonly assignments: { topic: string; partitions: number[] }[] | null;
  readonly generationId: number;
  on(event: 'consumer:group:join', listener: () => void): this;
  joinGroup(options: Record<string, never>): Promise<unknown>;
  consume(options: {
    topics: string[];
    mode: 'manual' | 'committed' | 'earliest' | 'latest';
    fallbackMode?: 'earliest' | 'latest' | 'fail';
    offsets?: KafkaPartitionOffset[];
    autocommit: boolean | number;
    maxWaitTime?: number;
    maxBytes?: number;
  }): Promise<KafkaMessagesStream>;
  commit(options: { offsets: (KafkaPartitionOffset & { leaderEpoch: number })[] }): Promise<void>;
  listOffsets(options: {
    topics: string[];
    partitions?: Record<string, number[]>;
    timestamp: bigint;
  }): Promise<Map<string, bigint[]>>;
  metadata(options: { topics: string[] }): Promise<{ topics: Map<string, KafkaTopicMetadata> }>;
  fetch(options: {
    node: number;
    topics: {
      topicId: string;
      partitions: {
        partition: number;
        fetchOffset: bigint;
        currentLeaderEpoch: number;
        lastFetchedEpoch: number;
        partitionMaxBytes: number;
      }[];
    }[];
    maxBytes: number;
    maxWaitTime: number;
  }): Promise<{
    responses: {
      partitions: {
        records?: { firstOffset: bigint; records: { offsetDelta: number; value: Buffer | null }[] }[] | null;
      }[];
    }[];
  }>;
  close(force?: boolean): Promise<void>;
}

/** Topic administration. */
export interface KafkaAdmin {
  createTopics(options: {
    topics: string[];
    partitions: number;
    replicas: number;
    configs?: { name: string; value: string }[];
  }): Promise<unknown>;
  metadata(options: { topics: string[] }): Promise<{ topics: Map<string, KafkaTopicMetadata> }>;
  close(): Promise<void>;
}

/** Options every client takes. */
interface KafkaClientOptions {
  clientId: string;
  bootstrapBrokers: string[];
}

/** What the adapter takes from `@platformatic/kafka`. */
export interface KafkaClientModule {
  Producer: new (
    options: KafkaClientOptions & { acks: number; partitioner: unknown; compression?: KafkaCompression },
  ) => KafkaProducer;
  Consumer: new (
    options: KafkaClientOptions & {
      groupId: string;
      autocommit?: boolean;
      sessionTimeout: number;
      rebalanceTimeout: number;
      heartbeatInterval: number;
      maxWaitTime: number;
      maxBytes?: number;
    },
  ) => KafkaConsumer;
  Admin: new (options: KafkaClientOptions) => KafkaAdmin;
  ProduceAcks: { ALL: number };
  ListOffsetTimestamps: { EARLIEST: bigint; LATEST: bigint };
  /** Murmur2 on the key, as the Java client does, so every producer agrees on a symbol's partition. */
  compatibilityPartitioner: unknown;
}

let client: Promise<KafkaClientModule> | undefined;

/**
 * Loads `@platformatic/kafka` (once; later calls share it). Rejects with an error that says how to
 * install it when it is missing.
 *
 * @example
 * ```ts
 * const { Producer } = await loadKafkaClient(); // throws "… npm install @platformatic/kafka …" without it
 * ```
 */
export function loadKafkaClient(): Promise<KafkaClientModule> {
  client ??= import('@platformatic/kafka')
    .then((module) => module as unknown as KafkaClientModule)
    .catch((error: Error) => {
      client = undefined;
      throw new Error(
        `microstream/kafka talks to Kafka with @platformatic/kafka, an optional peer dependency that is not installed: npm install @platformatic/kafka (${error.message})`,
      );
    });
  return client;
}
