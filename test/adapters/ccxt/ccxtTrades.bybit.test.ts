import { afterEach, describe, expect, it } from 'vitest';
import type { CcxtExchange } from '../../../src/adapters/ccxt/CcxtExchange.js';
import { ccxtBybitAt } from './exchanges.js';
import { FakeBybit } from './fakeBybit.js';
import { type CcxtRun, deliveredIds, startCcxtRun, waitFor } from './harness.js';

const SPOT = ['BTCUSDT', 'ETHUSDT'];
const SYMBOLS = ['BTC/USDT', 'ETH/USDT'];

let fake: FakeBybit;
let exchange: CcxtExchange;
let run: CcxtRun | undefined;

afterEach(async () => {
  run?.controller.abort();
  await run?.done.catch(() => {});
  run = undefined;
  await exchange?.close();
  await fake?.close();
});

async function setUp(options: ConstructorParameters<typeof Object>[0] = {}) {
  fake = await FakeBybit.start({ spot: SPOT, linear: ['SOLUSDT'], ...options });
  exchange = await ccxtBybitAt(fake, SPOT, ['SOLUSDT']);
}

/** Waits until the stream is subscribed: a first trade of every symbol arrived. */
async function warmUp(r: CcxtRun, symbols = SPOT, unified = SYMBOLS) {
  await waitFor('the subscriptions', () => symbols.every((s) => fake.subscribed(s)));
  for (const s of symbols) fake.publish(s, 1);
  await waitFor('first trades', () => unified.every((u) => (r.received.get(u)?.length ?? 0) > 0));
}

function expectExact(r: CcxtRun, pairs: [string, string][] = SPOT.map((s, i) => [s, SYMBOLS[i]])) {
  for (const [id, unified] of pairs) {
    const generated = fake.history(id).map((t) => t.id);
    expect(generated.length).toBeGreaterThan(0);
    expect(deliveredIds(r, unified), `${unified}: delivered ids`).toEqual(generated);
  }
}

async function waitForAll(r: CcxtRun, pairs: [string, string][] = SPOT.map((s, i) => [s, SYMBOLS[i]])) {
  await waitFor('every generated trade', () =>
    pairs.every(([id, unified]) => (r.received.get(unified)?.length ?? 0) >= fake.history(id).length),
  );
}

