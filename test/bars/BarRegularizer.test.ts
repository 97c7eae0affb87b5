import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BarAggregator } from '../../src/bars/BarAggregator.js';
import { BarRegularizer, type BarRegularizerOptions } from '../../src/bars/BarRegularizer.js';
import type { Bar } from '../../src/bars/bar.js';
import type { SkippedGap } from '../../src/bars/GapFiller.js';
import { shifty } from '../util/shifty.js';

const MIN = 60_000;
const T0 = 1_767_225_600_000;

function bar(minute: number, close: number, more: Partial<Bar> = {}): Bar {
  const openTime = T0 + minute * MIN;
  return {
    symbol: 'X',
    openTime,
    closeTime: openTime + MIN - 1,
    open: close,
    high: close,
    low: close,
    close,
    volume: 1,
    gap: false,
    ...more,
  };
}

function regularize(bars: readonly unknown[], options: BarRegularizerOptions = {}) {
  const reg = new BarRegularizer(options);
  const out: Bar[] = [];
  for (const b of bars) out.push(...reg.push(b as Bar));
  out.push(...reg.flush());
  return { out, reg };
}

/** 2 000 real rows around each of the two Binance outages of April 2021 (fixtures/README.md). */
function aprilOutageBars(): Bar[] {
  const files = ['BTCUSDT-1m-2021-04-19_2021-04-20.csv.gz', 'BTCUSDT-1m-2021-04-24_2021-04-26.csv.gz'];
  return files.flatMap((name) => {
    const file = new URL(`../../fixtures/klines/${name}`, import.meta.url);
    const [header, ...rows] = gunzipSync(readFileSync(file)).toString('utf8').trim().split('\n');
    expect(header).toBe('open_time,open,high,low,close,volume,close_time');
    return rows.map((row): Bar => {
      const c = row.split(',').map(Number);
      return {
        symbol: 'BTCUSDT',
        openTime: c[0],
        open: c[1],
        high: c[2],
        low: c[3],
        close: c[4],
        volume: c[5],
        closeTime: c[6],
        gap: false,
      };
    });
  });
}

