import { open } from 'node:fs/promises';

/** Where the data of one file inside a zip archive lies, from the archive's central directory. */
export interface ZipEntry {
  /** Name of the entry inside the archive. */
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: 0 | 8;
  /** Byte offset of the entry's (compressed) data in the archive. */
  dataStart: number;
  /** Length of the compressed data in bytes. */
  compressedSize: number;
}

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
/** The end-of-directory record is 22 bytes plus a comment of up to 65 535. */
const MAX_TAIL = 22 + 0xffff;

/**
 * Finds the first entry of a zip archive whose name ends with `.csv` (Binance's exports hold
 * exactly one), reading only the archive's central directory, so the entry's data can then be
 * streamed straight from the file into zlib's native inflate. Archives whose sizes need ZIP64
 * (over 4 GiB) and compression methods other than stored and deflate are refused with an error
 * that says so.
 *
 * @example
 * ```ts
 * const entry = await findCsvEntry('BTCUSDT-aggTrades-2026-01-01.zip');
 * createReadStream(path, { start: entry.dataStart, end: entry.dataStart + entry.compressedSize - 1 });
 * ```
 */
export async function findCsvEntry(path: string): Promise<ZipEntry> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const tailLength = Math.min(size, MAX_TAIL);
    const tail = await readAt(file, size - tailLength, tailLength);
    let end = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === END_OF_DIRECTORY) {
        end = i;
        break;
      }
    }
    if (end < 0) throw new Error(`${path}: not a zip archive (no end-of-central-directory record)`);
    const entries = tail.readUInt16LE(end + 10);
    const directorySize = tail.readUInt32LE(end + 12);
    const directoryOffset = tail.readUInt32LE(end + 16);
    if (directoryOffset === 0xffffffff) throw unsupported(path, 'ZIP64 archives (over 4 GiB)');
    const directory = await readAt(file, directoryOffset, directorySize);
    let at = 0;
    for (let n = 0; n < entries && at + 46 <= directory.length; n++) {
      if (directory.readUInt32LE(at) !== DIRECTORY_ENTRY) break;
      const method = directory.readUInt16LE(at + 10);
      const compressedSize = directory.readUInt32LE(at + 20);
      const nameLength = directory.readUInt16LE(at + 28);
      const next = at + 46 + nameLength + directory.readUInt16LE(at + 30) + directory.readUInt16LE(at + 32);
      const name = directory.toString('utf8', at + 46, at + 46 + nameLength);
      const localHeader = directory.readUInt32LE(at + 42);
      at = next;
      if (!name.toLowerCase().endsWith('.csv')) continue;
      if (method !== 0 && method !== 8) throw unsupported(path, `compression method ${method} (of ${name})`);
      if (compressedSize === 0xffffffff || localHeader === 0xffffffff)
        throw unsupported(path, 'ZIP64 archives');
      const local = await readAt(file, localHeader, 30);
      if (local.readUInt32LE(0) !== LOCAL_HEADER)
        throw new Error(`${path}: corrupt zip archive (bad local header of ${name})`);
      const dataStart = localHeader + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      return { name, method, dataStart, compressedSize };
    }
    throw new Error(`${path}: no .csv file inside the zip archive`);
  } finally {
    await file.close();
  }
}

async function readAt(
  file: Awaited<ReturnType<typeof open>>,
  position: number,
  length: number,
): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

function unsupported(path: string, what: string): Error {
  return new Error(`${path}: ${what} are not supported; unzip the file and read the .csv`);
}
