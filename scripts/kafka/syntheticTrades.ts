/**
 * Deterministic (seeded) multi-symbol trade stream for the Kafka scale-out test and benchmark:
 * `symbols` symbols trading around the real BTCUSDT price of the bundled aggTrades sample
 * (87 648.21 at 2026-01-01 00:00:00 UTC, scaled by a power of ten per symbol), each a random walk
 * whose volatility switches between a calm, a volatile and a crisis regime, interleaved in time
 * order like one exchange feed.
 *
 * @example
 * ```ts
 * for (const trade of syntheticTrades({ symbols: 50, trades: 1_000_000, seed: 7 })) send(trade);
 * ```
 */
import type { Trade } from '../../src/bars/trade.js';
import { Random } from '../../src/util/random.js';

/** First price of `fixtures/trades/BTCUSDT-aggTrades-2026-01-01T0000-0012.csv`. */
const BTCUSDT_PRICE = 87648.21;
/** 2026-01-01T00:00:00Z, the start of that file. */
const START_MS = 1767225600000;
/** Per-trade log-return volatility of the calm, volatile and crisis regimes. */
const REGIME_SIGMA = [0.00008, 0.0004, 0.0015];
/** Probability per trade of leaving the current regime. */
const SWITCH_PROBABILITY = 0.0005;

/** Name of synthetic symbol `i`: `S00USDT`, `S01USDT`, … */
export function syntheticSymbol(i: number): string {
  return `S${String(i).padStart(2, '0')}USDT`;
}

/**
 * Yields `trades` trades over `symbols` symbols, in time order; about `symbols / meanGapMs` per
 * millisecond of event time (default gap 30 ms: with 50 symbols a symbol trades every 1.5 s).
 */
export function* syntheticTrades(opts: {
  symbols: number;
  trades: number;
  seed: number;
  meanGapMs?: number;
}): Generator<Trade> {
  const rng = new Random(opts.seed);
  const meanGap = opts.meanGapMs ?? 30;
  const price = Array.from({ length: opts.symbols }, (_, i) => BTCUSDT_PRICE / 10 ** (i % 5) / (1 + i / 50));
  const regime = new Array<number>(opts.symbols).fill(0);
  const nextId = new Array<number>(opts.symbols).fill(1);
  let time = START_MS;
  for (let n = 0; n < opts.trades; n++) {
    time += Math.max(1, Math.round(-meanGap * Math.log(1 - rng.float())));
    const s = rng.int(opts.symbols);
    if (rng.float() < SWITCH_PROBABILITY) regime[s] = rng.int(3);
    const r = REGIME_SIGMA[regime[s]] * rng.normal();
    price[s] *= Math.exp(r);
    const qty = Math.round(Math.exp(rng.normal() - 3) * 1e5) / 1e5;
    yield {
      time,
      price: Math.round(price[s] * 1e4) / 1e4,
      qty,
      isBuyerMaker: rng.float() < (r < 0 ? 0.65 : 0.35),
      id: nextId[s]++,
      symbol: syntheticSymbol(s),
    };
  }
}
