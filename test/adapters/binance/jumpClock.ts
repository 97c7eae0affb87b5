import type { Clock } from '../../../src/adapters/binance/clock.js';

/**
 * Real time that a test can jump forward: `jump(ms)` moves `now()` ahead and fires every timer
 * that falls due, so a 24-hour connection limit can be crossed in a second of real time.
 */
export class JumpClock implements Clock {
  #offset = 0;
  #next = 1;
  #timers = new Map<
    number,
    { deadline: number; callback: () => void; real: ReturnType<typeof setTimeout> }
  >();

  now(): number {
    return Date.now() + this.#offset;
  }

  setTimeout(callback: () => void, ms: number): number {
    const id = this.#next++;
    this.#arm(id, this.now() + ms, callback);
    return id;
  }

  clearTimeout(handle: unknown): void {
    const timer = this.#timers.get(handle as number);
    if (timer) {
      clearTimeout(timer.real);
      this.#timers.delete(handle as number);
    }
  }

  jump(ms: number): void {
    this.#offset += ms;
    for (const [id, timer] of [...this.#timers]) {
      clearTimeout(timer.real);
      this.#arm(id, timer.deadline, timer.callback);
    }
  }

  #arm(id: number, deadline: number, callback: () => void): void {
    const real = setTimeout(
      () => {
        this.#timers.delete(id);
        callback();
      },
      Math.max(0, deadline - this.now()),
    );
    this.#timers.set(id, { deadline, callback, real });
  }
}
