/**
 * microstream/kafka — regime detection scaled out over an Apache Kafka consumer group
 * (Node-only), with detector state that survives a partition moving between machines.
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
  runKafkaDetector,
} from './runKafkaDetector.js';
export { decodeSignal, decodeTrade, encodeSignal, encodeTrade, signalIdentity } from './wireFormat.js';
