/**
 * Soak: 24 simulated hours of 10 symbols at 5 000 trades/s — 432 million trades — through the full
 * pipeline (`createRegimeRouter`: bars, features, forest, HMM filter), as fast as the machine goes.
 * Trades are generated on the fly, deterministically (seeded), never stored: a random walk per
 * symbol whose volatility switches between calm, volatile and crisis spells, and one symbol that
 * goes silent for 15 minutes twice a day (so gap bars are part of the run).
 *
 * Every simulated hour it records the V8 heap after full GCs, each symbol's snapshot size (JSON
 * bytes) and the throughput; at the end it checks that the number of signals equals the number of
 * bars exactly (per symbol, and equal to the minutes simulated), that the heap did not grow, and
 * that no symbol's state did. Results: stdout and `bench/soak-results.json`; exit code 1 if a
 * check fails.
 *
 * Run: `npm run soak` (the full 24 h: 1.5 min of CPU on our 2-core machine), or `SOAK_HOURS=1 npm run soak`.
 */
import { writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createRegimeRouter } from '../src/pipeline/RegimeRouter.js';
import { Random } from '../src/util/random.js';

const HOURS = Number(process.env.SOAK_HOURS ?? 24);
const SYMBOLS = Array.from({ length: 10 }, (_, i) => `SOAK${i}USDT`);
const TRADES_PER_SECOND = 5_000;
const START = 1_767_225_600_000; // 2026-01-01T00:00:00Z
/** The symbol that goes silent, and when (start minute of each day, for 15 minutes). */
const SILENT_SYMBOL = 9;
const SILENT_MINUTES = [6 * 60, 18 * 60];
const SILENT_LENGTH = 15;
/** Snapshot growth allowed over the run: counters and ids gaining digits, nothing else. */
const SNAPSHOT_SLACK_BYTES = 64;
/** Heap growth allowed between the first warm hour and the end (GC noise, JIT code). */
const HEAP_SLACK_BYTES = 4 * 1024 * 1024;

if (!(HOURS > 0 && Number.isInteger(HOURS * 60)))
  throw new RangeError(`SOAK_HOURS must be a whole number of minutes > 0, got ${process.env.SOAK_HOURS}`);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

interface HourSample {
  hour: number;
  trades: number;
  signals: number;
  heapBytes: number;
  /** Wall-clock seconds this simulated hour took. */
  seconds: number;
  tradesPerSecond: number;
  snapshotBytes: { min: number; max: number };
}

const rng = new Random(20260101);
const price = SYMBOLS.map((_, i) => 100 * (i + 1));
const nextId = SYMBOLS.map(() => 1);
/** Per-trade volatility: about 2e-4, 6e-4 and 2e-3 per minute (calm, volatile, crisis for BTCUSDT), switched every 20-80 minutes. */
const SPELLS = [2e-6, 6e-6, 2e-5];
const sigma = SYMBOLS.map(() => SPELLS[0]);
const spellEnds = SYMBOLS.map(() => 0);

const router = createRegimeRouter();
const heapBefore = heapAfterGc();
const signalsBySymbol = new Map<string, number>(SYMBOLS.map((s) => [s, 0]));
const samples: HourSample[] = [];
const stepMs = 1_000 / TRADES_PER_SECOND;
const tradesPerHour = TRADES_PER_SECOND * 3_600;
let trades = 0;
let signals = 0;
const started = performance.now();

const totalTrades = Math.round(HOURS * tradesPerHour);
for (let hour = 0; hour * tradesPerHour < totalTrades; hour++) {
  const hourStarted = performance.now();
  const hourSignals = signals;
  const hourEnd = Math.min(totalTrades, (hour + 1) * tradesPerHour);
  for (let i = hour * tradesPerHour; i < hourEnd; i++) {
    const time = START + i * stepMs;
    const s = i % SYMBOLS.length;
    const minuteOfDay = Math.floor((time - START) / 60_000) % 1_440;
    if (
      s === SILENT_SYMBOL &&
      SILENT_MINUTES.some((m) => minuteOfDay >= m && minuteOfDay < m + SILENT_LENGTH)
    )
      continue;
    if (time >= spellEnds[s]) {
      sigma[s] = SPELLS[rng.int(3)];
      spellEnds[s] = time + (20 + rng.int(60)) * 60_000;
    }
    price[s] *= 1 + sigma[s] * (2 * rng.float() - 1);
    const out = router.pushTrade({
      time,
      price: Math.round(price[s] * 100) / 100,
      qty: Math.round((0.001 + rng.float() * 0.5) * 1e5) / 1e5,
      isBuyerMaker: rng.float() < 0.5,
      id: nextId[s]++,
      symbol: SYMBOLS[s],
    });
    for (let j = 0; j < out.length; j++) {
      const symbol = out[j].symbol;
      signalsBySymbol.set(symbol, (signalsBySymbol.get(symbol) ?? 0) + 1);
    }
    signals += out.length;
    trades++;
  }
  const seconds = (performance.now() - hourStarted) / 1_000;
  const sizes = SYMBOLS.map((symbol) => JSON.stringify(router.get(symbol)?.snapshot()).length);
  const sample: HourSample = {
    hour: hour + 1,
    trades,
    signals: signals - hourSignals,
    heapBytes: heapAfterGc(),
    seconds,
    tradesPerSecond: (hourEnd - hour * tradesPerHour) / seconds,
    snapshotBytes: { min: Math.min(...sizes), max: Math.max(...sizes) },
  };
  samples.push(sample);
  console.log(
    `hour ${String(sample.hour).padStart(2)}: ${(sample.tradesPerSecond / 1e6).toFixed(2)} M trades/s, ` +
      `heap ${(sample.heapBytes / 2 ** 20).toFixed(1)} MiB, snapshot ${sample.snapshotBytes.min}–${sample.snapshotBytes.max} B, ` +
      `${sample.signals} signals`,
  );
}

