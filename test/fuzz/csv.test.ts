import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BarAggregator } from '../../src/bars/BarAggregator.js';
import type { Bar } from '../../src/bars/bar.js';
import type { Trade } from '../../src/bars/trade.js';
import type { MalformedLine } from '../../src/node/ReaderStats.js';
import { readAggTrades } from '../../src/node/readAggTrades.js';
import { readKlines } from '../../src/node/readKlines.js';
import { FORMATS, tempDir } from '../node/tempFiles.js';
import { firstNonFinite, hostileValue } from './hostileValues.js';

const dir = tempDir();
afterAll(() => dir.cleanup());

const START_MS = 1_767_225_600_000;

/** A cell as a hostile export may write it: a hostile number or value printed with String(). */
const hostileCell = fc.oneof(
  hostileValue.map((v) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))),
  fc.constantFrom('', '"', '""', '"1,2"', ' 1', '1 ', '1e400', '-1e400', '0x1F', '1_000', '١٢٣', '\u0000'),
  fc.string({ maxLength: 6 }),
);

/** A line that is not a row of this file: too few or too many cells, or bytes that are no CSV at all. */
const garbageLine = fc.oneof(
  fc.string({ maxLength: 40 }).filter((s) => !/[\r\n]/.test(s) && s.split(',').length < 5),
  fc.constantFrom('\ufeff', ',,,,,,,,,,,,,,,,,,,,,,,', 'id,price', '"unterminated, quote'),
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 13, maxLength: 20 }).map((a) => a.join(',')),
);

type LineKind = 'valid' | 'hostile' | 'garbage';

async function readAll<T>(
  iterable: AsyncIterable<T>,
): Promise<{ items: T[]; error: unknown; malformed: MalformedLine[] }> {
  const items: T[] = [];
  try {
    for await (const item of iterable) items.push(item);
    return { items, error: undefined, malformed: [] };
  } catch (error) {
    return { items, error, malformed: [] };
  }
}

/** True when `wanted` appears in `items` in order (not necessarily contiguously), compared deeply. */
function subsequence<T>(wanted: readonly T[], items: readonly T[]): boolean {
  let i = 0;
  for (const item of items) if (i < wanted.length && JSON.stringify(item) === JSON.stringify(wanted[i])) i++;
  return i === wanted.length;
}

