import { getHeapStatistics } from 'node:v8';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { binanceTrades } from '../../src/adapters/binance/binanceTrades.js';
import { ccxtTrades } from '../../src/adapters/ccxt/ccxtTrades.js';
import type { Trade } from '../../src/bars/trade.js';
import { FakeBinance } from '../../test/adapters/binance/fakeBinance.js';
import { ccxtBinanceAt } from '../../test/adapters/ccxt/exchanges.js';
import { type BenchSuite, summarize } from '../lib/suite.js';

const IDS = ['BTCUSDT', 'ETHUSDT'];
const UNIFIED = ['BTC/USDT', 'ETH/USDT'];
/** Trades per symbol per round (env CCXT_BENCH_TRADES to change). */
const PER_SYMBOL = Number(process.env.CCXT_BENCH_TRADES ?? 20_000);
const BURST = 200;
const ROUNDS = 3;

/**
 * The fake Binance, in a worker thread so that its heap is not the one measured: it publishes
 * `perSymbol` trades per symbol in bursts, as fast as its socket writes allow, on request.
 */
async function serve(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const fake = await FakeBinance.start({ symbols: IDS, messagesPerSecond: 1000, historyLimit: 5000 });
  port.on(
    'message',
    async (m: { type: 'publish'; perSymbol: number } | { type: 'streams' } | { type: 'stop' }) => {
      if (m.type === 'stop') {
        await fake.close();
        port.close();
      } else if (m.type === 'streams') {
        const open = fake.connections.filter((c) => c.closedAt === undefined);
        port.postMessage({ type: 'streams', streams: open.reduce((n, c) => n + c.streams.size, 0) });
      } else {
        for (let sent = 0; sent < m.perSymbol; sent += BURST) {
          for (const id of IDS) fake.publish(id, Math.min(BURST, m.perSymbol - sent));
          await new Promise((r) => setImmediate(r));
        }
        port.postMessage({ type: 'published' });
      }
    },
  );
  port.postMessage({ type: 'ready', wsUrl: fake.wsUrl, restUrl: fake.restUrl });
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === 'fake-binance-ccxt')
  await serve();

function startServer(): Worker {
  // tsx's loader is not inherited by workers: register it, then load this file as the server.
  const code = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  return new Worker(code, { eval: true, workerData: { role: 'fake-binance-ccxt' } });
}

function ask<T>(worker: Worker, message: object, reply: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type !== reply) return;
      worker.off('message', on);
      resolve(m as T);
    };
    worker.on('message', on);
    worker.postMessage(message);
  });
}

interface Trial {
  tradesPerSecond: number;
  bytesPerTrade: number;
  delivered: number;
}

/**
 * One round: subscribe, let the fake publish PER_SYMBOL trades per symbol, time from the first
 * publish to the last delivery. Allocation: the heap's growth between two samples (one every
 * 256 trades), summed (a sample after a collection counts from the new, lower level), per trade.
 */
async function trial(worker: Worker, open: (signal: AbortSignal) => AsyncIterable<Trade>): Promise<Trial> {
  const controller = new AbortController();
  const total = PER_SYMBOL * IDS.length;
  let delivered = 0;
  let finished = 0;
  let allocated = 0;
  let heap = 0;
  let measuring = false;
  const consume = (async () => {
    for await (const _trade of open(controller.signal)) {
      delivered++;
      if (measuring && (delivered & 255) === 0) {
        const used = getHeapStatistics().used_heap_size;
        if (used > heap) allocated += used - heap;
        heap = used;
      }
      if (delivered === total) finished = performance.now();
    }
  })();
  while ((await ask<{ streams: number }>(worker, { type: 'streams' }, 'streams')).streams < IDS.length)
    await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 200));
  heap = getHeapStatistics().used_heap_size;
  measuring = true;
  const started = performance.now();
  await ask(worker, { type: 'publish', perSymbol: PER_SYMBOL }, 'published');
  const deadline = Date.now() + 60_000;
  while (delivered < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  controller.abort();
  await consume;
  if (delivered !== total) throw new Error(`delivered ${delivered} of ${total} trades`);
  return {
    tradesPerSecond: total / ((finished - started) / 1000),
    bytesPerTrade: allocated / total,
    delivered,
  };
}

const suite: BenchSuite = {
  name: 'ccxt',
  title: `ccxtTrades over ccxt.pro.binance vs binanceTrades, ${IDS.length} symbols × ${PER_SYMBOL} trades from one fake Binance in a worker thread`,
  async run() {
    const worker = startServer();
    const urls = await new Promise<{ wsUrl: string; restUrl: string }>((resolve, reject) => {
      worker.on('message', (m) => m.type === 'ready' && resolve(m));
      worker.once('error', reject);
    });
    const cases = {
      binanceTrades: [] as Trial[],
      ccxtTrades: [] as Trial[],
    };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating order, so that load on the machine weighs on both alike.
      for (const name of round % 2 === 0
        ? (['binanceTrades', 'ccxtTrades'] as const)
        : (['ccxtTrades', 'binanceTrades'] as const)) {
        if (name === 'binanceTrades') {
          cases.binanceTrades.push(
            await trial(worker, (signal) =>
              binanceTrades({
                symbols: IDS,
                wsUrl: urls.wsUrl,
                restUrl: urls.restUrl,
                validateSymbols: false,
                signal,
              }),
            ),
          );
        } else {
          const exchange = await ccxtBinanceAt(urls, IDS);
          cases.ccxtTrades.push(await trial(worker, (signal) => ccxtTrades(exchange, UNIFIED, { signal })));
          await exchange.close();
        }
      }
    }
    const exited = new Promise((r) => worker.once('exit', r));
    worker.postMessage({ type: 'stop' });
    await exited;
    const rate = (xs: Trial[]) => summarize(xs.map((x) => x.tradesPerSecond));
    const bytes = (xs: Trial[]) => summarize(xs.map((x) => x.bytesPerTrade));
    const b = rate(cases.binanceTrades);
    const c = rate(cases.ccxtTrades);
    const bb = bytes(cases.binanceTrades);
    const cb = bytes(cases.ccxtTrades);
    const note = `${ROUNDS} rounds; from the first publish to the last delivery; the fake in a worker thread`;
    return [
      {
        case: 'binanceTrades (its own parser, /stream)',
        unit: 'trades/s',
        median: b.median,
        spread: b.spread,
        samples: ROUNDS,
        note,
      },
      {
        case: 'ccxtTrades over ccxt.pro.binance (/ws)',
        unit: 'trades/s',
        median: c.median,
        spread: c.spread,
        samples: ROUNDS,
        vs: 'binanceTrades (its own parser, /stream)',
        ratio: c.median / b.median,
        note,
      },
      {
        case: 'binanceTrades allocation',
        unit: 'bytes/trade',
        median: bb.median,
        spread: bb.spread,
        samples: ROUNDS,
        note: 'heap growth between samples every 256 trades, summed, per trade (this thread only)',
      },
      {
        case: 'ccxtTrades allocation (ccxt included)',
        unit: 'bytes/trade',
        median: cb.median,
        spread: cb.spread,
        samples: ROUNDS,
        vs: 'binanceTrades allocation',
        ratio: bb.median / cb.median,
        note: 'same measure; ccxt parses each frame into its own trade object and caches it',
      },
    ];
  },
};

export default suite;
