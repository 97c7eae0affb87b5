import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/adapters/binance/backoff.js';

describe('backoffDelay', () => {
  it('stays within [ceiling / 2, ceiling], the ceiling doubling from initialMs up to maxMs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 600_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, initialMs, maxMs, u) => {
          const ceiling = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
          const delay = backoffDelay(attempt, { initialMs, maxMs }, () => u);
          return delay >= ceiling / 2 && delay < ceiling + 1e-9;
        },
      ),
    );
  });

  it('spreads clients that failed together: the random half is used', () => {
    const low = backoffDelay(4, { initialMs: 100 }, () => 0);
    const high = backoffDelay(4, { initialMs: 100 }, () => 0.999);
    expect(low).toBe(400);
    expect(high).toBeCloseTo(799.6, 6);
  });
});
