import { describe, expect, it } from 'vitest';
import { binanceSource } from '../../../src/adapters/dashboard/sources/binance.js';
import { kafkaSource } from '../../../src/adapters/dashboard/sources/kafka.js';
import { replaySource } from '../../../src/adapters/dashboard/sources/replay.js';
import { tradeSource } from '../../../src/adapters/dashboard/sources/trades.js';
import type { RegimeSignal } from '../../../src/index.js';

// Each of these was only noticed when the dashboard started the source (a failed source after the
// server listened), or never: a NaN `from` never paced the replay, an Infinity `advanceEveryMs`
// advanced the router every millisecond.
describe('dashboard sources refuse a bad option when they are made', () => {
  const trades = async function* () {};
  const cases: [string, () => unknown, RegExp][] = [
    ['replay: speed 0', () => replaySource({ speed: 0 }), /speed must be a number > 0/],
    ['replay: preroll -1', () => replaySource({ preroll: -1 }), /preroll must be an integer >= 0/],
    ['replay: from NaN', () => replaySource({ from: Number.NaN }), /from must be epoch ms/],
    ['replay: not a model', () => replaySource({ model: {} as never }), /RegimeModel/],
    [
      'trades: no name',
      () => tradeSource({ name: '', symbols: [], trades }),
      /name must be a non-empty string/,
    ],
    [
      'trades: trades not a function',
      () => tradeSource({ name: 'x', symbols: [], trades: [] as never }),
      /trades must be a function/,
    ],
    [
      'trades: advanceEveryMs Infinity',
      () => tradeSource({ name: 'x', symbols: [], trades, advanceEveryMs: Number.POSITIVE_INFINITY }),
      /advanceEveryMs must be a number of ms in \(0, 2147483647\]/,
    ],
    [
      'trades: allowedLatenessMs -1',
      () => tradeSource({ name: 'x', symbols: [], trades, allowedLatenessMs: -1 }),
      /allowedLatenessMs must be/,
    ],
    ['binance: no symbols', () => binanceSource({ symbols: [] }), /symbols must be a non-empty array/],
    [
      'binance: market',
      () => binanceSource({ symbols: ['BTCUSDT'], market: 'coinm' as never }),
      /market must be 'spot' or 'usdm'/,
    ],
    [
      'binance: warmUpMinutes 0.5',
      () => binanceSource({ symbols: ['BTCUSDT'], warmUpMinutes: 0.5 }),
      /warmUpMinutes must be an integer > 0/,
    ],
    [
      'kafka: brokers',
      () => kafkaSource({ brokers: ['localhost'], topic: 'signals' }),
      /brokers\[0\] must be/,
    ],
    [
      'kafka: topic',
      () => kafkaSource({ brokers: ['127.0.0.1:9092'], topic: 'a/b' }),
      /topic must be a topic name/,
    ],
  ];
  for (const [name, make, message] of cases) it(name, () => expect(make).toThrow(message));

  it('take valid options', () => {
    expect(replaySource({ speed: 600, preroll: 0 }).symbols).toEqual(['BTCUSDT']);
    expect(tradeSource({ name: 'mine', symbols: ['BTCUSDT'], trades, advanceEveryMs: 1000 }).name).toBe(
      'mine',
    );
    expect(binanceSource({ symbols: ['BTCUSDT'], warmUpMinutes: 30 }).name).toBe('binance spot');
    expect(
      kafkaSource({ brokers: ['127.0.0.1:9092'], topic: 'signals', symbols: ['BTCUSDT'] }).symbols,
    ).toEqual(['BTCUSDT']);
  });
});

describe('replaySource pacing', () => {
  it('waits out a bar due after more than a timer can hold (2^31 - 1 ms), instead of sending it at once', async () => {
    // At speed 1e-6 the second bar is due 6e10 ms after the first. Node runs a timer given that
    // long after 1 ms, so the replay used to send a bar a millisecond.
    const source = replaySource({ speed: 1e-6, preroll: 0 });
    const abort = new AbortController();
    const signals: RegimeSignal[] = [];
    const run = source.run((s) => signals.push(s), abort.signal);
    await new Promise((resolve) => setTimeout(resolve, 300));
    abort.abort();
    await run;
    expect(signals.length).toBe(1);
  });
});
