import { afterEach, describe, expect, it } from 'vitest';
import { BinanceHttpError } from '../../../src/adapters/binance/BinanceRest.js';
import { BinanceSymbolError } from '../../../src/adapters/binance/binanceTrades.js';
import {
  type MalformedFrameError,
  TradeFrameParser,
} from '../../../src/adapters/binance/TradeFrameParser.js';
import { createRegimeDetector } from '../../../src/index.js';
import { FakeBinance } from './fakeBinance.js';
import { connectedCount, expectExactIds, type Run, startRun, waitFor, waitForAll } from './harness.js';
import { JumpClock } from './jumpClock.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];
let fake: FakeBinance | undefined;
let run: Run | undefined;

afterEach(async () => {
  run?.controller.abort();
  run = undefined;
  await fake?.close();
  fake = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Publishes `bursts` bursts of `size` trades per symbol, `gapMs` apart. */
async function trade(
  f: FakeBinance,
  symbols: string[],
  bursts: number,
  size: number,
  gapMs = 5,
): Promise<void> {
  for (let b = 0; b < bursts; b++) {
    for (const s of symbols) f.publish(s, size);
    await sleep(gapMs);
  }
}

describe('binanceTrades against a fake Binance on 127.0.0.1', () => {
  it('splits symbols across connections within the stream and message limits, and delivers every id', async () => {
    const symbols = ['AUSDT', 'BUSDT', 'CUSDT', 'DUSDT', 'EUSDT'];
    fake = await FakeBinance.start({ symbols, streamsPerConnection: 2, messagesPerSecond: 3 });
    const f = fake;
    run = startRun(f, { symbols, streamsPerConnection: 2, subscribeBatchSize: 1, messagesPerSecond: 3 });
    const r = run;
    await waitFor('3 connections', () => connectedCount(r) === 3);
    await trade(f, symbols, 20, 10);
    await waitForAll(r, f, symbols);
    expectExactIds(r, f, symbols);
    expect(f.connections.map((c) => c.streams.size).sort()).toEqual([1, 2, 2]);
    expect(f.violations).toEqual([]);
  });

  it('answers the server pings, so the server never drops it for a missing pong', async () => {
    // A pong timeout a loaded machine's pauses cannot reach; the pong count shows the answers.
    fake = await FakeBinance.start({ symbols: SYMBOLS, pingIntervalMs: 250, pongTimeoutMs: 3000 });
    const f = fake;
    run = startRun(f, { symbols: SYMBOLS });
    const r = run;
    await waitFor('connection', () => connectedCount(r) === 1);
    await trade(f, SYMBOLS, 60, 3, 25);
    await waitForAll(r, f, SYMBOLS);
    expect(f.connections).toHaveLength(1);
    expect(f.connections[0].pongs).toBeGreaterThanOrEqual(4);
    expect(f.connections[0].closedBy).toBeUndefined();
    expectExactIds(r, f, SYMBOLS);
  });

  it('reconnects after a connection dropped mid-burst and fills the gap from REST', async () => {
    fake = await FakeBinance.start({ symbols: SYMBOLS });
    const f = fake;
    run = startRun(f, { symbols: SYMBOLS });
    const r = run;
    await waitFor('connection', () => connectedCount(r) === 1);
    await trade(f, SYMBOLS, 3, 50);
    f.dropAfter(70);
    f.publish('BTCUSDT', 400);
    // Trades nobody hears while the client is away.
    await trade(f, SYMBOLS, 3, 100, 1);
    await waitFor('reconnection', () => connectedCount(r) === 2);
    await trade(f, SYMBOLS, 3, 20);
    await waitForAll(r, f, SYMBOLS);
    expectExactIds(r, f, SYMBOLS);
    expect(r.stream.stats().reconnects).toBe(1);
    expect(r.stream.stats().filledTrades).toBeGreaterThan(300);
    expect(f.violations).toEqual([]);
  });

  it('catches up after a reconnect even for symbols that trade no more', async () => {
    fake = await FakeBinance.start({ symbols: SYMBOLS });
    const f = fake;
    run = startRun(f, { symbols: SYMBOLS });
    const r = run;
    await waitFor('connection', () => connectedCount(r) === 1);
    await trade(f, SYMBOLS, 2, 10);
    f.dropAfter(5);
    // 2 500 trades per symbol: three REST pages each.
    for (const s of SYMBOLS) f.publish(s, 2500);
    await waitForAll(r, f, SYMBOLS);
    expectExactIds(r, f, SYMBOLS);
  });

  it('replaces a silent (stalled) connection and fills what it missed', async () => {
    fake = await FakeBinance.start({ symbols: SYMBOLS });
    const f = fake;
    run = startRun(f, { symbols: SYMBOLS, stallTimeoutMs: 300 });
    const r = run;
    await waitFor('connection', () => connectedCount(r) === 1);
    await trade(f, SYMBOLS, 3, 10);
    f.stallAll(true);
    await trade(f, SYMBOLS, 5, 20);
    await waitFor('reconnection', () => connectedCount(r) === 2, 5000);
    f.stallAll(false);
    await trade(f, SYMBOLS, 3, 10);
    await waitForAll(r, f, SYMBOLS);
    expectExactIds(r, f, SYMBOLS);
    expect(r.stream.stats().stalls).toBeGreaterThanOrEqual(1);
    expect(r.events.some((e) => e.type === 'stalled')).toBe(true);
  });

  it('rotates a connection before the 24-hour cut, overlapping old and new, with no gap to fill', async () => {
    const clock = new JumpClock();
    fake = await FakeBinance.start({ symbols: SYMBOLS, clock });
    const f = fake;
    // A stall timeout beyond the jumps, so only the age can replace the connection.
    const stallTimeoutMs = 48 * 3_600_000;
    run = startRun(f, {
      symbols: SYMBOLS,
      clock,
      stallTimeoutMs,
      maxConnectionAgeMs: 23.5 * 3_600_000,
      rotationOverlapMs: 300,
    });
    const r = run;
    await waitFor('connection', () => connectedCount(r) === 1);
    let trading = true;
    const market = (async () => {
      while (trading) await trade(f, SYMBOLS, 1, 5, 5);
    })();
    await sleep(100);
    clock.jump(23.6 * 3_600_000);
    await waitFor('rotation', () => connectedCount(r) === 2);
    // The overlap ends with the client closing the old connection, before its 24 h are up.
    await waitFor('old connection closed', () => f.connections[0].closedAt !== undefined);
    clock.jump(0.5 * 3_600_000); // past the first connection's 24 h
    await sleep(200);
    trading = false;
    await market;
    await waitForAll(r, f, SYMBOLS);
    expectExactIds(r, f, SYMBOLS);
    expect(r.stream.stats().rotations).toBe(1);
    expect(r.stream.stats().reconnects).toBe(0);
    expect(f.requests.filter((q) => q.path.endsWith('aggTrades'))).toEqual([]);
    expect(f.connections.map((c) => c.closedBy)).toEqual([undefined, undefined]);
    expect(f.connections[0].closedAt).toBeDefined();
  });

  it('keeps rotating when the old connection dies during the overlap', async () => {
    const clock = new JumpClock();
    fake = await FakeBinance.start({ symbols: SYMBOLS, clock });
    const f = fake;
    const hour = 3_600_000;
    const options = {
      clock,
      stallTimeoutMs: 96 * hour,
      maxConnectionAgeMs: 23.5 * hour,
      rotationOverlapMs: 5000,
    };
    run = startRun(f, { symbols: SYMBOLS, ...options });
    const r = run;
    await waitFor('connection', () => connectedCount(r) === 1);
    await trade(f, SYMBOLS, 2, 5);
    clock.jump(23.6 * hour);
    await waitFor('rotation', () => connectedCount(r) === 2);
    f.drop(1);
    await trade(f, SYMBOLS, 3, 5);
    clock.jump(23.6 * hour);
    await waitFor('second rotation', () => connectedCount(r) === 3);
    await trade(f, SYMBOLS, 3, 5);
    await waitForAll(r, f, SYMBOLS);
    expectExactIds(r, f, SYMBOLS);
    expect(r.stream.stats().rotations).toBe(2);
    expect(r.stream.stats().reconnects).toBe(0);
  });

  it('without rotation the server cuts at 24 hours, and the reconnect fills the gap', async () => {
    const clock = new JumpClock();
    fake = await FakeBinance.start({ symbols: SYMBOLS, clock });
    const f = fake;
    run = startRun(f, {
      symbols: SYMBOLS,
      clock,
      stallTimeoutMs: 96 * 3_600_000,
      maxConnectionAgeMs: 48 * 3_600_000,
    });
    const r = run;
    await waitFor('connection', () => connectedCount(r) === 1);
    await trade(f, SYMBOLS, 3, 10);
    clock.jump(24 * 3_600_000);
    await trade(f, SYMBOLS, 3, 10, 0);
    await waitFor('reconnection', () => connectedCount(r) === 2);
    await trade(f, SYMBOLS, 3, 10);
    await waitForAll(r, f, SYMBOLS);
    expectExactIds(r, f, SYMBOLS);
    expect(f.connections[0].closedBy).toBe('max age');
  });

  it('drops duplicated frames and restores the order of reordered ones', async () => {
    fake = await FakeBinance.start({ symbols: SYMBOLS });
    const f = fake;
    run = startRun(f, { symbols: SYMBOLS });
    const r = run;
    await waitFor('connection', () => connectedCount(r) === 1);
    f.publish('BTCUSDT', 1);
    f.publish('ETHUSDT', 1);
    f.publish('SOLUSDT', 1);
    f.faults = { duplicate: 0.2, reorder: 0.2, malformed: 0 };
    await trade(f, SYMBOLS, 20, 25);
    await waitForAll(r, f, SYMBOLS);
    expectExactIds(r, f, SYMBOLS);
    expect(r.stream.stats().duplicates).toBeGreaterThan(50);
  });

  it('counts malformed frames and hands each raw frame to onMalformed, without stopping', async () => {
    fake = await FakeBinance.start({ symbols: SYMBOLS });
    const f = fake;
    run = startRun(f, { symbols: SYMBOLS });
    const r = run;
    await waitFor('connection', () => connectedCount(r) === 1);
    f.faults = { duplicate: 0, reorder: 0, malformed: 0.1 };
    await trade(f, SYMBOLS, 10, 30);
    await waitForAll(r, f, SYMBOLS);
    expectExactIds(r, f, SYMBOLS);
    expect(f.malformedSent).toBeGreaterThan(10);
    expect(r.malformed).toHaveLength(f.malformedSent);
    expect(r.stream.stats().malformed).toBe(f.malformedSent);
    expect(r.malformed.every((m) => typeof m.frame === 'string' && m.reason.length > 0)).toBe(true);
    // Each reason is the parser's own (what parse would throw), or says the JSON was not a trade.
    const parser = new TradeFrameParser();
    for (const m of r.malformed) {
      let thrown = 'neither a trade event nor a reply to a subscription';
      try {
        parser.parse(m.frame);
      } catch (error) {
        thrown = (error as MalformedFrameError).message;
      }
      expect(m.reason, m.frame).toBe(thrown);
    }
    expect(new Set(r.malformed.map((m) => m.reason)).size).toBeGreaterThan(3);
  });

  it('honours Retry-After on 429 and 418 and retries 5xx while filling a gap', async () => {
    fake = await FakeBinance.start({ symbols: SYMBOLS });
    const f = fake;
    run = startRun(f, { symbols: SYMBOLS });
    const r = run;
    await waitFor('connection', () => connectedCount(r) === 1);
    await trade(f, SYMBOLS, 2, 10);
    f.restFaults.push(
      { status: 429, retryAfter: 1 },
      { status: 500 },
      { status: 503 },
      { status: 418, retryAfter: 1 },
    );
    f.dropAfter(3);
    await trade(f, SYMBOLS, 3, 100, 1);
    await waitForAll(r, f, SYMBOLS, 15_000);
    expectExactIds(r, f, SYMBOLS);
    expect(f.restFaults).toEqual([]);
    // The fake records any request sent during a Retry-After pause as a violation.
    expect(f.violations).toEqual([]);
    const retries = r.events
      .filter((e) => e.type === 'restRetry')
      .map((e) => (e.type === 'restRetry' ? e.status : 0));
    expect(retries).toEqual([429, 500, 503, 418]);
  });

  it('stays inside the REST weight limit, waiting for the next minute instead of exceeding it', async () => {
    // The minute is the clock's, not the wall's: the test starts at the top of one, so no real
    // minute boundary can fall inside it and refill the budget early (CI once saw 14 requests).
    const clock = new JumpClock();
    clock.jump(60_000 - (clock.now() % 60_000));
    fake = await FakeBinance.start({ symbols: SYMBOLS, weightPerMinute: 40, clock });
    const f = fake;
    const stallTimeoutMs = 3_600_000; // beyond the jump below, so the connection is not replaced
    run = startRun(f, {
      symbols: SYMBOLS,
      weightPerMinute: 40,
      validateSymbols: false,
      clock,
      stallTimeoutMs,
    });
    const r = run;
    await waitFor('connection', () => connectedCount(r) === 1);
    await trade(f, SYMBOLS, 1, 5);
    f.dropAfter(2);
    // 12 000 missed trades need 12+ pages of weight 4: more than 40 weight in one minute.
    for (const s of SYMBOLS) f.publish(s, 4000);
    await waitFor('weight budget spent', () => f.requests.length >= 10);
    await sleep(300);
    expect(f.violations).toEqual([]);
    expect(f.requests.length).toBe(10);
    // The next minute lets the rest of the gap through, still inside the limit.
    clock.jump(60_000);
    await waitForAll(r, f, SYMBOLS, 15_000);
    expectExactIds(r, f, SYMBOLS);
    expect(f.violations).toEqual([]);
    expect(f.requests.length).toBeGreaterThan(10);
  });

  it('rejects an unknown symbol with an error that names it', async () => {
    fake = await FakeBinance.start({ symbols: SYMBOLS });
    run = startRun(fake, { symbols: ['BTCUSDT', 'NOPEUSDT'] });
    await expect(run.done).rejects.toThrow(BinanceSymbolError);
    await expect(run.done).rejects.toThrow(/does not list NOPEUSDT: use Binance's exact symbol names/);
    expect(fake.connections).toEqual([]);
  });

  it('turns an HTTP refusal into an error that says what to fix', async () => {
    fake = await FakeBinance.start({ symbols: SYMBOLS });
    run = startRun(fake, { symbols: SYMBOLS, restUrl: `${fake.restUrl}/wrong` });
    await expect(run.done).rejects.toThrow(BinanceHttpError);
    await expect(run.done).rejects.toThrow(/HTTP 404.*check restUrl/);
  });

  it('closes sockets, timers and pending requests when aborted', async () => {
    fake = await FakeBinance.start({ symbols: SYMBOLS });
    const f = fake;
    run = startRun(f, { symbols: SYMBOLS });
    const r = run;
    await waitFor('connection', () => connectedCount(r) === 1);
    await trade(f, SYMBOLS, 2, 10);
    f.restFaults.push({ status: 429, retryAfter: 30 });
    f.dropAfter(1);
    await trade(f, SYMBOLS, 1, 10);
    await waitFor('a pending Retry-After wait', () => r.events.some((e) => e.type === 'restRetry'));
    r.controller.abort();
    await r.done;
    await waitFor('sockets closed', () => f.openConnections === 0, 3000);
    expect(r.stream.stats().connections).toBe(0);
  });

  it('bounds the buffer for a slow consumer by pausing the sockets, and loses nothing', async () => {
    fake = await FakeBinance.start({ symbols: SYMBOLS });
    const f = fake;
    let maxBuffered = 0;
    let stream: Run['stream'] | undefined;
    run = startRun(f, { symbols: SYMBOLS, maxBuffered: 200 }, async (t) => {
      maxBuffered = Math.max(maxBuffered, stream?.stats().buffered ?? 0);
      if ((t.id as number) % 50 === 0) await sleep(5);
    });
    stream = run.stream;
    const r = run;
    await waitFor('connection', () => connectedCount(r) === 1);
    await trade(f, SYMBOLS, 10, 300, 1);
    await waitForAll(r, f, SYMBOLS, 20_000);
    expectExactIds(r, f, SYMBOLS);
    expect(r.events.some((e) => e.type === 'paused')).toBe(true);
    expect(r.events.some((e) => e.type === 'resumed')).toBe(true);
    // Bound: maxBuffered, plus what one socket read had already decoded when the pause began.
    expect(maxBuffered).toBeLessThan(200 + 1000);
  });

  it('paces new connections within the connection-rate limit', async () => {
    const symbols = ['AUSDT', 'BUSDT', 'CUSDT', 'DUSDT'];
    // The client's margin is 10% of the window: 150 ms here, room for a handshake that a loaded
    // machine delays (with a 400 ms window, 40 ms of delay already counted as a breach).
    const connectionWindowMs = 1500;
    fake = await FakeBinance.start({ symbols, connectionsPerWindow: 2, connectionWindowMs });
    const f = fake;
    const started = Date.now();
    run = startRun(f, { symbols, streamsPerConnection: 1, connectionsPerWindow: 2, connectionWindowMs });
    const r = run;
    await waitFor('4 connections', () => connectedCount(r) === 4);
    expect(Date.now() - started).toBeGreaterThanOrEqual(connectionWindowMs);
    await trade(f, symbols, 3, 10);
    await waitForAll(r, f, symbols);
    expectExactIds(r, f, symbols);
    expect(f.violations).toEqual([]);
  });

  it('trade stream without an API key: reports gaps with their exact id range and goes on', async () => {
    fake = await FakeBinance.start({ symbols: SYMBOLS });
    const f = fake;
    run = startRun(f, { symbols: SYMBOLS, stream: 'trade' });
    const r = run;
    await waitFor('connection', () => connectedCount(r) === 1);
    await trade(f, SYMBOLS, 2, 10);
    f.dropAfter(0);
    const lost = f.publish('BTCUSDT', 7);
    await waitFor('reconnection', () => connectedCount(r) === 2);
    await trade(f, SYMBOLS, 2, 10);
    await waitFor('gap report', () => r.events.some((e) => e.type === 'gapUnfilled'));
    expect(r.events.filter((e) => e.type === 'gapUnfilled')).toEqual([
      { type: 'gapUnfilled', symbol: 'BTCUSDT', fromId: lost[0].tradeId, toId: lost[6].tradeId },
    ]);
    const delivered = r.received.get('BTCUSDT')?.map((t) => t.id);
    const lostIds = new Set(lost.map((t) => t.tradeId));
    expect(delivered).toEqual(
      f
        .history('BTCUSDT')
        .map((t) => t.tradeId)
        .filter((id) => !lostIds.has(id)),
    );
    expect(r.stream.stats().missing).toBe(7);
    // The loss is in the stream itself: the first trade after the gap says how many came before it.
    const marked = (r.received.get('BTCUSDT') ?? []).filter((t) => t.missingBefore !== undefined);
    expect(marked.map((t) => [t.id, t.missingBefore])).toEqual([[lost[6].tradeId + 1, 7]]);
  });

  it('aggTrade stream: a gap REST cannot fill is marked on the next trade, and reaches the bar and the signal', async () => {
    fake = await FakeBinance.start({ symbols: SYMBOLS });
    const f = fake;
    run = startRun(f, { symbols: SYMBOLS });
    const r = run;
    await waitFor('connection', () => connectedCount(r) === 1);
    await trade(f, SYMBOLS, 2, 10);
    f.dropAfter(0);
    const lost = f.publish('BTCUSDT', 5);
    for (const t of lost) f.withheld.add(t.aggId);
    await waitFor('reconnection', () => connectedCount(r) === 2);
    await trade(f, SYMBOLS, 2, 10);
    // Five answers without the lost ids (one per gapGraceMs), then the adapter gives up on them.
    await waitFor('gap report', () => r.events.some((e) => e.type === 'gapUnfilled'), 10_000);
    const served = (symbol: string) => f.history(symbol).filter((t) => !f.withheld.has(t.aggId)).length;
    await waitFor('every trade REST serves', () =>
      SYMBOLS.every((symbol) => (r.received.get(symbol)?.length ?? 0) >= served(symbol)),
    );
    expect(r.events.filter((e) => e.type === 'gapUnfilled')).toEqual([
      { type: 'gapUnfilled', symbol: 'BTCUSDT', fromId: lost[0].aggId, toId: lost[4].aggId },
    ]);
    expect(r.stream.stats().missing).toBe(5);
    const btc = r.received.get('BTCUSDT') ?? [];
    expect(btc.map((t) => t.id)).toEqual(
      f
        .history('BTCUSDT')
        .map((t) => t.aggId)
        .filter((id) => !f.withheld.has(id)),
    );
    const marked = btc.filter((t) => t.missingBefore !== undefined);
    expect(marked.map((t) => [t.id, t.missingBefore])).toEqual([[lost[4].aggId + 1, 5]]);
    for (const s of ['ETHUSDT', 'SOLUSDT'])
      expect(r.received.get(s)?.some((t) => t.missingBefore)).toBe(false);

    // A consumer building bars and signals from the stream sees the loss on the bar holding that trade.
    const detector = createRegimeDetector({ symbol: 'BTCUSDT' });
    const signals = [...btc.flatMap((t) => [...detector.pushTrade(t)]), ...detector.flush()];
    const markedSignal = signals.find(
      (s) => s.bar.openTime <= marked[0].time && marked[0].time <= s.bar.closeTime,
    );
    expect(markedSignal?.bar.missingTrades).toBe(5);
    expect(signals.reduce((sum, s) => sum + (s.bar.missingTrades ?? 0), 0)).toBe(5);
  });

  it('trade stream with an API key: fills gaps from historicalTrades', async () => {
    fake = await FakeBinance.start({ symbols: SYMBOLS, apiKey: 'k1' });
    const f = fake;
    run = startRun(f, { symbols: SYMBOLS, stream: 'trade', apiKey: 'k1' });
    const r = run;
    await waitFor('connection', () => connectedCount(r) === 1);
    await trade(f, SYMBOLS, 2, 10);
    f.dropAfter(15);
    await trade(f, SYMBOLS, 3, 40, 1);
    await waitFor('reconnection', () => connectedCount(r) === 2);
    await trade(f, SYMBOLS, 2, 10);
    await waitForAll(r, f, SYMBOLS);
    expectExactIds(r, f, SYMBOLS, 'tradeId');
    expect(f.requests.some((q) => q.path === '/api/v3/historicalTrades' && q.status === 200)).toBe(true);
  });

  it('speaks the USD-M futures paths with market: usdm', async () => {
    fake = await FakeBinance.start({ symbols: SYMBOLS });
    const f = fake;
    run = startRun(f, { symbols: SYMBOLS, market: 'usdm' });
    const r = run;
    await waitFor('connection', () => connectedCount(r) === 1);
    await trade(f, SYMBOLS, 2, 10);
    f.dropAfter(5);
    await trade(f, SYMBOLS, 2, 30, 1);
    await waitForAll(r, f, SYMBOLS);
    expectExactIds(r, f, SYMBOLS);
    const paths = new Set(f.requests.map((q) => q.path));
    expect([...paths].sort()).toEqual(['/fapi/v1/aggTrades', '/fapi/v1/exchangeInfo']);
  });
});
