import { parseDecimal } from './parseDecimal.js';

const utf8 = new TextDecoder('utf-8');

/**
 * A reusable cursor over the lines and comma-separated fields of CSV bytes, fed piece by piece
 * (see {@link csvBytes}). One pass over each line's bytes records where its fields start and end;
 * numbers are then parsed from the bytes in place, so reading a row allocates nothing and nothing
 * is decoded to strings: this is the ingestion hot path of the file readers.
 *
 * Plain CSV only (what Binance and pandas write): no quoted fields. Line breaks may be `\n` or
 * `\r\n`; line numbers count from 1 across all pieces.
 *
 * @example
 * ```ts
 * const cursor = new CsvCursor();
 * cursor.load(new TextEncoder().encode('1,87648.21\n2,87648.22\n'));
 * while (cursor.next()) console.log(cursor.lineNumber, cursor.number(1));
 * ```
 */
export class CsvCursor {
  /** 1-based line number of the current line. */
  lineNumber = 0;
  /** Number of fields on the current line (1 for a blank line). */
  fieldCount = 0;
  #bytes: Uint8Array = new Uint8Array(0);
  #position = 0;
  #lineStart = 0;
  #lineEnd = 0;
  #starts = new Int32Array(16);
  #ends = new Int32Array(16);

  /** Continues with the next piece; it should end at a line break (the last piece may not). */
  load(bytes: Uint8Array): void {
    this.#bytes = bytes;
    this.#position = 0;
  }

  /** Moves to the next line of the loaded piece; false once the piece is used up. */
  next(): boolean {
    const bytes = this.#bytes;
    const length = bytes.length;
    const start = this.#position;
    if (start >= length) return false;
    let count = 0;
    let fieldStart = start;
    let i = start;
    for (; i < length; i++) {
      const c = bytes[i];
      if (c === 10) break; // '\n'
      if (c === 44) {
        // ','
        if (count === this.#starts.length) this.#grow();
        this.#starts[count] = fieldStart;
        this.#ends[count] = i;
        count++;
        fieldStart = i + 1;
      }
    }
    this.#position = i + 1;
    const end = i > fieldStart && bytes[i - 1] === 13 ? i - 1 : i; // drop a '\r' before '\n'
    if (count === this.#starts.length) this.#grow();
    this.#starts[count] = fieldStart;
    this.#ends[count] = end;
    this.fieldCount = count + 1;
    this.#lineStart = start;
    this.#lineEnd = end;
    this.lineNumber++;
    return true;
  }

  /** True when the current line is empty or only spaces and tabs. */
  isBlank(): boolean {
    for (let i = this.#lineStart; i < this.#lineEnd; i++) {
      const c = this.#bytes[i];
      if (c !== 32 && c !== 9) return false;
    }
    return true;
  }

  /** Field `index` as a number (`NaN` when it is not one); allocates nothing. */
  number(index: number): number {
    return parseDecimal(this.#bytes, this.#starts[index], this.#ends[index]);
  }

  /**
   * Field `index` as a boolean: `true`/`True`/`TRUE`/`1` → 1, `false`/`False`/`FALSE`/`0` → 0,
   * anything else → -1. Allocates nothing.
   */
  flag(index: number): 1 | 0 | -1 {
    const bytes = this.#bytes;
    const start = this.#starts[index];
    const length = this.#ends[index] - start;
    const first = bytes[start] | 32; // ASCII lower case
    if (length === 1) return first === 49 ? 1 : first === 48 ? 0 : -1; // '1' / '0'
    if (length === 4 && first === 116 && sameLetters(bytes, start, 'true')) return 1;
    if (length === 5 && first === 102 && sameLetters(bytes, start, 'false')) return 0;
    return -1;
  }

  /** Field `index` as trimmed text (allocates: for headers and error messages). */
  field(index: number): string {
    return utf8.decode(this.#bytes.subarray(this.#starts[index], this.#ends[index])).trim();
  }

  /** The whole current line, without its line break (allocates: for error messages). */
  line(): string {
    return utf8.decode(this.#bytes.subarray(this.#lineStart, this.#lineEnd));
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

function sameLetters(bytes: Uint8Array, start: number, lowerCase: string): boolean {
  for (let i = 0; i < lowerCase.length; i++) {
    if ((bytes[start + i] | 32) !== lowerCase.charCodeAt(i)) return false;
  }
  return true;
}
