import { describe, expect, it } from 'vitest';
import type { Bar } from '../../src/bars/bar.js';
import { GapFiller } from '../../src/bars/GapFiller.js';

const MIN = 60_000;
const T0 = 1_767_225_600_000;

function bar(minute: number, close: number, more: Partial<Bar> = {}): Bar {
  const openTime = T0 + minute * MIN;
  return {
    symbol: 'X',
    openTime,
    closeTime: openTime + MIN - 1,
    open: close - 1,
    high: close + 2,
    low: close - 3,
    close,
    volume: 4,
    gap: false,
    ...more,
  };
}

/** Gap bars for `count` empty minutes after minute `after`, from a filler in the given state. */
function gapsAfter(series: GapFiller, after: number, count: number): Bar[] {
  const out: Bar[] = [];
  series.fill(T0 + (after + 1) * MIN, count, out);
  return out;
}

describe('GapFiller', () => {
  it('repeats the last close and the optional columns the last bar had, whatever the caller does to it later', () => {
    const series = new GapFiller(MIN, 10);
    const last = bar(0, 100, { quoteVolume: 400, trades: 7, vwap: 99.5, missingTrades: 2 });
    series.append(last, []);
    last.close = 1; // the caller's bar is theirs: the gap bars must not see this
    expect(gapsAfter(series, 0, 2)).toEqual(
      [0, 1].map((i) => ({
        symbol: 'X',
        openTime: T0 + (i + 1) * MIN,
        closeTime: T0 + (i + 2) * MIN - 1,
        open: 100,
        high: 100,
        low: 100,
        close: 100,
        volume: 0,
        quoteVolume: 0,
        trades: 0,
        vwap: 100,
        missingTrades: 0,
        gap: true,
      })),
    );
    expect(series.lastOpenTime).toBe(T0 + 2 * MIN);
  });

  it('keeps only what gap bars repeat in its snapshot, and a restored filler continues identically', () => {
    const series = new GapFiller(MIN, 10);
    series.append(bar(0, 100, { trades: 3, firstTradeId: 5, lastTradeId: 7 }), []);
    const snapshot = series.snapshot();
    expect(snapshot.last).toEqual({
      symbol: 'X',
      openTime: T0,
      close: 100,
      columns: ['trades', 'firstTradeId', 'lastTradeId'],
    });
    const restored = new GapFiller(MIN, 10);
    restored.restore(JSON.parse(JSON.stringify(snapshot)), 'series');
    expect(gapsAfter(restored, 0, 3)).toEqual(gapsAfter(series, 0, 3));
    expect(restored.snapshot()).toEqual(series.snapshot());
  });

  it('restores a snapshot of an earlier version that holds the whole last bar', () => {
    const series = new GapFiller(MIN, 10);
    const whole = bar(0, 100, { quoteVolume: 400, takerBuyVolume: 1 });
    series.append(whole, []);
    const earlier = { ...series.snapshot(), last: { ...whole } };
    const restored = new GapFiller(MIN, 10);
    restored.restore(earlier, 'series');
    expect(restored.snapshot()).toEqual(series.snapshot());
    expect(gapsAfter(restored, 0, 2)).toEqual(gapsAfter(series, 0, 2));
  });

  it.each([
    [{ symbol: 'X', openTime: T0, close: -1, columns: [] }, 'series.last.close'],
    [{ symbol: 'X', openTime: T0, close: '100', columns: [] }, 'series.last.close'],
    [{ symbol: 'X', openTime: T0, close: 100, columns: ['volume'] }, 'series.last.columns'],
    [{ symbol: 'X', openTime: T0, close: 100, columns: ['trades', 'quoteVolume'] }, 'series.last.columns'],
    [{ symbol: 'X', openTime: T0, close: 100, columns: ['trades', 'trades'] }, 'series.last.columns'],
    [{ symbol: 7, openTime: T0, close: 100, columns: [] }, 'series.last.symbol'],
    [{ ...bar(0, 100), trades: 'many' }, 'series.last.trades'],
  ])('refuses a snapshot whose last bar is %j, naming %s, and keeps its state', (last, path) => {
    const series = new GapFiller(MIN, 10);
    series.append(bar(0, 50), []);
    const before = series.snapshot();
    expect(() => series.restore({ ...before, last }, 'series')).toThrow(path);
    expect(series.snapshot()).toEqual(before);
  });
});
