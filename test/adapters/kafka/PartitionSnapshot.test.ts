import { describe, expect, it } from 'vitest';
import {
  PARTITION_SNAPSHOT_FORMAT,
  parsePartitionSnapshot,
  stateKey,
} from '../../../src/adapters/kafka/PartitionSnapshot.js';
import { ModelValidationError } from '../../../src/util/validate.js';

const good = {
  format: PARTITION_SNAPSHOT_FORMAT,
  version: 1,
  tradesTopic: 'trades',
  partition: 3,
  offset: '9007199254740993',
  writtenAt: 1767225600000,
  detectors: { BTCUSDT: { format: 'microstream-detector' } },
};

describe('parsePartitionSnapshot', () => {
  it('accepts a state record, offsets beyond 2^53 intact', () => {
    expect(parsePartitionSnapshot(JSON.parse(JSON.stringify(good)))).toEqual(good);
    expect(BigInt(parsePartitionSnapshot(good).offset)).toBe(9007199254740993n);
  });

  it('refuses a bad record with an error naming the field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, format: 'other' }, 'state.format'],
      [{ ...good, version: 2 }, 'state.version'],
      [{ ...good, tradesTopic: '' }, 'state.tradesTopic'],
      [{ ...good, partition: -1 }, 'state.partition'],
      [{ ...good, offset: 12 }, 'state.offset'],
      [{ ...good, offset: '-1' }, 'state.offset'],
      [{ ...good, writtenAt: '2026' }, 'state.writtenAt'],
      [{ ...good, detectors: [] }, 'state.detectors'],
    ];
    for (const [record, path] of cases) {
      let error: unknown;
      try {
        parsePartitionSnapshot(record);
      } catch (e) {
        error = e;
      }
      expect(error, path).toBeInstanceOf(ModelValidationError);
      expect((error as ModelValidationError).path).toBe(path);
    }
    expect(() => parsePartitionSnapshot('x')).toThrow(ModelValidationError);
  });

  it('keys a record by trades topic and partition', () => {
    expect(stateKey('trades', 3)).toBe('trades/3');
  });
});
