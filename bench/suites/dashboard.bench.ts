/**
 * The example dashboard under load, on loopback:
 *
 * 1. Latency from a trade entering the server to its bar drawn in a real page (headless
 *    Chromium): trades built from the bundled real klines are injected one bar every 25 ms; the
 *    trade that opens bar k closes bar k−1, and the page reports back (over its WebSocket) after
 *    the animation frame that painted it. Latency = report received − trade injected, both on the
 *    server's clock, so it includes the report's trip back (a loopback hop).
 * 2. 20 WebSocket clients on a server in its own process replaying at 600× for 2 minutes
 *    (`BENCH_DASHBOARD_SECONDS` to change): each client's lag (receipt − the server's send time
 *    on the message) and the server's memory (its `/stats`) every 5 s.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import type { ServerMessage } from '../../src/adapters/dashboard/protocol.js';
import { wallClock } from '../../src/adapters/dashboard/SignalHub.js';
import { bundledReplayFile } from '../../src/adapters/dashboard/sources/replay.js';
import { tradeSource } from '../../src/adapters/dashboard/sources/trades.js';
import { startDashboard } from '../../src/adapters/dashboard/startDashboard.js';
import type { Bar, Trade } from '../../src/index.js';
import { readKlines } from '../../src/node/index.js';
import { launchChromium } from '../../test/support/chromium.js';
import { type BenchRow, type BenchSuite, latencyRow, summarize } from '../lib/suite.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** An async iterable of trades the bench pushes into by hand. */
class TradeQueue implements AsyncIterable<Trade> {
  #waiting: ((result: IteratorResult<Trade>) => void) | undefined;
  #queued: Trade[] = [];
  #ended = false;

  push(trade: Trade): void {
    const wake = this.#waiting;
    this.#waiting = undefined;
    if (wake) wake({ value: trade, done: false });
    else this.#queued.push(trade);
  }

  end(): void {
    this.#ended = true;
    this.#waiting?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<Trade> {
    return {
      next: () => {
        const trade = this.#queued.shift();
        if (trade !== undefined) return Promise.resolve({ value: trade, done: false });
        if (this.#ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.#waiting = resolve;
        });
      },
    };
  }
}

/** Four trades per real bar: its open, high, low and close, inside the bar's minute. */
function tradesOf(bar: Bar, id: number): Trade[] {
  const at = (offset: number, price: number, k: number): Trade => ({
    time: bar.openTime + offset,
    price,
    qty: bar.volume / 4,
    isBuyerMaker: k % 2 === 0,
    id: id + k,
    symbol: 'BTCUSDT',
  });
  return [at(0, bar.open, 0), at(15_000, bar.high, 1), at(30_000, bar.low, 2), at(59_000, bar.close, 3)];
}

