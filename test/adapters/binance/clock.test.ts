import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/adapters/binance/clock.js';

describe('systemClock', () => {
  it('keeps a wait longer than a timer can hold pending, instead of firing it after 1 ms', async () => {
    let fired = 0;
    // Node's own setTimeout runs a delay of 2^31 ms or more after 1 ms (TimeoutOverflowWarning).
    const long = systemClock.setTimeout(() => fired++, 2 ** 31 + 5);
    const short = systemClock.setTimeout(() => fired++, 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fired).toBe(1);
    systemClock.clearTimeout(long);
    systemClock.clearTimeout(short);
  });
});
