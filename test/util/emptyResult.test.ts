import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { BarAggregator } from '../../src/bars/BarAggregator.js';
import type { Trade } from '../../src/bars/trade.js';
import { createRegimeDetector } from '../../src/pipeline/RegimeDetector.js';
import { emptyResult } from '../../src/util/emptyResult.js';

// V8's own view of an array's elements kind, through its natives syntax (enabled before compiling).
setFlagsFromString('--allow-natives-syntax');
const packedObjects = new Function('a', 'return %HasObjectElements(a) && !%HasHoleyElements(a)') as (
  a: unknown,
) => boolean;

const MINUTE = 1_767_225_600_000;

describe('emptyResult', () => {
  it('is an empty, unfrozen array', () => {
    const empty = emptyResult<object>();
    expect(Array.isArray(empty)).toBe(true);
    expect(empty).toHaveLength(0);
    expect(Object.isFrozen(empty)).toBe(false);
  });

  it('is an array of objects to V8, as the results it stands in for, where a literal [] is not', () => {
    expect(packedObjects([])).toBe(false);
    expect(packedObjects(emptyResult())).toBe(true);
  });

  it('shares its kind with the arrays BarAggregator.push and RegimeDetector.pushTrade return', () => {
    // A trade that closes nothing, then one a minute later that closes its bar.
    const first: Trade = { time: MINUTE + 1, price: 100, qty: 1, isBuyerMaker: false };
    const next: Trade = { time: MINUTE + 60_000, price: 101, qty: 1, isBuyerMaker: true };
    const agg = new BarAggregator();
    const detector = createRegimeDetector({ symbol: 'BTCUSDT' });
    for (const push of [(t: Trade) => agg.push(t), (t: Trade) => detector.pushTrade(t)]) {
      const none = push(first);
      const closed = push(next);
      expect(none).toHaveLength(0);
      expect(closed).toHaveLength(1);
      expect(packedObjects(none)).toBe(true);
      expect(packedObjects(closed)).toBe(true);
    }
  });
});
