import { CsvCursor } from './CsvCursor.js';
import { csvText } from './csvText.js';
import type { MalformedLine, ReaderStats } from './ReaderStats.js';

/** Turns lines of one kind of CSV file into items; see {@link readCsvRows}. */
export interface CsvRowParser<T> {
  /**
   * Looks at the first non-blank line before any row is parsed. Returns true when the line is a
   * header (it is then not parsed as a row). Throws when the file cannot be of this kind at all.
   */
  begin(cursor: CsvCursor): boolean;
  /** Parses the current line into an item, or returns the reason it is malformed. */
  parse(cursor: CsvCursor): T | string;
}

/**
 * Reads the rows of a `.csv`, `.csv.gz` or `.zip` file with `parser`, updating `stats` as it goes.
 * Blank lines are skipped; a malformed line is counted and passed to `onMalformed`, never thrown,
 * and reading continues with the next line.
 *
 * @example
 * ```ts
 * for await (const trade of readCsvRows(path, parser, stats, (m) => console.warn(m.reason))) use(trade);
 * ```
 */
export async function* readCsvRows<T extends object>(
  path: string,
  parser: CsvRowParser<T>,
  stats: ReaderStats,
  onMalformed: ((malformed: MalformedLine) => void) | undefined,
): AsyncGenerator<T> {
  const cursor = new CsvCursor();
  const items: T[] = [];
  let begun = false;
  for await (const text of csvText(path)) {
    cursor.load(text);
    while (cursor.next()) {
      stats.lines = cursor.lineNumber;
      if (cursor.isBlank()) continue;
      if (!begun) {
        begun = true;
        if (parser.begin(cursor)) continue;
      }
      const item = parser.parse(cursor);
      if (typeof item === 'string') {
        stats.malformed++;
        onMalformed?.({ line: cursor.lineNumber, text: cursor.line().slice(0, 200), reason: item });
      } else {
        stats.rows++;
        items.push(item);
      }
    }
    // One await per item is unavoidable for an async iterator; parsing a whole piece first keeps it
    // to that (the file is read in 1 MiB pieces).
    yield* items;
    items.length = 0;
  }
}
