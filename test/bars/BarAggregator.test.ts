import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BarAggregator, type BarAggregatorOptions } from '../../src/bars/BarAggregator.js';
import type { Bar } from '../../src/bars/bar.js';
import type { SkippedGap } from '../../src/bars/GapFiller.js';
import { TradeRejectedError } from '../../src/bars/TradeRejectedError.js';
import type { Trade } from '../../src/bars/trade.js';
import { shifty } from '../util/shifty.js';
import { arrivalWithin, invalidTrades, orderedTrades } from './tradeArbitraries.js';

const MIN = 60_000;
const T0 = 1_767_225_600_000; // 2026-01-01 00:00 UTC, a minute boundary

let nextId = 1;
function trade(time: number, price: number, qty = 1, more: Partial<Trade> = {}): Trade {
  return { time, price, qty, isBuyerMaker: false, id: nextId++, ...more };
}

function run(
  trades: readonly unknown[],
  options: BarAggregatorOptions = {},
): { bars: Bar[]; agg: BarAggregator } {
  const agg = new BarAggregator(options);
  const bars: Bar[] = [];
  for (const t of trades) bars.push(...agg.push(t as Trade));
  bars.push(...agg.flush());
  return { bars, agg };
}

describe('BarAggregator closing rules', () => {
  it('closes a bar when a trade of a later interval arrives (lateness 0), with every field', () => {
    const agg = new BarAggregator({ symbol: 'BTCUSDT' });
    expect(
      agg.push(trade(T0 + 10, 100, 2, { id: 10, firstId: 100, lastId: 102, isBuyerMaker: true })),
    ).toEqual([]);
    expect(agg.push(trade(T0 + 20_000, 104, 1, { id: 11, firstId: 103, lastId: 103 }))).toEqual([]);
    expect(agg.push(trade(T0 + 59_999, 98, 1, { id: 12, firstId: 104, lastId: 105 }))).toEqual([]);
    const closed = agg.push(trade(T0 + MIN, 101, 1, { id: 13, firstId: 106, lastId: 106 }));
    expect(closed).toEqual([
      {
        symbol: 'BTCUSDT',
        openTime: T0,
        closeTime: T0 + MIN - 1,
        open: 100,
        high: 104,
        low: 98,
        close: 98,
        volume: 4,
        quoteVolume: 200 + 104 + 98,
        trades: 6,
        takerBuyVolume: 2,
        takerBuyQuoteVolume: 104 + 98,
        vwap: 402 / 4,
        firstTradeId: 100,
        lastTradeId: 105,
        missingTrades: 0,
        gap: false,
      },
    ]);
    expect(agg.stats()).toMatchObject({ accepted: 4, bars: 1, openBars: 1 });
  });

  it('aligns bars to the epoch for any interval from 1 s to 1 d', () => {
    for (const intervalMs of [1_000, 7_000, MIN, 3_600_000, 86_400_000]) {
      const { bars } = run([trade(T0 + 123_456_789, 5)], { intervalMs });
      expect(bars).toHaveLength(1);
      expect(bars[0].openTime % intervalMs).toBe(0);
      expect(bars[0].openTime).toBeLessThanOrEqual(T0 + 123_456_789);
      expect(bars[0].closeTime).toBe(bars[0].openTime + intervalMs - 1);
      expect(T0 + 123_456_789).toBeLessThanOrEqual(bars[0].closeTime);
    }
  });

  it('keeps a bar open for the allowed lateness and merges an out-of-order trade by (time, id)', () => {
    const agg = new BarAggregator({ allowedLatenessMs: 5_000 });
    agg.push(trade(T0 + 1_000, 100, 1, { id: 20 }));
    agg.push(trade(T0 + 59_000, 101, 1, { id: 22 }));
    expect(agg.push(trade(T0 + MIN + 4_999, 200, 1, { id: 23 }))).toEqual([]); // watermark < end + lateness
    // Arrives after a trade of the next interval, but its bar is still open: merged, and it is the
    // earliest by time, so it becomes the open although it arrived last.
    expect(agg.push(trade(T0 + 500, 99, 1, { id: 19 }))).toEqual([]);
    // Same time as the close but a larger id: it becomes the close.
    expect(agg.push(trade(T0 + 59_000, 102, 1, { id: 24 }))).toEqual([]);
    const closed = agg.push(trade(T0 + MIN + 5_000, 201, 1, { id: 25 }));
    expect(closed.map((b) => [b.openTime, b.open, b.close, b.high, b.low, b.volume])).toEqual([
      [T0, 99, 102, 102, 99, 4],
    ]);
    expect(agg.stats()).toMatchObject({ accepted: 6, late: 0, duplicates: 0 });
  });

  it('counts a trade whose bar has closed as late and never merges it', () => {
    const rejects: string[] = [];
    const agg = new BarAggregator({ allowedLatenessMs: 1_000, onReject: (reason) => rejects.push(reason) });
    agg.push(trade(T0 + 10, 100));
    const closed = agg.push(trade(T0 + MIN + 1_000, 110));
    expect(closed).toHaveLength(1);
    expect(agg.push(trade(T0 + 20, 1, 7))).toEqual([]);
    expect(rejects).toEqual(['late']);
    const rest = agg.flush();
    expect(rest.map((b) => [b.openTime, b.low, b.volume])).toEqual([[T0 + MIN, 110, 1]]);
    expect(agg.stats()).toMatchObject({ accepted: 2, late: 1, rejectedVolume: 7, acceptedVolume: 2 });
  });

  it('keeps the rejected volume finite, so a snapshot after absurd quantities still restores (fuzz case)', () => {
    const agg = new BarAggregator();
    // Both invalid (a zero price; a notional beyond any amount): 1e308 + 1.8e308 would be Infinity.
    agg.push({ time: T0, price: 0, qty: 1e308, isBuyerMaker: false, id: 1 });
    agg.push({ time: T0, price: 87_000, qty: Number.MAX_VALUE, isBuyerMaker: false, id: 2 });
    agg.push({ time: T0, price: 87_000, qty: 2 ** 51, isBuyerMaker: false, id: 3 }); // invalid notional, counted
    expect(agg.stats()).toMatchObject({ invalid: 3, rejectedVolume: 2 ** 51 });
    const resumed = new BarAggregator();
    resumed.restore(JSON.parse(JSON.stringify(agg.snapshot())));
    expect(resumed.stats()).toEqual(agg.stats());
  });

  it('advance() closes bars by watermark, with gap bars for empty intervals, and never goes back', () => {
    const agg = new BarAggregator({ allowedLatenessMs: 2_000 });
    agg.push(trade(T0 + 30_000, 100));
    expect(agg.advance(T0 + MIN + 1_999)).toEqual([]);
    const first = agg.advance(T0 + MIN + 2_000);
    expect(first.map((b) => [b.openTime, b.gap])).toEqual([[T0, false]]);
    const gaps = agg.advance(T0 + 4 * MIN + 2_000);
    expect(gaps.map((b) => [b.openTime, b.gap])).toEqual([
      [T0 + MIN, true],
      [T0 + 2 * MIN, true],
      [T0 + 3 * MIN, true],
    ]);
    expect(agg.advance(T0)).toEqual([]);
    expect(() => agg.advance(Number.NaN)).toThrow(RangeError);
    expect(agg.stats()).toMatchObject({ bars: 1, gapBars: 3, watermark: T0 + 4 * MIN + 2_000 });
  });

  it('flush() closes every open bar and makes later trades for them late', () => {
    const agg = new BarAggregator({ allowedLatenessMs: 3 * MIN });
    agg.push(trade(T0, 1));
    agg.push(trade(T0 + 2 * MIN, 3));
    const bars = agg.flush();
    expect(bars.map((b) => [b.openTime, b.gap, b.close])).toEqual([
      [T0, false, 1],
      [T0 + MIN, true, 1],
      [T0 + 2 * MIN, false, 3],
    ]);
    expect(agg.flush()).toEqual([]);
    agg.push(trade(T0 + 2 * MIN + 5, 9));
    expect(agg.stats()).toMatchObject({ late: 1, openBars: 0 });
  });
});

