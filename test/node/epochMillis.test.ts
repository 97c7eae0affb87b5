import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { epochMillis } from '../../src/node/epochMillis.js';

/** 1973-03-03 to 2191 in ms: microseconds stay below 2^53, so exact in a double. */
const millis = fc.integer({ min: 1e11, max: 7e12 });

describe('epochMillis', () => {
  it('reads the first trade of the Binance fixture, in microseconds', () => {
    expect(epochMillis(1767225600039409)).toBeCloseTo(1767225600039.409, 3);
    expect(new Date(epochMillis(1767225600039409)).toISOString()).toBe('2026-01-01T00:00:00.039Z');
  });

  it('gives the same instant whatever unit the timestamp is written in', () => {
    fc.assert(
      fc.property(millis, (ms) => {
        expect(epochMillis(ms)).toBe(ms);
        expect(epochMillis(ms * 1e3)).toBe(ms);
        expect(epochMillis(ms * 1e6)).toBeCloseTo(ms, -1); // ns beyond 2^53 keep ~µs precision
        if (ms % 1000 === 0) expect(epochMillis(ms / 1e3)).toBe(ms);
      }),
    );
  });

  it('keeps the fraction of a millisecond of a microsecond time', () => {
    expect(epochMillis(1_700_000_000_000_500)).toBe(1_700_000_000_000.5);
  });
});
