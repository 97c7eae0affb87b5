import { describe, expect, it } from 'vitest';
import { binanceTrades } from '../../../src/adapters/binance/binanceTrades.js';
import { ccxtTrades } from '../../../src/adapters/ccxt/ccxtTrades.js';
import {
  MAX_TIMER_MS,
  optionalFunction,
  optionalObject,
  positive,
  positiveInteger,
  timerMs,
} from '../../../src/adapters/shared/optionChecks.js';

describe('option checks', () => {
  it('take what is valid and name what is not', () => {
    expect(positive('a', 0.5)).toBe(0.5);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1' as never])
      expect(() => positive('stallTimeoutMs', bad)).toThrow(/stallTimeoutMs must be a finite number > 0/);
    expect(timerMs('ms', 2.5)).toBe(2.5);
    expect(timerMs('ms', MAX_TIMER_MS)).toBe(2 ** 31 - 1);
    expect(timerMs('ms', 0, { zero: true })).toBe(0);
    expect(() => timerMs('stallTimeoutMs', 0)).toThrow(
      /stallTimeoutMs must be a number of ms in \(0, 2147483647\], got 0/,
    );
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '20', null])
      expect(() => timerMs('lingerMs', bad, { zero: true })).toThrow(
        /lingerMs must be a number of ms in \[0, 2147483647\]/,
      );
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
    [{ backoff: { maxMs: 2 ** 31 } }, /backoff\.maxMs must be a number of ms in \(0, 2147483647\]/],
    [{ stallTimeoutMs: 0 }, /stallTimeoutMs must be a number of ms in \(0, 2147483647\]/],
    [{ gapGraceMs: 2 ** 31 }, /gapGraceMs must be a number of ms/],
    [{ messagesPerSecond: Number.NaN }, /messagesPerSecond/],
    [{ messagesPerSecond: 5.5 }, /messagesPerSecond must be an integer > 0/],
    [{ subscribeBatchSize: -5 }, /subscribeBatchSize/],
    [{ subscribeBatchSize: 0.5 }, /subscribeBatchSize must be an integer > 0/],
    [{ streamsPerConnection: 0.5 }, /streamsPerConnection must be an integer > 0/],
    [{ connectionsPerWindow: 0.5 }, /connectionsPerWindow must be an integer > 0/],
    [{ connectionWindowMs: 2 ** 31 }, /connectionWindowMs must be a number of ms/],
    [{ maxBuffered: 100.5 }, /maxBuffered must be an integer > 0/],
    [{ maxConnectionAgeMs: 0 }, /maxConnectionAgeMs/],
    // 30 days: a timer told to wait longer than 2^31 - 1 ms fires after 1 ms.
    [
      { maxConnectionAgeMs: 30 * 86_400_000 },
      /maxConnectionAgeMs must be a number of ms in \(0, 2147483647\]/,
    ],
    [{ rotationOverlapMs: -1 }, /rotationOverlapMs must be a number of ms in \[0, 2147483647\]/],
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
    [{ backoff: { initialMs: 2 ** 32 } }, /backoff\.initialMs must be a number of ms/],
    [{ gapGraceMs: 2 ** 31 }, /gapGraceMs must be a number of ms/],
    [{ maxBuffered: 0.5 }, /maxBuffered must be an integer > 0/],
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
