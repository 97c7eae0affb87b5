import { describe, expect, it } from 'vitest';
import { symbolFromFileName } from '../../src/node/symbolFromFileName.js';

describe('symbolFromFileName', () => {
  it("takes the symbol from Binance's export names, with any directory", () => {
    expect(symbolFromFileName('BTCUSDT-aggTrades-2026-01-01.zip')).toBe('BTCUSDT');
    expect(symbolFromFileName('/data/spot/ETHUSDT-1m-2024-01.csv.gz')).toBe('ETHUSDT');
    expect(symbolFromFileName('C:\\data\\1000PEPEUSDT-trades-2024-01-01.csv')).toBe('1000PEPEUSDT');
    expect(symbolFromFileName('fixtures/klines/BTCUSDT-1m-2021-04-19_2021-04-20.csv.gz')).toBe('BTCUSDT');
    expect(symbolFromFileName('AVAXUSDT-15m-2024-02.zip')).toBe('AVAXUSDT');
  });

  it("gives '' for names that are not Binance export names", () => {
    for (const name of [
      'trades.csv',
      'btcusdt-1m-2024.csv',
      'BTCUSDT.csv',
      'BTCUSDT-klines.csv',
      'data/BTCUSDT/x.csv',
    ]) {
      expect(symbolFromFileName(name), name).toBe('');
    }
  });
});
