import { describe, expect, it } from 'vitest';
import { RecentKeys } from '../../../src/adapters/ccxt/RecentKeys.js';

describe('RecentKeys', () => {
  it('remembers the last `capacity` keys and forgets the oldest first', () => {
    const seen = new RecentKeys(3);
    for (const k of ['a', 'b', 'c']) seen.add(k);
    expect(['a', 'b', 'c'].map((k) => seen.has(k))).toEqual([true, true, true]);
    seen.add('d');
    expect(['a', 'b', 'c', 'd'].map((k) => seen.has(k))).toEqual([false, true, true, true]);
  });

  it('does not take a key added twice for two', () => {
    const seen = new RecentKeys(2);
    seen.add('a');
    seen.add('a');
    seen.add('b');
    expect(seen.has('a')).toBe(true);
    seen.add('c');
    expect([seen.has('a'), seen.has('b'), seen.has('c')]).toEqual([false, true, true]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RecentKeys(0)).toThrow(/capacity/);
    expect(() => new RecentKeys(1.5)).toThrow(/capacity/);
  });
});
