import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDecimal } from '../../src/node/parseDecimal.js';

const ascii = (s: string) => new TextEncoder().encode(s);
const parse = (s: string) => parseDecimal(ascii(s), 0, ascii(s).length);

describe('parseDecimal', () => {
  it('gives the same double as Number() for any finite double written by JavaScript', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(Object.is(parse(String(x)), Number(String(x)))).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('gives the same double as Number() for fixed-point decimals like Binance writes them', () => {
    const decimal = fc
      .tuple(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.integer({ min: 0, max: 24 }), fc.boolean())
      .map(([digits, scale, negative]) => {
        const text = digits.toString().padStart(scale + 1, '0');
        const fixed = scale === 0 ? text : `${text.slice(0, -scale)}.${text.slice(-scale)}`;
        return negative ? `-${fixed}` : fixed;
      });
    fc.assert(
      fc.property(decimal, (s) => {
        expect(parse(s)).toBe(Number(s));
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads a field inside a longer line', () => {
    const line = ascii('3800397495,87648.21000000,0.08185000,5723703861');
    expect(parseDecimal(line, 11, 25)).toBe(87648.21);
    expect(parseDecimal(line, 26, 36)).toBe(0.08185);
    expect(parseDecimal(line, 0, 10)).toBe(3800397495);
  });

  it('reads exponents, a plus sign and surrounding spaces', () => {
    expect(parse('1.5e-7')).toBe(1.5e-7);
    expect(parse('+2')).toBe(2);
    expect(parse(' 42.5 ')).toBe(42.5);
    expect(parse('.5')).toBe(0.5);
    expect(parse('7.')).toBe(7);
  });

  it('returns NaN for text that is not a decimal number', () => {
    for (const s of [
      '',
      ' ',
      '-',
      '.',
      'abc',
      '1.2.3',
      '0x10',
      '1,5',
      'Infinity',
      'NaN',
      '"1"',
      '12a',
      '--1',
    ]) {
      expect(parse(s), s).toBeNaN();
    }
  });
});
