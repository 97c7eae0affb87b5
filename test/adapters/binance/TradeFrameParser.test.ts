import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedFrameError, TradeFrameParser } from '../../../src/adapters/binance/TradeFrameParser.js';
import type { Trade } from '../../../src/bars/trade.js';
import { Random } from '../../../src/util/random.js';
import { reference, same } from './frameReference.js';

function parsed(parser: TradeFrameParser, frame: string | Uint8Array): Trade | undefined | 'malformed' {
  try {
    return typeof frame === 'string' ? parser.parse(frame) : parser.parseBytes(frame);
  } catch (error) {
    if (error instanceof MalformedFrameError) return 'malformed';
    throw error;
  }
}

interface Row {
  a: string;
  p: string;
  q: string;
  f: string;
  l: string;
  T: string;
  m: string;
}

const rows: Row[] = readFileSync(
  new URL('../../../fixtures/trades/BTCUSDT-aggTrades-2026-01-01T0000-0012.csv', import.meta.url),
  'utf8',
)
  .trim()
  .split('\n')
  .map((line) => {
    const c = line.split(',');
    return {
      a: c[0],
      p: c[1],
      q: c[2],
      f: c[3],
      l: c[4],
      T: String(Math.floor(Number(c[5]) / 1000)),
      m: c[6],
    };
  });

/** Real frames, in the layouts Binance sends: spot aggTrade, USD-M aggTrade, trade, combined. */
function realFrame(r: Row, layout: number): string {
  const m = r.m === 'True' ? 'true' : 'false';
  const agg = `"a":${r.a},"p":"${r.p}","q":"${r.q}","f":${r.f},"l":${r.l},"T":${r.T},"m":${m}`;
  switch (layout) {
    case 0:
      return `{"e":"aggTrade","E":${r.T},"s":"BTCUSDT",${agg},"M":true}`;
    case 1:
      return `{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":${r.T},"s":"BTCUSDT",${agg},"M":true}}`;
    case 2:
      return `{"e":"aggTrade","E":${r.T},"a":${r.a},"s":"BTCUSDT","p":"${r.p}","q":"${r.q}","f":${r.f},"l":${r.l},"T":${r.T},"m":${m}}`;
    default:
      return `{"stream":"btcusdt@trade","data":{"e":"trade","E":${r.T},"s":"BTCUSDT","t":${r.f},"p":"${r.p}","q":"${r.q}","T":${r.T},"m":${m},"M":true}}`;
  }
}

const NUMBER_STRINGS = [
  '1e5',
  '1E-7',
  '1.5e+3',
  '-1',
  '-0',
  '0',
  '0.0',
  '+1',
  '.5',
  '5.',
  '',
  ' 1',
  '1 ',
  '0x10',
  '0b11',
  'Infinity',
  '-Infinity',
  'NaN',
  '1_0',
  '00087648.21',
  '87648.210000000000000000000001',
  '123456789012345678901234567890',
  '0.000000000000000000000000123',
  '9007199254740993',
  '9007199254740992.5',
  '1.7976931348623157e308',
  '1e400',
  '4.9e-324',
  '1e-400',
  '.',
  '-',
  '--1',
  '1..2',
  '1.2.3',
  '١',
  '0.1234567890123456789',
  '99999999999999.99',
];
const ID_TOKENS = [
  '0',
  '-0',
  '-5',
  '01',
  '1.0',
  '1e3',
  '1E+2',
  '9007199254740991',
  '9007199254740992',
  '9007199254740993',
  '123456789012345678901',
  '1e21',
  '-9007199254740991',
  '"5"',
  'null',
  'true',
  '[]',
  '{}',
  '3800397495 ',
];

