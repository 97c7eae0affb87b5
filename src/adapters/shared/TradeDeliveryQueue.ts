import type { Trade } from '../../bars/trade.js';

/**
 * What a {@link TradeDeliveryQueue} asks of the stream it serves.
 *
 * @example
 * ```ts
 * const hooks: TradeDeliveryQueueOptions = {
 *   source: 'binanceTrades', maxBuffered: 10_000, signal,
 *   start: () => connect(), stop: () => stream.close(), onPause: () => sockets.pause(), onResume: () => sockets.resume(),
 * };
 * ```
 */
export interface TradeDeliveryQueueOptions {
  /** The function that made the stream, named in the error of a second iteration (e.g. `'binanceTrades'`). */
  source: string;
  /** Trades buffered (queued plus `held`) at which the queue pauses; it resumes at half of it. */
  maxBuffered: number;
  /** Aborting it calls `stop`. */
  signal?: AbortSignal;
  /** Called when the iteration starts, unless `signal` is already aborted. */
  start: () => void;
  /** Ends the stream (it must call `close()`): on abort, or when the consumer stops early. */
  stop: () => void;
  /** Called when the buffer reaches `maxBuffered` (`paused` is true by then). */
  onPause: () => void;
  /** Called when the consumer has taken the buffer down to half of `maxBuffered`. */
  onResume: () => void;
}

/** Compact the queue's array once this many consumed slots lead it (and they are half of it). */
const COMPACT_AFTER = 4096;

/**
 * The consumer's side of a live trade stream: trades pushed by the adapter wait here until the
 * `for await` loop takes them, and one `AsyncIterator` hands them out in order. It holds the
 * backpressure of the stream: `pauseIfFull()` pauses it at `maxBuffered` trades (queued plus those
 * the adapter `held` behind a gap), it resumes when the consumer has taken them down to half,
 * and producers can wait for that (`whenResumed`) or for room in the queue (`waitForRoom`).
 * `close()` (with the error to end with, if any) wakes everyone. It can be iterated once.
 *
 * Hot path: `push` and the iterator's `next` allocate only the iterator result, and the queue's
 * array is compacted rarely (a head index instead of `shift`).
 *
 * @example
 * ```ts
 * const queue = new TradeDeliveryQueue<Trade>({
 *   source: 'myTrades', maxBuffered: 1000,
 *   start: () => {}, stop: () => queue.close(), onPause: () => {}, onResume: () => {},
 * });
 * queue.push({ time: 1, price: 100, qty: 1, isBuyerMaker: false });
 * queue.close();
 * for await (const trade of queue) console.log(trade.price);
 * ```
 */
export class TradeDeliveryQueue<T extends Trade> implements AsyncIterable<T> {
  /** Trades buffered at which the queue pauses. */
  readonly maxBuffered: number;
  /** Trades the adapter holds outside the queue (behind a gap); they count towards `maxBuffered`. */
  held = 0;
  readonly #options: TradeDeliveryQueueOptions;
  #items: (T | undefined)[] = [];
  #head = 0;
  #waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  #resumeWaiters: (() => void)[] = [];
  #roomWaiters: (() => void)[] = [];
  #paused = false;
  #started = false;
  #closed = false;
  #error: unknown;

  constructor(options: TradeDeliveryQueueOptions) {
    this.#options = options;
    this.maxBuffered = options.maxBuffered;
  }

  /** Trades waiting for the consumer in the queue. */
  get queued(): number {
    return this.#items.length - this.#head;
  }

  /** Trades waiting for the consumer: queued plus `held`. */
  get buffered(): number {
    return this.#items.length - this.#head + this.held;
  }

  /** True from `pauseIfFull()` pausing until the consumer has taken the buffer down to half. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Hot path: hands the trade to a waiting `next`, or queues it. */
  push(trade: T): void {
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve({ done: false, value: trade });
      return;
    }
    this.#items.push(trade);
  }

  /** Pauses (and calls `onPause`) when `maxBuffered` trades are buffered and it is not paused yet. */
  pauseIfFull(): void {
    if (this.#paused || this.buffered < this.maxBuffered) return;
    this.#paused = true;
    this.#options.onPause();
  }

  /**
   * For a producer that stops while the consumer is behind: pauses if full, then waits until the
   * queue resumes (or closes). True when it had to wait.
   */
  async whenResumed(): Promise<boolean> {
    if (this.#closed) return false;
    this.pauseIfFull();
    if (!this.#paused) return false;
    await new Promise<void>((resolve) => this.#resumeWaiters.push(resolve));
    return true;
  }

  /** Resolves once fewer than `maxBuffered` trades are queued (`held` not counted), or it is closed. */
  waitForRoom(): Promise<void> {
    if (this.#closed || this.queued < this.maxBuffered) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  /**
   * Ends the iteration: drops what is buffered, wakes every waiting producer, and settles a
   * pending `next` (rejected with `error` when given; so is every later `next`).
   */
  close(error?: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#error = error;
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    this.held = 0;
    this.#items = [];
    this.#head = 0;
    for (const wake of this.#resumeWaiters.splice(0)) wake();
    for (const wake of this.#roomWaiters.splice(0)) wake();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter && this.#error !== undefined) waiter.reject(this.#error);
    else waiter?.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.#started)
      throw new Error(
        `a ${this.#options.source}() stream can be iterated once; create another for a second consumer`,
      );
    this.#started = true;
    const signal = this.#options.signal;
    if (signal?.aborted) this.#options.stop();
    else {
      signal?.addEventListener('abort', this.#onAbort, { once: true });
      this.#options.start();
    }
    return {
      next: () => this.#next(),
      return: async () => {
        this.#options.stop();
        return { done: true, value: undefined };
      },
    };
  }

  #onAbort = () => this.#options.stop();

  #next(): Promise<IteratorResult<T>> {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#head < this.#items.length) {
      const trade = this.#items[this.#head] as T;
      this.#items[this.#head++] = undefined;
      if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#items.length) {
        this.#items.splice(0, this.#head);
        this.#head = 0;
      }
      this.#afterDequeue();
      return Promise.resolve({ done: false, value: trade });
    }
    if (this.#closed) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  #afterDequeue(): void {
    if (this.#paused && this.buffered <= this.maxBuffered / 2) {
      this.#paused = false;
      this.#options.onResume();
    }
    if (!this.#paused && this.#resumeWaiters.length > 0)
      for (const wake of this.#resumeWaiters.splice(0)) wake();
    if (this.#roomWaiters.length > 0 && this.queued < this.maxBuffered)
      for (const wake of this.#roomWaiters.splice(0)) wake();
  }
}
