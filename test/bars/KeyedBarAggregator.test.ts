import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BarAggregator } from '../../src/bars/BarAggregator.js';
import type { Bar } from '../../src/bars/bar.js';
import type { SkippedGap } from '../../src/bars/GapFiller.js';
import { KeyedBarAggregator } from '../../src/bars/KeyedBarAggregator.js';
import type { Trade } from '../../src/bars/trade.js';
import { orderedTrades } from './tradeArbitraries.js';

const MIN = 60_000;
const T0 = 1_767_225_600_000;

describe('KeyedBarAggregator', () => {
  it('gives each symbol the bars its own BarAggregator would give, however the streams interleave', () => {
    const streams = fc.tuple(
      orderedTrades({ maxStepMs: 800, maxPauseMs: 5_000, symbol: 'BTCUSDT' }),
      orderedTrades({ maxStepMs: 800, maxPauseMs: 5_000, symbol: 'ETHUSDT' }),
      orderedTrades({ maxStepMs: 800, maxPauseMs: 5_000 }),
    );
    const interleaved = streams.chain((s) =>
      fc.tuple(
        fc.constant(s),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: s.flat().length, maxLength: s.flat().length }),
      ),
    );
    fc.assert(
      fc.property(interleaved, ([streams, picks]) => {
        const options = { intervalMs: 1_000, allowedLatenessMs: 500, maxGapBars: 3 };
        const keyed = new KeyedBarAggregator(options);
        const got = new Map<string, Bar[]>();
        const cursors = [0, 0, 0];
        const collect = (bars: readonly Bar[]) => {
          for (const b of bars) got.set(b.symbol, [...(got.get(b.symbol) ?? []), b]);
        };
        for (const pick of picks) {
          const k =
            streams[pick].length > cursors[pick] ? pick : streams.findIndex((s, i) => s.length > cursors[i]);
          collect(keyed.push(streams[k][cursors[k]++]));
        }
        collect(keyed.flush());
        streams.forEach((trades, i) => {
          const symbol = ['BTCUSDT', 'ETHUSDT', ''][i];
          const single = new BarAggregator({ ...options, symbol });
          const expected: Bar[] = [];
          for (const t of trades) expected.push(...single.push(t));
          expected.push(...single.flush());
          expect(got.get(symbol) ?? []).toEqual(expected);
          if (trades.length > 0) expect(keyed.stats().bySymbol[symbol]).toEqual(single.stats());
        });
      }),
    );
  });

  it('advance() closes every symbol; stats() totals the symbols', () => {
    const spans: [SkippedGap, string][] = [];
    const keyed = new KeyedBarAggregator({
      maxGapBars: 1,
      onSkippedGap: (span, symbol) => spans.push([span, symbol]),
    });
    keyed.push({ time: T0 + 1, price: 1, qty: 1, isBuyerMaker: true, id: 1, symbol: 'A' });
    keyed.push({ time: T0 + 2, price: 2, qty: 1, isBuyerMaker: true, id: 1, symbol: 'B' });
    const bars = keyed.advance(T0 + 3 * MIN);
    expect(bars.map((b) => [b.symbol, (b.openTime - T0) / MIN, b.gap])).toEqual([
      ['A', 0, false],
      ['A', 1, true],
      ['B', 0, false],
      ['B', 1, true],
    ]);
    keyed.push({ time: T0 + 3 * MIN, price: 1, qty: 1, isBuyerMaker: true, id: 2, symbol: 'A' });
    expect(spans).toEqual([]); // A's run ends with its next bar, which is still open
    keyed.flush(); // end of input ends both runs
    const skipped = { fromOpenTime: T0 + 2 * MIN, toOpenTime: T0 + 2 * MIN, bars: 1 };
    expect(spans).toEqual([
      [skipped, 'A'],
      [skipped, 'B'],
    ]);
    expect(keyed.symbols()).toEqual(['A', 'B']);
    expect(keyed.get('B')).toBeInstanceOf(BarAggregator);
    expect(keyed.stats()).toMatchObject({ symbols: 2, accepted: 3, bars: 3, gapBars: 2, skippedGapBars: 2 });
  });

  it("counts a non-object trade or a non-string symbol as invalid, without a symbol (and throws with 'throw')", () => {
    const keyed = new KeyedBarAggregator();
    const bad = { time: T0, price: 1, qty: 1, isBuyerMaker: true, symbol: 42 } as unknown as Trade;
    expect(keyed.push(bad)).toEqual([]);
    expect(keyed.push(null as unknown as Trade)).toEqual([]);
    expect(keyed.stats()).toMatchObject({ symbols: 0, invalid: 2 });
    expect(() => new KeyedBarAggregator({ errorPolicy: 'throw' }).push(bad)).toThrow(
      /symbol must be a string/,
    );
  });

  it('checks its options at construction and restores only snapshots that fit', () => {
    expect(() => new KeyedBarAggregator({ intervalMs: 10 })).toThrow(RangeError);
    const keyed = new KeyedBarAggregator({ intervalMs: 1_000 });
    keyed.push({ time: T0, price: 1, qty: 1, isBuyerMaker: true, symbol: 'A' });
    const other = new KeyedBarAggregator({ intervalMs: 2_000 });
    expect(() => other.restore(JSON.parse(JSON.stringify(keyed.snapshot())))).toThrow(
      /snapshot\.aggregators\[0\]\.state\.intervalMs/,
    );
    expect(other.symbols()).toEqual([]);
  });
});
