import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addExact, EXACT_SUM_CELLS, exactSumValue } from '../../src/bars/exactSum.js';

function sumOf(values: readonly number[]): number {
  const sum = new Float64Array(EXACT_SUM_CELLS);
  for (const v of values) addExact(sum, 0, v);
  return exactSumValue(sum, 0);
}

/** Exact value of a double as a rational n / 2^1074 (BigInt), for the reference sum. */
function exact(x: number): bigint {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const mantissa = bits & ((1n << 52n) - 1n);
  const value = exponent === 0 ? mantissa : (mantissa | (1n << 52n)) << BigInt(exponent - 1);
  return bits >> 63n ? -value : value;
}

const decimalQty = fc.integer({ min: 0, max: 10 ** 9 }).map((k) => k / 1e8);

describe('exact sums', () => {
  it('do not depend on the order of the addends (bit-identical)', () => {
    const permuted = fc
      .array(decimalQty, { maxLength: 200 })
      .chain((values) =>
        fc.tuple(
          fc.constant(values),
          fc.shuffledSubarray(values, { minLength: values.length, maxLength: values.length }),
        ),
      );
    fc.assert(
      fc.property(permuted, ([values, shuffled]) => {
        expect(sumOf(shuffled)).toBe(sumOf(values));
      }),
    );
  });

  it('are within 2^-65 per addend plus one final rounding of the exact sum of the doubles', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 2 ** 40, noNaN: true }), { maxLength: 100 }),
        (values) => {
          const reference = values.reduce((s, v) => s + exact(v), 0n); // units of 2^-1074
          const ours = exact(sumOf(values));
          const bound = BigInt(values.length) * (1n << 1009n); // n · 2^-65 in units of 2^-1074
          const ulp = reference === 0n ? 0n : reference >> 51n; // ≥ one ulp of the result, relative 2^-51
          const error = ours > reference ? ours - reference : reference - ours;
          expect(error <= bound + ulp).toBe(true);
        },
      ),
    );
  });

  it('do not drift where naive summation does', () => {
    const values = [1e9, ...Array.from({ length: 10_000 }, () => 0.1), -1e9];
    // 10 000 × double(0.1) = 1000.0000000000000555…, which rounds to 1000.
    expect(sumOf(values)).toBe(1000);
    let naive = 0;
    for (const v of values) naive += v;
    expect(Math.abs(naive - 1000)).toBeGreaterThan(1e-4);
  });
});