async function drawLatency(): Promise<BenchRow[]> {
  const warmUpBars = 60;
  const measuredBars = 600;
  const bars: Bar[] = [];
  for await (const bar of readKlines(bundledReplayFile, { symbol: 'BTCUSDT' })) {
    bars.push(bar);
    if (bars.length === warmUpBars + measuredBars + 1) break;
  }
  const injectedAt = new Map<number, number>();
  const latencies: number[] = [];
  const inPage: number[] = [];
  const queue = new TradeQueue();
  const dashboard = await startDashboard({
    source: tradeSource({ name: 'bench', symbols: ['BTCUSDT'], trades: () => queue }),
    port: 0,
    onDrawn: ({ openTime, receivedAt }) => {
      const t0 = injectedAt.get(openTime);
      if (t0 !== undefined && openTime >= bars[warmUpBars].openTime) latencies.push(receivedAt - t0);
    },
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    await page.goto(dashboard.url);
    while (dashboard.stats().clients[0]?.symbol !== 'BTCUSDT') await sleep(10);
    // The browser's share: from the page receiving a bar to the animation frame that painted it.
    await page.evaluate(() => {
      const w = window as unknown as {
        inPageMs: number[];
        dashboard: { charts: { append(s: unknown): void } };
      };
      const charts = w.dashboard.charts;
      const append = charts.append.bind(charts);
      w.inPageMs = [];
      charts.append = (signal) => {
        const received = performance.now();
        append(signal);
        requestAnimationFrame(() => w.inPageMs.push(performance.now() - received));
      };
    });
    for (let k = 0; k < bars.length; k++) {
      const trades = tradesOf(bars[k], k * 4);
      if (k > 0) injectedAt.set(bars[k - 1].openTime, wallClock());
      for (const trade of trades) queue.push(trade);
      await sleep(25);
    }
    await sleep(500);
    const all = await page.evaluate(() => (window as unknown as { inPageMs: number[] }).inPageMs);
    inPage.push(...all.slice(warmUpBars));
  } finally {
    queue.end();
    await browser.close();
    await dashboard.close();
  }
  const s = summarize(latencies);
  const p = summarize(inPage);
  const note = `${measuredBars} bars, one per 25 ms, into headless Chromium at 1400×950; p99 ${s.p99.toFixed(1)} ms (goal <= 20); ${load()}`;
  return [
    latencyRow('trade in → bar drawn in page', 'ms', latencies, note),
    latencyRow(
      'in the page: bar received → frame painted',
      'ms',
      inPage,
      `p99 ${p.p99.toFixed(1)} ms: the browser's share of the latency above`,
    ),
  ];
}

async function manyClients(): Promise<BenchRow[]> {
  const clientCount = 20;
  const seconds = Number(process.env.BENCH_DASHBOARD_SECONDS ?? 120);
  const server = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'dashboard', '--port', '0', '--speed', '600', '--history', '500'],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const lines = createInterface({ input: server.stdout });
    const [firstLine] = (await once(lines, 'line')) as [string];
    const url = firstLine.slice(firstLine.indexOf('http://'));
    const lags: number[] = [];
    const received = new Array<number>(clientCount).fill(0);
    const clients = Array.from({ length: clientCount }, (_, i) => {
      const ws = new WebSocket(`${url.replace('http', 'ws')}ws`);
      ws.on('message', (data) => {
        const message = JSON.parse(data.toString()) as ServerMessage;
        if (message.type === 'hello')
          ws.send(JSON.stringify({ type: 'subscribe', symbol: message.symbols[0] }));
        if (message.type === 'signal') {
          lags.push(wallClock() - message.sentAt);
          received[i]++;
        }
      });
      return ws;
    });
    await Promise.all(clients.map((ws) => once(ws, 'open')));

    const heapMiB: number[] = [];
    const rssMiB: number[] = [];
    let stats: { signals: number; skipped: number; dropped: number; memory: NodeJS.MemoryUsage } | undefined;
    const started = performance.now();
    const signalsAtStart = ((await (await fetch(`${url}stats`)).json()) as { signals: number }).signals;
    while (performance.now() - started < seconds * 1000) {
      await sleep(5000);
      stats = (await (await fetch(`${url}stats`)).json()) as typeof stats;
      heapMiB.push(stats!.memory.heapUsed / 2 ** 20);
      rssMiB.push(stats!.memory.rss / 2 ** 20);
    }
    for (const ws of clients) ws.terminate();
    const published = stats!.signals - signalsAtStart;
    const lag = summarize(lags);
    const heap = summarize(heapMiB);
    const rss = summarize(rssMiB);
    const fmt = (xs: number[]) =>
      `${xs[0].toFixed(1)} → ${xs[xs.length - 1].toFixed(1)} MiB (max ${Math.max(...xs).toFixed(1)})`;
    const setting = `${clientCount} ws clients, 600× replay, ${seconds} s`;
    return [
      {
        case: `client lag, ${setting}`,
        unit: 'ms',
        median: lag.median,
        spread: lag.spread,
        samples: lags.length,
        note: `p99 ${lag.p99.toFixed(2)} ms, max ${Math.max(...lags).toFixed(2)} ms (goal <= 1000); ${published} signals published, each client got ${Math.min(...received)}–${Math.max(...received)}; skipped ${stats!.skipped}, dropped ${stats!.dropped}; ${load()}`,
      },
      {
        case: `server heap used, ${setting}`,
        unit: 'MiB',
        median: heap.median,
        spread: heap.spread,
        samples: heapMiB.length,
        note: `every 5 s: ${fmt(heapMiB)}`,
      },
      {
        case: `server RSS, ${setting}`,
        unit: 'MiB',
        median: rss.median,
        spread: rss.spread,
        samples: rssMiB.length,
        note: `every 5 s: ${fmt(rssMiB)}`,
      },
    ];
  } finally {
    server.kill('SIGTERM');
  }
}

/** The machine's 1-minute load average (the bench machine is shared; 2 cores). */
function load(): string {
  return `load average ${loadavg()[0].toFixed(1)}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const suite: BenchSuite = {
  name: 'dashboard',
  title: 'Example dashboard: trade-to-drawn latency in Chromium, 20 clients at 600× (lag, server memory)',
  async run() {
    return [...(await drawLatency()), ...(await manyClients())];
  },
};
export default suite;
