import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { binanceTrades } from '../../src/adapters/binance/binanceTrades.js';
import { FakeBinance } from '../../test/adapters/binance/fakeBinance.js';
import { type BenchRow, type BenchSuite, latencyRow, summarize } from '../lib/suite.js';

const SYMBOLS = Array.from({ length: 200 }, (_, i) => `S${String(i).padStart(3, '0')}USDT`);
const RATE = 50_000;
/** Send times are kept per symbol in a ring of this many aggregate ids (a power of two). */
const RING = 1 << 14;
const FIRST_ID = 1_000_000;

interface ServerData {
  role: 'fake-binance';
  sendTimes: SharedArrayBuffer;
}

/**
 * The fake exchange, in a worker thread so that it does not share the client's core: it offers
 * RATE trades/s spread evenly over the symbols and writes each trade's send time (epoch ms, µs
 * resolution) into shared memory, where the client reads it on delivery.
 */
async function serve(data: ServerData): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const sendTimes = new Float64Array(data.sendTimes);
  const fake = await FakeBinance.start({ symbols: SYMBOLS, firstAggId: FIRST_ID, historyLimit: 2000 });
  const nextId = new Float64Array(SYMBOLS.length).fill(FIRST_ID);
  const counts = new Int32Array(SYMBOLS.length);
  let timer: ReturnType<typeof setInterval> | undefined;
  port.on('message', (message: { type: 'start'; seconds: number } | { type: 'stop' }) => {
    if (message.type === 'stop') {
      clearInterval(timer);
      clearInterval(memory);
      fake.close().then(() => port.close());
      return;
    }
    const start = performance.now();
    const end = start + message.seconds * 1000;
    let generated = 0;
    let cursor = 0;
    timer = setInterval(() => {
      const now = Math.min(performance.now(), end);
      const due = Math.floor((RATE * (now - start)) / 1000) - generated;
      counts.fill(0);
      for (let k = 0; k < due; k++) counts[cursor++ % SYMBOLS.length]++;
      generated += due;
      const sentAt = performance.timeOrigin + performance.now();
      for (let s = 0; s < SYMBOLS.length; s++) {
        for (let k = 0; k < counts[s]; k++) sendTimes[s * RING + ((nextId[s] + k) & (RING - 1))] = sentAt;
        if (counts[s] > 0) fake.publish(SYMBOLS[s], counts[s]);
        nextId[s] += counts[s];
      }
      if (now >= end) {
        clearInterval(timer);
        port.postMessage({ type: 'done', lastIds: Array.from(nextId, (id) => id - 1), generated });
      }
    }, 5);
  });
  // This thread's heap, for the report: the process RSS is the client's and this server's together.
  const memory = setInterval(
    () => port.postMessage({ type: 'memory', heap: process.memoryUsage().heapUsed }),
    1000,
  );
  port.on('close', () => clearInterval(memory));
  port.postMessage({ type: 'ready', wsUrl: fake.wsUrl, restUrl: fake.restUrl });
}

if (!isMainThread && (workerData as ServerData | undefined)?.role === 'fake-binance') {
  await serve(workerData as ServerData);
}

function startServer(sendTimes: SharedArrayBuffer): Worker {
  // tsx's loader is not inherited by workers: register it, then load this file as the server.
  const code = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  return new Worker(code, {
    eval: true,
    workerData: { role: 'fake-binance', sendTimes } satisfies ServerData,
  });
}

