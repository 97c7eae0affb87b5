import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtChunks, ROOT } from './builtPackage.js';

/** Top-level `var` declarations (`var name = …` or `var name;`) of one built ES module chunk. */
function topLevelVars(code: string): string[] {
  return [...code.matchAll(/^var ([\w$]+)\s*[=;]/gm)].map((m) => m[1]);
}

const dist = join(ROOT, 'dist');
let chunks: Map<string, string>;

beforeAll(() => {
  chunks = builtChunks();
});

describe('the build (tsup.config.ts, top-level-const)', () => {
  it('keeps the sources’ top-level constants const, which esbuild bundles as var', () => {
    const vars = [...chunks.values()].flatMap(topLevelVars).sort();
    // What stays a var is module state the sources assign again: the cached default model, the
    // Kafka client and the chart renderer, each loaded once on first use, and the id sets' split
    // outputs (IdRangeSet.ts), shared by every set.
    expect(vars).toEqual(['cached', 'client', 'renderer', 'splitLeft', 'splitRight']);
  });

  it('leaves the hot paths’ constants where V8 can fold them', () => {
    const code = [...chunks.values()].join('\n');
    for (const declaration of [
      'const HIGH = 5;', // a BarAggregator cell offset, read on every trade
      'const ROUND_TO_1 = 1.5 * 2 ** 52;', // an exact sum's rounding constant
      'const MAX_TRADE_AMOUNT = 2 ** 51;', // a magnitude limit checked on every trade
    ]) {
      expect(code).toContain(declaration);
    }
  });

  it('builds a library that runs: const declarations are read only after they are made', async () => {
    const { BarAggregator } = await import(join(dist, 'index.js'));
    const agg = new BarAggregator({ symbol: 'BTCUSDT' });
    const minute = 1_767_225_600_000;
    expect(agg.push({ time: minute + 1, price: 100, qty: 1, isBuyerMaker: false })).toEqual([]);
    const bars = agg.push({ time: minute + 60_000, price: 101, qty: 2, isBuyerMaker: true });
    expect(bars).toHaveLength(1);
    expect(bars[0]).toMatchObject({ openTime: minute, open: 100, close: 100, volume: 1 });
  });
});
