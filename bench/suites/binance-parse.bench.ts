import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { MalformedFrameError } from '../../src/adapters/binance/TradeFrameParser.js';
import type { Trade } from '../../src/bars/trade.js';
import { builtBinance } from '../lib/builtPackage.js';
import { type BenchRow, type BenchSuite, latencyRow, perItemNs, summarize } from '../lib/suite.js';

const { TradeFrameParser } = builtBinance;

/**
 * 5 000 real Binance spot aggregate trades (the bundled 2026-01-01 export), each as the
 * combined-stream frame Binance sends for it, for `symbols` symbols in turn (the export's
 * BTCUSDT trades, relabelled, so 200 symbols exercise the parser's caches as a wide stream does).
 */
function realFrames(symbols: number): string[] {
  const csv = readFileSync(
    new URL('../../fixtures/trades/BTCUSDT-aggTrades-2026-01-01T0000-0012.csv', import.meta.url),
    'utf8',
  );
  return csv
    .trim()
    .split('\n')
    .map((line, n) => {
      const [a, p, q, f, l, us, m] = line.split(',');
      const t = Math.floor(Number(us) / 1000);
      const symbol = symbols === 1 ? 'BTCUSDT' : `S${(n % symbols).toString(36).toUpperCase()}USDT`;
      return `{"stream":"${symbol.toLowerCase()}@aggTrade","data":{"e":"aggTrade","E":${t + 1},"s":"${symbol}","a":${a},"p":"${p}","q":"${q}","f":${f},"l":${l},"T":${t},"m":${m === 'True'},"M":true}}`;
    });
}

/** The peer: what a client writes without a specialised parser. */
function jsonParse(frame: string): Trade {
  const d = JSON.parse(frame).data;
  return {
    time: d.T,
    price: Number(d.p),
    qty: Number(d.q),
    isBuyerMaker: d.m,
    id: d.a,
    firstId: d.f,
    lastId: d.l,
    symbol: d.s,
  };
}

interface CpuCase {
  name: string;
  /** Parses every frame of the input once; returns a sum so the work cannot be skipped. */
  run: () => number;
  frames: number;
  vs?: string;
  note?: string;
}

const ROUNDS = 40;
/** Trades kept alive for the "many parsed trades retained" rows. */
const RETAINED = 1_000_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const PASSES_PER_ROUND = 10;

/**
 * Process CPU time per frame (`process.cpuUsage`), not wall time, so time the machine spends on
 * other processes is not counted; rounds interleave the cases (rotating their order), so what
 * load remains (shared caches and cores) weighs on every case alike, and ratios compare cases
 * measured side by side. The first 5 rounds are warm-up.
 */
function timeCpu(cases: CpuCase[]): BenchRow[] {
  const samples = cases.map(() => [] as number[]);
  let sink = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < cases.length; k++) {
      const index = (k + round) % cases.length;
      const c = cases[index];
      const start = process.cpuUsage();
      for (let pass = 0; pass < PASSES_PER_ROUND; pass++) sink += c.run();
      const used = process.cpuUsage(start);
      if (round >= 5) samples[index].push(((used.user + used.system) * 1e3) / (PASSES_PER_ROUND * c.frames));
    }
  }
  if (!(sink > 0)) throw new Error('nothing parsed');
  const rows: BenchRow[] = cases.map((c, k) => {
    const { median, spread } = summarize(samples[k]);
    return {
      case: c.name,
      unit: 'ns/frame',
      median,
      spread,
      samples: samples[k].length,
      vs: c.vs,
      note: c.note,
    };
  });
  for (const row of rows) {
    const peer = rows.find((r) => r.case === row.vs);
    if (peer) row.ratio = peer.median / row.median;
  }
  for (const row of rows.slice()) {
    rows.push({
      case: `${row.case}: throughput`,
      unit: 'M frames/s',
      median: 1e3 / row.median,
      spread: (1e3 * row.spread) / row.median ** 2,
      samples: row.samples,
      note: row.note,
    });
  }
  return rows;
}

