import { quoteValue } from '../util/validate.js';
import type { MalformedLine } from './ReaderStats.js';
import { symbolFromFileName } from './symbolFromFileName.js';

/**
 * The path and options that both file readers take, checked when the reader is made: `path` a
 * non-empty string, `symbol` a string (default: the file name's prefix), `onMalformed` a function.
 * A wrong one is a `TypeError` that names the reader and the option, not a failure at the first
 * malformed line of a long file.
 *
 * @example
 * ```ts
 * resolveReaderOptions('readKlines', 'BTCUSDT-1m-2024-12.csv.gz', {}).symbol; // 'BTCUSDT'
 * resolveReaderOptions('readKlines', 'bars.csv', { onMalformed: 'warn' });   // throws TypeError
 * ```
 */
export function resolveReaderOptions(
  reader: string,
  path: unknown,
  options: { symbol?: unknown; onMalformed?: unknown },
): { path: string; symbol: string; onMalformed: ((malformed: MalformedLine) => void) | undefined } {
  if (typeof path !== 'string' || path === '')
    throw new TypeError(`${reader}: path must be a file path, got ${quoteValue(path)}`);
  const symbol = options.symbol ?? symbolFromFileName(path);
  if (typeof symbol !== 'string')
    throw new TypeError(`${reader}: symbol must be a string, got ${quoteValue(symbol)}`);
  const onMalformed = options.onMalformed;
  if (onMalformed !== undefined && typeof onMalformed !== 'function')
    throw new TypeError(`${reader}: onMalformed must be a function, got ${typeof onMalformed}`);
  return { path, symbol, onMalformed: onMalformed as ((malformed: MalformedLine) => void) | undefined };
}
