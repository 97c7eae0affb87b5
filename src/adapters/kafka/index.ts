/**
 * microstream/kafka — regime detection scaled out over an Apache Kafka consumer group
 * (Node-only), with detector state that survives a partition moving between machines.
 *
 * The Kafka client, `@platformatic/kafka`, is an optional peer dependency loaded on first use:
 * `npm install @platformatic/kafka` next to microstream.
 *
 * @module microstream/kafka
 * @packageDocumentation
 */
export {
  type ConsumeSignalsOptions,
  consumeSignals,
  type SignalConsumer,
  type SignalConsumerStats,
} from './consumeSignals.js';
export { createDetectorTopics, type DetectorTopicsOptions } from './createDetectorTopics.js';
export type {
  KafkaCompression,
  KafkaConsumer,
  KafkaMessage,
  KafkaMessagesStream,
  KafkaMessageToProduce,
  KafkaPartitionOffset,
  KafkaTopicMetadata,
} from './kafkaClient.js';
export {
  PARTITION_SNAPSHOT_FORMAT,
  type PartitionSnapshot,
  parsePartitionSnapshot,
  stateKey,
} from './PartitionSnapshot.js';
export { type ProduceTradesOptions, produceTrades } from './produceTrades.js';
export { readPartitionSnapshot } from './readPartitionSnapshot.js';
export {
  type KafkaDetectorEvent,
  type KafkaDetectorOptions,
  type KafkaDetectorStats,
  type KafkaSignalFormat,
  runKafkaDetector,
} from './runKafkaDetector.js';
export {
  decodeSignalRecord,
  encodeSignalRecord,
  isSignalRecord,
  MAX_SIGNAL_STRING_BYTES,
  SIGNAL_RECORD_MAGIC,
  SIGNAL_RECORD_VERSION,
} from './SignalRecord.js';
export {
  decodeTradeBatch,
  encodeTradeBatch,
  isTradeBatch,
  MAX_SYMBOL_BYTES,
  MAX_TRADES_PER_BATCH,
  TRADE_BATCH_MAGIC,
  TRADE_BATCH_VERSION,
  TradeBatch,
} from './TradeBatch.js';
export { decodeSignal, decodeTrade, encodeSignal, encodeTrade, signalIdentity } from './wireFormat.js';
