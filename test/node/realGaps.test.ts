import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BarRegularizer } from '../../src/bars/BarRegularizer.js';
import type { Bar } from '../../src/bars/bar.js';
import type { SkippedGap } from '../../src/bars/GapFiller.js';
import { readKlines } from '../../src/node/readKlines.js';
import { collect } from './tempFiles.js';

const MINUTE = 60_000;

/** The two Binance outages in the 2021 BTCUSDT span, as SOURCES.md gives them (inclusive minutes). */
const OUTAGES = [
  {
    fixture: 'fixtures/klines/BTCUSDT-1m-2021-04-19_2021-04-20.csv.gz',
    from: Date.UTC(2021, 3, 20, 2, 0),
    to: Date.UTC(2021, 3, 20, 4, 29),
    minutes: 150,
  },
  {
    fixture: 'fixtures/klines/BTCUSDT-1m-2021-04-24_2021-04-26.csv.gz',
    from: Date.UTC(2021, 3, 25, 4, 1),
    to: Date.UTC(2021, 3, 25, 8, 44),
    minutes: 284,
  },
];

async function regularize(path: string, maxGapBars?: number) {
  const read = await collect(readKlines(path));
  const skipped: SkippedGap[] = [];
  const regularizer = new BarRegularizer({ maxGapBars, onSkippedGap: (span) => skipped.push(span) });
  const series: Bar[] = [];
  for (const bar of read) series.push(...regularizer.push(bar));
  regularizer.flush();
  return { read, series, skipped, stats: regularizer.stats() };
}

/** Open times of the gap bars, as inclusive [from, to] runs of consecutive minutes. */
function gapRuns(series: readonly Bar[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const bar of series) {
    if (!bar.gap) continue;
    const run = runs[runs.length - 1];
    if (run && bar.openTime === run[1] + MINUTE) run[1] = bar.openTime;
    else runs.push([bar.openTime, bar.openTime]);
  }
  return runs;
}

describe('real gaps: Binance outages in the 2021 BTCUSDT klines', () => {
  it.each(OUTAGES)(
    'fills $minutes missing minutes from the outage at $fixture, and nowhere else',
    async (outage) => {
      const { read, series, skipped, stats } = await regularize(outage.fixture);
      expect(gapRuns(series)).toEqual([[outage.from, outage.to]]);
      expect((outage.to - outage.from) / MINUTE + 1).toBe(outage.minutes);
      expect(stats).toMatchObject({ accepted: read.length, gapBars: outage.minutes, skippedGapBars: 0 });
      expect(skipped).toEqual([]);
      // A regular series: every minute once, real rows unchanged and in order.
      expect(series).toHaveLength(read.length + outage.minutes);
      for (let i = 1; i < series.length; i++)
        expect(series[i].openTime - series[i - 1].openTime).toBe(MINUTE);
      expect(series.filter((bar) => !bar.gap)).toEqual(read);
      // Gap bars hold the last close before the outage, no volume, and no invented trade count.
      const before = series[series.findIndex((bar) => bar.gap) - 1];
      for (const bar of series.filter((b) => b.gap)) {
        expect(bar).toStrictEqual({
          symbol: 'BTCUSDT',
          openTime: bar.openTime,
          closeTime: bar.openTime + MINUTE - 1,
          open: before.close,
          high: before.close,
          low: before.close,
          close: before.close,
          volume: 0,
          gap: true,
        });
      }
    },
  );

  it.each(OUTAGES)('reports the outage at $fixture as a skipped span beyond maxGapBars', async (outage) => {
    const { series, skipped, stats } = await regularize(outage.fixture, 60);
    expect(gapRuns(series)).toEqual([[outage.from, outage.from + 59 * MINUTE]]);
    expect(skipped).toEqual([
      { fromOpenTime: outage.from + 60 * MINUTE, toOpenTime: outage.to, bars: outage.minutes - 60 },
    ]);
    expect(stats).toMatchObject({ gapBars: 60, skippedGapBars: outage.minutes - 60 });

    const none = await regularize(outage.fixture, 0);
    expect(gapRuns(none.series)).toEqual([]);
    expect(none.skipped).toEqual([
      { fromOpenTime: outage.from, toOpenTime: outage.to, bars: outage.minutes },
    ]);
  });
});

/** The shared data set (see its SOURCES.md), when this machine has it. */
const SHARED = [resolve('../shared/data'), '/work/shared/data'].find((dir) =>
  existsSync(join(dir, 'SOURCES.tsv')),
);
if (!SHARED)
  console.log('skipping the data-driven kline suite: ../shared/data (the shared Binance data set) is absent');

describe.skipIf(!SHARED)('data-driven: every kline file of the shared data set', () => {
  const sources = SHARED
    ? readFileSync(join(SHARED, 'SOURCES.tsv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split('\t'))
        .filter(([file]) => /-1m-/.test(file))
        .map(([file, , rows, holes]) => ({ file, rows: Number(rows), holes: Number(holes) }))
    : [];

  it('has the two outages of the whole 2021 span as its only gap bars', async () => {
    const { read, series, stats } = await regularize(
      join(SHARED!, 'binance-spot/BTCUSDT-1m-2021-03-26_2021-04-30.csv.gz'),
    );
    expect(gapRuns(series)).toEqual(OUTAGES.map((o) => [o.from, o.to]));
    expect(series).toHaveLength(read.length + 150 + 284);
    expect(stats.gapBars).toBe(434);
  });

  it.each(sources)(
    'reads $file: $rows rows, $holes holes, no malformed line',
    async ({ file, rows, holes }) => {
      const reader = readKlines(join(SHARED!, file));
      const skipped: SkippedGap[] = [];
      const regularizer = new BarRegularizer({ onSkippedGap: (span) => skipped.push(span) });
      const series: Bar[] = [];
      for await (const bar of reader) series.push(...regularizer.push(bar));
      expect(reader.stats()).toMatchObject({ rows, malformed: 0 });
      expect(gapRuns(series).length + skipped.length).toBe(holes);
      expect(regularizer.stats()).toMatchObject({ duplicates: 0, outOfOrder: 0, invalid: 0 });
    },
  );
});
