import { readFileSync } from 'node:fs';
import { TradeFrameParser } from '../../src/adapters/binance/TradeFrameParser.js';
import type { Trade } from '../../src/bars/trade.js';
import { type BenchSuite, timeCases } from '../lib/suite.js';

/**
 * 5 000 real Binance spot aggregate trades (the bundled 2026-01-01 export), each as the
 * combined-stream frame Binance sends for it.
 */
function realFrames(): string[] {
  const csv = readFileSync(
    new URL('../../fixtures/trades/BTCUSDT-aggTrades-2026-01-01T0000-0012.csv', import.meta.url),
    'utf8',
  );
  return csv
    .trim()
    .split('\n')
    .map((line) => {
      const [a, p, q, f, l, us, m] = line.split(',');
      const t = Math.floor(Number(us) / 1000);
      return `{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":${t + 1},"s":"BTCUSDT","a":${a},"p":"${p}","q":"${q}","f":${f},"l":${l},"T":${t},"m":${m === 'True'},"M":true}}`;
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

const suite: BenchSuite = {
  name: 'binance-parse',
  title: 'Binance aggTrade frame → Trade, one core: TradeFrameParser vs JSON.parse + Number()',
  async run() {
    const frames = realFrames();
    const parser = new TradeFrameParser();
    let sink = 0;
    const rows = await timeCases(
      [
        {
          name: 'TradeFrameParser.parse (microstream)',
          ops: frames.length,
          vs: 'JSON.parse + Number()',
          note: 'goal: >= 3 M frames/s',
          fn: () => {
            for (const f of frames) sink += (parser.parse(f) as Trade).price;
          },
        },
        {
          name: 'JSON.parse + Number()',
          ops: frames.length,
          fn: () => {
            for (const f of frames) sink += jsonParse(f).price;
          },
        },
      ],
      { unit: 'ns', per: 'frame', time: 3000 },
    );
    if (sink === 0) throw new Error('nothing parsed');
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
  },
};

export default suite;
