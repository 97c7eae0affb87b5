import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { strToU8, Zip, ZipDeflate, zipSync } from 'fflate';

/**
 * The file formats the readers accept: `zip` deflates the CSV after another entry, `zip-stored`
 * keeps it uncompressed, `zip-stream` is written the way streaming tools do (data descriptors).
 */
export const FORMATS = ['csv', 'csv.gz', 'zip', 'zip-stored', 'zip-stream'] as const;
export type Format = (typeof FORMATS)[number];

/** A temporary directory for one test file, removed by `cleanup()`. */
export function tempDir(): {
  write: (name: string, text: string, format?: Format) => string;
  writeBytes: (fileName: string, bytes: Uint8Array) => string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'microstream-node-'));
  return {
    writeBytes: (fileName, bytes) => save(join(dir, fileName), bytes),
    write(name, text, format = 'csv') {
      const bytes = strToU8(text);
      if (format === 'csv') return save(join(dir, `${name}.csv`), bytes);
      if (format === 'csv.gz') return save(join(dir, `${name}.csv.gz`), gzipSync(bytes));
      if (format === 'zip') {
        return save(
          join(dir, `${name}.zip`),
          zipSync({ 'README.txt': strToU8('not data'), [`${name}.csv`]: bytes }),
        );
      }
      if (format === 'zip-stored') {
        return save(join(dir, `${name}.zip`), zipSync({ [`${name}.csv`]: [bytes, { level: 0 }] }));
      }
      return save(join(dir, `${name}.zip`), streamedZip(`${name}.csv`, bytes));
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function save(path: string, bytes: Uint8Array): string {
  writeFileSync(path, bytes);
  return path;
}

/** A zip written the way streaming tools write them: sizes in a data descriptor after the data. */
function streamedZip(name: string, bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  const zip = new Zip((error, chunk) => {
    if (error) throw error;
    parts.push(chunk);
  });
  const entry = new ZipDeflate(name, { level: 6 });
  zip.add(entry);
  for (let i = 0; i < bytes.length; i += 65_536) entry.push(bytes.subarray(i, i + 65_536));
  entry.push(new Uint8Array(0), true);
  zip.end();
  return Buffer.concat(parts);
}

/** Collects an async iterable into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
