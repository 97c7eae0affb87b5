import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bar } from '../../src/bars/bar.js';
import { createRegimeDetector } from '../../src/pipeline/RegimeDetector.js';
import type { RegimeSignal } from '../../src/pipeline/signal.js';
import { firstNonFinite, hostileValue } from './hostileValues.js';

const START = 1_767_225_600_000;
const MINUTE = 60_000;
const KEEP = Symbol('keep');
const FIELDS = [
  'openTime',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'quoteVolume',
  'trades',
  'takerBuyVolume',
  'takerBuyQuoteVolume',
  'gap',
  'symbol',
] as const;

/**
 * Kline-like bars, mostly plausible (a random walk with consistent OHLC and volumes, now and then a
 * skipped minute, a repeated or an earlier bar), with any field now and then replaced by a hostile
 * value — and now and then something that is not a bar at all.
 */
const hostileBars: fc.Arbitrary<unknown[]> = fc
  .array(
    fc.record({
      step: fc.oneof(
        { arbitrary: fc.constant(1), weight: 12 },
        { arbitrary: fc.integer({ min: -2, max: 40 }), weight: 1 },
      ),
      walk: fc.double({ min: -0.01, max: 0.01, noNaN: true }),
      spread: fc.double({ min: 0, max: 0.01, noNaN: true }),
      volume: fc.double({ min: 0, max: 50, noNaN: true }),
      buyShare: fc.double({ min: 0, max: 1, noNaN: true }),
      trades: fc.integer({ min: 0, max: 2_000 }),
      field: fc.constantFrom(...FIELDS),
      value: fc.oneof(
        { arbitrary: fc.constant<unknown>(KEEP), weight: 5 },
        { arbitrary: hostileValue, weight: 1 },
      ),
      notABar: fc.oneof(
        { arbitrary: fc.constant<unknown>(KEEP), weight: 40 },
        { arbitrary: fc.constantFrom<unknown>(null, 7, 'bar', [], {}), weight: 1 },
      ),
    }),
    { maxLength: 120 },
  )
  .map((items) => {
    let minute = 0;
    let close = 87_000;
    return items.map((it) => {
      if (it.notABar !== KEEP) return it.notABar;
      minute += it.step;
      const open = close;
      close = open * Math.exp(it.walk);
      const high = Math.max(open, close) * (1 + it.spread);
      const low = Math.min(open, close) / (1 + it.spread);
      const vwap = (open + close) / 2;
      const bar: Record<string, unknown> = {
        symbol: 'BTCUSDT',
        openTime: START + minute * MINUTE,
        closeTime: START + minute * MINUTE + MINUTE - 1,
        open,
        high,
        low,
        close,
        volume: it.volume,
        quoteVolume: it.volume * vwap,
        trades: it.volume > 0 ? Math.max(1, it.trades) : 0,
        takerBuyVolume: it.volume * it.buyShare,
        takerBuyQuoteVolume: it.volume * it.buyShare * vwap,
        gap: false,
      };
      if (it.value !== KEEP) bar[it.field] = it.value;
      return bar;
    });
  });

describe('fuzz: hostile bars through pushBar', () => {
  for (const normalize of ['frozen', 'rolling20'] as const) {
    it(`${normalize}: no exception, no NaN or Infinity in any signal, every bar either signalled or counted as rejected`, () => {
      fc.assert(
        fc.property(hostileBars, (bars) => {
          const detector = createRegimeDetector({ normalize, maxGapBars: 20 });
          const signals: RegimeSignal[] = [];
          for (const bar of bars) signals.push(...detector.pushBar(bar as Bar));
          signals.push(...detector.flush());
          for (const s of signals) expect(firstNonFinite(s)).toBeUndefined();
          const s = detector.stats();
          expect(s.signals).toBe(signals.length);
          const b = s.bars;
          if (b === null) expect(bars).toHaveLength(0);
          else {
            expect(b.accepted + b.duplicates + b.outOfOrder + b.invalid).toBe(bars.length);
            // One signal per bar passed on: the accepted ones (a caller's own bar may be a gap bar,
            // `gap: true` with no volume) and the gap bars the regularizer inserted.
            expect(signals).toHaveLength(b.accepted + b.gapBars);
            expect(signals.filter((x) => !x.bar.gap).length).toBeLessThanOrEqual(b.accepted);
          }
        }),
        { numRuns: 80 },
      );
    });
  }

  it('a snapshot taken after rejected bars restores and continues exactly like a run without them', () => {
    fc.assert(
      fc.property(hostileBars, fc.nat(), (bars, cutSeed) => {
        const cut = cutSeed % (bars.length + 1);
        const rejected = new Set<unknown>();
        let rejections = 0;
        const onRejectBar = (_reason: string, bar: Bar) => {
          rejected.add(bar);
          rejections++;
        };
        const options = { maxGapBars: 20, onRejectBar };
        const dirty = createRegimeDetector(options);
        const dirtyOut: RegimeSignal[] = [];
        for (const bar of bars.slice(0, cut)) dirtyOut.push(...dirty.pushBar(bar as Bar));
        const resumed = createRegimeDetector(options);
        resumed.restore(JSON.parse(JSON.stringify(dirty.snapshot())));
        for (const bar of bars.slice(cut)) dirtyOut.push(...resumed.pushBar(bar as Bar));
        dirtyOut.push(...resumed.flush());

        const clean = createRegimeDetector({ maxGapBars: 20 });
        const cleanOut: RegimeSignal[] = [];
        for (const bar of bars) if (!rejected.has(bar)) cleanOut.push(...clean.pushBar(bar as Bar));
        cleanOut.push(...clean.flush());
        expect(dirtyOut).toEqual(cleanOut);
        const b = resumed.stats().bars;
        expect((b?.invalid ?? 0) + (b?.duplicates ?? 0) + (b?.outOfOrder ?? 0)).toBe(rejections);
      }),
      { numRuns: 60 },
    );
  });
});
