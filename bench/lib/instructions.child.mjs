/**
 * One counted run of the `instructions` suite (bench/suites/instructions.bench.ts), under valgrind:
 * `node --predictable --predictable-gc-schedule instructions.child.mjs <dist dir> <workload> <items>`,
 * from the repository root.
 *
 * Every run does the same setup and the same warm-up of every workload (so V8 has compiled the
 * same code the same way), then `<items>` items of `<workload>` (`none` for the baseline run).
 * Plain JavaScript, run without a TypeScript loader: a loader's transform cache would make two runs
 * do different work.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [distDir, workload, itemsText] = process.argv.slice(2);
const items = Number(itemsText);
const { BarAggregator, createRegimeDetector } = await import(pathToFileURL(join(distDir, 'index.js')).href);
const { readKlines } = await import(pathToFileURL(join(distDir, 'node.js')).href);

/** xorshift32 in [0, 1): the same trades in every run, no Math.random. */
let seed = 20260101;
function uniform() {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
}

/**
 * BTCUSDT-like aggregate trades, like the `bars` suite's: ~20 a second, a 0.01-tick random walk,
 * contiguous aggregate ids each covering 1–3 trades; about one 1-minute bar per 1 200 trades.
 */
const TRADES = 2_400_000;
const trades = new Array(TRADES);
let time = 1_767_225_600_000;
let cents = 8_700_000;
let tradeId = 5_723_703_861;
for (let i = 0; i < TRADES; i++) {
  time += Math.floor(-Math.log(1 - uniform()) * 50_000) / 1000;
  cents += Math.round((uniform() + uniform() + uniform() - 1.5) * 300);
  const count = 1 + Math.floor(uniform() * 3);
  trades[i] = {
    time,
    price: cents / 100,
    qty: Math.max(1, Math.round(uniform() ** 4 * 1e4)) / 1e5,
    isBuyerMaker: uniform() < 0.5,
    id: 3_800_397_495 + i,
    firstId: tradeId,
    lastId: tradeId + count - 1,
    symbol: 'BTCUSDT',
  };
  tradeId += count;
}
const bars = [];
for await (const bar of readKlines(
  join(process.cwd(), 'fixtures/replay/BTCUSDT-1m-2024-11-30_2024-12-29.csv.gz'),
))
  bars.push(bar);

const WARM_UP_TRADES = 400_000;
const workloads = {
  /** `for (const bar of agg.push(trade))` over trades `from`…`from + n`. */
  push(from, n) {
    const agg = new BarAggregator();
    let out = 0;
    for (let i = from; i < from + n; i++) for (const _bar of agg.push(trades[i])) out++;
    return out;
  },
  /** `for (const s of detector.pushTrade(trade))`: the whole pipeline once per closed bar. */
  pushTrade(from, n) {
    const detector = createRegimeDetector({ symbol: 'BTCUSDT' });
    let out = 0;
    for (let i = from; i < from + n; i++) for (const _signal of detector.pushTrade(trades[i])) out++;
    return out;
  },
  /** `detector.pushBar(bar)` over the replay month's first `n` bars, shipped model. */
  pushBar(_from, n) {
    const detector = createRegimeDetector({ symbol: 'BTCUSDT' });
    let out = 0;
    for (let i = 0; i < n; i++) out += detector.pushBar(bars[i]).length;
    return out;
  },
};

for (let round = 0; round < 3; round++) {
  workloads.push(0, WARM_UP_TRADES);
  workloads.pushTrade(0, WARM_UP_TRADES);
  workloads.pushBar(0, 10_000);
}
const out = workload === 'none' ? 0 : workloads[workload](WARM_UP_TRADES, items);
process.stdout.write(`${JSON.stringify({ workload, items, out, bars: bars.length })}\n`);
