/**
 * One measurement of the router-memory suite, run in a fresh process (`node --expose-gc`) so that
 * nothing else lives in its heap: `tsx bench/lib/routerMemory.child.ts <feed> <symbols>` prints
 * `{ heapUsed, external, arrayBuffers, symbols, warmUp }` as JSON, each the growth in bytes between
 * two full collections — before any detector exists (the shared model already loaded, the feed
 * already built) and after every symbol is warm — of `process.memoryUsage()`'s field of that name.
 *
 * It measures the built package (`dist/`, what `npm install microstream` gives; `npm run bench`
 * builds it first), not `src/` through tsx: tsx compiles with esbuild's `keepNames`, which gives
 * every arrow function made per detector a `name` property of its own (~300 bytes per symbol that
 * no user pays).
 *
 * Feeds (both real 1-minute klines, each minute replayed as trades, every symbol fed the same
 * minutes under its own name):
 * - `klines4`: BTCUSDT, the kline's open, high, low and close as 4 trades, no ids;
 * - `idTrades12`: LINKUSDT (USD-M), 12 trades a minute with contiguous aggregate ids and
 *   first/last trade ids, both taker sides, so the dedup ranges and exact sums are exercised.
 */
import type { Bar, Trade } from '../../src/index.js';
import { built, builtNode } from './builtPackage.js';

const { createRegimeDetector, createRegimeRouter, defaultModel } = built;
const { readKlines } = builtNode;

const FEEDS: Record<string, { file: string; perMinute: number; ids: boolean }> = {
  klines4: { file: 'fixtures/replay/BTCUSDT-1m-2024-11-30_2024-12-29.csv.gz', perMinute: 4, ids: false },
  idTrades12: {
    file: 'fixtures/binance/LINKUSDT-1m-2023-02-01_2023-02-02.csv.gz',
    perMinute: 12,
    ids: true,
  },
};

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const [feedName, symbolsText] = process.argv.slice(2);
const feed = FEEDS[feedName];
if (feed === undefined) throw new Error(`unknown feed ${feedName}; one of ${Object.keys(FEEDS).join(', ')}`);
const symbols = Number(symbolsText);

const model = defaultModel();
// Enough minutes to fill every window and then some, plus an open bar: the warm state is the largest.
const warmUp = createRegimeDetector({ model }).warmUp;
const bars: Bar[] = [];
for await (const bar of readKlines(feed.file)) {
  bars.push(bar);
  if (bars.length === warmUp + 10) break;
}
/** One minute's trades as field values, built before the baseline; the symbol is added per push. */
const minuteTrades = bars.map((bar, m) =>
  Array.from({ length: feed.perMinute }, (_, k) => {
    const path = [bar.open, bar.high, bar.low, bar.close];
    const price = path[Math.min(3, Math.floor((k * 4) / feed.perMinute))];
    const id = m * feed.perMinute + k;
    return {
      time: bar.openTime + Math.floor((k * 60_000) / feed.perMinute),
      price,
      qty: bar.volume / feed.perMinute,
      isBuyerMaker: k % 2 === 0,
      ...(feed.ids ? { id, firstId: 3 * id, lastId: 3 * id + 2 } : {}),
    };
  }),
);
const names = Array.from({ length: symbols }, (_, s) => `S${s}`);

function usage(): NodeJS.MemoryUsage {
  gc!();
  gc!();
  return process.memoryUsage();
}

const before = usage();
const router = createRegimeRouter({ model });
let warmSignals = 0;
for (const trades of minuteTrades) {
  for (const symbol of names) {
    for (const t of trades)
      for (const s of router.pushTrade({ ...t, symbol } as Trade)) if (s.warm) warmSignals++;
  }
}
const after = usage();
if (router.symbols().length !== symbols || warmSignals < symbols) {
  throw new Error(`router-memory: ${router.symbols().length} symbols, ${warmSignals} warm signals`);
}
process.stdout.write(
  `${JSON.stringify({
    heapUsed: after.heapUsed - before.heapUsed,
    external: after.external - before.external,
    arrayBuffers: after.arrayBuffers - before.arrayBuffers,
    symbols,
    warmUp,
    minutes: minuteTrades.length,
    snapshotBytes: JSON.stringify(router.get('S0')!.snapshot()).length,
  })}\n`,
);
