/**
 * A line of a file that could not be read as a row, reported through a reader's `onMalformed`
 * callback and counted in its `stats()`.
 *
 * @example
 * ```ts
 * readKlines(path, { onMalformed: (m) => console.warn(`line ${m.line}: ${m.reason}`) });
 * ```
 */
export interface MalformedLine {
  /** 1-based line number in the (decompressed) file. */
  line: number;
  /** The line as it was (cut to 200 characters). */
  text: string;
  /** What is wrong with it, e.g. `price is not a number: "n/a"`. */
  reason: string;
}

/**
 * Counters of a file reader: every line read is either the header, blank, a row or malformed.
 *
 * @example
 * ```ts
 * const { lines, rows, malformed } = reader.stats();
 * ```
 */
export interface ReaderStats {
  /** Lines read so far, header and blank lines included. */
  lines: number;
  /** Rows turned into items (bars or trades). */
  rows: number;
  /** Lines that could not be read (each one reported through `onMalformed`). */
  malformed: number;
}
