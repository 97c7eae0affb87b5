import { ModelValidationError } from './validate.js';

/** Limits for {@link parseUntrustedJson}. */
export interface JsonLimits {
  /** Largest accepted text, in UTF-16 code units (default 64 MiB). */
  maxLength?: number;
  /** Deepest accepted nesting of arrays and objects (default 32). */
  maxDepth?: number;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parses JSON that came from outside (a model file, a snapshot) with limits: its size, its
 * nesting depth, and no `__proto__` / `constructor` / `prototype` keys anywhere, so a hostile file
 * can neither exhaust memory or the stack nor pollute prototypes in code that copies it later.
 * Failures are {@link ModelValidationError}s naming where the problem is.
 *
 * @example
 * ```ts
 * const json = parseUntrustedJson(text, { maxLength: 8 << 20 });
 * ```
 */
export function parseUntrustedJson(text: string, limits: JsonLimits = {}, path = '$'): unknown {
  const maxLength = limits.maxLength ?? 64 * 1024 * 1024;
  const maxDepth = limits.maxDepth ?? 32;
  if (typeof text !== 'string')
    throw new ModelValidationError(path, `expected JSON text, got ${typeof text}`);
  if (text.length > maxLength) {
    throw new ModelValidationError(
      path,
      `JSON text of ${text.length} characters exceeds the limit of ${maxLength}`,
    );
  }
  checkDepth(text, maxDepth, path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ModelValidationError(path, `not valid JSON (${(e as Error).message})`);
  }
  checkKeys(parsed, path, 0, maxDepth);
  return parsed;
}

/**
 * Checks an already-parsed value (e.g. an object a user passed in) against the same rules as
 * {@link parseUntrustedJson}: nesting depth and forbidden keys.
 *
 * @example
 * ```ts
 * checkUntrustedValue(JSON.parse(text));
 * ```
 */
export function checkUntrustedValue(value: unknown, limits: JsonLimits = {}, path = '$'): void {
  checkKeys(value, path, 0, limits.maxDepth ?? 32);
}

function checkDepth(text: string, maxDepth: number, path: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > maxDepth) {
        throw new ModelValidationError(path, `nesting deeper than ${maxDepth} levels (at character ${i})`);
      }
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
}

function checkKeys(value: unknown, path: string, depth: number, maxDepth: number): void {
  if (typeof value !== 'object' || value === null) return;
  if (depth >= maxDepth) throw new ModelValidationError(path, `nesting deeper than ${maxDepth} levels`);
  if (Array.isArray(value)) {
    // Arrays of numbers are the bulk of a model: skip the per-element walk when there is nothing to walk into.
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === 'object' && v !== null) checkKeys(v, `${path}[${i}]`, depth + 1, maxDepth);
    }
    return;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) throw new ModelValidationError(`${path}.${key}`, 'forbidden key');
    checkKeys((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1, maxDepth);
  }
}
