import { quoteValue } from '../../util/validate.js';

// Checks of the adapters' options, made when a stream is created: a wrong option is a TypeError or
// RangeError that names it, not a failure (or a reconnect storm) later in the stream.

/**
 * `value` when it is a finite number > 0.
 *
 * @example
 * ```ts
 * positive('stallTimeoutMs', options.stallTimeoutMs ?? 30_000);
 * ```
 */
export function positive(name: string, value: number): number {
  if (!(typeof value === 'number' && value > 0 && Number.isFinite(value)))
    throw new RangeError(`${name} must be a finite number > 0, got ${value}`);
  return value;
}

/**
 * `value` when it is an integer > 0.
 *
 * @example
 * ```ts
 * positiveInteger('restRetries', options.restRetries ?? 5);
 * ```
 */
export function positiveInteger(name: string, value: number): number {
  if (!(Number.isInteger(value) && value > 0))
    throw new RangeError(`${name} must be an integer > 0, got ${value}`);
  return value;
}

/**
 * `value`, or `fallback` when it is undefined, when that is a boolean.
 *
 * @example
 * ```ts
 * const dedupe = optionalBoolean('dedupe', options.dedupe, true);
 * ```
 */
export function optionalBoolean(name: string, value: unknown, fallback: boolean): boolean {
  const flag = value ?? fallback;
  if (typeof flag !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${quoteValue(flag)}`);
  return flag;
}

/**
 * `value` when it is a function or undefined.
 *
 * @example
 * ```ts
 * const onEvent = optionalFunction('onEvent', options.onEvent);
 * ```
 */
export function optionalFunction<T>(name: string, value: T): T {
  if (value !== undefined && typeof value !== 'function')
    throw new TypeError(`${name} must be a function, got ${typeof value}`);
  return value;
}

/**
 * `value` when it is an object (not null, not an array) or undefined.
 *
 * @example
 * ```ts
 * const config = optionalObject('exchangeConfig', options.exchangeConfig);
 * ```
 */
export function optionalObject<T>(name: string, value: T): T {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value)))
    throw new TypeError(
      `${name} must be an object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
    );
  return value;
}
