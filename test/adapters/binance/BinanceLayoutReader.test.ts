import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BinanceLayoutReader } from '../../../src/adapters/binance/BinanceLayoutReader.js';
import { Random } from '../../../src/util/random.js';
import { reference, same } from './frameReference.js';

const rows = readFileSync(
  new URL('../../../fixtures/trades/BTCUSDT-aggTrades-2026-01-01T0000-0012.csv', import.meta.url),
  'utf8',
)
  .trim()
  .split('\n')
  .map((line) => line.split(','));

/** A real trade in each layout Binance sends: spot and USD-M aggTrade, trade; plain and combined. */
function binanceFrame(row: string[], layout: number, symbol = 'BTCUSDT'): string {
  const [a, p, q, f, l, us, maker] = row;
  const t = Math.floor(Number(us) / 1000);
  const m = maker === 'True';
  const stream = `${symbol.toLowerCase()}@${layout < 4 ? 'aggTrade' : 'trade'}`;
  const agg = `{"e":"aggTrade","E":${t + 3},"s":"${symbol}","a":${a},"p":"${p}","q":"${q}","f":${f},"l":${l},"T":${t},"m":${m}`;
  const trade = `{"e":"trade","E":${t + 3},"s":"${symbol}","t":${f},"p":"${p}","q":"${q}","T":${t},"m":${m}`;
  switch (layout) {
    case 0:
      return `${agg},"M":true}`;
    case 1:
      return `{"stream":"${stream}","data":${agg},"M":true}}`;
    case 2:
      return `${agg}}`;
    case 3:
      return `{"stream":"${stream}","data":${agg}}}`;
    case 4:
      return `${trade},"M":${!m}}`;
    default:
      return `{"stream":"${stream}","data":${trade},"M":true}}`;
  }
}

describe('BinanceLayoutReader', () => {
  it('reads every real frame in each layout Binance sends, as JSON.parse + Number() do', () => {
    const reader = new BinanceLayoutReader();
    for (let layout = 0; layout < 6; layout++) {
      for (const row of rows) {
        const frame = binanceFrame(row, layout);
        const trade = reader.read(Buffer.from(frame));
        expect(trade, frame).toBeDefined();
        expect(same(trade, reference(frame)), frame).toBe(true);
      }
    }
  });

  it('gives each frame its own symbol when thousands of symbols share its caches', () => {
    const reader = new BinanceLayoutReader();
    const rng = new Random(11);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_';
    const symbols = Array.from({ length: 3000 }, () => {
      let s = '';
      for (let k = 1 + rng.int(20); k > 0; k--) s += alphabet[rng.int(alphabet.length)];
      return s;
    });
    for (let n = 0; n < 100_000; n++) {
      const frame = binanceFrame(rows[n % rows.length], rng.int(6), symbols[rng.int(symbols.length)]);
      const trade = reader.read(Buffer.from(frame));
      expect(trade).toBeDefined();
      if (!same(trade, reference(frame))) expect.fail(`${frame}: got ${JSON.stringify(trade)}`);
    }
  });

  it('declines, never misreads, a frame with any byte changed, dropped or added', () => {
    const reader = new BinanceLayoutReader();
    const rng = new Random(5);
    const interesting = [
      0x22, 0x5c, 0x7b, 0x7d, 0x2c, 0x2e, 0x3a, 0x2d, 0x30, 0x31, 0x39, 0x20, 0x0a, 0x65, 0x80, 0xff,
    ];
    let accepted = 0;
    for (let n = 0; n < 300_000; n++) {
      const frame = Buffer.from(binanceFrame(rows[n % rows.length], n % 6));
      const at = rng.int(frame.length);
      const value = rng.int(2) === 0 ? rng.int(256) : interesting[rng.int(interesting.length)];
      const edit = rng.int(3);
      const bytes =
        edit === 0
          ? Buffer.concat([frame.subarray(0, at), Buffer.of(value), frame.subarray(at)])
          : edit === 1
            ? Buffer.concat([frame.subarray(0, at), frame.subarray(at + 1)])
            : Buffer.from(frame).fill(value, at, at + 1);
      const trade = reader.read(bytes);
      if (trade === undefined) continue;
      accepted++;
      if (!same(trade, reference(bytes.toString()))) {
        expect.fail(
          `${bytes.toString('hex')}: got ${JSON.stringify(trade)}, want ${JSON.stringify(reference(bytes.toString()))}`,
        );
      }
    }
    // Some edits leave a frame in the layout (a digit for a digit): those must be read right.
    expect(accepted).toBeGreaterThan(10_000);
  });

  it('reads only the first n bytes when told to', () => {
    const reader = new BinanceLayoutReader();
    const frame = binanceFrame(rows[0], 1);
    const scratch = new Uint8Array(1024).fill(0x39);
    const { written } = new TextEncoder().encodeInto(frame, scratch);
    expect(same(reader.read(scratch, written), reference(frame))).toBe(true);
    expect(reader.read(scratch, written - 1)).toBeUndefined();
  });
});