const suite: BenchSuite = {
  name: 'binance-load',
  title: `binanceTrades: ${SYMBOLS.length} symbols at a combined ${RATE} trades/s from a fake Binance in a worker thread`,
  async run() {
    const seconds = Number(process.env.BINANCE_LOAD_SECONDS ?? 60);
    const sendTimes = new SharedArrayBuffer(SYMBOLS.length * RING * 8);
    const sent = new Float64Array(sendTimes);
    const worker = startServer(sendTimes);
    const serverHeap: number[] = [];
    let sampling = false;
    worker.on('message', (m) => {
      if (m.type === 'memory' && sampling) serverHeap.push(m.heap / 2 ** 20);
    });
    const ready = await new Promise<{ wsUrl: string; restUrl: string }>((resolve, reject) => {
      worker.on('message', (m) => m.type === 'ready' && resolve(m));
      worker.once('error', reject);
    });
    const index = new Map(SYMBOLS.map((s, i) => [s, i]));
    const lastIds = new Float64Array(SYMBOLS.length).fill(FIRST_ID - 1);
    // Preallocated so that measuring does not grow the heap being measured.
    const delays = new Float64Array(Math.ceil(seconds * RATE * 1.05) + 1000);
    let delivered = 0;
    let gaps = 0;
    let duplicates = 0;
    const perSecond: number[] = [];
    const heap: number[] = [];
    const rss: number[] = [];
    const controller = new AbortController();
    const stream = binanceTrades({
      symbols: SYMBOLS,
      wsUrl: ready.wsUrl,
      restUrl: ready.restUrl,
      signal: controller.signal,
    });
    let connected = false;
    const consume = (async () => {
      for await (const trade of stream) {
        const now = performance.timeOrigin + performance.now();
        const s = index.get(trade.symbol as string) as number;
        const id = trade.id as number;
        if (id <= lastIds[s]) duplicates++;
        else if (id !== lastIds[s] + 1) gaps += id - lastIds[s] - 1;
        lastIds[s] = Math.max(lastIds[s], id);
        if (delivered < delays.length) delays[delivered] = now - sent[s * RING + (id & (RING - 1))];
        delivered++;
      }
    })();
    // Subscribed when the fake answers: wait for the stream to be connected before offering trades.
    while (!connected) {
      connected = stream.stats().connections > 0;
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 500));
    const done = new Promise<{ lastIds: number[]; generated: number }>((resolve) =>
      worker.on('message', (m) => m.type === 'done' && resolve(m)),
    );
    worker.postMessage({ type: 'start', seconds });
    sampling = true;
    let previous = 0;
    const sampler = setInterval(() => {
      const memory = process.memoryUsage();
      heap.push(memory.heapUsed / 2 ** 20);
      rss.push(memory.rss / 2 ** 20);
      perSecond.push(delivered - previous);
      previous = delivered;
    }, 1000);
    const final = await done;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && final.lastIds.some((id, s) => lastIds[s] < id)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    clearInterval(sampler);
    sampling = false;
    const missing = final.lastIds.reduce((sum, id, s) => sum + Math.max(0, id - lastIds[s]), 0);
    const stats = stream.stats();
    controller.abort();
    await consume;
    worker.postMessage({ type: 'stop' });
    await new Promise((r) => worker.once('exit', r));

    const rate = summarize(perSecond.slice(1, -1));
    const memoryRow = (name: string, xs: number[], note: string): BenchRow => {
      const m = summarize(xs);
      const f = (x: number) => x.toFixed(0);
      return {
        case: name,
        unit: 'MB',
        median: m.median,
        spread: m.spread,
        samples: xs.length,
        note: `${note}; first ${f(xs[0])}, last ${f(xs[xs.length - 1])}, max ${f(Math.max(...xs))} (one sample a second)`,
      };
    };
    return [
      {
        case: 'delivered trades/s',
        unit: 'trades/s',
        median: rate.median,
        spread: rate.spread,
        samples: perSecond.length,
        note: `${RATE} offered for ${seconds} s over ${stats.connectionsOpened} connection(s)`,
      },
      {
        case: 'lost + duplicated trades',
        unit: 'trades',
        median: missing + gaps + duplicates,
        spread: 0,
        samples: final.generated,
        note: `goal 0: generated ${final.generated}, delivered ${delivered}, missing ${missing}, id gaps ${gaps}, duplicates ${duplicates}, REST-filled ${stats.filledTrades}, reconnects ${stats.reconnects}, pauses ${stats.pauses}`,
      },
      latencyRow(
        'send → delivery delay',
        'ms',
        delays.subarray(0, Math.min(delivered, delays.length)),
        'per trade, wall time from the fake server sending it to the client receiving it',
      ),
      memoryRow('client heap used', heap, 'V8 heap of the client thread'),
      memoryRow('process RSS', rss, 'client and fake-server worker together'),
      memoryRow(
        'fake-server worker heap',
        serverHeap,
        'its trade history (2000 per symbol kept) and socket buffers',
      ),
    ];
  },
};

export default suite;
