import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Trade } from '../../src/bars/trade.js';
import { readKlines } from '../../src/node/readKlines.js';
import { createRegimeRouter } from '../../src/pipeline/RegimeRouter.js';
import type { BenchRow, BenchSuite } from '../lib/suite.js';
import { summarize } from '../lib/suite.js';

const SYMBOLS = 10_000;
/** Bars per symbol: enough to fill every window (warm state is the largest). */
const BARS = 40;
const ROUNDS = 3;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * Memory of a {@link RegimeRouter} per symbol: 10 000 symbols, each fed the same 40 real BTCUSDT
 * minutes as trades (so every detector is warm and holds an open bar), measured as the growth of
 * the V8 heap after full GCs, divided by the symbol count. The shared model is loaded before the
 * baseline, so it is not counted. Also the size of one symbol's snapshot as JSON.
 */
const suite: BenchSuite = {
  name: 'router-memory',
  title: 'RegimeRouter state per symbol (10 000 symbols, warm)',
  async run(): Promise<BenchRow[]> {
    const bars = [];
    for await (const bar of readKlines('fixtures/replay/BTCUSDT-1m-2024-11-30_2024-12-29.csv.gz')) {
      bars.push(bar);
      if (bars.length === BARS) break;
    }
    const minuteTrades = bars.map((bar) =>
      [bar.open, bar.high, bar.low, bar.close].map((price, k) => ({
        time: bar.openTime + k * 15_000,
        price,
        qty: bar.volume / 4,
        isBuyerMaker: k % 2 === 0,
      })),
    );
    const perSymbol: number[] = [];
    let snapshotBytes = 0;
    for (let round = 0; round < ROUNDS; round++) {
      let router = createRegimeRouter();
      const before = heapAfterGc();
      router = createRegimeRouter();
      let id = 0;
      for (const trades of minuteTrades) {
        for (let s = 0; s < SYMBOLS; s++) {
          const symbol = `S${s}`;
          for (const t of trades) router.pushTrade({ ...t, symbol, id: id++ } as Trade);
        }
      }
      const after = heapAfterGc();
      if (router.symbols().length !== SYMBOLS || !router.get('S0')?.snapshot().features) {
        throw new Error('router-memory: the router lost symbols');
      }
      perSymbol.push((after - before) / SYMBOLS);
      snapshotBytes = JSON.stringify(router.get('S0')?.snapshot()).length;
    }
    const { median, spread } = summarize(perSymbol);
    return [
      {
        case: 'RegimeRouter heap per warm symbol',
        unit: 'bytes/symbol',
        median,
        spread,
        samples: perSymbol.length,
        note: `${SYMBOLS} symbols × ${BARS} minutes of trades; goal ≤ 4096`,
      },
      {
        case: 'detector snapshot as JSON',
        unit: 'bytes/symbol',
        median: snapshotBytes,
        spread: 0,
        samples: 1,
        note: 'what a Kafka state record carries per symbol',
      },
    ];
  },
};

export default suite;
