import { describe, expect, it } from 'vitest';
import { onsetLags } from '../../src/evaluation/onsetLags.js';

describe('onsetLags', () => {
  it('counts bars from each episode start to the first Crisis label', () => {
    expect(onsetLags(Int8Array.of(0, 0, 1, 2, 2), Int8Array.of(0, 1, 1, 1, 0), 2, 60)).toEqual({
      lags: [2],
      missed: 0,
    });
    // Two episodes (split by a bar without a forward volatility): already Crisis → lag 0.
    expect(onsetLags(Int8Array.of(2, 2, 0, 0, 1, 1), Int8Array.of(1, 1, -1, 1, 1, 0), 2, 60)).toEqual({
      lags: [0],
      missed: 1,
    });
  });

  it('looks at most horizon bars ahead, and past the episode itself', () => {
    const state = Int8Array.of(0, 0, 0, 0, 2);
    const target = Int8Array.of(1, 0, 0, 0, 0);
    expect(onsetLags(state, target, 2, 4)).toEqual({ lags: [4], missed: 0 });
    expect(onsetLags(state, target, 2, 3)).toEqual({ lags: [], missed: 1 });
  });
});
