/**
 * Thrown when a model (or any JSON state) fails validation. `path` names the offending field,
 * e.g. `hmm.transMat[2]`, so a user knows what to fix.
 *
 * @example
 * ```ts
 * try { loadModel(text); } catch (e) { if (e instanceof ModelValidationError) console.error(e.path); }
 * ```
 */
export class ModelValidationError extends Error {
  override name = 'ModelValidationError';
  constructor(
    /** Dotted path of the offending field. */
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

/** Fails with a {@link ModelValidationError} at `path` unless `cond` holds. */
export function check(cond: unknown, path: string, message: string): asserts cond {
  if (!cond) throw new ModelValidationError(path, message);
}

/** A finite number at `path`. */
export function finiteNumber(value: unknown, path: string): number {
  check(
    typeof value === 'number' && Number.isFinite(value),
    path,
    `expected a finite number, got ${describeValue(value)}`,
  );
  return value;
}

/** An integer in [min, max] at `path`. */
export function integer(value: unknown, path: string, min: number, max: number): number {
  check(
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
    path,
    `expected an integer in [${min}, ${max}], got ${describeValue(value)}`,
  );
  return value;
}

/** An array of finite numbers at `path`, of length `length` when given. */
export function numberArray(value: unknown, path: string, length?: number): number[] {
  check(Array.isArray(value), path, `expected an array of numbers, got ${describeValue(value)}`);
  if (length !== undefined)
    check(value.length === length, path, `expected ${length} numbers, got ${value.length}`);
  for (let i = 0; i < value.length; i++) finiteNumber(value[i], `${path}[${i}]`);
  return value as number[];
}

/** A `rows × cols` matrix (array of arrays) of finite numbers at `path`. */
export function numberMatrix(value: unknown, path: string, rows: number, cols: number): number[][] {
  check(Array.isArray(value), path, `expected an array of ${rows} rows, got ${describeValue(value)}`);
  check(value.length === rows, path, `expected ${rows} rows, got ${value.length}`);
  return value.map((row, i) => numberArray(row, `${path}[${i}]`, cols));
}

/** Longest name (label, feature name, symbol, version) a model or state may hold. */
export const MAX_NAME_LENGTH = 64;

/**
 * A string of `minLength` to `maxLength` UTF-16 units without control characters at `path`: names
 * from a file end up in every signal and on terminals, so they must stay short and printable.
 *
 * @example
 * ```ts
 * const label = boundedString(o.label, 'labels[0]', 1); // 'Stable'; a 50 MB label is refused
 * ```
 */
export function boundedString(
  value: unknown,
  path: string,
  minLength = 0,
  maxLength = MAX_NAME_LENGTH,
): string {
  check(typeof value === 'string', path, `expected a string, got ${describeValue(value)}`);
  check(
    value.length >= minLength && value.length <= maxLength,
    path,
    minLength > 0
      ? `expected ${minLength} to ${maxLength} characters, got ${value.length}`
      : `expected at most ${maxLength} characters, got ${value.length}`,
  );
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse.
  const control = /[\u0000-\u001f\u007f-\u009f]/.exec(value);
  check(
    control === null,
    path,
    `control character U+${control?.[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${control?.index}`,
  );
  return value;
}

/** Deepest nesting {@link plainCopy} copies: far more than any snapshot or model has. */
const MAX_COPY_DEPTH = 64;
/** Longest array {@link plainCopy} copies (the shipped model's longest holds 209 numbers: a tree's nodes). */
const MAX_COPY_ELEMENTS = 2 ** 24;

/**
 * `value` copied as plain data: objects (own enumerable keys), arrays and typed arrays copied,
 * everything else kept, each property read once. What a restore or a model load checks is then
 * what it keeps: an object whose getters, or a Proxy, answer differently on a later read could
 * otherwise pass a check with one value and be kept with another (a NaN filter probability, a NaN
 * scaler mean). Nesting deeper than 64 levels (a cycle, say) and arrays longer than 2^24 elements
 * are refused at `path`.
 *
 * @example
 * ```ts
 * const s = plainObject(plainCopy(snapshot, 'snapshot'), 'snapshot'); // then check and keep `s`
 * ```
 */
export function plainCopy(value: unknown, path: string): unknown {
  return copyValue(value, path, 0);
}

function copyValue(value: unknown, path: string, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  check(depth < MAX_COPY_DEPTH, path, `nesting deeper than ${MAX_COPY_DEPTH} levels`);
  if (ArrayBuffer.isView(value))
    return 'slice' in value && typeof value.slice === 'function' ? value.slice() : value;
  if (Array.isArray(value)) {
    const n = value.length;
    // A sparse array (or a Proxy) can claim any length: refused before a copy that long is made.
    check(n <= MAX_COPY_ELEMENTS, path, `an array of ${n} elements, more than ${MAX_COPY_ELEMENTS}`);
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const v: unknown = value[i];
      out[i] = typeof v === 'object' && v !== null ? copyValue(v, `${path}[${i}]`, depth + 1) : v;
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v: unknown = (value as Record<string, unknown>)[key];
    const copy = typeof v === 'object' && v !== null ? copyValue(v, `${path}.${key}`, depth + 1) : v;
    // An own "__proto__" key (JSON.parse makes one) stays a key: assigned, it would set the prototype.
    if (key === '__proto__')
      Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true });
    else out[key] = copy;
  }
  return out;
}

/** A plain object at `path`. */
export function plainObject(value: unknown, path: string): Record<string, unknown> {
  check(
    typeof value === 'object' && value !== null && !Array.isArray(value),
    path,
    `expected an object, got ${describeValue(value)}`,
  );
  return value as Record<string, unknown>;
}

/** Longest part of a string from the input that an error message quotes. */
const MAX_QUOTED_CHARS = 64;

/**
 * A value as an error message quotes it: a string in JSON quotes (control characters escaped),
 * cut at 64 characters with a note of how many more there were, so a 50 MB string in a model or
 * a trade does not become a 50 MB message; anything else as {@link describeValue}.
 *
 * @example
 * ```ts
 * quoteValue('pickle');           // '"pickle"'
 * quoteValue('v'.repeat(1e6));    // '"vvvv…vvvv"… (999936 more characters)'
 * quoteValue(3);                  // '3'
 * ```
 */
export function quoteValue(value: unknown): string {
  if (typeof value !== 'string') return describeValue(value);
  if (value.length <= MAX_QUOTED_CHARS) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, MAX_QUOTED_CHARS))}… (${value.length - MAX_QUOTED_CHARS} more characters)`;
}

/**
 * A short description of any value for an error message. Never throws, not even for an object
 * without a prototype or with a broken `toString` (which `String(value)` would throw on).
 *
 * @example
 * ```ts
 * describeValue('1.5');               // 'the string "1.5"'
 * describeValue(Object.create(null)); // 'an object'
 * ```
 */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  if (typeof value === 'function') return 'a function';
  return String(value);
}
