/**
 * ccxt error classes (by name, so that any copy of ccxt is recognised) after which a
 * `watchTrades` subscription is hopeless: retrying would fail the same way.
 */
const FATAL = ['BadSymbol', 'AuthenticationError', 'PermissionDenied', 'NotSupported', 'ArgumentsRequired'];

/**
 * ccxt error classes that are worth a retry: `OperationFailed` is ccxt's branch of failures that
 * are not the request's fault (network, timeouts, rate limits, maintenance, 5xx, bad responses).
 */
const TRANSIENT = ['OperationFailed'];

/**
 * Whether `error` is (a subclass of) one of the ccxt error classes `names`, by the class names
 * along its prototype chain.
 *
 * @example
 * ```ts
 * isCcxtError(new ccxt.RateLimitExceeded('429'), ['NetworkError']); // true: RateLimitExceeded < DDoSProtection < NetworkError
 * ```
 */
export function isCcxtError(error: unknown, names: readonly string[]): boolean {
  for (let p = error; p !== null && typeof p === 'object'; p = Object.getPrototypeOf(p)) {
    const name = (p as { constructor?: { name?: string } }).constructor?.name;
    if (name !== undefined && names.includes(name)) return true;
  }
  return false;
}

/**
 * Whether a failed `watchTrades` should end the stream (unknown symbol, missing credentials or
 * support) rather than be retried.
 *
 * @example
 * ```ts
 * isFatalWatchError(new ccxt.BadSymbol('bybit does not have market symbol FOO/BAR')); // true
 * ```
 */
export function isFatalWatchError(error: unknown): boolean {
  return isCcxtError(error, FATAL);
}

/**
 * Whether a failed `fetchTrades` may succeed when retried (network failures, timeouts, HTTP 429
 * and 5xx, which ccxt reports as `OperationFailed` subclasses).
 *
 * @example
 * ```ts
 * isTransientError(new ccxt.RateLimitExceeded('429 Too Many Requests')); // true
 * ```
 */
export function isTransientError(error: unknown): boolean {
  return isCcxtError(error, TRANSIENT);
}
