import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BarAggregator } from '../../src/bars/BarAggregator.js';
import type { Bar } from '../../src/bars/bar.js';
import { KeyedBarAggregator } from '../../src/bars/KeyedBarAggregator.js';
import { TradeRejectedError } from '../../src/bars/TradeRejectedError.js';
import { invalidTradeReason, type Trade } from '../../src/bars/trade.js';
import { createRegimeDetector } from '../../src/pipeline/RegimeDetector.js';
import { createRegimeRouter } from '../../src/pipeline/RegimeRouter.js';
import type { RegimeSignal } from '../../src/pipeline/signal.js';
import { anyScaleTime, firstNonFinite, hostileNumber, hostileValue } from './hostileValues.js';

const START = 1_767_225_600_000;
const KEEP = Symbol('keep');

/** A field that is usually plausible and sometimes replaced by `hostile`. */
function sometimes<T>(plausible: fc.Arbitrary<T>, hostile: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: plausible, weight: 6 }, { arbitrary: hostile, weight: 1 });
}

/**
 * A stream of trades as a broken or hostile feed sends them: mostly a plausible BTCUSDT-like walk,
 * with any field now and then replaced by NaN, ±Infinity, -0, 1e308, a subnormal, a string, null,
 * a huge or negative id, a time in seconds or microseconds — or the trade not being an object.
 */
const hostileTrades: fc.Arbitrary<unknown[]> = fc
  .array(
    fc.record({
      stepMs: fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 4 * 3_600_000 })),
      walk: fc.integer({ min: -50, max: 50 }),
      time: sometimes(fc.constant(KEEP), fc.oneof(hostileNumber, anyScaleTime, hostileValue)),
      price: sometimes(fc.constant(KEEP), hostileValue),
      qty: sometimes(fc.double({ min: 0, max: 5, noNaN: true }), hostileValue),
      isBuyerMaker: sometimes(fc.boolean(), hostileValue),
      id: sometimes(fc.constant(KEEP), fc.oneof(hostileValue, fc.constantFrom(2 ** 53, -5, 1e300))),
      symbol: sometimes(fc.constant(KEEP), hostileValue),
      notAnObject: fc.oneof(
        { arbitrary: fc.constant(KEEP), weight: 30 },
        { arbitrary: fc.constantFrom<unknown>(null, undefined, 0, 'trade', [], Number.NaN), weight: 1 },
      ),
    }),
    { maxLength: 120 },
  )
  .map((items) => {
    let time = START;
    let price = 87_000;
    let id = 1;
    return items.map((it) => {
      if (it.notAnObject !== KEEP) return it.notAnObject;
      time += it.stepMs;
      price = Math.max(1, price + it.walk / 4);
      const trade: Record<string, unknown> = {
        time: it.time === KEEP ? time : it.time,
        price: it.price === KEEP ? price : it.price,
        qty: it.qty,
        isBuyerMaker: it.isBuyerMaker,
        id: it.id === KEEP ? id++ : it.id,
      };
      if (it.symbol !== KEEP) trade.symbol = it.symbol;
      return trade;
    });
  });

function checkBars(bars: readonly Bar[]): void {
  for (const bar of bars) expect(firstNonFinite(bar)).toBeUndefined();
  for (let i = 1; i < bars.length; i++) expect(bars[i].openTime).toBeGreaterThan(bars[i - 1].openTime);
}

function checkSignals(signals: readonly RegimeSignal[]): void {
  for (const s of signals) {
    expect(firstNonFinite(s)).toBeUndefined();
    const sum = s.regime.probabilities.reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - 1)).toBeLessThan(1e-9);
  }
}

