import type { MalformedLine } from '../node/ReaderStats.js';
import { printable } from './printable.js';

/**
 * Fails when a file gave no rows, saying why: every line malformed (quoting the first), or nothing
 * but blank lines or a header. Every command that reads a file calls it, so an unusable file exits
 * non-zero the same way everywhere instead of printing nothing and exiting 0.
 *
 * @example
 * ```ts
 * requireRows('trades.csv', reader.stats(), firstMalformed); // Error: trades.csv: every line is malformed …
 * ```
 */
export function requireRows(
  file: string,
  read: { rows: number; malformed: number },
  firstMalformed?: MalformedLine,
): void {
  if (read.rows > 0) return;
  if (read.malformed > 0) {
    const first = firstMalformed ? `; line ${firstMalformed.line}: ${printable(firstMalformed.reason)}` : '';
    throw new Error(`${printable(file)}: every line is malformed (${read.malformed} lines${first})`);
  }
  throw new Error(`${printable(file)}: no rows (the file is empty or holds only a header)`);
}
