import { describe, expect, it } from 'vitest';
import { checkUntrustedValue, parseUntrustedJson } from '../../src/util/safeJson.js';
import { ModelValidationError } from '../../src/util/validate.js';

function pathOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ModelValidationError) return e.path;
    throw e;
  }
  throw new Error('expected a ModelValidationError');
}

describe('parseUntrustedJson', () => {
  it('parses ordinary JSON unchanged', () => {
    const value = { a: [1, 2.5, -3e-7], b: { c: 'x', d: [[1], [2]] } };
    expect(parseUntrustedJson(JSON.stringify(value))).toEqual(value);
  });

  it('refuses __proto__, constructor and prototype keys at any depth, naming the place', () => {
    expect(pathOf(() => parseUntrustedJson('{"a":{"__proto__":{"polluted":true}}}'))).toBe('$.a.__proto__');
    expect(pathOf(() => parseUntrustedJson('{"list":[{"constructor":{}}]}'))).toBe('$.list[0].constructor');
    expect(pathOf(() => parseUntrustedJson('{"prototype":1}'))).toBe('$.prototype');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses text beyond the size limit before parsing it', () => {
    expect(() => parseUntrustedJson(`[${'1,'.repeat(100)}1]`, { maxLength: 50 })).toThrow(
      /exceeds the limit of 50/,
    );
  });

  it('refuses nesting beyond the depth limit without overflowing the stack', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(() => parseUntrustedJson(deep)).toThrow(/nesting deeper than 32/);
    expect(parseUntrustedJson('[[["[[[[[[[["]]]', { maxDepth: 3 })).toEqual([[['[[[[[[[[']]]);
  });

  it('reports invalid JSON as a validation error', () => {
    expect(() => parseUntrustedJson('{"a": 1,}')).toThrow(ModelValidationError);
  });

  it('checks already-parsed values the same way', () => {
    const hostile = JSON.parse('{"x":[{"__proto__":1}]}');
    expect(pathOf(() => checkUntrustedValue(hostile))).toBe('$.x[0].__proto__');
    expect(() => checkUntrustedValue({ ok: [1, { fine: true }] })).not.toThrow();
  });
});
