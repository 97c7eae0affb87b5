import type { CsvCursor } from './CsvCursor.js';

/**
 * The column names of a header line, normalised for matching: trimmed, quotes removed, lower case,
 * spaces and dashes turned into underscores (`"Open Time"` → `open_time`).
 *
 * @example
 * ```ts
 * headerNames(cursor); // ['open_time', 'open', 'high', 'low', 'close', 'volume']
 * ```
 */
export function headerNames(cursor: CsvCursor): string[] {
  const names: string[] = [];
  for (let i = 0; i < cursor.fieldCount; i++) {
    names.push(
      cursor
        .field(i)
        .replace(/^"|"$/g, '')
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, '_'),
    );
  }
  return names;
}

/** Index of the first column whose name is one of `aliases` (normalised names), or -1. */
export function findColumn(names: readonly string[], aliases: readonly string[]): number {
  for (const alias of aliases) {
    const index = names.indexOf(alias);
    if (index >= 0) return index;
  }
  return -1;
}

/** True when the current line starts with a number, i.e. it is a data row, not a header. */
export function startsWithNumber(cursor: CsvCursor): boolean {
  return !Number.isNaN(cursor.number(0));
}
