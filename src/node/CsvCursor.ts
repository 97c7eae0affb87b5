import { parseDecimal } from './parseDecimal.js';

/**
 * A reusable cursor over the lines and comma-separated fields of CSV text, fed piece by piece
 * (see {@link csvText}). It records where each field starts and ends and parses numbers in place,
 * so reading a row allocates nothing: this is the ingestion hot path of the file readers.
 *
 * Plain CSV only (what Binance and pandas write): no quoted fields. Line breaks may be `\n` or
 * `\r\n`; line numbers count from 1 across all pieces.
 *
 * @example
 * ```ts
 * const cursor = new CsvCursor();
 * cursor.load('1,87648.21\n2,87648.22\n');
 * while (cursor.next()) console.log(cursor.lineNumber, cursor.number(1));
 * ```
 */
export class CsvCursor {
  /** 1-based line number of the current line. */
  lineNumber = 0;
  /** Number of fields on the current line (1 for a blank line). */
  fieldCount = 0;
  #text = '';
  #position = 0;
  #lineStart = 0;
  #lineEnd = 0;
  /** Position of the next comma at or after the last search (text length when none). */
  #nextComma = -1;
  #starts = new Int32Array(16);
  #ends = new Int32Array(16);

  /** Continues with the next piece of text; it should end at a line break (the last piece may not). */
  load(text: string): void {
    this.#text = text;
    this.#position = 0;
    this.#nextComma = -1;
  }

  /** Moves to the next line of the loaded text; false once the text is used up. */
  next(): boolean {
    const text = this.#text;
    const start = this.#position;
    if (start >= text.length) return false;
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    this.#position = end + 1;
    if (end > start && text.charCodeAt(end - 1) === 13) end--; // '\r'
    this.#lineStart = start;
    this.#lineEnd = end;
    this.lineNumber++;
    let count = 0;
    let fieldStart = start;
    for (;;) {
      // Remember the comma found past this line, so lines without commas do not rescan the text.
      if (this.#nextComma < fieldStart) {
        const found = text.indexOf(',', fieldStart);
        this.#nextComma = found < 0 ? text.length : found;
      }
      const comma = Math.min(this.#nextComma, end);
      if (count === this.#starts.length) this.#grow();
      this.#starts[count] = fieldStart;
      this.#ends[count] = comma;
      count++;
      if (comma === end) break;
      fieldStart = comma + 1;
    }
    this.fieldCount = count;
    return true;
  }

  /** True when the current line is empty or only whitespace. */
  isBlank(): boolean {
    for (let i = this.#lineStart; i < this.#lineEnd; i++) {
      const c = this.#text.charCodeAt(i);
      if (c !== 32 && c !== 9) return false;
    }
    return true;
  }

  /** Field `index` as a number (`NaN` when it is not one); allocates nothing. */
  number(index: number): number {
    return parseDecimal(this.#text, this.#starts[index], this.#ends[index]);
  }

  /**
   * Field `index` as a boolean: `true`/`True`/`TRUE`/`1` → 1, `false`/`False`/`FALSE`/`0` → 0,
   * anything else → -1. Allocates nothing.
   */
  flag(index: number): 1 | 0 | -1 {
    const text = this.#text;
    const start = this.#starts[index];
    const length = this.#ends[index] - start;
    const first = text.charCodeAt(start) | 32; // ASCII lower case
    if (length === 1) return first === 49 ? 1 : first === 48 ? 0 : -1; // '1' / '0'
    if (length === 4 && first === 116 && sameLetters(text, start, 'true')) return 1;
    if (length === 5 && first === 102 && sameLetters(text, start, 'false')) return 0;
    return -1;
  }

  /** Field `index` as trimmed text (allocates: for headers and error messages). */
  field(index: number): string {
    return this.#text.slice(this.#starts[index], this.#ends[index]).trim();
  }

  /** The whole current line, without its line break (allocates: for error messages). */
  line(): string {
    return this.#text.slice(this.#lineStart, this.#lineEnd);
  }

  #grow(): void {
    const starts = new Int32Array(this.#starts.length * 2);
    const ends = new Int32Array(this.#ends.length * 2);
    starts.set(this.#starts);
    ends.set(this.#ends);
    this.#starts = starts;
    this.#ends = ends;
  }
}

function sameLetters(text: string, start: number, lowerCase: string): boolean {
  for (let i = 0; i < lowerCase.length; i++) {
    if ((text.charCodeAt(start + i) | 32) !== lowerCase.charCodeAt(i)) return false;
  }
  return true;
}
