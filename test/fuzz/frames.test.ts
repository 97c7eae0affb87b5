import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { binanceTrades } from '../../src/adapters/binance/binanceTrades.js';
import { MalformedFrameError, TradeFrameParser } from '../../src/adapters/binance/TradeFrameParser.js';
import type { Trade } from '../../src/bars/trade.js';
import { createRegimeDetector } from '../../src/pipeline/RegimeDetector.js';
import { firstNonFinite, hostileNumber } from './hostileValues.js';

/** A JSON value as a hostile peer could put in any field (numbers as JSON allows them, and as strings). */
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  hostileNumber.filter(Number.isFinite),
  hostileNumber.map((n) => String(n)),
  fc.constantFrom('', '-0', '1e400', '0x10', ' 5', 'NaN', '__proto__', null, true, false, [], {}, [1, 2]),
  fc.string({ maxLength: 10 }),
  fc.jsonValue({ maxDepth: 3 }),
);

const FIELDS = ['e', 'E', 's', 'a', 'p', 'q', 'f', 'l', 'T', 'm', 'M', 't'] as const;

/** An aggTrade (or trade) frame, plain or wrapped, with some fields replaced, dropped or duplicated. */
const hostileFrame: fc.Arbitrary<string> = fc
  .record({
    event: fc.constantFrom('aggTrade', 'trade'),
    wrapped: fc.boolean(),
    changes: fc.array(
      fc.record({
        field: fc.constantFrom(...FIELDS),
        action: fc.constantFrom('replace', 'drop', 'duplicate'),
        value: hostileJson,
      }),
      { maxLength: 4 },
    ),
    cut: fc.option(fc.nat(), { freq: 5 }),
    noise: fc.option(fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 3 })), { freq: 5 }),
  })
  .map(({ event, wrapped, changes, cut, noise }) => {
    const fields: [string, unknown][] = [
      ['e', event],
      ['E', 1_767_225_600_100],
      ['s', 'BTCUSDT'],
      [event === 'aggTrade' ? 'a' : 't', 3_800_397_495],
      ['p', '87648.21000000'],
      ['q', '0.08185000'],
      ['f', 5_723_703_861],
      ['l', 5_723_703_862],
      ['T', 1_767_225_600_039],
      ['m', true],
      ['M', true],
    ];
    for (const { field, action, value } of changes) {
      const at = fields.findIndex(([k]) => k === field);
      if (action === 'drop' && at >= 0) fields.splice(at, 1);
      else if (action === 'duplicate' || at < 0) fields.push([field, value]);
      else fields[at] = [field, value];
    }
    const body = `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`;
    let frame = wrapped ? `{"stream":"btcusdt@${event.toLowerCase()}","data":${body}}` : body;
    if (cut !== null) frame = frame.slice(0, cut % (frame.length + 1));
    if (noise !== null) {
      const at = noise[0] % (frame.length + 1);
      frame = frame.slice(0, at) + noise[1] + frame.slice(at);
    }
    return frame;
  });

