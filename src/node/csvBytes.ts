import { createReadStream, type ReadStream } from 'node:fs';
import type { Transform } from 'node:stream';
import { createGunzip, createInflateRaw } from 'node:zlib';
import { findCsvEntry } from './zipEntry.js';

/**
 * Longest line {@link csvBytes} accepts: 1 MiB (a Binance row is under 200 bytes). Reads are at
 * most this size, so every longer line spans reads and is caught.
 */
export const defaultMaxLineBytes = 1 << 20;

/**
 * Thrown by {@link csvBytes} when a line is longer than its limit (e.g. a file of zeros with no
 * line break). The line is the one after the last line break yielded so far; readers, which count
 * lines, rethrow it naming the line number.
 *
 * @example
 * ```ts
 * try { for await (const piece of csvBytes(path)) use(piece); }
 * catch (error) { if (error instanceof CsvLineTooLongError) console.error(error.maxLineBytes); }
 * ```
 */
export class CsvLineTooLongError extends Error {
  constructor(
    readonly path: string,
    readonly maxLineBytes: number,
  ) {
    super(`${path}: a line is longer than ${maxLineBytes} bytes (no line break); not a CSV file?`);
    this.name = 'CsvLineTooLongError';
  }
}

/**
 * Streams the bytes of a `.csv`, `.csv.gz` or `.zip` file (the first `.csv` entry of the archive,
 * as in Binance's public data exports) in pieces that each end at a line break; only the last
 * piece may end without one. A UTF-8 byte-order mark at the start is dropped. Memory stays bounded
 * by the read buffer (1 MiB) plus the longest line (at most 1 MiB), whatever the file size, and time is linear in
 * the file's size: a line spread over many reads is gathered once, not re-copied on every read.
 * A line longer than {@link defaultMaxLineBytes} throws {@link CsvLineTooLongError}.
 *
 * The format follows the file name's ending (`.gz`, `.zip`, anything else is plain text).
 * Errors name the file and say what went wrong (missing file, corrupt archive, no CSV inside).
 *
 * @example
 * ```ts
 * for await (const piece of csvBytes('BTCUSDT-aggTrades-2026-01-01.zip')) process.stdout.write(piece);
 * ```
 */
export async function* csvBytes(
  path: string,
  maxLineBytes = defaultMaxLineBytes,
): AsyncGenerator<Uint8Array> {
  // The unfinished line, as the reads that hold it (joined once, when its break arrives).
  let rest: Uint8Array[] = [];
  let restLength = 0;
  let first = true;
  for await (let bytes of fileBytes(path)) {
    if (first && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      bytes = bytes.subarray(3);
    }
    first = false;
    const lastBreak = bytes.lastIndexOf(10); // '\n'
    if (lastBreak < 0) {
      rest.push(bytes);
      restLength += bytes.length;
      if (restLength > maxLineBytes) throw new CsvLineTooLongError(path, maxLineBytes);
      continue;
    }
    if (restLength > 0 && restLength + bytes.indexOf(10) > maxLineBytes) {
      throw new CsvLineTooLongError(path, maxLineBytes);
    }
    const piece = bytes.subarray(0, lastBreak + 1);
    yield restLength > 0 ? join([...rest, piece], restLength + piece.length) : piece;
    rest = [bytes.subarray(lastBreak + 1)];
    restLength = rest[0].length;
  }
  if (restLength > 0) yield join(rest, restLength);
}

function join(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

async function* fileBytes(path: string): AsyncGenerator<Uint8Array> {
  const lower = path.toLowerCase();
  let file: ReadStream | undefined;
  try {
    if (lower.endsWith('.zip')) {
      // Stream the CSV entry's bytes straight into zlib's native inflate (Binance zips are deflate).
      const entry = await findCsvEntry(path);
      if (entry.compressedSize === 0) return;
      const end = entry.dataStart + entry.compressedSize - 1;
      file = createReadStream(path, { start: entry.dataStart, end, highWaterMark: 1 << 20 });
      if (entry.method === 8)
        yield* inflated(file, createInflateRaw(), `${path}: corrupt zip entry ${entry.name}`);
      else yield* file;
    } else {
      file = createReadStream(path, { highWaterMark: 1 << 20 });
      if (lower.endsWith('.gz')) yield* inflated(file, createGunzip(), `${path}: not a valid gzip file`);
      else yield* file;
    }
  } catch (error) {
    throw describeError(path, error);
  } finally {
    file?.destroy();
  }
}

async function* inflated(file: ReadStream, inflate: Transform, corrupt: string): AsyncGenerator<Uint8Array> {
  file.once('error', (error) => inflate.destroy(error));
  try {
    for await (const chunk of file.pipe(inflate)) yield chunk as Uint8Array;
  } catch (error) {
    if (isZlibError(error)) throw new Error(`${corrupt} (${(error as Error).message})`);
    throw error;
  } finally {
    inflate.destroy();
  }
}

function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

function describeError(path: string, error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return new Error(`${path}: no such file`);
  if (code === 'EISDIR') return new Error(`${path}: is a directory, expected a .csv, .csv.gz or .zip file`);
  if (code === 'EACCES') return new Error(`${path}: permission denied`);
  return error;
}
