import { describe, expect, it } from 'vitest';
import { KLINE_COLUMNS, klineProblem, klineToBar } from '../../src/bars/binanceKline.js';

// Binance's REST kline for BTCUSDT 2026-01-01 00:00 (the same minute as fixtures/trades).
const row = [
  1767225600000,
  '87648.21000000',
  '87648.22000000',
  '87632.74000000',
  '87648.00000000',
  '4.08049000',
  1767225659999,
  '357625.77',
  1193,
  '2.1',
  '184000.1',
  '0',
];

describe('the Binance kline format', () => {
  it('names the columns in Binance order', () => {
    expect(KLINE_COLUMNS).toHaveLength(12);
    expect(KLINE_COLUMNS[0]).toBe('open_time');
    expect(KLINE_COLUMNS[8]).toBe('count');
  });

  it('turns a REST kline into a bar', () => {
    const bar = klineToBar(row, 'BTCUSDT', 'row 0');
    expect(bar).toMatchObject({
      symbol: 'BTCUSDT',
      openTime: 1767225600000,
      closeTime: 1767225659999,
      open: 87648.21,
      high: 87648.22,
      low: 87632.74,
      close: 87648,
      volume: 4.08049,
      trades: 1193,
      gap: false,
    });
    expect(bar.vwap).toBeCloseTo(357625.77 / 4.08049, 6);
    expect(klineProblem(bar)).toBeUndefined();
  });

  it.each([
    [2, '87600', /high and low do not enclose open and close/],
    [1, '0', /open must be a positive number, got 0/],
    [5, '-1', /volume must be a number >= 0, got -1/],
    [6, 1767225500000, /close_time 1767225500000 is before open_time 1767225600000/],
    [0, '1e308', /open_time must be ms within ±8640000000000000, got 1e\+308/],
    [8, 1.5, /count must be a whole number >= 0, got 1.5/],
    [10, '-2', /taker_buy_quote_volume must be a number >= 0/],
    [4, 'x', /close must be a number, got "x"/],
  ])('refuses a kline whose column %i is %j, naming the column', (column, value, message) => {
    const bad = [...row];
    bad[column] = value;
    expect(() => klineToBar(bad, 'BTCUSDT', 'row 7')).toThrow(message);
    expect(() => klineToBar(bad, 'BTCUSDT', 'row 7')).toThrow(/^row 7: /);
  });
});
