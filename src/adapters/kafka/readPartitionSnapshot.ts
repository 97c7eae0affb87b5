import { parseUntrustedJson } from '../../util/safeJson.js';
import { type KafkaConsumer, loadKafkaClient } from './kafkaClient.js';
import { type PartitionSnapshot, parsePartitionSnapshot } from './PartitionSnapshot.js';

/**
 * Reads the latest state record of one trades partition from the state topic, or `undefined`
 * when that partition has none yet.
 *
 * Each trades partition's snapshots go to the state partition of the same number, so the latest
 * one is simply the last record of that partition: one fetch at `highWatermark - 1`, whatever
 * the topic's history or compaction.
 *
 * @example
 * ```ts
 * const snap = await readPartitionSnapshot(consumer, 'microstream-state', 'trades', 3);
 * if (snap) console.log(Object.keys(snap.detectors), 'resume at', snap.offset);
 * ```
 */
export async function readPartitionSnapshot(
  consumer: Pick<KafkaConsumer, 'listOffsets' | 'metadata' | 'fetch'>,
  stateTopic: string,
  tradesTopic: string,
  partition: number,
): Promise<PartitionSnapshot | undefined> {
  const { ListOffsetTimestamps } = await loadKafkaClient();
  const ends = await consumer.listOffsets({
    topics: [stateTopic],
    partitions: { [stateTopic]: [partition] },
    timestamp: ListOffsetTimestamps.LATEST,
  });
  const end = ends.get(stateTopic)?.[partition];
  if (end === undefined) throw new Error(`state topic ${stateTopic} has no partition ${partition}`);
  if (end === 0n) return undefined;
  const last = end - 1n;
  const metadata = await consumer.metadata({ topics: [stateTopic] });
  const topic = metadata.topics.get(stateTopic);
  if (!topic) throw new Error(`state topic ${stateTopic} not found`);
  const response = await consumer.fetch({
    node: topic.partitions[partition].leader,
    topics: [
      {
        topicId: topic.id,
        partitions: [
          {
            partition,
            fetchOffset: last,
            currentLeaderEpoch: -1,
            lastFetchedEpoch: -1,
            partitionMaxBytes: 64 << 20,
          },
        ],
      },
    ],
    maxBytes: 64 << 20,
    maxWaitTime: 1000,
  });
  for (const t of response.responses) {
    for (const p of t.partitions) {
      for (const batch of p.records ?? []) {
        for (const record of batch.records) {
          if (batch.firstOffset + BigInt(record.offsetDelta) !== last || !record.value) continue;
          // The state topic is input like any other: size, depth and forbidden keys are checked first.
          const snapshot = parsePartitionSnapshot(
            parseUntrustedJson(record.value.toString('utf8'), {}, `${stateTopic}[${partition}]@${last}`),
          );
          if (snapshot.tradesTopic !== tradesTopic || snapshot.partition !== partition) {
            throw new Error(
              `state record ${stateTopic}[${partition}]@${last} belongs to ${snapshot.tradesTopic}[${snapshot.partition}], ` +
                `not ${tradesTopic}[${partition}]: give every trades topic its own state topic`,
            );
          }
          return snapshot;
        }
      }
    }
  }
  throw new Error(`could not read the state record ${stateTopic}[${partition}]@${last}`);
}
