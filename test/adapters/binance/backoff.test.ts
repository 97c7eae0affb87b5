import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, resolveBackoff } from '../../../src/adapters/binance/backoff.js';

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

describe('resolveBackoff', () => {
  it('fills the defaults and copies', () => {
    expect(resolveBackoff(undefined)).toEqual({ initialMs: 250, maxMs: 30_000 });
    const given = { initialMs: 100, maxMs: 1000 };
    expect(resolveBackoff(given)).toEqual(given);
    expect(resolveBackoff(given)).not.toBe(given);
    // A first delay above the default ceiling raises the ceiling to it, not the delay down.
    expect(resolveBackoff({ initialMs: 60_000 })).toEqual({ initialMs: 60_000, maxMs: 60_000 });
  });

  it('refuses delays that would make every retry immediate, or a ceiling below the first delay', () => {
    // 2^31 ms and more: Node's timers fire such a delay after 1 ms.
    for (const initialMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '250' as never])
      expect(() => resolveBackoff({ initialMs })).toThrow(
        /backoff\.initialMs must be a number of ms in \(0, 2147483647\]/,
      );
    expect(() => resolveBackoff({ initialMs: 100, maxMs: 50 })).toThrow(
      /backoff\.maxMs must be at least initialMs \(100\), got 50/,
    );
    for (const maxMs of [Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31])
      expect(() => resolveBackoff({ initialMs: 100, maxMs })).toThrow(
        /backoff\.maxMs must be a number of ms/,
      );
    expect(resolveBackoff({ initialMs: 100, maxMs: 2 ** 31 - 1 }).maxMs).toBe(2 ** 31 - 1);
    expect(() => resolveBackoff(5 as never)).toThrow(/backoff must be an object/);
  });
});
