import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/adapters/binance/clock.js';
import type { CcxtExchange } from '../../../src/adapters/ccxt/CcxtExchange.js';
import { CcxtSymbolError, type CcxtTradesOptions } from '../../../src/adapters/ccxt/ccxtTrades.js';
import { createRegimeRouter } from '../../../src/index.js';
import { FakeBinance, type RestFault } from '../binance/fakeBinance.js';
import { ccxtBinanceAt } from './exchanges.js';
import { type CcxtRun, startCcxtRun, waitFor } from './harness.js';

const IDS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];
const SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let fake: FakeBinance | undefined;
let exchange: CcxtExchange | undefined;
let run: CcxtRun | undefined;

afterEach(async () => {
  run?.controller.abort();
  await run?.done.catch(() => {});
  run = undefined;
  await exchange?.close();
  await fake?.close();
  fake = undefined;
});

async function setUp(ids = IDS, options: Partial<Parameters<typeof FakeBinance.start>[0]> = {}) {
  fake = await FakeBinance.start({ symbols: ids, messagesPerSecond: 50, ...options });
  exchange = await ccxtBinanceAt(fake, ids);
  return { f: fake, ex: exchange };
}

const subscribed = (f: FakeBinance, ids = IDS) =>
  ids.every((id) =>
    f.connections.some((c) => c.closedAt === undefined && c.streams.has(`${id.toLowerCase()}@aggTrade`)),
  );

async function trade(f: FakeBinance, ids: string[], bursts: number, size: number, gapMs = 5) {
  for (let b = 0; b < bursts; b++) {
    for (const id of ids) f.publish(id, size);
    await sleep(gapMs);
  }
}

async function waitForAll(r: CcxtRun, f: FakeBinance, ids = IDS, timeoutMs = 10_000) {
  await waitFor(
    'every generated trade',
    () =>
      ids.every(
        (id, i) =>
          (r.received.get(SYMBOLS[IDS.indexOf(id)] ?? SYMBOLS[i])?.length ?? 0) >= f.history(id).length,
      ),
    timeoutMs,
  );
}

/** The proof: the aggregate ids delivered per symbol are exactly the ids the fake generated, in order. */
function expectExactIds(r: CcxtRun, f: FakeBinance, ids = IDS) {
  for (const id of ids) {
    const symbol = SYMBOLS[IDS.indexOf(id)];
    const generated = f.history(id).map((t) => t.aggId);
    expect(generated.length, `${symbol}: the scenario generated trades`).toBeGreaterThan(0);
    expect(
      (r.received.get(symbol) ?? []).map((t) => t.id),
      `${symbol}: delivered ids`,
    ).toEqual(generated);
  }
}