const suite: BenchSuite = {
  name: 'binance-parse',
  title:
    'Binance aggTrade frame → Trade, one core, CPU time: TradeFrameParser vs JSON.parse + Number() from the same input',
  async run() {
    const parser = new TradeFrameParser();
    const cases: CpuCase[] = [];
    const btcFrames = realFrames(1);
    for (const symbols of [1, 200]) {
      const frames = symbols === 1 ? btcFrames : realFrames(symbols);
      // What ws delivers for a text frame: its UTF-8 bytes in a Buffer.
      const bytes = frames.map((f) => Buffer.from(f));
      const label = symbols === 1 ? 'BTCUSDT' : `${symbols} symbols`;
      const peer = `JSON.parse(bytes.toString()) + Number(), ${label}`;
      cases.push(
        {
          name: `TradeFrameParser.parseBytes (microstream), ${label}`,
          frames: bytes.length,
          vs: peer,
          note: 'from the Buffer ws delivers (the live path); goal: >= 3 M frames/s',
          run: () => {
            let sum = 0;
            for (const b of bytes) sum += (parser.parseBytes(b) as Trade).price;
            return sum;
          },
        },
        {
          name: peer,
          frames: bytes.length,
          run: () => {
            let sum = 0;
            for (const b of bytes) sum += jsonParse(b.toString()).price;
            return sum;
          },
        },
      );
      if (symbols === 1) {
        cases.push(
          {
            name: 'TradeFrameParser.parse (microstream), string',
            frames: frames.length,
            vs: 'JSON.parse + Number(), string',
            note: 'from a JS string',
            run: () => {
              let sum = 0;
              for (const f of frames) sum += (parser.parse(f) as Trade).price;
              return sum;
            },
          },
          {
            name: 'JSON.parse + Number(), string',
            frames: frames.length,
            run: () => {
              let sum = 0;
              for (const f of frames) sum += jsonParse(f).price;
              return sum;
            },
          },
        );
      }
    }
    // Malformed frames, as a broken or hostile feed sends them, from the real frames: text that
    // cannot be JSON (cut short, or HTML), and trade events with a bad field (a number where Binance
    // sends a string, a negative quantity). The stream calls readBytes; the peer is parseBytes with
    // the MalformedFrameError it throws caught, as the stream did before.
    const malformed = {
      'not JSON (cut short, or HTML)': btcFrames.map((f, n) =>
        Buffer.from(n % 2 === 0 ? f.slice(0, f.length >> 1) : `<html>${f.slice(10, 60)}</html>`),
      ),
      'a bad field (number price, negative quantity)': btcFrames.map((f, n) =>
        Buffer.from(n % 2 === 0 ? f.replace(/"p":"([^"]*)"/, '"p":$1') : f.replace(/"q":"/, '"q":"-')),
      ),
    };
    for (const [kind, frames] of Object.entries(malformed)) {
      const throwing = `TradeFrameParser.parseBytes + catch MalformedFrameError, ${kind}`;
      cases.push(
        {
          name: `TradeFrameParser.readBytes (microstream), ${kind}`,
          frames: frames.length,
          vs: throwing,
          note: 'what the stream calls on every frame: the problem as a string, no Error built',
          run: () => {
            let sum = 0;
            for (const b of frames) sum += (parser.readBytes(b) as string).length;
            return sum;
          },
        },
        {
          name: throwing,
          frames: frames.length,
          run: () => {
            let sum = 0;
            for (const b of frames) {
              try {
                parser.parseBytes(b);
              } catch (error) {
                sum += (error as MalformedFrameError).message.length;
              }
            }
            return sum;
          },
        },
      );
    }
    const notJson = malformed['not JSON (cut short, or HTML)'];
    cases.push({
      name: 'JSON.parse(bytes.toString()) + catch SyntaxError, not JSON (cut short, or HTML)',
      frames: notJson.length,
      note: "JSON.parse's verdict and its SyntaxError: what TradeFrameParser paid on such text before it refused text that cannot be JSON itself",
      run: () => {
        let sum = 0;
        for (const b of notJson) {
          try {
            JSON.parse(b.toString());
          } catch (error) {
            sum += (error as SyntaxError).message.length;
          }
        }
        return sum;
      },
    });
    const rows = timeCpu(cases);
    const btc = btcFrames.map((f) => Buffer.from(f));
    const parseEach = (i: number) => parser.parseBytes(btc[i % btc.length]);
    rows.push(
      latencyRow(
        'TradeFrameParser.parseBytes, each frame timed on its own, BTCUSDT',
        'ns/frame',
        perItemNs(btc.length, 40, parseEach),
        'wall time incl. two clock reads (~40–80 ns); p50 and tails of 200 000 frames',
      ),
    );

    // A process that keeps many parsed trades: 1 M Trade objects from this parser stay alive (each
    // is the object plus six boxed doubles, ~190 bytes: ~7 M heap objects in all). Right after they
    // are kept, V8 still has to promote them and run one full mark-compact over them (hundreds of
    // ms); a timing taken then shows that one-off GC, not slower parsing. The rows below are taken
    // after that GC has run (forced), interleaved with the JSON.parse peer under the same heap.
    const kept: (Trade | undefined)[] = new Array(RETAINED);
    for (let i = 0; i < RETAINED; i++) kept[i] = parser.parseBytes(btc[i % btc.length]);
    gc();
    gc();
    const fresh = rows.find((r) => r.case === 'TradeFrameParser.parseBytes (microstream), BTCUSDT')!;
    const retainedPeer = 'JSON.parse(bytes.toString()) + Number(), BTCUSDT, 1 M parsed trades retained';
    const retained = timeCpu([
      {
        name: 'TradeFrameParser.parseBytes (microstream), BTCUSDT, 1 M parsed trades retained',
        frames: btc.length,
        vs: retainedPeer,
        run: () => {
          let sum = 0;
          for (const b of btc) sum += (parser.parseBytes(b) as Trade).price;
          return sum;
        },
      },
      {
        name: retainedPeer,
        frames: btc.length,
        run: () => {
          let sum = 0;
          for (const b of btc) sum += jsonParse(b.toString()).price;
          return sum;
        },
      },
    ]);
    retained[0].note = `${(retained[0].median / fresh.median).toFixed(2)}× the time without them (${fresh.median.toFixed(0)} ns/frame above, same process); goal: >= 3 M frames/s`;
    rows.push(
      ...retained,
      latencyRow(
        'TradeFrameParser.parseBytes, each frame timed on its own, 1 M parsed trades retained',
        'ns/frame',
        perItemNs(btc.length, 40, parseEach),
        'wall time incl. two clock reads; the tails show GC pauses, which now scan a larger heap',
      ),
    );
    if (kept[RETAINED - 1] === undefined) throw new Error('a retained frame did not parse');
    return rows;
  },
};

export default suite;
