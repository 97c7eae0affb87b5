import { createReadStream, type ReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Unzip, UnzipInflate, UnzipPassThrough } from 'fflate';

/**
 * Streams the text of a `.csv`, `.csv.gz` or `.zip` file (the first `.csv` entry of the archive,
 * as in Binance's public data exports) in pieces that each end at a line break; only the last
 * piece may end without one. Memory stays bounded by the read buffer, whatever the file size.
 *
 * The format follows the file name's ending (`.gz`, `.zip`, anything else is plain text).
 * Errors name the file and say what went wrong (missing file, corrupt archive, no CSV inside).
 *
 * @example
 * ```ts
 * for await (const text of csvText('BTCUSDT-aggTrades-2026-01-01.zip')) process.stdout.write(text);
 * ```
 */
export async function* csvText(path: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  for await (const bytes of fileBytes(path)) {
    const text = rest + decoder.decode(bytes, { stream: true });
    const lastBreak = text.lastIndexOf('\n');
    if (lastBreak < 0) {
      rest = text;
      continue;
    }
    rest = text.slice(lastBreak + 1);
    yield text.slice(0, lastBreak + 1);
  }
  const tail = rest + decoder.decode();
  if (tail.length > 0) yield tail;
}

async function* fileBytes(path: string): AsyncGenerator<Uint8Array> {
  const lower = path.toLowerCase();
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    if (lower.endsWith('.gz')) yield* gunzipped(path, file);
    else if (lower.endsWith('.zip')) yield* unzipped(path, file);
    else yield* file;
  } catch (error) {
    throw describeError(path, error);
  } finally {
    file.destroy();
  }
}

async function* gunzipped(path: string, file: ReadStream): AsyncGenerator<Uint8Array> {
  const gunzip = file.pipe(createGunzip());
  file.once('error', (error) => gunzip.destroy(error));
  try {
    for await (const chunk of gunzip) yield chunk as Uint8Array;
  } catch (error) {
    if (isZlibError(error)) throw new Error(`${path}: not a valid gzip file (${(error as Error).message})`);
    throw error;
  } finally {
    gunzip.destroy();
  }
}

async function* unzipped(path: string, file: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  // fflate inflates synchronously inside push(): collect what one compressed chunk gives, then yield it.
  const inflated: Uint8Array[] = [];
  let entry = '';
  let failure: Error | undefined;
  const unzip = new Unzip((member) => {
    if (entry !== '' || !member.name.toLowerCase().endsWith('.csv')) return;
    entry = member.name;
    member.ondata = (error, data) => {
      if (error) failure = new Error(`${path}: cannot inflate ${member.name} (${error.message})`);
      else inflated.push(data);
    };
    member.start();
  });
  unzip.register(UnzipInflate);
  unzip.register(UnzipPassThrough);
  for await (const chunk of file) {
    unzip.push(chunk);
    if (failure) throw failure;
    yield* inflated;
    inflated.length = 0;
  }
  unzip.push(new Uint8Array(0), true);
  if (failure) throw failure;
  yield* inflated;
  if (entry === '') throw new Error(`${path}: no .csv file inside the zip archive`);
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
