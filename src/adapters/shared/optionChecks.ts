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
 * The longest wait Node's timers keep, in ms (2^31 − 1, about 24.8 days). Given more, a timer
 * fires after 1 ms: a month-long connection age would rotate connections as fast as allowed.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `value` when it is a number of ms a timer can wait: > 0 (or ≥ 0 with `zero: true`) and at most
 * {@link MAX_TIMER_MS}.
 *
 * @example
 * ```ts
 * timerMs('stallTimeoutMs', options.stallTimeoutMs ?? 30_000);
 * timerMs('rotationOverlapMs', 0, { zero: true }); // 0
 * timerMs('maxConnectionAgeMs', 30 * 86_400_000);  // throws RangeError: … in (0, 2147483647] …
 * ```
 */
export function timerMs(name: string, value: unknown, { zero = false } = {}): number {
  if (!(typeof value === 'number' && (zero ? value >= 0 : value > 0) && value <= MAX_TIMER_MS))
    throw new RangeError(
      `${name} must be a number of ms in ${zero ? '[' : '('}0, ${MAX_TIMER_MS}], got ${quoteValue(value)}`,
    );
  return value;
}

/**
 * `value` when it is an integer > 0 and at most `max` (Kafka's int32 fields pass 2^31 − 1).
 *
 * @example
 * ```ts
 * positiveInteger('restRetries', options.restRetries ?? 5);
 * positiveInteger('maxBatchSignals', options.maxBatchSignals ?? 1000, 2 ** 31 - 1);
 * ```
 */
export function positiveInteger(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (!(typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= max))
    throw new RangeError(
      `${name} must be an integer > 0${max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : ''}, got ${quoteValue(value)}`,
    );
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
