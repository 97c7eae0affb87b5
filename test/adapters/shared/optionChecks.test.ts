import { describe, expect, it } from 'vitest';
import { binanceTrades } from '../../../src/adapters/binance/binanceTrades.js';
import { ccxtTrades } from '../../../src/adapters/ccxt/ccxtTrades.js';
import {
  optionalFunction,
  optionalObject,
  positive,
  positiveInteger,
} from '../../../src/adapters/shared/optionChecks.js';

describe('option checks', () => {
  it('take what is valid and name what is not', () => {
    expect(positive('a', 0.5)).toBe(0.5);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1' as never])
      expect(() => positive('stallTimeoutMs', bad)).toThrow(/stallTimeoutMs must be a finite number > 0/);
    expect(positiveInteger('n', 3)).toBe(3);
    for (const bad of [0, 1.5, Number.NaN])
      expect(() => positiveInteger('restRetries', bad)).toThrow(/restRetries/);
    const f = () => {};
    expect(optionalFunction('onEvent', f)).toBe(f);
    expect(optionalFunction('onEvent', undefined)).toBeUndefined();
    expect(() => optionalFunction('onEvent', 'log')).toThrow(/onEvent must be a function, got string/);
    expect(optionalObject('exchangeConfig', { a: 1 })).toEqual({ a: 1 });
    for (const bad of [null, [], 'x', 3])
      expect(() => optionalObject('exchangeConfig', bad)).toThrow(/exchangeConfig must be an object/);
  });
});

// Each of these used to be read only later (at connect, at the first retry or event), or never
// checked: a negative backoff meant immediate reconnects, over and over.
describe('live trade streams refuse a bad option when they are made, before connecting', () => {
  const binance: [Record<string, unknown>, RegExp][] = [
    [{ backoff: { initialMs: -1 } }, /backoff\.initialMs/],
    [{ backoff: { initialMs: 500, maxMs: 100 } }, /backoff\.maxMs/],
    [{ wsUrl: 'https://stream.example' }, /wsUrl must be a ws:\/\/ or wss:\/\/ URL/],
    [{ wsUrl: 'not a url' }, /wsUrl must be/],
    [{ stallTimeoutMs: 0 }, /stallTimeoutMs must be a finite number > 0/],
    [{ messagesPerSecond: Number.NaN }, /messagesPerSecond/],
    [{ subscribeBatchSize: -5 }, /subscribeBatchSize/],
    [{ maxConnectionAgeMs: 0 }, /maxConnectionAgeMs/],
    [{ rotationOverlapMs: -1 }, /rotationOverlapMs must be a finite number of ms >= 0/],
    [{ validateSymbols: 'no' }, /validateSymbols must be a boolean/],
    [{ apiKey: '' }, /apiKey must be a non-empty string/],
    [{ onMalformed: 'warn' }, /onMalformed must be a function/],
    [{ onEvent: {} }, /onEvent must be a function/],
  ];
  for (const [change, message] of binance)
    it(`binanceTrades: ${JSON.stringify(change)}`, () => {
      expect(() => binanceTrades({ symbols: ['BTCUSDT'], ...change })).toThrow(message);
    });

  it('binanceTrades takes 0 ms of rotation overlap and a loopback ws:// URL', () => {
    const stream = binanceTrades({ symbols: ['BTCUSDT'], rotationOverlapMs: 0, wsUrl: 'ws://127.0.0.1:1/' });
    expect(stream.stats().trades).toBe(0);
    stream.close();
  });

  const ccxt: [Record<string, unknown>, RegExp][] = [
    [{ backoff: { initialMs: 0 } }, /backoff\.initialMs/],
    [{ closeExchange: 'yes' }, /closeExchange must be a boolean/],
    [{ exchangeConfig: 'apiKey=1' }, /exchangeConfig must be an object/],
    [{ watchParams: [] }, /watchParams must be an object/],
    [{ onMalformed: 1 }, /onMalformed must be a function/],
    [{ onEvent: 'log' }, /onEvent must be a function/],
  ];
  for (const [change, message] of ccxt)
    it(`ccxtTrades: ${JSON.stringify(change)}`, () => {
      expect(() => ccxtTrades('bybit', ['BTC/USDT'], change)).toThrow(message);
    });
});