describe('fuzz: hostile trades', () => {
  it('BarAggregator (skip): never throws, counts every trade exactly once, emits only finite, ordered bars', () => {
    fc.assert(
      fc.property(hostileTrades, (trades) => {
        const agg = new BarAggregator({ symbol: 'BTCUSDT', maxGapBars: 30 });
        const bars: Bar[] = [];
        for (const t of trades) bars.push(...agg.push(t as Trade));
        bars.push(...agg.flush());
        checkBars(bars);
        const s = agg.stats();
        expect(s.accepted + s.duplicates + s.late + s.invalid).toBe(trades.length);
        expect(s.invalid).toBe(trades.filter((t) => invalidTradeReason(t) !== undefined).length);
        expect(s.bars + s.gapBars).toBe(bars.length);
      }),
      { numRuns: 150 },
    );
  });

  it("BarAggregator ('throw'): only TradeRejectedError escapes, once per rejected trade, and the stream goes on", () => {
    fc.assert(
      fc.property(hostileTrades, (trades) => {
        const skipping = new BarAggregator({ maxGapBars: 30 });
        const throwing = new BarAggregator({ maxGapBars: 30, errorPolicy: 'throw' });
        const skipped: Bar[] = [];
        const thrown: Bar[] = [];
        let errors = 0;
        for (const t of trades) {
          skipped.push(...skipping.push(t as Trade));
          try {
            thrown.push(...throwing.push(t as Trade));
          } catch (e) {
            expect(e).toBeInstanceOf(TradeRejectedError);
            errors++;
          }
        }
        const s = throwing.stats();
        expect(errors).toBe(s.duplicates + s.late + s.invalid);
        expect(thrown).toEqual(skipped);
        expect(throwing.flush()).toEqual(skipping.flush());
      }),
      { numRuns: 100 },
    );
  });

  it('createRegimeDetector.pushTrade: no exception, no NaN or Infinity in any signal, one signal per bar', () => {
    fc.assert(
      fc.property(hostileTrades, (trades) => {
        const detector = createRegimeDetector({ symbol: 'BTCUSDT', maxGapBars: 30 });
        const signals: RegimeSignal[] = [];
        for (const t of trades) signals.push(...detector.pushTrade(t as Trade));
        signals.push(...detector.flush());
        checkSignals(signals);
        const s = detector.stats();
        expect(s.signals).toBe(signals.length);
        expect(signals.length).toBe((s.trades?.bars ?? 0) + (s.trades?.gapBars ?? 0));
        const r = s.rejectedTrades;
        expect((s.trades?.accepted ?? 0) + r.duplicate + r.late + r.invalid).toBe(trades.length);
      }),
      { numRuns: 60 },
    );
  });

  it('a snapshot taken after rejected trades restores and continues exactly like a run without them', () => {
    fc.assert(
      fc.property(hostileTrades, fc.nat(), (trades, cutSeed) => {
        const valid = trades.filter((t) => invalidTradeReason(t) === undefined) as Trade[];
        const cut = cutSeed % (trades.length + 1);
        const dirty = createRegimeDetector({ maxGapBars: 30 });
        const dirtyOut: RegimeSignal[] = [];
        for (const t of trades.slice(0, cut)) dirtyOut.push(...dirty.pushTrade(t as Trade));
        const resumed = createRegimeDetector({ maxGapBars: 30 });
        resumed.restore(JSON.parse(JSON.stringify(dirty.snapshot())));
        for (const t of trades.slice(cut)) dirtyOut.push(...resumed.pushTrade(t as Trade));
        dirtyOut.push(...resumed.flush());

        const clean = createRegimeDetector({ maxGapBars: 30 });
        const cleanOut: RegimeSignal[] = [];
        for (const t of valid) cleanOut.push(...clean.pushTrade(t));
        cleanOut.push(...clean.flush());
        expect(dirtyOut).toEqual(cleanOut);
        expect(resumed.stats().rejectedTrades.invalid).toBe(trades.length - valid.length);
      }),
      { numRuns: 60 },
    );
  });

  it('createRegimeRouter.pushTrade: hostile trades (not objects, symbols not strings) are counted, never thrown', () => {
    fc.assert(
      fc.property(hostileTrades, (trades) => {
        const router = createRegimeRouter({ maxGapBars: 30 });
        const signals: RegimeSignal[] = [];
        for (const t of trades) signals.push(...router.pushTrade(t as Trade));
        signals.push(...router.flush());
        checkSignals(signals);
        // Accepted trades are counted by their symbol's detector; rejected ones in the router's totals
        // (an invalid trade of a symbol not seen yet creates no detector).
        let counted = 0;
        for (const symbol of router.symbols()) {
          expect(typeof symbol).toBe('string');
          counted += router.get(symbol)?.stats().trades?.accepted ?? 0;
        }
        const r = router.stats().rejectedTrades;
        counted += r.duplicate + r.late + r.invalid;
        expect(counted).toBe(trades.length);
      }),
      { numRuns: 60 },
    );
  });

  it('KeyedBarAggregator: never throws, counts every trade exactly once, emits only finite bars', () => {
    fc.assert(
      fc.property(hostileTrades, (trades) => {
        const keyed = new KeyedBarAggregator({ maxGapBars: 30 });
        const bars: Bar[] = [];
        for (const t of trades) bars.push(...keyed.push(t as Trade));
        for (const b of bars) expect(firstNonFinite(b)).toBeUndefined();
        const s = keyed.stats();
        expect(s.accepted + s.duplicates + s.late + s.invalid).toBe(trades.length);
        expect(s.bars + s.gapBars).toBe(bars.length);
      }),
      { numRuns: 80 },
    );
  });
});
