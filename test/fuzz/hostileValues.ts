import fc from 'fast-check';

/** Every kind of number a feed can carry, weighted towards the ones that break arithmetic. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    0,
    1e308,
    -1e308,
    Number.MAX_VALUE,
    Number.MIN_VALUE, // the smallest subnormal
    2.2250738585072014e-308, // the smallest normal
    1e-300,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 2,
    2 ** 63,
    -1,
    -1e15,
  ),
  fc.double(),
  fc.integer(),
);

/** A value of the wrong type where a number belongs: numeric strings, null, objects, bigints. */
export const notANumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('1', '87000.5', '', ' ', 'NaN', 'Infinity', '1e308', '0x10', null, undefined, true, false),
  // Objects String() throws on: no prototype, a broken toString.
  fc.constantFrom<unknown>({}, [], [1], 10n, { valueOf: () => 1 }, Object.create(null), { toString: [] }),
  fc.string({ maxLength: 8 }),
);

/** Any field value: hostile numbers (mostly) or values of the wrong type. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileNumber, weight: 3 },
  { arbitrary: notANumber, weight: 1 },
);

/** Epoch times as feeds really mix them up: seconds, milliseconds and microseconds around 2026. */
export const anyScaleTime: fc.Arbitrary<number> = fc
  .tuple(fc.constantFrom(1e-3, 1, 1e3), fc.integer({ min: 0, max: 7_200_000 }))
  .map(([scale, offsetMs]) => (1_767_225_600_000 + offsetMs) * scale);

/**
 * Walks a value and returns the path of the first number that is not finite (or `undefined`),
 * so a failing property names the field, e.g. `$.regime.probabilities[2]`.
 */
export function firstNonFinite(value: unknown, path = '$'): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path} = ${value}`;
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstNonFinite(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, v] of Object.entries(value)) {
    const found = firstNonFinite(v, `${path}.${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}