describe('ccxtTrades over ccxt.pro.binance and the fake Binance (raw /ws endpoint, SUBSCRIBE)', () => {
  it('subscribes to aggregate trades and delivers every id once, in order, as unified symbols', async () => {
    const { f, ex } = await setUp();
    run = startCcxtRun(ex, SYMBOLS);
    const r = run;
    await waitFor('subscriptions', () => subscribed(f));
    await trade(f, IDS, 10, 20);
    await waitForAll(r, f);
    expectExactIds(r, f);
    expect(f.connections.every((c) => c.raw)).toBe(true);
    const g = f.history('ETHUSDT')[5];
    expect(r.received.get('ETH/USDT')?.[5]).toMatchObject({
      symbol: 'ETH/USDT',
      tradeId: String(g.aggId),
      id: g.aggId,
      firstId: g.tradeId,
      lastId: g.tradeId,
      time: g.time,
      qty: Number(g.qty),
      isBuyerMaker: g.isBuyerMaker,
    });
    expect(r.stream.stats()).toMatchObject({ duplicates: 0, missing: 0, restRequests: 0 });
    expect(f.violations).toEqual([]);
  });

  it('fills a connection dropped mid-burst from aggTrades by id, exactly', async () => {
    const { f, ex } = await setUp();
    run = startCcxtRun(ex, SYMBOLS);
    const r = run;
    await waitFor('subscriptions', () => subscribed(f));
    await trade(f, IDS, 3, 50);
    f.dropAfter(70);
    f.publish('BTCUSDT', 400);
    await trade(f, IDS, 3, 100, 1); // trades nobody hears while the client is away
    await waitFor('resubscriptions', () => subscribed(f) && f.connections.length > IDS.length, 5000);
    await trade(f, IDS, 3, 20);
    await waitForAll(r, f);
    expectExactIds(r, f);
    expect(r.stream.stats().filledTrades).toBeGreaterThan(300);
    expect(r.stream.stats().missing).toBe(0);
    expect(f.requests.every((q) => q.path === '/api/v3/aggTrades' && q.query.fromId !== undefined)).toBe(
      true,
    );
  });

  it('drops duplicated frames and restores the order of reordered ones', async () => {
    const { f, ex } = await setUp();
    run = startCcxtRun(ex, SYMBOLS);
    const r = run;
    await waitFor('subscriptions', () => subscribed(f));
    for (const id of IDS) f.publish(id, 1);
    f.faults = { duplicate: 0.2, reorder: 0.2, malformed: 0 };
    await trade(f, IDS, 20, 25);
    await waitForAll(r, f);
    expectExactIds(r, f);
    expect(r.stream.stats().duplicates).toBeGreaterThan(50);
  });

  it('survives malformed frames without losing or inventing a trade', async () => {
    const { f, ex } = await setUp();
    run = startCcxtRun(ex, SYMBOLS);
    const r = run;
    await waitFor('subscriptions', () => subscribed(f));
    for (const id of IDS) f.publish(id, 1);
    await waitForAll(r, f);
    f.faults = { duplicate: 0, reorder: 0, malformed: 0.1 };
    await trade(f, IDS, 10, 30);
    f.faults = { duplicate: 0, reorder: 0, malformed: 0 };
    await trade(f, IDS, 1, 1);
    await waitForAll(r, f);
    expectExactIds(r, f);
    expect(f.malformedSent).toBeGreaterThan(10);
    // Each malformed frame either never became a ccxt trade (ccxt drops what it cannot parse), or
    // became one that was counted as malformed here, with its reason, and not delivered.
    expect(r.stream.stats().malformed).toBeGreaterThan(0);
    expect(r.malformed).toHaveLength(r.stream.stats().malformed);
    expect(r.malformed.every((m) => m.reason.length > 0)).toBe(true);
  });

  /**
   * Drops the connections mid-burst, so the gap is filled from REST while the fake answers with
   * `faults` first; every trade must arrive once, and no request may break a Retry-After pause.
   */
  async function fillGapThrough(faults: RestFault[], options: CcxtTradesOptions = {}): Promise<CcxtRun> {
    const { f, ex } = await setUp();
    run = startCcxtRun(ex, SYMBOLS, options);
    const r = run;
    await waitFor('subscriptions', () => subscribed(f));
    await trade(f, IDS, 2, 10);
    f.restFaults.push(...faults);
    f.dropAfter(3);
    await trade(f, IDS, 3, 100, 1);
    await waitFor('resubscriptions', () => subscribed(f) && f.connections.length > IDS.length, 5000);
    await trade(f, IDS, 1, 5);
    await waitForAll(r, f, IDS, 15_000);
    expectExactIds(r, f);
    expect(f.restFaults).toEqual([]);
    // The fake records any request sent during a Retry-After pause as a violation.
    expect(f.violations).toEqual([]);
    return r;
  }

  it('retries 429 (waiting out Retry-After), 418, 500 and 503 while filling a gap', async () => {
    const r = await fillGapThrough([
      { status: 429, retryAfter: 1 },
      { status: 500 },
      { status: 503 },
      { status: 418 },
    ]);
    expect(r.events.filter((e) => e.type === 'restRetry')).toHaveLength(4);
  });

  it('waits out Retry-After by the clock, even when its timers fire early', async () => {
    // Timers may fire a little before the clock says they are due (Node's do, by up to 1 ms):
    // here by 300 ms, so a single sleep would send the next request inside the pause.
    const early: Clock = {
      now: () => Date.now(),
      setTimeout: (callback, ms) => setTimeout(callback, Math.max(0, ms - 300)),
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    };
    const r = await fillGapThrough([{ status: 429, retryAfter: 1 }], { clock: early });
    expect(r.events.filter((e) => e.type === 'restRetry')).toHaveLength(1);
  });

  it('reports a gap REST can no longer serve with its exact size in missingBefore', async () => {
    const { f, ex } = await setUp(['BTCUSDT'], { historyLimit: 100 });
    run = startCcxtRun(ex, ['BTC/USDT']);
    const r = run;
    await waitFor('subscription', () => subscribed(f, ['BTCUSDT']));
    f.publish('BTCUSDT', 10);
    await waitFor('first trades', () => (r.received.get('BTC/USDT')?.length ?? 0) === 10);
    f.dropAll();
    f.publish('BTCUSDT', 500); // the fake keeps the last 100..200 of them for REST
    await waitFor('resubscription', () => subscribed(f, ['BTCUSDT']) && f.connections.length > 1, 5000);
    f.publish('BTCUSDT', 5);
    const generated = f.history('BTCUSDT');
    const lastId = generated.at(-1)?.aggId as number;
    await waitFor('the live trades', () => r.received.get('BTC/USDT')?.at(-1)?.id === lastId);
    const delivered = r.received.get('BTC/USDT') ?? [];
    const ids = delivered.map((t) => t.id as number);
    // Contiguous but for one hole, whose exact size the trade after it carries.
    const firstId = 1_000_000;
    const missing = delivered.reduce((n, t) => n + (t.missingBefore ?? 0), 0);
    expect(ids.length + missing).toBe(lastId - firstId + 1);
    const holeAt = delivered.findIndex((t) => t.missingBefore !== undefined);
    expect(holeAt).toBe(10);
    expect(ids[holeAt] - ids[holeAt - 1] - 1).toBe(delivered[holeAt].missingBefore);
    expect(ids.every((id, i) => i === 0 || i === holeAt || id === ids[i - 1] + 1)).toBe(true);
    expect(r.stream.stats()).toMatchObject({ missing, unfilledGaps: 1 });
    expect(r.events.find((e) => e.type === 'gapUnfilled')).toMatchObject({ exact: true, missing });
    // ... and reaches the bars, so the signals carry it too.
    const router = createRegimeRouter({ allowedLatenessMs: 0 });
    const signals = delivered.flatMap((t) => router.pushTrade(t));
    signals.push(...router.advance((delivered.at(-1)?.time ?? 0) + 120_000));
    expect(signals.reduce((n, s) => n + (s.bar.missingTrades ?? 0), 0)).toBe(missing);
  });

  it('bounds the buffer for a slow consumer, and loses nothing', async () => {
    const { f, ex } = await setUp();
    let maxBuffered = 0;
    let stream: CcxtRun['stream'] | undefined;
    run = startCcxtRun(ex, SYMBOLS, { maxBuffered: 200 }, async (t) => {
      maxBuffered = Math.max(maxBuffered, stream?.stats().buffered ?? 0);
      if ((t.id as number) % 50 === 0) await sleep(5);
    });
    stream = run.stream;
    const r = run;
    await waitFor('subscriptions', () => subscribed(f));
    await trade(f, IDS, 10, 300, 1);
    await waitForAll(r, f, IDS, 20_000);
    expectExactIds(r, f);
    expect(r.events.some((e) => e.type === 'paused')).toBe(true);
    expect(r.events.some((e) => e.type === 'resumed')).toBe(true);
    // Bound: maxBuffered, plus one ccxt read per symbol (its cache holds at most tradesLimit = 1000),
    // plus one REST page (1000).
    expect(maxBuffered).toBeLessThanOrEqual(200 + 1000 * IDS.length + 1000);
    expect(r.stream.stats().buffered).toBe(0);
  });

  it("fills from REST what a stalled consumer let fall out of ccxt's bounded cache (tradesLimit)", async () => {
    fake = await FakeBinance.start({ symbols: IDS, messagesPerSecond: 50 });
    const f = fake;
    exchange = await ccxtBinanceAt(f, IDS, { options: { tradesLimit: 100 } });
    expect(exchange.options.tradesLimit).toBe(100);
    let release: () => void = () => {};
    const stalled = new Promise<void>((resolve) => {
      release = resolve;
    });
    let stream: CcxtRun['stream'] | undefined;
    let maxBuffered = 0;
    run = startCcxtRun(exchange, SYMBOLS, { maxBuffered: 50 }, async () => {
      maxBuffered = Math.max(maxBuffered, stream?.stats().buffered ?? 0);
      await stalled;
    });
    stream = run.stream;
    const r = run;
    await waitFor('subscriptions', () => subscribed(f));
    await trade(f, IDS, 10, 100, 1); // 1 000 per symbol while the consumer is stalled
    await waitFor('the stream to pause', () => r.events.some((e) => e.type === 'paused'));
    await sleep(200);
    release();
    await waitForAll(r, f, IDS, 20_000);
    expectExactIds(r, f);
    // ccxt kept at most 100 per symbol: the rest came from REST, by id.
    expect(r.stream.stats().filledTrades).toBeGreaterThan(IDS.length * 500);
    expect(r.stream.stats().missing).toBe(0);
    expect(maxBuffered).toBeLessThanOrEqual(50 + 100 * IDS.length + 1000);
  });

  it('rejects an unknown symbol with an error that names it, before connecting', async () => {
    const { f, ex } = await setUp();
    run = startCcxtRun(ex, ['BTC/USDT', 'NOPE/USDT']);
    await expect(run.done).rejects.toThrow(CcxtSymbolError);
    await expect(run.done).rejects.toThrow(/binance does not list NOPE\/USDT/);
    expect(f.connections).toEqual([]);
  });

  it('ends the iteration when aborted, even while a REST retry waits', async () => {
    const { f, ex } = await setUp();
    run = startCcxtRun(ex, SYMBOLS);
    const r = run;
    await waitFor('subscriptions', () => subscribed(f));
    await trade(f, IDS, 2, 10);
    f.restFaults.push({ status: 429, retryAfter: 30 });
    f.dropAfter(1);
    await trade(f, IDS, 1, 10);
    await waitFor('resubscriptions', () => subscribed(f) && f.connections.length > IDS.length, 5000);
    await trade(f, IDS, 1, 1);
    await waitFor('a pending Retry-After wait', () => r.events.some((e) => e.type === 'restRetry'));
    r.controller.abort();
    await r.done;
    expect(r.stream.stats().buffered).toBe(0);
  });
});