/** One adversarial frame from a real row: reordered, re-spaced, re-formatted, escaped or broken. */
function adversarialFrame(r: Row, rng: Random): string {
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)];
  const ws = () => (rng.int(4) === 0 ? pick([' ', '\n', '\t', '\r', '  \n ']) : '');
  const numberString = () => {
    switch (rng.int(6)) {
      case 0:
        return pick(NUMBER_STRINGS);
      case 1: {
        const digits = 1 + rng.int(30);
        let s = '';
        for (let i = 0; i < digits; i++) s += String(rng.int(10));
        const dot = rng.int(digits + 1);
        return `${s.slice(0, dot)}.${s.slice(dot)}`;
      }
      case 2:
        return (rng.float() * 10 ** (rng.int(30) - 10)).toExponential(rng.int(20));
      case 3:
        return (rng.float() * 10 ** rng.int(8)).toFixed(rng.int(25));
      case 4:
        return `${'0'.repeat(rng.int(5))}${r.p}`;
      default:
        return rng.int(2) === 0 ? r.p : r.q;
    }
  };
  const m = r.m === 'True' ? 'true' : 'false';
  const isTrade = rng.int(4) === 0;
  const fields: [string, string][] = [
    ['e', isTrade ? '"trade"' : '"aggTrade"'],
    ['E', r.T],
    ['s', pick(['"BTCUSDT"', '"ETHUSDT"', '"BTC\\u0055SDT"', '""', '"B\\"X"', 'null', '5'])],
    ['p', rng.int(3) === 0 ? `"${numberString()}"` : `"${r.p}"`],
    ['q', rng.int(3) === 0 ? `"${numberString()}"` : `"${r.q}"`],
    ['T', rng.int(5) === 0 ? pick([...ID_TOKENS, '1767225600039.5', '1.767e12']) : r.T],
    ['m', rng.int(10) === 0 ? pick(['"true"', 'null', '1', 'tru', 'falsey']) : m],
  ];
  const id = () => (rng.int(4) === 0 ? pick(ID_TOKENS) : r.a);
  if (isTrade) fields.push(['t', id()]);
  else fields.push(['a', id()], ['f', rng.int(6) === 0 ? pick(ID_TOKENS) : r.f], ['l', r.l]);
  if (rng.int(3) === 0)
    fields.push([
      pick(['M', 'X', 'nq', 'x', 'ü', 'data', 'stream']),
      pick(['true', '"MARKET"', '{"k":1}', '[1,2]', 'null', '1.5e3', '"a\\nb"']),
    ]);
  if (rng.int(8) === 0)
    fields.push([pick(['p', 'a', 'e', 's']), pick(['"1"', '2', '"trade"', '"aggTrade"'])]);
  if (rng.int(10) === 0) fields.splice(rng.int(fields.length), 1);
  for (let i = fields.length - 1; i > 0 && rng.int(3) === 0; i--) {
    const j = rng.int(i + 1);
    [fields[i], fields[j]] = [fields[j], fields[i]];
  }
  const key = (k: string) =>
    rng.int(20) === 0 ? `"\\u00${k.charCodeAt(0).toString(16).padStart(2, '0')}"` : `"${k}"`;
  let body = `{${ws()}${fields.map(([k, v]) => `${key(k)}${ws()}:${ws()}${v}`).join(`${ws()},${ws()}`)}${ws()}}`;
  switch (rng.int(8)) {
    case 0:
      body = `{"stream":"btcusdt@aggTrade","data":${body}}`;
      break;
    case 1:
      body = `{"data":${body}${ws()},"stream":"btcusdt@aggTrade"}`;
      break;
    case 2:
      body = `{"data":${pick(['5', 'null', '[1]', '"x"'])},${body.slice(1)}`;
      break;
  }
  switch (rng.int(12)) {
    case 0:
      return body.slice(0, rng.int(body.length));
    case 1:
      return `${body}${pick(['x', ',', '}', ' ', '\n', '{}'])}`;
    case 2:
      return body.replace('}', ',}');
    default:
      return `${ws()}${body}${ws()}`;
  }
}

