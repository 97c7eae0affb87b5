import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { csvBytes, defaultMaxLineBytes } from '../../src/node/csvBytes.js';
import { readAggTrades } from '../../src/node/readAggTrades.js';
import { readKlines } from '../../src/node/readKlines.js';
import { collect, tempDir } from './tempFiles.js';

const files = tempDir();
afterAll(files.cleanup);

const kline = (minute: number) =>
  `${minute * 60_000},1,2,0.5,1.5,10,${minute * 60_000 + 59_999},15,3,5,7.5,0`;

describe('csvBytes: lines without a break', () => {
  it('refuses a gzip of zeros (no line break) with an error naming line 1, without holding it all', async () => {
    // 8 MiB of zeros gzip to ~8 KB; zlib hands them out 16 KiB at a time.
    const zeros = files.writeBytes('zeros.csv.gz', gzipSync(new Uint8Array(8 << 20).fill(0x30)));
    await expect(collect(readKlines(zeros))).rejects.toThrow(
      /zeros\.csv\.gz: line 1 is longer than 1048576 bytes \(no line break\)/,
    );
    await expect(collect(readAggTrades(zeros))).rejects.toThrow(/line 1 is longer than 1048576 bytes/);
  });

  it('names the overlong line after good ones', async () => {
    const good = ['open_time,open,high,low,close,volume', kline(1), kline(2), kline(3)].join('\n');
    const bytes = new Uint8Array([
      ...new TextEncoder().encode(`${good}\n`),
      ...new Uint8Array(3 << 20).fill(0x31),
    ]);
    const file = files.writeBytes('tail.csv.gz', gzipSync(bytes));
    await expect(collect(readKlines(file))).rejects.toThrow(
      /tail\.csv\.gz: line 5 is longer than 1048576 bytes/,
    );
    // Just over the limit, in a plain file read 1 MiB at a time: the line spans two reads.
    const plain = files.writeBytes(
      'over.csv',
      new TextEncoder().encode(`${good}\n${'2'.repeat(defaultMaxLineBytes + 1)}\n`),
    );
    await expect(collect(readKlines(plain))).rejects.toThrow(
      /over\.csv: line 5 is longer than 1048576 bytes/,
    );
  });

  it('keeps a long line under the limit whole across many reads, and the lines around it', async () => {
    const long = 'x'.repeat(defaultMaxLineBytes - 10);
    const text = `a,b\n${long}\nc,d\n`;
    const pieces: Uint8Array[] = [];
    for await (const piece of csvBytes(
      files.writeBytes('long.csv.gz', gzipSync(new TextEncoder().encode(text))),
    )) {
      pieces.push(piece);
    }
    expect(new TextDecoder().decode(Buffer.concat(pieces))).toBe(text);
    for (const piece of pieces.slice(0, -1)) expect(piece.at(-1)).toBe(10);
  });
});
