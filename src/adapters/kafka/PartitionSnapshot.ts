import { check, integer, plainObject } from '../../util/validate.js';

/** Format name written into every state record. */
export const PARTITION_SNAPSHOT_FORMAT = 'microstream.kafka.state';

/**
 * One record of the state topic: the detectors of every symbol of one trades partition, and the
 * trades offset they correspond to.
 *
 * `detectors` is the state after applying every trade of the partition before `offset` and none
 * from `offset` on, so whoever owns the partition next restores it and resumes reading at
 * `offset`: its signals continue exactly as if the partition had never moved. A snapshot is only
 * written once every signal of the trades before `offset` has been acknowledged by the broker, so
 * replaying from it can repeat signals but never lose one.
 *
 * The record's key is `<tradesTopic>/<partition>` and it is written to the state topic's
 * partition of the same number; the topic is compacted, so it keeps the latest per partition.
 *
 * @example
 * ```ts
 * const snap = parsePartitionSnapshot(JSON.parse(record.value.toString()));
 * for (const [symbol, state] of Object.entries(snap.detectors)) detectors.get(symbol)?.restore(state);
 * resumeAt(BigInt(snap.offset));
 * ```
 */
export interface PartitionSnapshot<Detectors = Record<string, unknown>> {
  format: typeof PARTITION_SNAPSHOT_FORMAT;
  version: 1;
  /** Trades topic the offset refers to. */
  tradesTopic: string;
  /** Trades partition. */
  partition: number;
  /** First trades offset NOT reflected in `detectors`, as a decimal string (Kafka offsets are 64-bit). */
  offset: string;
  /** Wall-clock time of writing, epoch ms: for operators only, never read by the detector. */
  writtenAt: number;
  /** Each symbol's `RegimeDetector.snapshot()`, by symbol. */
  detectors: Detectors;
}

/**
 * Validates a parsed state record; throws a `ModelValidationError` naming the bad field.
 *
 * @example
 * ```ts
 * try { parsePartitionSnapshot(json); } catch (e) { console.error((e as ModelValidationError).path); }
 * ```
 */
export function parsePartitionSnapshot(json: unknown): PartitionSnapshot {
  const o = plainObject(json, 'state');
  check(o.format === PARTITION_SNAPSHOT_FORMAT, 'state.format', `expected '${PARTITION_SNAPSHOT_FORMAT}'`);
  check(o.version === 1, 'state.version', 'expected 1');
  check(
    typeof o.tradesTopic === 'string' && o.tradesTopic !== '',
    'state.tradesTopic',
    'expected a topic name',
  );
  const partition = integer(o.partition, 'state.partition', 0, 2 ** 31 - 1);
  check(
    typeof o.offset === 'string' && /^\d{1,19}$/.test(o.offset),
    'state.offset',
    'expected a decimal offset',
  );
  check(typeof o.writtenAt === 'number', 'state.writtenAt', 'expected epoch milliseconds');
  return {
    format: PARTITION_SNAPSHOT_FORMAT,
    version: 1,
    tradesTopic: o.tradesTopic,
    partition,
    offset: o.offset,
    writtenAt: o.writtenAt,
    detectors: plainObject(o.detectors, 'state.detectors'),
  };
}

/**
 * Key of a partition's state record: `<tradesTopic>/<partition>`.
 *
 * @example
 * ```ts
 * stateKey('trades', 3); // 'trades/3'
 * ```
 */
export function stateKey(tradesTopic: string, partition: number): string {
  return `${tradesTopic}/${partition}`;
}