describe('ccxtTrades over ccxt.pro.bybit and a fake Bybit (v5 wire format)', () => {
  it('delivers every trade once, in order, with unified symbols, 19-digit ids kept verbatim', async () => {
    await setUp();
    run = startCcxtRun(exchange, SYMBOLS);
    await warmUp(run);
    for (let i = 0; i < 10; i++) {
      fake.publish('BTCUSDT', 7);
      fake.publish('ETHUSDT', 4);
    }
    await waitForAll(run);
    expectExact(run);
    const t = run.received.get('BTC/USDT')?.[3];
    const g = fake.history('BTCUSDT')[3];
    expect(t).toMatchObject({
      symbol: 'BTC/USDT',
      tradeId: g.id,
      time: g.time,
      isBuyerMaker: g.side === 'Sell',
    });
    expect(t?.price).toBeCloseTo(Number(g.price), 10);
    expect(t?.id).toBeUndefined(); // beyond 2^53: only tradeId carries it
    expect(run.stream.stats()).toMatchObject({ duplicates: 0, missing: 0, malformed: 0 });
  });

  it('drops duplicated messages and survives malformed ones: ids exactly the generated ones, in order', async () => {
    await setUp({ tradesPerMessage: 1 });
    run = startCcxtRun(exchange, SYMBOLS);
    await warmUp(run);
    fake.faults = { duplicate: 0.2, reorder: 0, malformed: 0.1 };
    for (let i = 0; i < 20; i++) fake.publish('BTCUSDT', 5);
    fake.faults = { duplicate: 0, reorder: 0, malformed: 0 };
    fake.publish('ETHUSDT', 3);
    await waitForAll(run);
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.malformedSent).toBeGreaterThan(0);
    expect(run.stream.stats().duplicates).toBeGreaterThan(0);
    expectExact(run);
  });

  it('delivers reordered messages as sent, every generated id exactly once (opaque ids give no order)', async () => {
    await setUp({ tradesPerMessage: 1 });
    run = startCcxtRun(exchange, SYMBOLS);
    await warmUp(run);
    fake.faults = { duplicate: 0.1, reorder: 0.3, malformed: 0 };
    for (let i = 0; i < 20; i++) {
      fake.publish('BTCUSDT', 5);
      fake.publish('ETHUSDT', 3);
    }
    fake.faults = { duplicate: 0, reorder: 0, malformed: 0 };
    await waitForAll(run);
    await new Promise((r) => setTimeout(r, 200));
    for (const [id, unified] of SPOT.map((s, i) => [s, SYMBOLS[i]])) {
      const generated = fake.history(id).map((t) => t.id);
      const delivered = deliveredIds(run, unified);
      expect([...delivered].sort(), `${unified}: delivered ids`).toEqual([...generated].sort());
      expect(delivered, `${unified}: the faults did reorder`).not.toEqual(generated);
    }
    expect(run.stream.stats()).toMatchObject({ missing: 0, restRequests: 0 });
    expect(run.stream.stats().duplicates).toBeGreaterThan(0);
  });

  it('fills a dropped connection from recent-trade REST when the gap fits in its window', async () => {
    await setUp();
    run = startCcxtRun(exchange, SYMBOLS);
    await warmUp(run);
    fake.publish('BTCUSDT', 10);
    fake.dropAfter(2);
    fake.publish('BTCUSDT', 30); // 6 of 30 delivered live, then the drop
    fake.publish('ETHUSDT', 5); // nobody listens
    await waitFor('the resubscription', () => SPOT.every((s) => fake.subscribed(s)), 5000);
    fake.publish('BTCUSDT', 1);
    fake.publish('ETHUSDT', 1);
    await waitForAll(run);
    expectExact(run);
    expect(run.events.some((e) => e.type === 'gapFilled')).toBe(true);
    expect(run.stream.stats().missing).toBe(0);
  });

  it('reports a gap beyond the REST window with missingBefore on the next trade', async () => {
    await setUp();
    run = startCcxtRun(exchange, SYMBOLS);
    await warmUp(run);
    fake.dropAll();
    fake.publish('BTCUSDT', 200); // lost live; REST serves only the last 60
    await waitFor('the resubscription', () => fake.subscribed('BTCUSDT'), 5000);
    fake.publish('BTCUSDT', 1);
    const generated = fake.history('BTCUSDT').map((t) => t.id);
    await waitFor(
      'the live trades',
      () => deliveredIds(run as CcxtRun, 'BTC/USDT').at(-1) === generated.at(-1),
    );
    const delivered = run.received.get('BTC/USDT') as { tradeId?: string; missingBefore?: number }[];
    const ids = delivered.map((t) => t.tradeId);
    // No duplicates, no invented trades, order kept: the delivered ids are a subsequence of the generated ones.
    expect(new Set(ids).size).toBe(ids.length);
    const positions = ids.map((id) => generated.indexOf(id as string));
    expect(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]))).toBe(true);
    // Every hole in that subsequence is announced by missingBefore on the trade after it.
    for (let i = 1; i < positions.length; i++) {
      const hole = positions[i] - positions[i - 1] - 1;
      if (hole > 0)
        expect(delivered[i].missingBefore, `hole of ${hole} before ${ids[i]}`).toBeGreaterThanOrEqual(1);
    }
    expect(positions.at(-1)).toBe(generated.length - 1);
    expect(delivered.filter((t) => t.missingBefore).length).toBe(1);
    expect(run.stream.stats()).toMatchObject({ missing: 1, unfilledGaps: 1 });
    expect(run.events.find((e) => e.type === 'gapUnfilled')).toMatchObject({
      symbol: 'BTC/USDT',
      exact: false,
    });
  });
  it('retries REST rate limits (HTTP 429, retCode 10006) and 5xx while filling, then delivers exactly', async () => {
    await setUp();
    run = startCcxtRun(exchange, SYMBOLS);
    await warmUp(run);
    fake.restFaults.push({ status: 429 }, { status: 200, retCode: 10006 }, { status: 500 }, { status: 502 });
    fake.dropAll();
    fake.publish('BTCUSDT', 20);
    fake.publish('ETHUSDT', 20);
    await waitFor('the resubscription', () => SPOT.every((s) => fake.subscribed(s)), 5000);
    fake.publish('BTCUSDT', 2);
    fake.publish('ETHUSDT', 2);
    await waitForAll(run);
    expectExact(run);
    expect(fake.restFaults).toEqual([]);
    expect(run.events.filter((e) => e.type === 'restRetry')).toHaveLength(4);
    expect(run.stream.stats().missing).toBe(0);
  });

  it('gives a gap up after the retries and reports it, and the stream goes on', async () => {
    await setUp();
    run = startCcxtRun(exchange, ['BTC/USDT'], { restRetries: 2 });
    await warmUp(run, ['BTCUSDT'], ['BTC/USDT']);
    for (let i = 0; i < 12; i++) fake.restFaults.push({ status: 503 });
    fake.dropAll();
    fake.publish('BTCUSDT', 10);
    await waitFor('the resubscription', () => fake.subscribed('BTCUSDT'), 5000);
    fake.publish('BTCUSDT', 3);
    await waitFor('the gap report', () => run?.events.some((e) => e.type === 'gapUnfilled') ?? false);
    fake.restFaults.length = 0;
    fake.publish('BTCUSDT', 4);
    const generated = fake.history('BTCUSDT').map((t) => t.id);
    await waitFor(
      'the last trade',
      () => deliveredIds(run as CcxtRun, 'BTC/USDT').at(-1) === generated.at(-1),
    );
    const delivered = run.received.get('BTC/USDT') ?? [];
    // The first trade, the 10 lost, then every live trade; the one after the hole says so.
    expect(delivered.map((t) => t.tradeId)).toEqual([generated[0], ...generated.slice(11)]);
    expect(delivered[1].missingBefore).toBe(1);
    expect(delivered.filter((t) => t.missingBefore !== undefined)).toHaveLength(1);
    expect(run.stream.stats()).toMatchObject({ missing: 1, unfilledGaps: 1, duplicates: 0 });
  });

  it('keys trades by (time, price, amount, side) where the exchange sends no ids: duplicates dropped, a drop filled', async () => {
    await setUp({ noIds: true, tradesPerMessage: 1 });
    run = startCcxtRun(exchange, SYMBOLS);
    await warmUp(run);
    fake.faults = { duplicate: 0.2, reorder: 0, malformed: 0 };
    for (let i = 0; i < 10; i++) fake.publish('BTCUSDT', 5);
    fake.dropAfter(4);
    fake.publish('BTCUSDT', 20); // 4 delivered live, then the drop: REST (the last 60) fills the rest
    fake.faults = { duplicate: 0, reorder: 0, malformed: 0 };
    await waitFor('the resubscription', () => SPOT.every((s) => fake.subscribed(s)), 5000);
    fake.publish('BTCUSDT', 2);
    fake.publish('ETHUSDT', 2);
    await waitForAll(run);
    await new Promise((r) => setTimeout(r, 200));
    const key = (time: number, price: number, qty: number, sell: boolean) =>
      `${time}|${price}|${qty}|${sell}`;
    for (const [id, unified] of SPOT.map((s, i) => [s, SYMBOLS[i]])) {
      const generated = fake
        .history(id)
        .map((t) => key(t.time, Number(t.price), Number(t.size), t.side === 'Sell'));
      expect(new Set(generated).size, 'the fake generated distinct trades').toBe(generated.length);
      const delivered = run.received.get(unified) ?? [];
      const got = delivered.map((t) => key(t.time, t.price, t.qty, t.isBuyerMaker));
      // Every trade once, in time order; within one millisecond, without ids, the order of trades
      // filled from REST is REST's (Bybit's newest first), which nothing can put right.
      expect([...got].sort(), `${unified}: delivered trades`).toEqual([...generated].sort());
      expect(
        delivered.map((t) => t.time),
        `${unified}: times`,
      ).toEqual(fake.history(id).map((t) => t.time));
      expect(delivered.every((t) => t.tradeId === undefined && t.id === undefined)).toBe(true);
    }
    expect(run.stream.stats()).toMatchObject({ missing: 0, malformed: 0 });
    expect(run.stream.stats().duplicates).toBeGreaterThan(0);
    expect(run.events.some((e) => e.type === 'gapFilled')).toBe(true);
  });

  it('uses watchTradesForSymbols where the exchange has no watchTrades, with the same guarantees', async () => {
    await setUp();
    exchange.has.watchTrades = false;
    exchange.watchTrades = () =>
      Promise.reject(new Error('watchTrades called though has.watchTrades is false'));
    const watched: string[][] = [];
    const original = exchange.watchTradesForSymbols?.bind(exchange);
    exchange.watchTradesForSymbols = (symbols, ...rest) => {
      watched.push(symbols);
      return (original as NonNullable<typeof original>)(symbols, ...rest);
    };
    run = startCcxtRun(exchange, SYMBOLS);
    await warmUp(run);
    fake.faults = { duplicate: 0.2, reorder: 0, malformed: 0 };
    fake.publish('BTCUSDT', 10);
    fake.dropAfter(2);
    fake.publish('BTCUSDT', 30);
    fake.faults = { duplicate: 0, reorder: 0, malformed: 0 };
    await waitFor('the resubscription', () => SPOT.every((s) => fake.subscribed(s)), 5000);
    fake.publish('BTCUSDT', 1);
    fake.publish('ETHUSDT', 1);
    await waitForAll(run);
    expectExact(run);
    expect(watched.length).toBeGreaterThan(2);
    expect(new Set(watched.map((s) => s.join()))).toEqual(new Set(['BTC/USDT', 'ETH/USDT']));
    expect(run.stream.stats().missing).toBe(0);
    expect(run.events.some((e) => e.type === 'gapFilled')).toBe(true);
  });

  it('streams a linear swap under its unified symbol, with UUID trade ids', async () => {
    await setUp();
    run = startCcxtRun(exchange, ['SOLUSDT']); // a market id is accepted; trades carry the unified symbol
    await waitFor('the subscription', () => fake.subscribed('SOLUSDT'));
    fake.publish('SOLUSDT', 25);
    await waitForAll(run, [['SOLUSDT', 'SOL/USDT:USDT']]);
    expectExact(run, [['SOLUSDT', 'SOL/USDT:USDT']]);
    expect(run.received.get('SOL/USDT:USDT')?.[0].tradeId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5/);
  });
});