describe('TradeFrameParser', () => {
  it('decodes a spot aggTrade frame into a Trade', () => {
    const trade = new TradeFrameParser().parse(
      '{"e":"aggTrade","E":1767225600040,"s":"BTCUSDT","a":3800397495,"p":"87648.21000000","q":"0.08185000","f":5723703861,"l":5723703862,"T":1767225600039,"m":true,"M":true}',
    );
    expect(trade).toEqual({
      time: 1767225600039,
      price: 87648.21,
      qty: 0.08185,
      isBuyerMaker: true,
      id: 3800397495,
      firstId: 5723703861,
      lastId: 5723703862,
      symbol: 'BTCUSDT',
    });
  });

  it('returns undefined for JSON that is not a trade event, and throws a named error for bad trades', () => {
    const parser = new TradeFrameParser();
    expect(parser.parse('{"result":null,"id":1}')).toBeUndefined();
    expect(() => parser.parse('{"e":"aggTrade"')).toThrow(/not JSON/);
    expect(() => parser.parse('{"e":"trade","s":"X","t":1,"p":1,"q":"1","T":1,"m":true}')).toThrow(
      /"p" \(price\) must be a string/,
    );
  });

  it('agrees with JSON.parse + Number() on hand-picked syntax edge cases', () => {
    const parser = new TradeFrameParser();
    const body = '"e":"aggTrade","s":"X","a":1,"p":"2.5","q":"1","f":1,"l":1,"T":1,"m":true';
    const frames = [
      `{${body}}`,
      `{""":1,${body}}`,
      `{"":1,${body}}`,
      `{"\\\\":1,${body}}`,
      `{${body},"x":"a\\u0000b"}`,
      `{${body},"x":"a\\tb"}`,
      `{${body},"x":"a\tb"}`,
      `{${body},"x":"\u0001"}`,
      `{${body},"x":"é€😀"}`,
      `{${body},"p":"2.5\u0000"}`,
      `{"data":{},${body}}`,
      `{"data":{${body}}}`,
      `{"data":{${body}},"data":{}}`,
      `{"data":{${body}},"data":null}`,
      `{"data":{"data":{${body}}}}`,
      `{"stream":"s","data":{${body}},"e":"trade"}`,
      `{"e":"trade","data":{${body}}}`,
      '{}',
      '[]',
      '"aggTrade"',
      `{${body}}}`,
      `{${body}`,
      `{${body},}`,
      `{,${body}}`,
      `{${body.replace('"a":1', '"a":1,"a":2')}}`,
      `{${body.replace('"a":1', '"a":-0')}}`,
      `{${body.replace('"a":1', '"a":1e0')}}`,
      `{${body.replace('"a":1', '"a":1.0')}}`,
      `{${body.replace('"T":1', '"T":1.5')}}`,
      `{${body.replace('"T":1', '"T":-2.5E+2')}}`,
      `{${body.replace('"T":1', '"T":1e400')}}`,
      `{${body},"x":1.5e-3}`,
      `{${body},"x":-0.0}`,
      `{${body},"x":1.}`,
      `{${body},"x":1.e5}`,
      `{${body},"x":1e}`,
      `{${body},"x":1e+}`,
      `{${body},"x":-.5}`,
      `{${body},"x":01.5}`,
      `{${body},"x":1.5.5}`,
      `{${body.replace('"m":true', '"m":true ')}}`,
      `{${body.replace('"m":true', '"m":truex')}}`,
      `{${body.replace('"T":1', '"T":12x')}}`,
      `{${body.replace('"p":"2.5"', '"p":"2.5" ')}}`,
      `{${body.replace('"p":"2.5"', '"p":"-"')}}`,
      `{${body.replace('"p":"2.5"', '"p":"2.5.1"')}}`,
      `{${body.replace('"p":"2.5"', '"p":"\\u0032"')}}`,
      ` \n{${body}} \t`,
      `\u00a0{${body}}`,
      `\ufeff{${body}}`,
    ];
    for (const frame of frames) {
      expect(same(parsed(parser, frame), reference(frame)), frame).toBe(true);
    }
  });

  it('agrees with JSON.parse + Number() on a million real and adversarial frames', async () => {
    const parser = new TradeFrameParser();
    const rng = new Random(20260101);
    const counts = { trades: 0, other: 0, malformed: 0 };
    for (let n = 0; n < 1_000_000; n++) {
      // ~30 s of work: yield now and then, so the worker still answers the runner on a loaded machine.
      if (n % 50_000 === 0) await new Promise((resolve) => setImmediate(resolve));
      const r = rows[n % rows.length];
      const frame = n % 2 === 0 ? realFrame(r, (n >> 1) % 4) : adversarialFrame(r, rng);
      const expected = reference(frame);
      const actual = parsed(parser, frame);
      if (!same(actual, expected)) {
        expect.fail(
          `frame ${JSON.stringify(frame)}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`,
        );
      }
      // The same frame as the WebSocket delivers it: UTF-8 bytes (a lone surrogate becomes U+FFFD).
      const bytes = Buffer.from(frame);
      const fromBytes = parsed(parser, bytes);
      if (!same(fromBytes, reference(bytes.toString()))) {
        expect.fail(`bytes of ${JSON.stringify(frame)}: got ${JSON.stringify(fromBytes)}`);
      }
      if (expected === 'malformed') counts.malformed++;
      else if (expected === undefined) counts.other++;
      else counts.trades++;
    }
    // The adversarial half must really exercise every outcome.
    expect(counts.trades).toBeGreaterThan(600_000);
    expect(counts.malformed).toBeGreaterThan(50_000);
    expect(counts.other).toBeGreaterThan(1_000);
  }, 600_000);

  it('agrees with JSON.parse of the UTF-8 decoded text on corrupted bytes (invalid UTF-8 included)', () => {
    const parser = new TradeFrameParser();
    const rng = new Random(7);
    const counts = { trades: 0, malformed: 0 };
    for (let n = 0; n < 100_000; n++) {
      const bytes = Buffer.from(realFrame(rows[n % rows.length], n % 4));
      for (let k = rng.int(3); k >= 0; k--) {
        const at = rng.int(bytes.length);
        // Mostly bytes that matter to JSON or to UTF-8: digits, quotes, braces, high bytes.
        bytes[at] =
          rng.int(2) === 0
            ? rng.int(256)
            : [0x22, 0x5c, 0x7d, 0x2c, 0x30, 0x39, 0x80, 0xc3, 0xff, 0x20][rng.int(10)];
      }
      const expected = reference(bytes.toString());
      const actual = parsed(parser, bytes);
      if (!same(actual, expected)) {
        expect.fail(
          `bytes ${bytes.toString('hex')}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`,
        );
      }
      if (expected === 'malformed') counts.malformed++;
      else if (expected !== undefined) counts.trades++;
    }
    expect(counts.trades).toBeGreaterThan(5_000);
    expect(counts.malformed).toBeGreaterThan(50_000);
  });

  it('refuses text that cannot be JSON exactly when JSON.parse does: any prefix and suffix around a real frame', () => {
    const parser = new TradeFrameParser();
    const edge = fc.constantFrom(
      '',
      ' ',
      '\n',
      '\t\r',
      '\u00a0',
      '\ufeff',
      '<',
      'x',
      '{',
      '}',
      ',',
      '[',
      '"',
      '0',
      '-',
      'n',
      '\u0000',
      '😀',
    );
    const affix = fc.oneof(edge, fc.string({ maxLength: 3 }), fc.string({ unit: 'binary', maxLength: 3 }));
    const counts = { malformed: 0, trades: 0 };
    fc.assert(
      fc.property(
        fc.nat(rows.length - 1),
        fc.nat(3),
        affix,
        affix,
        fc.nat(400),
        (row, layout, before, after, cut) => {
          const whole = `${before}${realFrame(rows[row], layout)}${after}`;
          for (const frame of [whole, whole.slice(0, cut)]) {
            const expected = reference(frame);
            if (!same(parsed(parser, frame), expected)) return false;
            if (!same(parsed(parser, Buffer.from(frame)), reference(Buffer.from(frame).toString())))
              return false;
            if (expected === 'malformed') counts.malformed++;
            else if (expected !== undefined) counts.trades++;
          }
          return true;
        },
      ),
      { numRuns: 20_000, seed: 20261203 },
    );
    expect(counts.malformed).toBeGreaterThan(5_000);
    expect(counts.trades).toBeGreaterThan(1_000);
    expect(parser.readBytes(Buffer.from('<html>'))).toBe(
      "not JSON: '<' at position 0 cannot start a JSON value",
    );
    expect(parser.readBytes(Buffer.from(' {"e":"aggTrade", '))).toBe(
      "not JSON: the object at position 1 does not end with '}'",
    );
  });

  it('readBytes gives what parseBytes gives, or the message it throws, on real, adversarial and corrupted frames', () => {
    const parser = new TradeFrameParser();
    const rng = new Random(11);
    const counts = { trades: 0, other: 0, malformed: 0 };
    for (let n = 0; n < 100_000; n++) {
      const r = rows[n % rows.length];
      const bytes = Buffer.from(n % 2 === 0 ? realFrame(r, (n >> 1) % 4) : adversarialFrame(r, rng));
      if (n % 4 === 0) bytes[rng.int(bytes.length)] = rng.int(256);
      let expected: Trade | string | undefined;
      try {
        expected = parser.parseBytes(bytes);
      } catch (error) {
        if (!(error instanceof MalformedFrameError)) throw error;
        expected = error.message;
      }
      const actual = parser.readBytes(bytes);
      if (!same(actual, expected)) {
        expect.fail(
          `bytes ${bytes.toString('hex')}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`,
        );
      }
      if (typeof expected === 'string') counts.malformed++;
      else if (expected === undefined) counts.other++;
      else counts.trades++;
    }
    expect(counts.trades).toBeGreaterThan(30_000);
    expect(counts.malformed).toBeGreaterThan(10_000);
    expect(counts.other).toBeGreaterThan(100);
    expect(parser.readBytes(Buffer.from('{"e":"aggTrade"'))).toMatch(/^not JSON: /);
    expect(parser.readBytes(Buffer.from('{"e":"trade","s":"X","t":1,"p":1,"q":"1","T":1,"m":true}'))).toBe(
      '"p" (price) must be a string',
    );
  });

  it('gives Number() exactly for any double printed in any JavaScript format', () => {
    const parser = new TradeFrameParser();
    fc.assert(
      fc.property(
        fc.double({ min: Number.MIN_VALUE, max: 1e300, noNaN: true }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 1, max: 21 }),
        (x, format, digits) => {
          const text = [
            String(x),
            x.toFixed(Math.min(digits, 20)),
            x.toPrecision(digits),
            x.toExponential(digits - 1),
            `000${String(x)}`,
          ][format];
          // In Binance's layout, so the byte reader takes every value it can convert exactly.
          const frame = `{"e":"aggTrade","E":1,"s":"X","a":1,"p":"${text}","q":"${text}","f":1,"l":1,"T":1,"m":false}`;
          const expected = Number(text);
          return [frame, Buffer.from(frame)].every((input) => {
            const trade = parsed(parser, input);
            if (expected > 0 && Number.isFinite(expected)) {
              return (
                trade !== 'malformed' && Object.is(trade?.price, expected) && Object.is(trade?.qty, expected)
              );
            }
            return trade === 'malformed';
          });
        },
      ),
      { numRuns: 20_000 },
    );
  });
});
