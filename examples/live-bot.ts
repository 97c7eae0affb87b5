/**
 * A trading-bot style script: follows a few Binance symbols live and prints every regime change.
 *
 * Each symbol is warmed up from kline history first (`binanceKlines`), so the first live bar
 * already gives a warm signal. Live aggregate trades (`binanceTrades`, gap-free across
 * reconnects) become 1-minute bars here, and every bar, historical or live, goes through the
 * same detector of a `RegimeRouter`. The bar that was in progress when the script started is
 * taken from REST once it has closed, so no bar is built from part of its trades.
 *
 *   npx tsx examples/live-bot.ts --symbols BTCUSDT,ETHUSDT,SOLUSDT
 *   npx tsx examples/live-bot.ts --ws-url ws://127.0.0.1:9000 --rest-url http://127.0.0.1:9000 --duration 10
 */
import { parseArgs } from 'node:util';
import { type BinanceMarket, binanceKlines, binanceTrades } from '../src/adapters/binance/index.js';
import { type Bar, BarAggregator, createRegimeRouter, type RegimeSignal } from '../src/index.js';

const { values } = parseArgs({
  options: {
    symbols: { type: 'string', default: 'BTCUSDT,ETHUSDT,SOLUSDT' },
    market: { type: 'string', default: 'spot' },
    'ws-url': { type: 'string' },
    'rest-url': { type: 'string' },
    'warmup-minutes': { type: 'string', default: '120' },
    /** Stop after this many seconds (default: run until Ctrl-C). */
    duration: { type: 'string' },
  },
});
const symbols = (values.symbols as string).split(',').map((s) => s.trim().toUpperCase());
const market = values.market as BinanceMarket;
const wsUrl = values['ws-url'];
const restUrl = values['rest-url'];
const warmupMs = Number(values['warmup-minutes']) * 60_000;

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

/** Pushes the closed klines of `symbol` after its last bar, up to and including `until`. */
async function catchUp(symbol: string, startTime: number, until?: number): Promise<void> {
  const bars = binanceKlines({
    symbol,
    interval: '1m',
    startTime,
    endTime: until,
    market,
    restUrl,
    signal: controller.signal,
  });
  for await (const bar of bars) report(router.pushBar(bar));
}

console.log(`warming up ${symbols.join(', ')} from ${warmupMs / 60_000} minutes of klines`);
const started = Date.now();
for (const symbol of symbols) {
  await catchUp(symbol, started - warmupMs);
  const s = lastSignals.get(symbol);
  const bars = router.get(symbol)?.stats().signals ?? 0;
  console.log(
    `${symbol.padEnd(10)} ${s?.warm ? 'warm' : 'cold'} after ${bars} bars: ${s?.regime.label ?? '-'} p=${s ? probabilities(s) : '-'}`,
  );
}

const aggregators = new Map(symbols.map((s) => [s, new BarAggregator({ symbol: s, intervalMs: 60_000 })]));
const caughtUp = new Set<string>();
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

async function onLiveBar(bar: Bar): Promise<void> {
  const last = lastSignals.get(bar.symbol)?.bar.openTime ?? started - warmupMs - 1;
  if (bar.openTime <= last) return;
  if (!caughtUp.has(bar.symbol)) {
    // The first live bar began before the stream: take it, and any minute missed, from REST.
    caughtUp.add(bar.symbol);
    await catchUp(bar.symbol, last + 1, bar.openTime);
    return;
  }
  report(router.pushBar(bar));
}

try {
  for await (const trade of trades) {
    for (const bar of (aggregators.get(trade.symbol as string) as BarAggregator).push(trade))
      await onLiveBar(bar);
  }
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
const stats = trades.stats();
for (const symbol of symbols) {
  console.log(
    `summary ${symbol}: ${router.get(symbol)?.stats().signals ?? 0} bars, ${changes.get(symbol)} regime changes`,
  );
}
console.log(
  `stream: ${stats.trades} trades, ${stats.reconnects} reconnects, ${stats.filledTrades} filled from REST, ${stats.duplicates} duplicates dropped, ${stats.malformed} malformed`,
);