describe('BarRegularizer', () => {
  it('inserts gap bars with the optional fields of the bar before them', () => {
    const { out, reg } = regularize([bar(0, 10, { trades: 5, quoteVolume: 10 }), bar(3, 11)]);
    expect(out.map((b) => [(b.openTime - T0) / MIN, b.gap, b.close])).toEqual([
      [0, false, 10],
      [1, true, 10],
      [2, true, 10],
      [3, false, 11],
    ]);
    expect(out[1]).toEqual({
      symbol: 'X',
      openTime: T0 + MIN,
      closeTime: T0 + 2 * MIN - 1,
      open: 10,
      high: 10,
      low: 10,
      close: 10,
      volume: 0,
      quoteVolume: 0,
      trades: 0,
      gap: true,
    });
    expect(reg.stats()).toMatchObject({ accepted: 2, gapBars: 2 });
  });

  it('is not affected by a caller changing the bars it got', () => {
    const reg = new BarRegularizer();
    for (const b of reg.push(bar(0, 10))) b.close = 99;
    const out = reg.push(bar(3, 11));
    expect(out.map((b) => [b.gap, b.close])).toEqual([
      [true, 10],
      [true, 10],
      [false, 11],
    ]);
    out[0].close = 98;
    out[2].close = 97;
    expect(reg.push(bar(5, 12)).map((b) => [b.gap, b.close])).toEqual([
      [true, 11],
      [false, 12],
    ]);
  });

  it('counts and drops duplicate, out-of-order and malformed bars', () => {
    const reasons: string[] = [];
    const { out, reg } = regularize(
      [
        bar(0, 1),
        bar(1, 2),
        bar(1, 3),
        bar(0, 4),
        { ...bar(2, 5), openTime: T0 + 2 * MIN + 1 },
        { ...bar(2, 5), close: Number.NaN },
        { ...bar(2, 5), volume: -1 },
        null,
        bar(2, 6),
      ],
      { onReject: (reason) => reasons.push(reason) },
    );
    expect(out.map((b) => b.close)).toEqual([1, 2, 6]);
    expect(reasons).toEqual(['duplicate', 'outOfOrder', 'invalid', 'invalid', 'invalid', 'invalid']);
    expect(reg.stats()).toEqual({
      accepted: 3,
      duplicates: 1,
      outOfOrder: 1,
      invalid: 4,
      gapBars: 0,
      skippedGapBars: 0,
    });
  });

  it('fills the two real Binance outages of April 2021 with gap bars, and nothing else', () => {
    const source = aprilOutageBars();
    const firstFile = source.filter((b) => b.openTime < Date.parse('2021-04-22T00:00:00Z'));
    const secondFile = source.slice(firstFile.length);
    const runs: { from: string; bars: number }[] = [];
    for (const file of [firstFile, secondFile]) {
      const { out, reg } = regularize(file);
      for (const g of out.filter((b) => b.gap)) {
        const last = runs[runs.length - 1];
        if (last && Date.parse(last.from) + last.bars * MIN === g.openTime) last.bars++;
        else runs.push({ from: new Date(g.openTime).toISOString(), bars: 1 });
      }
      for (let i = 1; i < out.length; i++) expect(out[i].openTime - out[i - 1].openTime).toBe(MIN);
      expect(out.filter((b) => !b.gap)).toEqual(file);
      expect(reg.stats()).toMatchObject({ accepted: file.length, skippedGapBars: 0 });
    }
    // SOURCES.md: outages 2021-04-20 02:00–04:29 and 2021-04-25 04:01–08:44 (UTC).
    expect(runs).toEqual([
      { from: '2021-04-20T02:00:00.000Z', bars: 150 },
      { from: '2021-04-25T04:01:00.000Z', bars: 284 },
    ]);
  });

  it('reports the longer outage as a skipped span beyond maxGapBars', () => {
    const spans: SkippedGap[] = [];
    const secondFile = aprilOutageBars().filter((b) => b.openTime > Date.parse('2021-04-22T00:00:00Z'));
    const { out, reg } = regularize(secondFile, { maxGapBars: 200, onSkippedGap: (s) => spans.push(s) });
    expect(spans).toEqual([
      {
        fromOpenTime: Date.parse('2021-04-25T04:01:00Z') + 200 * MIN,
        toOpenTime: Date.parse('2021-04-25T08:44:00Z'),
        bars: 84,
      },
    ]);
    expect(out.filter((b) => b.gap)).toHaveLength(200);
    expect(reg.stats()).toMatchObject({ gapBars: 200, skippedGapBars: 84 });
  });

  it('puts the gap bars where BarAggregator puts them for the same series', () => {
    const trades = [0, 1, 5, 6, 30, 31].map((m, i) => ({
      time: T0 + m * MIN + 7,
      price: 100 + i,
      qty: 1,
      isBuyerMaker: true,
      id: i,
    }));
    const agg = new BarAggregator({ maxGapBars: 10 });
    const fromTrades: Bar[] = [];
    for (const t of trades) fromTrades.push(...agg.push(t));
    fromTrades.push(...agg.flush());
    const { out } = regularize(
      fromTrades.filter((b) => !b.gap),
      { maxGapBars: 10 },
    );
    expect(out).toEqual(fromTrades);
  });

  it('rejects bad options with a RangeError naming them', () => {
    expect(() => new BarRegularizer({ intervalMs: 500 })).toThrow(/intervalMs/);
    expect(() => new BarRegularizer({ maxGapBars: -3 })).toThrow(/maxGapBars/);
  });
});

describe('BarRegularizer and a bar that changes while it is read', () => {
  it('passes on the values it checked, or rejects the bar: never a value read after the check', () => {
    const honest = bar(1, 100, { high: 101, low: 99, quoteVolume: 100, trades: 3 });
    const lies: [keyof Bar, unknown][] = [
      ['openTime', T0 + 1],
      ['close', Number.NaN],
      ['high', 50],
      ['volume', -1],
      ['quoteVolume', Number.POSITIVE_INFINITY],
      ['trades', 0.5],
      ['gap', 'no'],
    ];
    for (const [field, lie] of lies) {
      for (let k = 0; k <= 6; k++) {
        const { value } = shifty(honest, field, k, lie);
        const rejected: unknown[] = [];
        const { out } = regularize([bar(0, 100), value], { onReject: (_r, b) => rejected.push(b) });
        if (rejected.length === 0) expect(out[1], `${field}, ${k} honest reads`).toEqual(honest);
        else expect(rejected, `${field}, ${k} honest reads`).toEqual([value]); // the caller's own object
        expect(out).toHaveLength(2 - rejected.length);
      }
    }
  });
});
