import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/adapters/binance/clock.js';
import { RateWindow } from '../../../src/adapters/binance/RateWindow.js';

/** A clock that only moves when told to. */
function manualClock(): Clock & { t: number } {
  return {
    t: 0,
    now() {
      return this.t;
    },
    setTimeout: () => 0,
    clearTimeout: () => {},
  };
}

describe('RateWindow', () => {
  it('never lets more than `limit` events into any window when callers wait the delay it gives', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 200 }),
        (limit, windowMs, gaps) => {
          const clock = manualClock();
          const window = new RateWindow(limit, windowMs, clock);
          const times: number[] = [];
          for (const gap of gaps) {
            clock.t += gap;
            clock.t += window.delay();
            expect(window.delay()).toBe(0);
            window.record();
            times.push(clock.t);
          }
          // Any limit + 1 consecutive events span at least the window.
          for (let i = limit; i < times.length; i++) if (times[i] - times[i - limit] < windowMs) return false;
          return true;
        },
      ),
    );
  });

  it('says how long until the oldest event leaves the window', () => {
    const clock = manualClock();
    const window = new RateWindow(2, 1000, clock);
    window.record();
    clock.t = 300;
    window.record();
    clock.t = 500;
    expect(window.delay()).toBe(500);
    clock.t = 1000;
    expect(window.delay()).toBe(0);
  });

  it('rejects a limit or window that cannot work', () => {
    expect(() => new RateWindow(0, 1000, manualClock())).toThrow(/integer >= 1/);
    expect(() => new RateWindow(5, 0, manualClock())).toThrow(/> 0 ms/);
  });
});
