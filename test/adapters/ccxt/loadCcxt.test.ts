import { describe, expect, it } from 'vitest';
import { ccxtTrades } from '../../../src/adapters/ccxt/ccxtTrades.js';
import { createCcxtExchange } from '../../../src/adapters/ccxt/loadCcxt.js';

describe('createCcxtExchange (ccxt imported on demand)', () => {
  it('creates the WebSocket class of an exchange id, without touching the network', async () => {
    const exchange = await createCcxtExchange('bybit', { options: { defaultType: 'spot' } });
    expect(exchange.id).toBe('bybit');
    expect(exchange.has.watchTrades).toBe(true);
    expect(exchange.options.defaultType).toBe('spot');
    await exchange.close();
  });

  it('names an unknown exchange id and lists some it has', async () => {
    await expect(createCcxtExchange('nopex')).rejects.toThrow(
      /ccxt has no WebSocket exchange "nopex"; some it has: .*binance/,
    );
  });

  it('ends a stream given an unknown exchange id with that error', async () => {
    const stream = ccxtTrades('nopex', ['BTC/USDT']);
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toThrow(/no WebSocket exchange "nopex"/);
  });

  it('refuses bad arguments at once', () => {
    expect(() => ccxtTrades('bybit', [])).toThrow(/non-empty array of ccxt symbols/);
    expect(() => ccxtTrades(42 as never, ['BTC/USDT'])).toThrow(/ccxt exchange/);
    expect(() => ccxtTrades('bybit', ['BTC/USDT'], { maxBuffered: 0 })).toThrow(/maxBuffered/);
  });
});
