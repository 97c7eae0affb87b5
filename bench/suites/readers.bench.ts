import { createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import type { Trade } from '../../src/bars/trade.js';
import { readAggTrades } from '../../src/node/readAggTrades.js';
import { type BenchSuite, timeCases } from '../lib/suite.js';

const here = dirname(fileURLToPath(import.meta.url));
const COPIES = 10;
const ROWS = 5_000 * COPIES;

/**
 * 50 000 rows of Binance's spot aggTrades export: the real 5 000-trade fixture 10 times over, ids
 * and microsecond times shifted so the copies follow each other (4.3 MB of text), written once as
 * .csv, .csv.gz and .zip to bench/.cache.
 */
function writeFiles(): { csv: string; gz: string; zip: string } {
  const lines = readFileSync(
    join(here, '../../fixtures/trades/BTCUSDT-aggTrades-2026-01-01T0000-0012.csv'),
    'utf8',
  )
    .trimEnd()
    .split('\n')
    .map((line) => line.split(','));
  const out: string[] = [];
  for (let copy = 0; copy < COPIES; copy++) {
    for (const [id, price, qty, first, last, time, maker, best] of lines) {
      const shift = (n: string, by: number) => String(Number(n) + copy * by);
      out.push(
        [
          shift(id, 5_000),
          price,
          qty,
          shift(first, 20_000),
          shift(last, 20_000),
          shift(time, 740e6),
          maker,
          best,
        ].join(','),
      );
    }
  }
  const text = `${out.join('\n')}\n`;
  const dir = join(here, '../.cache');
  mkdirSync(dir, { recursive: true });
  const csv = join(dir, 'BTCUSDT-aggTrades-bench.csv');
  writeFileSync(csv, text);
  writeFileSync(`${csv}.gz`, gzipSync(text));
  writeFileSync(csv.replace(/\.csv$/, '.zip'), zipSync({ 'BTCUSDT-aggTrades-bench.csv': Buffer.from(text) }));
  return { csv, gz: `${csv}.gz`, zip: csv.replace(/\.csv$/, '.zip') };
}

async function readAll(path: string): Promise<number> {
  let volume = 0;
  for await (const trade of readAggTrades(path)) volume += trade.qty;
  return volume;
}

/**
 * The peer: what one writes by hand — node:readline over the file, `split(',')` and `Number()` per
 * cell, one Trade object per line (no validation, no malformed-line accounting).
 */
async function readlineSplit(path: string): Promise<number> {
  let volume = 0;
  for await (const line of createInterface({
    input: createReadStream(path),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    const cells = line.split(',');
    const trade: Trade = {
      time: Number(cells[5]) / 1000,
      price: Number(cells[1]),
      qty: Number(cells[2]),
      isBuyerMaker: cells[6] === 'True',
      id: Number(cells[0]),
      firstId: Number(cells[3]),
      lastId: Number(cells[4]),
    };
    volume += trade.qty;
  }
  return volume;
}

const suite: BenchSuite = {
  name: 'readers',
  title: 'readAggTrades: rows/s through a 50 000-row Binance aggTrades export (.csv, .csv.gz, .zip)',
  async run() {
    const files = writeFiles();
    const peer = 'readline + split + Number (by hand)';
    return timeCases(
      [
        { name: 'readAggTrades .csv (microstream)', fn: () => readAll(files.csv), ops: ROWS, vs: peer },
        { name: 'readAggTrades .csv.gz', fn: () => readAll(files.gz), ops: ROWS, vs: peer },
        { name: 'readAggTrades .zip', fn: () => readAll(files.zip), ops: ROWS, vs: peer },
        { name: peer, fn: () => readlineSplit(files.csv), ops: ROWS },
      ],
      { unit: 'ns', per: 'row', time: 4_000 },
    );
  },
};

export default suite;
