/**
 * A trading-bot style script: follows a few Binance symbols live and prints every regime change.
 *
 * Live aggregate trades (`binanceTrades`, gap-free across reconnects) go straight into a
 * `RegimeRouter`, one detector per symbol. Each detector is warmed up first from kline history
 * (`binanceKlines` → `router.warmStart`), so the first live bar already gives a warm signal. The
 * minute in progress when a symbol's first trade arrives began before the stream, so its trades
 * are held back until that minute has closed and is taken, complete, from REST with the history;
 * the held-back trades then go in, and those of warmed minutes are counted late, never twice.
 *
 *   npx tsx examples/live-bot.ts --symbols BTCUSDT,ETHUSDT,SOLUSDT
 *   npx tsx examples/live-bot.ts --ws-url ws://127.0.0.1:9000 --rest-url http://127.0.0.1:9000 --duration 10
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type BinanceMarket, binanceKlines, binanceTrades } from '../src/adapters/binance/index.js';
import {
  type Bar,
  createRegimeDetector,
  createRegimeRouter,
  type RegimeSignal,
  type Trade,
} from '../src/index.js';

const { values } = parseArgs({
  options: {
    symbols: { type: 'string', default: 'BTCUSDT,ETHUSDT,SOLUSDT' },
    market: { type: 'string', default: 'spot' },
    'ws-url': { type: 'string' },
    'rest-url': { type: 'string' },
    /** Minutes of klines to warm up from (default: the model's warm-up, 1 500 bars, and 10 more). */
    'warmup-minutes': { type: 'string' },
    /** Stop after this many seconds (default: run until Ctrl-C). */
    duration: { type: 'string' },
  },
});
const symbols = (values.symbols as string).split(',').map((s) => s.trim().toUpperCase());
const market = values.market as BinanceMarket;
const wsUrl = values['ws-url'];
const restUrl = values['rest-url'];
const warmupMs = Number(values['warmup-minutes'] ?? createRegimeDetector().warmUp + 10) * 60_000;

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
if (values.duration !== undefined) setTimeout(() => controller.abort(), Number(values.duration) * 1000);

const router = createRegimeRouter();
const lastSignals = new Map<string, RegimeSignal>();
const changes = new Map<string, number>(symbols.map((s) => [s, 0]));
const time = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
const probabilities = (s: RegimeSignal) => s.regime.probabilities.map((p) => p.toFixed(2)).join('/');

function report(signals: readonly RegimeSignal[]): void {
  for (const s of signals) {
    lastSignals.set(s.symbol, s);
    if (!s.warm || !s.regime.changed) continue;
    changes.set(s.symbol, (changes.get(s.symbol) ?? 0) + 1);
    const anomaly = s.anomaly.isAnomaly ? `  ANOMALY ${s.anomaly.score.toFixed(3)}` : '';
    console.log(
      `${time(s.bar.openTime)}  ${s.symbol.padEnd(10)} → ${s.regime.label.padEnd(8)} p=${probabilities(s)}${anomaly}`,
    );
  }
}

const MINUTE = 60_000;
/** How long after a minute's end its kline is taken as final. */
const KLINE_SETTLE_MS = 2_000;
const started = Date.now();
/** Live trades of each symbol not warmed up yet, held back until its warm-up is done. */
const heldBack = new Map<string, Trade[]>(symbols.map((s) => [s, []]));
const warmUps: Promise<void>[] = [];

/**
 * Warms `symbol` up from its klines, up to and including the minute of its first live trade (once
 * that minute has closed), then feeds the trades held back meanwhile.
 */
async function warmUp(symbol: string, firstTrade: Trade): Promise<void> {
  const firstMinute = Math.floor(firstTrade.time / MINUTE) * MINUTE;
  await sleep(Math.max(0, firstMinute + MINUTE + KLINE_SETTLE_MS - Date.now()), undefined, {
    signal: controller.signal,
  });
  const history: Bar[] = [];
  const klines = binanceKlines({
    symbol,
    interval: '1m',
    startTime: started - warmupMs,
    endTime: firstMinute,
    market,
    restUrl,
    signal: controller.signal,
  });
  for await (const bar of klines) history.push(bar);
  report(router.warmStart(symbol, history));
  const s = lastSignals.get(symbol);
  const bars = router.get(symbol)?.stats().signals ?? 0;
  console.log(
    `${symbol.padEnd(10)} ${s?.warm ? 'warm' : 'cold'} after ${bars} bars: ${s?.regime.label ?? '-'} p=${s ? probabilities(s) : '-'}`,
  );
  for (const trade of heldBack.get(symbol) ?? []) report(router.pushTrade(trade));
  heldBack.delete(symbol);
}

console.log(`following ${symbols.join(', ')}, each warmed up from ${warmupMs / 60_000} minutes of klines`);
const trades = binanceTrades({
  symbols,
  market,
  wsUrl,
  restUrl,
  signal: controller.signal,
  onMalformed: (m) => console.error(`malformed frame skipped: ${m.reason}`),
  onEvent: (e) => {
    if (e.type === 'reconnecting') console.error(`reconnecting in ${Math.round(e.delayMs)} ms`);
    if (e.type === 'gapFilled') console.error(`${e.symbol}: ${e.trades} missed trades filled from REST`);
  },
});

function fail(error: unknown): void {
  if (controller.signal.aborted && (error as Error).name === 'AbortError') return;
  console.error((error as Error).message);
  process.exitCode = 1;
  controller.abort();
}

try {
  for await (const trade of trades) {
    const waiting = heldBack.get(trade.symbol as string);
    if (waiting === undefined) {
      report(router.pushTrade(trade));
      continue;
    }
    if (waiting.length === 0) warmUps.push(warmUp(trade.symbol as string, trade).catch(fail));
    waiting.push(trade);
  }
} catch (error) {
  fail(error);
}
await Promise.all(warmUps);
const stats = trades.stats();
for (const symbol of symbols) {
  const detector = router.get(symbol)?.stats();
  console.log(
    `summary ${symbol}: ${detector?.signals ?? 0} bars, ${changes.get(symbol)} regime changes, ${detector?.rejectedTrades.late ?? 0} live trades already in the klines`,
  );
}
console.log(
  `stream: ${stats.trades} trades, ${stats.reconnects} reconnects, ${stats.filledTrades} filled from REST, ${stats.duplicates} duplicates dropped, ${stats.malformed} malformed`,
);