describe('fuzz: hostile Binance frames', () => {
  it('the frame parser only ever throws MalformedFrameError, and what it returns is a trade or nothing', () => {
    const parser = new TradeFrameParser();
    fc.assert(
      fc.property(fc.oneof(hostileFrame, fc.string({ maxLength: 60 })), (frame) => {
        let trade: Trade | undefined;
        try {
          trade = parser.parse(frame);
        } catch (e) {
          expect(e).toBeInstanceOf(MalformedFrameError);
          expect((e as Error).message.length).toBeGreaterThan(0);
          return;
        }
        if (trade === undefined) return;
        expect(firstNonFinite(trade)).toBeUndefined();
        expect(typeof trade.symbol).toBe('string');
        expect(typeof trade.isBuyerMaker).toBe('boolean');
      }),
      { numRuns: 3_000 },
    );
  });

  it('readBytes never throws: a trade, nothing, or the reason parseBytes would throw', () => {
    const parser = new TradeFrameParser();
    fc.assert(
      fc.property(fc.oneof(hostileFrame, fc.string({ maxLength: 60 })), (frame) => {
        const bytes = Buffer.from(frame);
        const result = parser.readBytes(bytes);
        let thrown: string | undefined;
        let trade: Trade | undefined;
        try {
          trade = parser.parseBytes(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(MalformedFrameError);
          thrown = (e as Error).message;
        }
        if (thrown !== undefined) expect(result).toBe(thrown);
        else expect(result).toEqual(trade);
        if (typeof result === 'string') expect(result.length).toBeGreaterThan(0);
      }),
      { numRuns: 3_000 },
    );
  });

  it('whatever the parser lets through, a detector takes or counts: nothing escapes, signals stay finite', () => {
    fc.assert(
      fc.property(fc.array(hostileFrame, { maxLength: 80 }), (frames) => {
        const parser = new TradeFrameParser();
        const detector = createRegimeDetector({ maxGapBars: 10 });
        let malformed = 0;
        let trades = 0;
        for (const frame of frames) {
          let trade: Trade | undefined;
          try {
            trade = parser.parse(frame);
          } catch {
            malformed++;
            continue;
          }
          if (trade === undefined) continue;
          trades++;
          for (const s of detector.pushTrade(trade)) expect(firstNonFinite(s)).toBeUndefined();
        }
        for (const s of detector.flush()) expect(firstNonFinite(s)).toBeUndefined();
        const stats = detector.stats();
        const r = stats.rejectedTrades;
        expect((stats.trades?.accepted ?? 0) + r.duplicate + r.late + r.invalid).toBe(trades);
        expect(malformed + trades).toBeLessThanOrEqual(frames.length);
      }),
      { numRuns: 100 },
    );
  });

  describe('over a real WebSocket connection', () => {
    /** The frames the server sends after confirming a subscription; set by each run. */
    let script: string[] = [];
    let server: WebSocketServer;
    let wsUrl = '';
    beforeAll(async () => {
      server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/stream' });
      await new Promise((resolve) => server.once('listening', resolve));
      wsUrl = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
      server.on('connection', (ws) => {
        ws.on('message', (data) => {
          const { id } = JSON.parse(data.toString()) as { id: number };
          ws.send(JSON.stringify({ result: null, id }));
          for (const frame of script) ws.send(frame);
        });
      });
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    /** Frames the parser does not take as a trade: all of them must be counted as malformed by the stream. */
    const notATrade = hostileFrame.filter((frame) => {
      try {
        return new TradeFrameParser().parse(frame) === undefined;
      } catch {
        return true;
      }
    });

    it('binanceTrades: hostile frames between real trades are counted as malformed; every real trade arrives, in order', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.boolean(), notATrade), { minLength: 1, maxLength: 30 }),
          async (items) => {
            let id = 100;
            const expected: number[] = [];
            script = items.map(([real, hostile]) => {
              if (!real) return hostile;
              id++;
              expected.push(id);
              return JSON.stringify({
                stream: 'btcusdt@aggTrade',
                data: {
                  e: 'aggTrade',
                  E: 1,
                  s: 'BTCUSDT',
                  a: id,
                  p: '87000.5',
                  q: '0.25',
                  f: id,
                  l: id,
                  T: 1_767_225_600_000 + id,
                  m: id % 2 === 0,
                  M: true,
                },
              });
            });
            const malformedFrames = items.length - expected.length;
            const controller = new AbortController();
            const stream = binanceTrades({
              symbols: ['BTCUSDT'],
              wsUrl,
              restUrl: 'http://127.0.0.1:9',
              validateSymbols: false,
              signal: controller.signal,
            });
            const received: number[] = [];
            const done = (async () => {
              for await (const trade of stream) received.push(trade.id as number);
            })();
            const deadline = Date.now() + 10_000;
            while (
              (received.length < expected.length || stream.stats().malformed < malformedFrames) &&
              Date.now() < deadline
            )
              await new Promise((r) => setTimeout(r, 5));
            controller.abort();
            await done;
            expect(received).toEqual(expected);
            expect(stream.stats().malformed).toBe(malformedFrames);
          },
        ),
        { numRuns: 15 },
      );
    });
  });
});
