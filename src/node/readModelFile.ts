import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { loadModel } from '../models/loadModel.js';
import type { RegimeModel } from '../models/RegimeModel.js';

/** Largest model file {@link readModelFile} reads by default: 64 MiB (the shipped ones are ~1 MB). */
export const MAX_MODEL_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Reads a model file and loads it with {@link loadModel}, refusing anything that is not a regular
 * file (a directory, a FIFO, a device such as `/dev/zero`) and enforcing the size limit *while
 * reading*: at most `maxBytes` + 1 bytes are ever read, so a file that is huge, or grows while it
 * is read, cannot exhaust memory. Errors name the file and say what is wrong.
 *
 * @example
 * ```ts
 * const detector = createRegimeDetector({ model: readModelFile('my-model.json') });
 * readModelFile('/dev/zero'); // Error: /dev/zero: not a regular file (a character device)
 * ```
 */
export function readModelFile(path: string, maxBytes = MAX_MODEL_FILE_BYTES): RegimeModel {
  return loadModel(readBoundedText(path, maxBytes));
}

/**
 * The UTF-8 text of the regular file at `path`, or an error when it is not a regular file or holds
 * more than `maxBytes` bytes (found out while reading, never by reading it all).
 */
function readBoundedText(path: string, maxBytes: number): string {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below anyway.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT') throw new Error(`${path}: no such file`);
    if (code === 'EACCES') throw new Error(`${path}: permission denied`);
    throw new Error(`${path}: cannot open (${(error as Error).message})`);
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new Error(`${path}: not a regular file (${fileKind(info)})`);
    if (info.size > maxBytes) throw new Error(`${path}: ${info.size} bytes, over the limit of ${maxBytes}`);
    const buffer = Buffer.allocUnsafe(Math.min(maxBytes + 1, info.size + 65_536));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        throw new Error(`${path}: grew while being read, over the limit of ${maxBytes} bytes`);
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > maxBytes) throw new Error(`${path}: more than ${maxBytes} bytes, over the limit`);
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

function fileKind(info: ReturnType<typeof fstatSync>): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a file';
}