describe('fuzz: hostile CSV lines through the file readers', () => {
  it('readAggTrades: never throws after a readable first row; every line is a trade or reported as malformed', async () => {
    const line = fc.record({
      kind: fc.constantFrom<LineKind>('valid', 'valid', 'valid', 'hostile', 'garbage'),
      price: fc.integer({ min: 1, max: 10_000_000 }),
      qty: fc.integer({ min: 0, max: 10_000_000 }),
      step: fc.integer({ min: 0, max: 5_000 }),
      column: fc.integer({ min: 0, max: 6 }),
      cell: hostileCell,
      garbage: garbageLine,
      eol: fc.constantFrom('\n', '\r\n'),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 60 }),
        fc.constantFrom(...FORMATS),
        async (lines, format) => {
          let ms = START_MS;
          let id = 1;
          const expected: (Trade | undefined)[] = [];
          const text = [`${id},87000.00,1.00000,${id},${id},${ms},false,true\n`];
          expected.push({
            time: ms,
            price: 87_000,
            qty: 1,
            isBuyerMaker: false,
            id,
            firstId: id,
            lastId: id,
          });
          for (const l of lines) {
            ms += l.step;
            id++;
            const cells = [
              id,
              (l.price / 100).toFixed(2),
              (l.qty / 1e5).toFixed(5),
              id,
              id,
              ms,
              'true',
              'true',
            ].map(String);
            if (l.kind === 'hostile') cells[l.column] = l.cell;
            text.push(`${l.kind === 'garbage' ? l.garbage : cells.join(',')}${l.eol}`);
            expected.push(
              l.kind === 'valid'
                ? {
                    time: ms,
                    price: l.price / 100,
                    qty: l.qty / 1e5,
                    isBuyerMaker: true,
                    id,
                    firstId: id,
                    lastId: id,
                  }
                : undefined,
            );
          }
          const malformed: MalformedLine[] = [];
          const reader = readAggTrades(dir.write('BTCUSDT-aggTrades-fuzz', text.join(''), format), {
            onMalformed: (m) => malformed.push(m),
          });
          const { items, error } = await readAll(reader);
          expect(error).toBeUndefined();
          const stats = reader.stats();
          const blank = lines.filter((l) => l.kind === 'garbage' && l.garbage.trim() === '').length;
          expect(stats.rows + stats.malformed).toBeGreaterThanOrEqual(expected.length - blank);
          expect(stats.malformed).toBe(malformed.length);
          for (const t of items) expect(firstNonFinite(t)).toBeUndefined();
          // Every valid line is read exactly, in order, with its symbol from the file name (a hostile
          // line may read as a trade too, e.g. with another id, so the valid ones form a subsequence).
          const validTrades = expected
            .filter((t) => t !== undefined)
            .map((t) => ({ ...t, symbol: 'BTCUSDT' }));
          expect(subsequence(validTrades, items)).toBe(true);
          // Whatever a hostile line turned into, the aggregator takes it or counts it: nothing escapes.
          const agg = new BarAggregator();
          const bars: Bar[] = [];
          for (const t of items) bars.push(...agg.push(t));
          bars.push(...agg.flush());
          for (const b of bars) expect(firstNonFinite(b)).toBeUndefined();
          const s = agg.stats();
          expect(s.accepted + s.duplicates + s.late + s.invalid).toBe(items.length);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('readKlines: never throws after a readable first row; every line is a bar or reported as malformed', async () => {
    const line = fc.record({
      kind: fc.constantFrom<LineKind>('valid', 'valid', 'valid', 'hostile', 'garbage'),
      column: fc.integer({ min: 0, max: 11 }),
      cell: hostileCell,
      garbage: garbageLine,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 60 }),
        fc.constantFrom(...FORMATS),
        async (lines, format) => {
          const row = (minute: number) => {
            const open = START_MS + minute * 60_000;
            return [
              open,
              '87000.00',
              '87010.00',
              '86990.00',
              '87005.00',
              '3.00000',
              open + 59_999,
              '261000.00',
              40,
              '1.50000',
              '130500.00',
              0,
            ].map(String);
          };
          const text = [`${row(0).join(',')}\n`];
          lines.forEach((l, i) => {
            const cells = row(i + 1);
            if (l.kind === 'hostile') cells[l.column] = l.cell;
            text.push(`${l.kind === 'garbage' ? l.garbage : cells.join(',')}\n`);
          });
          const malformed: MalformedLine[] = [];
          const reader = readKlines(dir.write('BTCUSDT-1m-fuzz', text.join(''), format), {
            onMalformed: (m) => malformed.push(m),
          });
          const { items, error } = await readAll(reader);
          expect(error).toBeUndefined();
          expect(reader.stats().malformed).toBe(malformed.length);
          for (const b of items) expect(firstNonFinite(b)).toBeUndefined();
          const validOpenTimes = [0, ...lines.flatMap((l, i) => (l.kind === 'valid' ? [i + 1] : []))].map(
            (m) => START_MS + m * 60_000,
          );
          const readOpenTimes = new Set(items.map((b) => b.openTime));
          for (const t of validOpenTimes) expect(readOpenTimes.has(t)).toBe(true);
        },
      ),
      {
        numRuns: 25,
        // An open time in seconds so large that it is −Infinity in ms (it was read as a bar).
        examples: [[[{ kind: 'hostile', column: 0, cell: '-1e+308', garbage: '' }], 'csv']],
      },
    );
  });
});