for (const s of router.flush()) {
  signalsBySymbol.set(s.symbol, (signalsBySymbol.get(s.symbol) ?? 0) + 1);
  signals++;
}
const seconds = (performance.now() - started) / 1_000;
const heapAfter = heapAfterGc();

const failures: string[] = [];
const minutes = Math.round(HOURS * 60);
for (const symbol of SYMBOLS) {
  const stats = router.get(symbol)?.stats();
  const bars = (stats?.trades?.bars ?? 0) + (stats?.trades?.gapBars ?? 0);
  const got = signalsBySymbol.get(symbol) ?? 0;
  if (got !== bars) failures.push(`${symbol}: ${got} signals for ${bars} bars`);
  if (bars !== minutes) failures.push(`${symbol}: ${bars} bars in ${minutes} minutes`);
  const rejected = stats?.rejectedTrades;
  if (rejected && rejected.duplicate + rejected.late + rejected.invalid > 0)
    failures.push(`${symbol}: trades rejected ${JSON.stringify(rejected)}`);
}
const warm = samples.slice(1);
if (warm.length > 0) {
  const sizes = warm.flatMap((s) => [s.snapshotBytes.min, s.snapshotBytes.max]);
  const growth = Math.max(...warm.map((s) => s.snapshotBytes.max)) - warm[0].snapshotBytes.max;
  if (growth > SNAPSHOT_SLACK_BYTES)
    failures.push(
      `per-symbol snapshot grew by ${growth} B (sizes ${Math.min(...sizes)}–${Math.max(...sizes)})`,
    );
  const heapGrowth = heapAfter - warm[0].heapBytes;
  if (heapGrowth > HEAP_SLACK_BYTES)
    failures.push(`heap grew by ${(heapGrowth / 2 ** 20).toFixed(1)} MiB after hour 2`);
}

const result = {
  hours: HOURS,
  symbols: SYMBOLS.length,
  tradesPerSimulatedSecond: TRADES_PER_SECOND,
  trades,
  signals,
  bars: SYMBOLS.reduce((n, symbol) => {
    const t = router.get(symbol)?.stats().trades;
    return n + (t?.bars ?? 0) + (t?.gapBars ?? 0);
  }, 0),
  gapBars: SYMBOLS.reduce((n, symbol) => n + (router.get(symbol)?.stats().gapBars ?? 0), 0),
  regimeChanges: SYMBOLS.reduce((n, symbol) => n + (router.get(symbol)?.stats().regimeChanges ?? 0), 0),
  wallSeconds: seconds,
  tradesPerSecond: trades / seconds,
  heapBeforeBytes: heapBefore,
  heapAfterBytes: heapAfter,
  samples,
  failures,
  node: process.version,
};
writeFileSync('bench/soak-results.json', `${JSON.stringify(result, null, 2)}\n`);
console.log(
  `${trades.toLocaleString('en')} trades, ${signals} signals = ${result.bars} bars (${result.gapBars} gap), ` +
    `${result.regimeChanges} regime changes in ${(seconds / 60).toFixed(1)} min: ${(result.tradesPerSecond / 1e6).toFixed(2)} M trades/s; ` +
    `heap ${(heapBefore / 2 ** 20).toFixed(1)} → ${(heapAfter / 2 ** 20).toFixed(1)} MiB`,
);
if (failures.length > 0) {
  console.error(`soak FAILED:\n  ${failures.join('\n  ')}`);
  process.exitCode = 1;
}
