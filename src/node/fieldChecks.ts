import type { CsvCursor } from './CsvCursor.js';

/** True for a finite number > 0. */
export function isPositive(x: number): boolean {
  return x > 0 && x < Number.POSITIVE_INFINITY;
}

/** True for a finite number >= 0. */
export function isNonNegative(x: number): boolean {
  return x >= 0 && x < Number.POSITIVE_INFINITY;
}

/**
 * The reason a field is malformed, naming the column and quoting the value.
 *
 * @example
 * ```ts
 * expected(cursor, 1, 'price', 'a positive number'); // 'price must be a positive number, got "n/a"'
 * ```
 */
export function expected(cursor: CsvCursor, index: number, name: string, what: string): string {
  return `${name} must be ${what}, got ${JSON.stringify(cursor.field(index))}`;
}
