/** Exact powers of ten as doubles (10^0 … 10^22 are all representable exactly). */
const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
  1e20, 1e21, 1e22,
];

/** A plain decimal number, optionally signed, with an optional exponent. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

const latin1 = new TextDecoder('latin1');

/**
 * Parses the decimal number written in ASCII in `bytes[start, end)` without allocating, with the
 * same result as `Number()` on the text (the double nearest to the decimal), or `NaN` when the
 * text is not a number.
 *
 * This is the ingestion hot path of the file readers. The common case — a plain decimal such as
 * `87648.21000000` with at most 15–16 significant digits — is read digit by digit into an integer
 * mantissa `m < 2^53` and a scale `k <= 22`; then `m / 10^k` is one correctly rounded division of
 * two exact doubles, hence exactly the double `Number()` gives (Clinger's fast path). Anything else
 * (exponents, surrounding spaces, very long mantissas) falls back to `Number()` on the text.
 *
 * @example
 * ```ts
 * const line = new TextEncoder().encode('3800397495,87648.21000000,0.08185000');
 * parseDecimal(line, 11, 25); // 87648.21
 * ```
 */
export function parseDecimal(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  const negative = i < end && bytes[i] === 45; // '-'
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  let afterDot = false;
  for (; i < end; i++) {
    const c = bytes[i];
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (afterDot) scale++;
    } else if (c === 46 && !afterDot) {
      afterDot = true;
    } else {
      return parseSlow(bytes, start, end);
    }
  }
  if (digits === 0) return Number.NaN;
  // Past 2^53 the running mantissa is no longer exact (it then compares >= 2^53): take the slow path.
  if (mantissa > Number.MAX_SAFE_INTEGER || scale > 22) return parseSlow(bytes, start, end);
  const value = scale === 0 ? mantissa : mantissa / POW10[scale];
  return negative ? -value : value;
}

function parseSlow(bytes: Uint8Array, start: number, end: number): number {
  const text = latin1.decode(bytes.subarray(start, end)).trim();
  return DECIMAL.test(text) ? Number(text) : Number.NaN;
}
