import type { CcxtExchange } from '../../../src/adapters/ccxt/CcxtExchange.js';
import {
  type CcxtMalformedTrade,
  type CcxtStreamEvent,
  type CcxtTradeStream,
  type CcxtTradesOptions,
  ccxtTrades,
  type ExchangeTrade,
} from '../../../src/adapters/ccxt/ccxtTrades.js';
import { Random } from '../../../src/util/random.js';

/** A running ccxtTrades() stream, with everything it delivered. */
export interface CcxtRun {
  stream: CcxtTradeStream;
  events: CcxtStreamEvent[];
  malformed: CcxtMalformedTrade[];
  /** Delivered trades per unified symbol, in delivery order. */
  received: Map<string, ExchangeTrade[]>;
  controller: AbortController;
  /** Settles when the iteration ends (rejects with the stream's error). */
  done: Promise<void>;
}

/** Starts a stream with small timeouts; `consume` may slow the consumer down. */
export function startCcxtRun(
  exchange: CcxtExchange,
  symbols: string[],
  options: CcxtTradesOptions = {},
  consume?: (trade: ExchangeTrade) => Promise<void> | void,
): CcxtRun {
  const rng = new Random(42);
  const events: CcxtStreamEvent[] = [];
  const malformed: CcxtMalformedTrade[] = [];
  const received = new Map<string, ExchangeTrade[]>();
  const controller = new AbortController();
  const stream = ccxtTrades(exchange, symbols, {
    signal: controller.signal,
    gapGraceMs: 50,
    backoff: { initialMs: 20, maxMs: 200 },
    random: () => rng.float(),
    onEvent: (e) => events.push(e),
    onMalformed: (m) => malformed.push(m),
    ...options,
  });
  const done = (async () => {
    for await (const trade of stream) {
      const list = received.get(trade.symbol) ?? [];
      list.push(trade);
      received.set(trade.symbol, list);
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

/** Ids delivered for `symbol` (ccxt's verbatim trade ids). */
export function deliveredIds(run: CcxtRun, symbol: string): string[] {
  return (run.received.get(symbol) ?? []).map((t) => t.tradeId as string);
}
