import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_MODEL_FILE_BYTES, readModelFile } from '../../src/node/readModelFile.js';
import { tempDir } from './tempFiles.js';

const files = tempDir();
afterAll(files.cleanup);
const dir = files.writeBytes('model.json', new Uint8Array()).replace(/model\.json$/, '');

describe('readModelFile', () => {
  it('loads a model file', () => {
    const path = join(dir, 'btcusdt.json');
    copyFileSync('models/btcusdt-1m.json', path);
    expect(readModelFile(path).labels).toEqual(['Stable', 'Volatile', 'Crisis']);
  });

  it('refuses /dev/zero, a directory and a FIFO without reading them', () => {
    expect(() => readModelFile('/dev/zero')).toThrow('/dev/zero: not a regular file (a character device)');
    mkdirSync(join(dir, 'folder.json'));
    expect(() => readModelFile(join(dir, 'folder.json'))).toThrow(
      /folder\.json: not a regular file \(a directory\)/,
    );
    const fifo = join(dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    // A FIFO with no writer: opening it for reading would block forever without O_NONBLOCK.
    expect(() => readModelFile(fifo)).toThrow(/fifo\.json: not a regular file \(a FIFO\)/);
    expect(() => readModelFile(join(dir, 'missing.json'))).toThrow(/missing\.json: no such file/);
  });

  it('refuses a file over the limit by its size, and stops reading at the limit', () => {
    const huge = join(dir, 'huge.json');
    writeFileSync(huge, '');
    truncateSync(huge, MAX_MODEL_FILE_BYTES + 1); // sparse: no disk used
    expect(() => readModelFile(huge)).toThrow(/huge\.json: 67108865 bytes, over the limit of 67108864/);
    const small = join(dir, 'small.json');
    writeFileSync(small, `{"format":"${'x'.repeat(2000)}"}`);
    expect(() => readModelFile(small, 1000)).toThrow(/small\.json: \d+ bytes, over the limit of 1000/);
  });
});
