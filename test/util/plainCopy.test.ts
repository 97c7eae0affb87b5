import { describe, expect, it } from 'vitest';
import { ModelValidationError, plainCopy } from '../../src/util/validate.js';

describe('plainCopy', () => {
  it('reads each property once, through getters and Proxies, into plain objects and arrays', () => {
    let reads = 0;
    const source = {
      get x() {
        reads++;
        return [1, { y: 2 }];
      },
      typed: new Float64Array([3, 4]),
      proxied: new Proxy({ z: 5 }, {}),
    };
    const copy = plainCopy(source, 'snapshot') as Record<string, unknown>;
    expect(reads).toBe(1);
    expect(copy).toEqual({ x: [1, { y: 2 }], typed: new Float64Array([3, 4]), proxied: { z: 5 } });
    expect(Object.getOwnPropertyDescriptor(copy, 'x')).toHaveProperty('value');
    expect(copy.typed).not.toBe(source.typed);
    expect(reads).toBe(1);
  });

  it('keeps an own "__proto__" key a key, never the prototype', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    const copy = plainCopy(parsed, 'model') as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.keys(copy)).toEqual(['__proto__', 'a']);
  });

  it('refuses a cycle, or nesting deeper than 64 levels, at the path given', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => plainCopy(cycle, 'snapshot')).toThrow(ModelValidationError);
    expect(() => plainCopy(cycle, 'snapshot')).toThrow(
      /^snapshot\.self\.self.*nesting deeper than 64 levels/,
    );
    let deep: unknown = 0;
    for (let i = 0; i < 64; i++) deep = [deep];
    expect(() => plainCopy(deep, 'model')).not.toThrow();
    expect(() => plainCopy([deep], 'model')).toThrow(ModelValidationError);
  });

  it('refuses an array that claims more than 2^24 elements before copying it', () => {
    const sparse: number[] = [];
    sparse.length = 2 ** 30;
    expect(() => plainCopy({ trees: sparse }, 'forest')).toThrow(
      /^forest\.trees: an array of 1073741824 elements/,
    );
    expect(() => plainCopy(new Array(2 ** 24).fill(0), 'forest')).not.toThrow();
  });
});
