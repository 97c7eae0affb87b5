/**
 * A mistake in how the CLI was called (a bad option value, a missing file, a missing flag): the
 * CLI prints its message on one line and exits with code 2, before any work starts. Any other
 * error exits with code 1.
 *
 * @example
 * ```ts
 * if (!Number.isInteger(states)) throw new UsageError(`--states expects a whole number, got '${text}'`);
 * ```
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