describe('BarAggregator gap bars', () => {
  it('fills empty intervals with gap bars at the previous close', () => {
    const { bars } = run([
      trade(T0 + 5, 100, 1, { firstId: 1, lastId: 1 }),
      trade(T0 + 10, 103, 1, { firstId: 2, lastId: 2 }),
      trade(T0 + 3 * MIN + 1, 104, 1, { firstId: 3, lastId: 3 }),
    ]);
    expect(bars).toHaveLength(4);
    for (const gap of bars.slice(1, 3)) {
      expect(gap).toEqual({
        symbol: '',
        openTime: gap.openTime,
        closeTime: gap.openTime + MIN - 1,
        open: 103,
        high: 103,
        low: 103,
        close: 103,
        volume: 0,
        quoteVolume: 0,
        trades: 0,
        takerBuyVolume: 0,
        takerBuyQuoteVolume: 0,
        vwap: 103,
        firstTradeId: -1,
        lastTradeId: -1,
        missingTrades: 0,
        gap: true,
      });
    }
    expect(bars.map((b) => b.openTime)).toEqual([T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN]);
  });

  it('caps a long outage at maxGapBars and reports the skipped span once', () => {
    const spans: SkippedGap[] = [];
    const options = { maxGapBars: 3, onSkippedGap: (s: SkippedGap) => spans.push(s) };
    const { bars, agg } = run([trade(T0, 1), trade(T0 + 10 * MIN, 2), trade(T0 + 12 * MIN, 3)], options);
    expect(bars.map((b) => [(b.openTime - T0) / MIN, b.gap])).toEqual([
      [0, false],
      [1, true],
      [2, true],
      [3, true],
      [10, false],
      [11, true],
      [12, false],
    ]);
    expect(spans).toEqual([{ fromOpenTime: T0 + 4 * MIN, toOpenTime: T0 + 9 * MIN, bars: 6 }]);
    expect(agg.stats()).toMatchObject({ gapBars: 4, skippedGapBars: 6 });
  });

  it('gives the same bars and span when the outage is seen minute by minute through advance()', () => {
    const trades = [trade(T0, 1), trade(T0 + 10 * MIN, 2)];
    const atOnce: SkippedGap[] = [];
    const live: SkippedGap[] = [];
    const expected = run(trades, { maxGapBars: 3, onSkippedGap: (s) => atOnce.push(s) }).bars;
    const agg = new BarAggregator({ maxGapBars: 3, onSkippedGap: (s) => live.push(s) });
    const bars = [...agg.push(trades[0])];
    for (let m = 1; m <= 10; m++) bars.push(...agg.advance(T0 + m * MIN));
    bars.push(...agg.push(trades[1]), ...agg.flush());
    expect(bars).toEqual(expected);
    expect(live).toEqual(atOnce);
  });

  it('emits no gap bar before the first bar and none with maxGapBars 0', () => {
    const agg = new BarAggregator({ maxGapBars: 0 });
    expect(agg.advance(T0 + 100 * MIN)).toEqual([]);
    agg.push(trade(T0 + 100 * MIN, 1));
    const bars = [...agg.push(trade(T0 + 105 * MIN, 2)), ...agg.flush()];
    expect(bars.map((b) => b.gap)).toEqual([false, false]);
    expect(agg.stats().skippedGapBars).toBe(4);
  });
});

