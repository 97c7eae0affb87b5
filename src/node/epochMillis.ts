/**
 * Converts an epoch timestamp in seconds, milliseconds, microseconds or nanoseconds to
 * milliseconds, telling the unit from the magnitude:
 *
 * | value            | unit | dates covered          |
 * | ---------------- | ---- | ---------------------- |
 * | below 1e11       | s    | up to the year 5138    |
 * | 1e11 up to 1e14  | ms   | 1973-03-03 to 5138     |
 * | 1e14 up to 1e17  | µs   | 1973-03-03 to 5138     |
 * | 1e17 and above   | ns   | from 1973-03-03        |
 *
 * Binance's spot exports switched from milliseconds to microseconds on 2025-01-01; this reads both
 * (and files that mix them). Microsecond and nanosecond times keep their fraction of a millisecond.
 *
 * @example
 * ```ts
 * epochMillis(1767225600039409); // 1767225600039.409 (µs)
 * epochMillis(1767225600039);    // 1767225600039 (ms)
 * epochMillis(1767225600);       // 1767225600000 (s)
 * ```
 */
export function epochMillis(value: number): number {
  if (value < 1e11) return value * 1e3;
  if (value < 1e14) return value;
  if (value < 1e17) return value / 1e3;
  return value / 1e6;
}
