import { expect } from 'vitest';
import {
  type BinanceStreamEvent,
  type BinanceTradeStream,
  type BinanceTradesOptions,
  binanceTrades,
  type MalformedFrame,
} from '../../../src/adapters/binance/binanceTrades.js';
import type { Trade } from '../../../src/bars/trade.js';
import { Random } from '../../../src/util/random.js';
import type { FakeBinance } from './fakeBinance.js';

/** A running binanceTrades() stream against a fake exchange, with everything it delivered. */
export interface Run {
  stream: BinanceTradeStream;
  events: BinanceStreamEvent[];
  malformed: MalformedFrame[];
  /** Delivered trades per symbol, in delivery order. */
  received: Map<string, Trade[]>;
  controller: AbortController;
  /** Settles when the iteration ends (rejects with the stream's error). */
  done: Promise<void>;
}

/** Starts a stream with small timeouts; `consume` may slow the consumer down. */
export function startRun(
  fake: FakeBinance,
  options: Partial<BinanceTradesOptions> & { symbols: string[] },
  consume?: (trade: Trade) => Promise<void> | void,
): Run {
  const rng = new Random(42);
  const events: BinanceStreamEvent[] = [];
  const malformed: MalformedFrame[] = [];
  const received = new Map<string, Trade[]>();
  const controller = new AbortController();
  const stream = binanceTrades({
    wsUrl: fake.wsUrl,
    restUrl: fake.restUrl,
    signal: controller.signal,
    stallTimeoutMs: 3000,
    gapGraceMs: 50,
    rotationOverlapMs: 200,
    backoff: { initialMs: 20, maxMs: 200 },
    random: () => rng.float(),
    onEvent: (e) => events.push(e),
    onMalformed: (m) => malformed.push(m),
    ...options,
  });
  const done = (async () => {
    for await (const trade of stream) {
      const list = received.get(trade.symbol as string) ?? [];
      list.push(trade);
      received.set(trade.symbol as string, list);
      if (consume) await consume(trade);
    }
  })();
  done.catch(() => {});
  return { stream, events, malformed, received, controller, done };
}

/** Polls until `predicate` holds, failing with `what` after `timeoutMs`. */
export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const connectedCount = (run: Run) => run.events.filter((e) => e.type === 'connected').length;

/** Waits until every symbol delivered every trade the fake generated for it. */
export async function waitForAll(
  run: Run,
  fake: FakeBinance,
  symbols: string[],
  timeoutMs = 10_000,
): Promise<void> {
  await waitFor(
    'every generated trade to be delivered',
    () => symbols.every((s) => (run.received.get(s)?.length ?? 0) >= fake.history(s).length),
    timeoutMs,
  );
}

/** The proof: the ids delivered for each symbol are exactly the ids the fake generated, in order. */
export function expectExactIds(
  run: Run,
  fake: FakeBinance,
  symbols: string[],
  field: 'aggId' | 'tradeId' = 'aggId',
) {
  for (const symbol of symbols) {
    const delivered = (run.received.get(symbol) ?? []).map((t) => t.id);
    const generated = fake.history(symbol).map((t) => t[field]);
    expect(generated.length, `${symbol}: the scenario generated trades`).toBeGreaterThan(0);
    expect(delivered, `${symbol}: delivered ids`).toEqual(generated);
  }
}
