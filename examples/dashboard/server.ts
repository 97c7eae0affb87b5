/**
 * The example dashboard: `npm start` (or `tsx examples/dashboard/server.ts [flags]`), then open
 * the printed URL. Flags:
 *
 * - `--source replay|binance|kafka|ccxt:<exchange>` — replay the bundled real BTCUSDT klines
 *   (default; no network), live Binance trades, signals from a Kafka topic written by
 *   `microstream kafka run`, or live trades of any ccxt exchange (`ccxt:bybit`; needs `npm install ccxt`).
 * - `--symbols BTCUSDT,ETHUSDT` — `binance`: symbols to follow (default BTCUSDT); `kafka`: show
 *   only these (default all); `replay`: the bars' symbol; `ccxt:…`: ccxt unified symbols
 *   (default BTC/USDT), e.g. `BTC/USDT,ETH/USDT:USDT`.
 * - `--speed 60` — replay speed: market time per wall-clock time (60: a one-minute bar per second).
 * - `--from 2024-12-05T00:00Z` — replay: start the paced replay at this time (earlier bars at once).
 * - `--file klines.csv.gz` — replay another Binance klines file.
 * - `--market spot|usdm` — binance: spot (default) or USD-M futures.
 * - `--brokers 127.0.0.1:9092`, `--topic signals`, `--group id` — kafka.
 * - `--history 500` — bars a page gets when it connects.
 * - `--model model.json` — a model file instead of the bundled BTCUSDT 1-minute model.
 * - `--host 127.0.0.1`, `--port 8080` (0: any free port).
 * - `--allowed-host dash.example.com` (repeatable) — a name the server may be reached by besides
 *   `localhost` and IP addresses (requests naming other hosts are refused: DNS rebinding).
 */
import { parseArgs } from 'node:util';
import { readModelFile } from '../../src/node/index.js';
import { startDashboard } from './dashboard.js';
import { binanceSource } from './sources/binance.js';
import { ccxtSource } from './sources/ccxt.js';
import { kafkaSource } from './sources/kafka.js';
import { replaySource } from './sources/replay.js';
import type { SignalSource } from './sources/source.js';

const { values: flags } = parseArgs({
  options: {
    source: { type: 'string', default: 'replay' },
    symbols: { type: 'string' },
    speed: { type: 'string', default: '60' },
    from: { type: 'string' },
    file: { type: 'string' },
    market: { type: 'string', default: 'spot' },
    brokers: { type: 'string', default: '127.0.0.1:9092' },
    topic: { type: 'string', default: 'signals' },
    group: { type: 'string' },
    history: { type: 'string', default: '500' },
    model: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8080' },
    'allowed-host': { type: 'string', multiple: true },
  },
});

/** Reads a numeric flag, or exits with a message naming it. */
function numberFlag(name: string, text: string, test: (n: number) => boolean, expected: string): number {
  const value = Number(text);
  if (text.trim() === '' || !test(value)) fail(`--${name} must be ${expected}, got '${text}'`);
  return value;
}

function fail(message: string): never {
  process.stderr.write(`dashboard: ${message}\n`);
  process.exit(2);
}

const speed = numberFlag('speed', flags.speed, (n) => n > 0 && Number.isFinite(n), 'a number > 0');
const history = numberFlag('history', flags.history, (n) => Number.isInteger(n) && n >= 1, 'an integer >= 1');
const port = numberFlag('port', flags.port, (n) => Number.isInteger(n) && n >= 0 && n < 65536, 'a TCP port');
const symbols = (flags.symbols ?? '')
  .split(',')
  .map((s) => s.trim().toUpperCase())
  .filter((s) => s !== '');
const from = flags.from === undefined ? undefined : Date.parse(flags.from);
if (from !== undefined && Number.isNaN(from))
  fail(`--from must be a date such as 2024-12-05T00:00Z, got '${flags.from}'`);
let model: ReturnType<typeof readModelFile> | undefined;
try {
  model = flags.model === undefined ? undefined : readModelFile(flags.model);
} catch (error) {
  fail(`cannot load the model: ${(error as Error).message}`);
}

let source: SignalSource;
switch (flags.source) {
  case 'replay':
    source = replaySource({ file: flags.file, symbol: symbols[0], speed, preroll: history, from, model });
    break;
  case 'binance':
    if (flags.market !== 'spot' && flags.market !== 'usdm')
      fail(`--market must be spot or usdm, got '${flags.market}'`);
    source = binanceSource({
      symbols: symbols.length > 0 ? symbols : ['BTCUSDT'],
      market: flags.market,
      model,
    });
    break;
  case 'kafka':
    source = kafkaSource({
      brokers: flags.brokers.split(','),
      topic: flags.topic,
      groupId: flags.group,
      symbols,
    });
    break;
  default:
    if (/^ccxt:[a-z0-9]+$/.test(flags.source)) {
      source = ccxtSource({
        exchange: flags.source.slice('ccxt:'.length),
        symbols: symbols.length > 0 ? symbols : ['BTC/USDT'],
        model,
      });
      break;
    }
    fail(`--source must be replay, binance, kafka or ccxt:<exchange id>, got '${flags.source}'`);
}

const dashboard = await startDashboard({
  source,
  host: flags.host,
  port,
  historyLimit: history,
  allowedHosts: flags['allowed-host'] ?? [],
});
console.log(
  `microstream dashboard (${source.name}${source.symbols.length > 0 ? `, ${source.symbols.join(', ')}` : ''}): ${dashboard.url}`,
);
let stopping = false;
dashboard.sourceDone.then(
  () => {
    if (!stopping) console.log(`${source.name} finished; pages keep what they have. Ctrl-C to stop.`);
  },
  (error: unknown) => console.error(`${source.name} failed:`, error),
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopping = true;
    dashboard.close().then(() => process.exit(0));
  });
}
