import { CsvCursor } from './CsvCursor.js';
import { CsvLineTooLongError, csvBytes } from './csvBytes.js';
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
 * and reading continues with the next line. A line longer than 1 MiB (a file with no line breaks)
 * ends the reading with an error naming the file and the line number.
 *
 * The file is parsed one piece (about 1 MiB) at a time; the items of a piece are then handed out
 * from a buffer with already-settled promises. That costs a fraction of what an `async function*`
 * pays per `yield`, which matters at millions of rows.
 *
 * @example
 * ```ts
 * for await (const trade of readCsvRows(path, parser, stats, (m) => console.warn(m.reason))) use(trade);
 * ```
 */
export function readCsvRows<T extends object>(
  path: string,
  parser: CsvRowParser<T>,
  stats: ReaderStats,
  onMalformed: ((malformed: MalformedLine) => void) | undefined,
): AsyncIterableIterator<T> {
  return new CsvRowIterator(path, parser, stats, onMalformed);
}

class CsvRowIterator<T extends object> implements AsyncIterableIterator<T> {
  readonly #pieces: AsyncGenerator<Uint8Array>;
  readonly #parser: CsvRowParser<T>;
  readonly #stats: ReaderStats;
  readonly #onMalformed: ((malformed: MalformedLine) => void) | undefined;
  readonly #cursor = new CsvCursor();
  #items: T[] = [];
  #next = 0;
  #begun = false;

  constructor(
    path: string,
    parser: CsvRowParser<T>,
    stats: ReaderStats,
    onMalformed: ((malformed: MalformedLine) => void) | undefined,
  ) {
    this.#pieces = csvBytes(path);
    this.#parser = parser;
    this.#stats = stats;
    this.#onMalformed = onMalformed;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#next < this.#items.length) {
      return Promise.resolve({ done: false, value: this.#items[this.#next++] });
    }
    return this.#refill();
  }

  async return(): Promise<IteratorResult<T>> {
    this.#items = [];
    await this.#pieces.return(undefined);
    return { done: true, value: undefined };
  }

  async #refill(): Promise<IteratorResult<T>> {
    this.#items = [];
    this.#next = 0;
    while (this.#items.length === 0) {
      const piece = await this.#pieces.next().catch((error: unknown) => {
        // The overlong line starts right after the lines parsed so far: name it.
        if (error instanceof CsvLineTooLongError) {
          throw new Error(
            `${error.path}: line ${this.#cursor.lineNumber + 1} is longer than ${error.maxLineBytes} bytes (no line break); not a CSV file?`,
          );
        }
        throw error;
      });
      if (piece.done) return { done: true, value: undefined };
      this.#parse(piece.value);
    }
    return { done: false, value: this.#items[this.#next++] };
  }

  #parse(bytes: Uint8Array): void {
    const cursor = this.#cursor;
    const stats = this.#stats;
    cursor.load(bytes);
    while (cursor.next()) {
      stats.lines = cursor.lineNumber;
      if (cursor.isBlank()) continue;
      if (!this.#begun) {
        this.#begun = true;
        if (this.#parser.begin(cursor)) continue;
      }
      const item = this.#parser.parse(cursor);
      if (typeof item === 'string') {
        stats.malformed++;
        this.#onMalformed?.({ line: cursor.lineNumber, text: cursor.line().slice(0, 200), reason: item });
      } else {
        stats.rows++;
        this.#items.push(item);
      }
    }
  }
}
