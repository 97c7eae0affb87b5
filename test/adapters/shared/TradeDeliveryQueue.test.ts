import { describe, expect, it } from 'vitest';
import { TradeDeliveryQueue } from '../../../src/adapters/shared/TradeDeliveryQueue.js';
import type { Trade } from '../../../src/bars/trade.js';

function trade(id: number): Trade {
  return { time: 1_767_225_600_000 + id, price: 100 + id, qty: 1, isBuyerMaker: false, id };
}

/** A queue whose hooks only record what was called. */
function recordingQueue(maxBuffered: number, signal?: AbortSignal) {
  const calls: string[] = [];
  const queue: TradeDeliveryQueue<Trade> = new TradeDeliveryQueue<Trade>({
    source: 'testTrades',
    maxBuffered,
    signal,
    start: () => calls.push('start'),
    stop: () => {
      calls.push('stop');
      queue.close();
    },
    onPause: () => calls.push(`pause ${queue.buffered}`),
    onResume: () => calls.push(`resume ${queue.buffered}`),
  });
  return { queue, calls };
}

/** True when `promise` has settled after the pending microtasks ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((resolve) => setTimeout(resolve, 0));
  return done;
}

describe('TradeDeliveryQueue', () => {
  it('hands out trades in the order pushed, queued or to a waiting next', async () => {
    const { queue, calls } = recordingQueue(100);
    const it = queue[Symbol.asyncIterator]();
    expect(calls).toEqual(['start']);
    const waiting = it.next();
    queue.push(trade(1));
    queue.push(trade(2));
    queue.push(trade(3));
    expect((await waiting).value?.id).toBe(1);
    expect((await it.next()).value?.id).toBe(2);
    expect((await it.next()).value?.id).toBe(3);
    expect(queue.queued).toBe(0);
  });

  it('keeps the order across the compaction of its array', async () => {
    const { queue } = recordingQueue(100_000);
    const it = queue[Symbol.asyncIterator]();
    const ids: number[] = [];
    for (let i = 0; i < 10_000; i++) queue.push(trade(i));
    for (let i = 0; i < 6_000; i++) ids.push((await it.next()).value?.id as number);
    for (let i = 10_000; i < 12_000; i++) queue.push(trade(i));
    while (queue.queued > 0) ids.push((await it.next()).value?.id as number);
    expect(ids).toEqual(Array.from({ length: 12_000 }, (_, i) => i));
  });

  it('pauses at maxBuffered (held trades included), resumes at half and wakes the waiting producers', async () => {
    const { queue, calls } = recordingQueue(4);
    const it = queue[Symbol.asyncIterator]();
    queue.held = 1;
    for (let i = 0; i < 3; i++) queue.push(trade(i));
    queue.pauseIfFull();
    expect(queue.paused).toBe(true);
    expect(calls).toEqual(['start', 'pause 4']);
    const resumed = queue.whenResumed();
    queue.push(trade(3));
    const room = queue.waitForRoom();
    expect(await settled(room)).toBe(false);
    await it.next(); // 3 queued + 1 held: still paused, but there is room in the queue
    expect(await settled(room)).toBe(true);
    expect(await settled(resumed)).toBe(false);
    await it.next(); // 2 queued + 1 held
    expect(await settled(resumed)).toBe(false);
    await it.next(); // 1 queued + 1 held = half
    expect(queue.paused).toBe(false);
    expect(calls).toEqual(['start', 'pause 4', 'resume 2']);
    expect(await resumed).toBe(true);
    expect(await queue.whenResumed()).toBe(false);
  });

  it('close wakes a pending next (done) and every waiting producer', async () => {
    const { queue } = recordingQueue(1);
    const it = queue[Symbol.asyncIterator]();
    const waiting = it.next();
    expect(await settled(waiting)).toBe(false);
    queue.push(trade(1));
    expect((await waiting).value?.id).toBe(1);
    queue.push(trade(2));
    const resumed = queue.whenResumed();
    const room = queue.waitForRoom();
    queue.close();
    expect(await resumed).toBe(true);
    await room;
    expect(queue.buffered).toBe(0);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('close with an error rejects the pending next and every later one', async () => {
    const { queue } = recordingQueue(10);
    const it = queue[Symbol.asyncIterator]();
    const waiting = it.next();
    const failure = new Error('socket refused');
    queue.close(failure);
    await expect(waiting).rejects.toBe(failure);
    await expect(it.next()).rejects.toBe(failure);
  });

  it('may be iterated once, and says so by the name of its source', () => {
    const { queue } = recordingQueue(10);
    queue[Symbol.asyncIterator]();
    expect(() => queue[Symbol.asyncIterator]()).toThrow(
      'a testTrades() stream can be iterated once; create another for a second consumer',
    );
  });

  it('stops on abort, at once when already aborted, and when the consumer breaks off', async () => {
    const controller = new AbortController();
    const live = recordingQueue(10, controller.signal);
    const it = live.queue[Symbol.asyncIterator]();
    const waiting = it.next();
    controller.abort();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(live.calls).toEqual(['start', 'stop']);

    const aborted = recordingQueue(10, AbortSignal.abort());
    aborted.queue[Symbol.asyncIterator]();
    expect(aborted.calls).toEqual(['stop']);

    const early = recordingQueue(10);
    early.queue.push(trade(7));
    for await (const t of early.queue) {
      expect(t.id).toBe(7);
      break;
    }
    expect(early.calls).toEqual(['start', 'stop']);
  });
});