describe('BarAggregator duplicates, invalid trades and the error policy', () => {
  it('drops a repeated id while its bar is open, and merges a new out-of-order id', () => {
    const agg = new BarAggregator({ allowedLatenessMs: MIN });
    const a = trade(T0 + 1, 10, 1, { id: 100 });
    const c = trade(T0 + 3, 12, 1, { id: 102 });
    agg.push(a);
    agg.push(c);
    agg.push({ ...a }); // duplicate, below the max id
    agg.push({ ...c }); // duplicate of the max id
    agg.push(trade(T0 + 2, 11, 1, { id: 101 })); // new id below the max: merged
    agg.push(trade(T0 + 2, 11, 1, { id: 101 }));
    const [bar] = agg.flush();
    expect(bar).toMatchObject({
      open: 10,
      close: 12,
      volume: 3,
      trades: 3,
      firstTradeId: 100,
      lastTradeId: 102,
    });
    expect(agg.stats()).toMatchObject({ accepted: 3, duplicates: 3, rejectedVolume: 3 });
  });

  it('rejects each kind of invalid trade, counts it, and leaves the bars as without it', () => {
    // Each is otherwise a trade the fast path would take (current bar, after the watermark, new id),
    // so both the fast path and the general one must see the bad field.
    const base = { time: T0 + 2, price: 1, qty: 1, isBuyerMaker: true, id: 9_000 };
    const bad: unknown[] = [
      null,
      'trade',
      { ...base, time: Number.NaN },
      { ...base, price: 0 },
      { ...base, price: -5 },
      { ...base, price: Number.POSITIVE_INFINITY },
      { ...base, price: '87000' },
      { ...base, qty: -1 },
      { ...base, qty: Number.NaN },
      { ...base, isBuyerMaker: undefined },
      { ...base, time: `${T0 + 2}` },
      { ...base, id: 9_000.5 },
      { ...base, firstId: 5 },
      { ...base, firstId: 6, lastId: 5 },
      { ...base, firstId: 1.5, lastId: 5 },
      { ...base, id: 2 ** 53 },
      { ...base, symbol: 42 },
    ];
    const good = [trade(T0 + 1, 5, 1, { id: 100 }), trade(T0 + MIN + 1, 6, 1, { id: 101 })];
    const reasons: string[] = [];
    const mixed = run([good[0], ...bad, good[1]], {
      onReject: (reason, _t, detail) => reasons.push(`${reason}: ${detail}`),
    });
    expect(mixed.bars).toEqual(run(good).bars);
    expect(mixed.agg.stats()).toMatchObject({ accepted: 2, invalid: bad.length });
    expect(reasons).toHaveLength(bad.length);
    expect(reasons[4]).toMatch(/^invalid: price must be a finite number > 0, got -5/);
    expect(reasons[9]).toMatch(/isBuyerMaker/);
    expect(reasons[12]).toMatch(/firstId and lastId/);
    expect(reasons[16]).toMatch(/symbol must be a string/);
  });

  it("with errorPolicy 'throw' throws a TradeRejectedError after counting, and keeps going", () => {
    const agg = new BarAggregator({ errorPolicy: 'throw' });
    const t = trade(T0 + 5, 100);
    agg.push(t);
    const error = (() => {
      try {
        agg.push({ ...t });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TradeRejectedError);
    expect(error).toMatchObject({ reason: 'duplicate', trade: t });
    expect(() => agg.push({ ...t, price: Number.NaN })).toThrow(/invalid trade: price/);
    agg.push(trade(T0 + MIN, 101));
    expect(() => agg.push(trade(T0 + 6, 1))).toThrow(/late trade/);
    expect(agg.stats()).toMatchObject({ accepted: 2, duplicates: 1, invalid: 1, late: 1, bars: 1 });
  });
});

describe('BarAggregator trade count', () => {
  it('counts an aggregate trade as lastId - firstId + 1, and 1 without those ids', () => {
    const { bars } = run([
      trade(T0 + 1, 1, 1, { id: 5, firstId: 1_000, lastId: 1_009 }),
      trade(T0 + 2, 1, 1, { id: 6, firstId: 1_010, lastId: 1_010 }),
      { time: T0 + 3, price: 1, qty: 1, isBuyerMaker: true, id: 7 },
      { time: T0 + 4, price: 1, qty: 1, isBuyerMaker: true },
    ]);
    expect(bars[0]).toMatchObject({ trades: 13, firstTradeId: 7, lastTradeId: 1_010 });
    const noIds = run([{ time: T0, price: 2, qty: 1, isBuyerMaker: false }]).bars[0];
    expect(noIds).toMatchObject({ trades: 1, firstTradeId: -1, lastTradeId: -1 });
  });
});

describe('BarAggregator options', () => {
  it.each([
    [{ intervalMs: 999 }, /intervalMs .*from 1000 \(1 s\) to 86400000 \(1 d\), got 999/],
    [{ intervalMs: 86_400_001 }, /intervalMs/],
    [{ intervalMs: 1_500.5 }, /intervalMs/],
    [{ intervalMs: Number.NaN }, /intervalMs/],
    [{ allowedLatenessMs: -1 }, /allowedLatenessMs/],
    [{ allowedLatenessMs: 1025 * MIN }, /allowedLatenessMs must be .* at most|allowedLatenessMs/],
    [{ maxGapBars: -1 }, /maxGapBars must be an integer >= 0/],
    [{ maxGapBars: 2.5 }, /maxGapBars/],
    [{ errorPolicy: 'ignore' as 'skip' }, /errorPolicy must be 'skip' or 'throw'/],
  ])('rejects %o with a RangeError naming the option', (options, message) => {
    expect(() => new BarAggregator(options)).toThrow(RangeError);
    expect(() => new BarAggregator(options)).toThrow(message);
  });

  it('accepts the extremes', () => {
    expect(new BarAggregator({ intervalMs: 1_000, allowedLatenessMs: 1024 * 1_000 }).intervalMs).toBe(1_000);
    expect(new BarAggregator({ intervalMs: 86_400_000, maxGapBars: 0 }).intervalMs).toBe(86_400_000);
  });
});

describe('BarAggregator snapshots', () => {
  function withState(): BarAggregator {
    const agg = new BarAggregator({ allowedLatenessMs: 5_000 });
    agg.push(trade(T0 + 1, 100, 1, { id: 50 }));
    agg.push(trade(T0 + MIN + 1, 101, 1, { id: 52 }));
    return agg;
  }

  it('refuses a malformed snapshot with an error naming the field, and keeps its state', () => {
    const good = withState().snapshot();
    const target = withState();
    target.push(trade(T0 + MIN + 2, 102, 1, { id: 53 }));
    const before = JSON.stringify(target.snapshot());
    const broken = JSON.parse(JSON.stringify(good));
    broken.open[1].high = 'high';
    expect(() => target.restore(broken)).toThrow(/^snapshot\.open\[1\]\.high: expected a finite number/);
    const other = JSON.parse(JSON.stringify(good));
    other.open[0].ids = [60, 50];
    expect(() => target.restore(other)).toThrow(/snapshot\.open\[0\]\.ids\[1\]/);
    expect(() => target.restore({ ...good, counts: { ...good.counts, late: -1 } })).toThrow(
      /snapshot\.counts\.late/,
    );
    expect(JSON.stringify(target.snapshot())).toBe(before);
  });

  it('refuses a snapshot made with other options', () => {
    const snapshot = withState().snapshot();
    expect(() =>
      new BarAggregator({ allowedLatenessMs: 5_000, intervalMs: 1_000 }).restore(snapshot),
    ).toThrow(/snapshot\.intervalMs: this aggregator has intervalMs 1000, the snapshot 60000/);
    expect(() =>
      new BarAggregator({ allowedLatenessMs: 5_000, symbol: 'ETHUSDT' }).restore(snapshot),
    ).toThrow(/snapshot\.symbol/);
  });
});

describe('BarAggregator properties', () => {
  const shape = { maxStepMs: 1_500, maxPauseMs: 12_000, maxTrades: 80 };

  it('any reordering of trades within the lateness gives identical bars (exact equality)', () => {
    const cases = fc
      .integer({ min: 0, max: 4_000 })
      .chain((latenessMs) =>
        orderedTrades(shape).chain((trades) =>
          fc.tuple(fc.constant(latenessMs), fc.constant(trades), arrivalWithin(trades, latenessMs)),
        ),
      );
    fc.assert(
      fc.property(cases, ([latenessMs, trades, arrival]) => {
        const options = { intervalMs: 1_000, allowedLatenessMs: latenessMs, maxGapBars: 5 };
        const expected = run(trades, options);
        const got = run(arrival, options);
        expect(got.bars).toEqual(expected.bars);
        expect(got.agg.stats()).toEqual(expected.agg.stats());
      }),
      { numRuns: 400 },
    );
  });

  it('without trade ids, any reordering within the lateness of trades at distinct times gives identical bars', () => {
    const idless = orderedTrades(shape).map((trades) =>
      trades
        .filter((t, i) => i === 0 || t.time > trades[i - 1].time)
        .map(({ time, price, qty, isBuyerMaker }): Trade => ({ time, price, qty, isBuyerMaker })),
    );
    const cases = fc
      .integer({ min: 0, max: 4_000 })
      .chain((latenessMs) =>
        idless.chain((trades) =>
          fc.tuple(fc.constant(latenessMs), fc.constant(trades), arrivalWithin(trades, latenessMs)),
        ),
      );
    fc.assert(
      fc.property(cases, ([latenessMs, trades, arrival]) => {
        const options = { intervalMs: 1_000, allowedLatenessMs: latenessMs, maxGapBars: 5 };
        const expected = run(trades, options);
        expect(run(arrival, options).bars).toEqual(expected.bars);
        expect(expected.bars.filter((b) => !b.gap).reduce((n, b) => n + (b.trades ?? 0), 0)).toBe(
          trades.length,
        );
      }),
      { numRuns: 200 },
    );
  });

  it('cutting a stream anywhere with snapshot/restore gives identical bars', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3_000 }),
        orderedTrades(shape).chain((trades) =>
          fc.tuple(arrivalWithin(trades, 3_000), fc.array(fc.nat(trades.length), { maxLength: 3 })),
        ),
        (latenessMs, [trades, cuts]) => {
          const options = { intervalMs: 1_000, allowedLatenessMs: latenessMs, maxGapBars: 4 };
          const expected = run(trades, options).bars;
          let agg = new BarAggregator(options);
          const bars: Bar[] = [];
          trades.forEach((t, i) => {
            if (cuts.includes(i)) {
              const next = new BarAggregator(options);
              next.restore(JSON.parse(JSON.stringify(agg.snapshot())));
              agg = next;
            }
            bars.push(...agg.push(t));
          });
          bars.push(...agg.flush());
          expect(bars).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('advance() between trades, up to the next trade time, changes nothing (replay == live)', () => {
    const cases = orderedTrades(shape).chain((trades) =>
      fc.tuple(
        fc.constant(trades),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), {
          minLength: trades.length,
          maxLength: trades.length,
        }),
        fc.integer({ min: 0, max: 3_000 }),
      ),
    );
    fc.assert(
      fc.property(cases, ([trades, where, latenessMs]) => {
        const options = { intervalMs: 1_000, allowedLatenessMs: latenessMs, maxGapBars: 3 };
        const spans: SkippedGap[] = [];
        const liveSpans: SkippedGap[] = [];
        const expected = run(trades, { ...options, onSkippedGap: (g) => spans.push(g) }).bars;
        const agg = new BarAggregator({ ...options, onSkippedGap: (g) => liveSpans.push(g) });
        const bars: Bar[] = [];
        trades.forEach((t, i) => {
          bars.push(...agg.push(t));
          const next = trades[i + 1]?.time ?? t.time;
          bars.push(...agg.advance(t.time + where[i] * (next - t.time)));
        });
        bars.push(...agg.flush());
        expect(bars).toEqual(expected);
        expect(liveSpans).toEqual(spans);
        expect(agg.stats().late).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('volume in = volume out + volume rejected, and nothing is counted twice', () => {
    const stream = orderedTrades({ ...shape, dyadic: true }).chain((trades) =>
      fc.tuple(
        fc.constant(trades),
        // arrival with delays up to 6 s (some trades late), plus repeats and invalid trades
        arrivalWithin(trades, 6_000),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 10 }),
        fc.array(fc.tuple(fc.nat(), invalidTrades), { maxLength: 5 }),
      ),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2_000 }),
        stream,
        (latenessMs, [trades, arrival, repeats, bad]) => {
          const input: unknown[] = [...arrival];
          if (trades.length > 0)
            for (const [from, to] of repeats)
              input.splice(to % (input.length + 1), 0, { ...trades[from % trades.length] });
          for (const [to, b] of bad) input.splice(to % (input.length + 1), 0, b);
          const rejected: unknown[] = [];
          const { bars, agg } = run(input, {
            intervalMs: 1_000,
            allowedLatenessMs: latenessMs,
            onReject: (_r, t) => rejected.push(t),
          });
          const s = agg.stats();
          expect(s.accepted + s.duplicates + s.late + s.invalid).toBe(input.length);
          expect(rejected).toHaveLength(s.duplicates + s.late + s.invalid);
          // What was accepted, as the input minus the rejected (by identity).
          const accepted = input.filter((t) => !rejected.includes(t)) as Trade[];
          expect(accepted).toHaveLength(s.accepted);
          expect(new Set(accepted.map((t) => t.id)).size).toBe(accepted.length); // no id merged twice
          const qtyOf = (ts: unknown[]) =>
            ts.reduce<number>((sum, t) => {
              const q = (t as Trade | null)?.qty;
              return typeof q === 'number' && q >= 0 && q <= 2 ** 51 ? sum + q : sum;
            }, 0);
          const out = bars.reduce((sum, b) => sum + b.volume, 0);
          expect(out).toBe(s.acceptedVolume);
          expect(qtyOf(input)).toBe(out + s.rejectedVolume);
          expect(qtyOf(rejected)).toBe(s.rejectedVolume);
          // Every bar holds exactly the accepted trades of its interval.
          for (const bar of bars) {
            const mine = accepted.filter((t) => t.time >= bar.openTime && t.time <= bar.closeTime + 0.999999);
            expect(bar.gap).toBe(mine.length === 0);
            expect(bar.volume).toBe(qtyOf(mine));
            expect(bar.trades).toBe(mine.reduce((n, t) => n + t.lastId! - t.firstId! + 1, 0));
          }
          expect(bars.filter((b) => !b.gap).reduce((n, b) => n + (b.trades ?? 0), 0)).toBe(
            accepted.reduce((n, t) => n + t.lastId! - t.firstId! + 1, 0),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('BarAggregator and a trade that changes while it is read', () => {
  const honest = { time: T0 + 5, price: 100, qty: 1, isBuyerMaker: false, id: 7, firstId: 70, lastId: 71 };
  const lies: [keyof typeof honest, unknown][] = [
    ['time', Number.NaN],
    ['price', Number.NaN],
    ['qty', -5],
    ['isBuyerMaker', 'yes'],
    ['id', -3],
    ['firstId', 90],
    ['lastId', 2 ** 60],
  ];
  const closing = () => trade(T0 + MIN + 1, 101, 1, { id: 8, firstId: 72, lastId: 72 });

  it('merges the values it checked, or rejects the trade: never a value read after the check', () => {
    const expected = run([honest, closing()]).bars[0];
    expect(expected).toMatchObject({ open: 100, volume: 1, trades: 2 });
    let lied = 0;
    for (const [field, lie] of lies) {
      // Honest for the first k reads of the field, lying from then on: every read is tried.
      for (let k = 0; k <= 8; k++) {
        const { value, reads } = shifty(honest, field, k, lie);
        const { bars, agg } = run([value, closing()], { onReject: () => {} });
        if (reads() > k) lied++;
        const s = agg.stats();
        expect(s.accepted + s.invalid, `${field}, ${k} honest reads`).toBe(2);
        if (s.accepted === 2) expect(bars[0], `${field}, ${k} honest reads`).toEqual(expected);
        else expect(bars[0].gap || bars[0].openTime === T0 + MIN, `${field}, ${k} honest reads`).toBe(true);
        for (const b of bars) expect(Number.isFinite(b.close) && b.volume >= 0).toBe(true);
      }
    }
    expect(lied).toBeGreaterThan(lies.length); // the getters did lie to it
  });
});
