import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bar } from '../../src/bars/bar.js';
import { loadModel } from '../../src/models/loadModel.js';
import { createRegimeDetector } from '../../src/pipeline/RegimeDetector.js';
import { ModelValidationError } from '../../src/util/validate.js';
import { firstNonFinite, hostileNumber } from './hostileValues.js';

// The shipped model cut to one tree (see scripts/hostile-fixtures.ts): every field of a real model, small.
const VALID_TEXT = readFileSync('fixtures/hostile/valid-small.json', 'utf8');

/** The key path of every number in the model, e.g. `['hmm', 'means', 1, 0]`. */
function numberPaths(value: unknown, keys: (string | number)[], out: (string | number)[][]): void {
  if (typeof value === 'number') out.push(keys);
  else if (Array.isArray(value))
    for (let i = 0; i < value.length; i++) numberPaths(value[i], [...keys, i], out);
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) numberPaths(v, [...keys, k], out);
}

/** A key path as loadModel names it in errors: `hmm.means[1][0]`. */
function pathOf(keys: readonly (string | number)[]): string {
  return keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

function setAt(root: unknown, keys: readonly (string | number)[], value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[keys[keys.length - 1]] = value;
}

const LEAVES: (string | number)[][] = [];
numberPaths(JSON.parse(VALID_TEXT), [], LEAVES);

const notAFiniteNumber = fc.constantFrom<unknown>(
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  'NaN',
  '1',
  '',
  null,
  true,
  {},
  [],
  [1],
);

function bars(n: number): Bar[] {
  let close = 87_000;
  return Array.from({ length: n }, (_, i) => {
    const open = close;
    close = open * (1 + Math.sin(i * 1.7) * 0.002);
    const openTime = 1_767_225_600_000 + i * 60_000;
    return {
      symbol: 'BTCUSDT',
      openTime,
      closeTime: openTime + 59_999,
      open,
      high: Math.max(open, close) * 1.0005,
      low: Math.min(open, close) * 0.9995,
      close,
      volume: 2 + Math.cos(i) ** 2 * 10,
      gap: false,
    };
  });
}
const BARS = bars(45);

describe('fuzz: model JSON through loadModel', () => {
  it(`refuses any of the ${LEAVES.length} numbers of a model replaced by a non-number or a non-finite one, naming exactly that field`, () => {
    fc.assert(
      fc.property(fc.nat({ max: LEAVES.length - 1 }), notAFiniteNumber, fc.boolean(), (at, value, asText) => {
        const model = JSON.parse(VALID_TEXT);
        setAt(model, LEAVES[at], value);
        // NaN and Infinity cannot be written as JSON text: those go in as an object.
        const input = asText && typeof value !== 'number' ? JSON.stringify(model) : model;
        let error: unknown;
        try {
          loadModel(input);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(ModelValidationError);
        expect((error as ModelValidationError).path).toBe(pathOf(LEAVES[at]));
      }),
      { numRuns: 600 },
    );
  });

  it('a number replaced by any other number is either refused with a ModelValidationError or gives finite signals', () => {
    fc.assert(
      fc.property(fc.nat({ max: LEAVES.length - 1 }), hostileNumber, (at, value) => {
        const model = JSON.parse(VALID_TEXT);
        setAt(model, LEAVES[at], value);
        let loaded: ReturnType<typeof loadModel>;
        try {
          loaded = loadModel(model);
        } catch (e) {
          expect(e).toBeInstanceOf(ModelValidationError);
          expect((e as ModelValidationError).path.length).toBeGreaterThan(0);
          return;
        }
        const detector = createRegimeDetector({ model: loaded });
        for (const bar of BARS)
          for (const s of detector.pushBar(bar)) expect(firstNonFinite(s)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('any JSON text (mutated, truncated, random) is loaded or refused with a ModelValidationError, nothing else', () => {
    const mutated = fc
      .tuple(fc.nat({ max: VALID_TEXT.length }), fc.nat({ max: 50 }), fc.string({ maxLength: 8 }))
      .map(([at, cut, insert]) => VALID_TEXT.slice(0, at) + insert + VALID_TEXT.slice(at + cut));
    fc.assert(
      fc.property(fc.oneof(mutated, fc.json({ maxDepth: 4 }), fc.string()), (text) => {
        try {
          loadModel(text);
        } catch (e) {
          expect(e).toBeInstanceOf(ModelValidationError);
        }
      }),
      { numRuns: 400 },
    );
  });
});
