import { describe, expect, it } from 'vitest';
import { CsvCursor } from '../../src/node/CsvCursor.js';

function lines(...pieces: string[]): { line: number; fields: string[]; blank: boolean }[] {
  const cursor = new CsvCursor();
  const out: { line: number; fields: string[]; blank: boolean }[] = [];
  for (const piece of pieces) {
    cursor.load(new TextEncoder().encode(piece));
    while (cursor.next()) {
      const fields = Array.from({ length: cursor.fieldCount }, (_, i) => cursor.field(i));
      out.push({ line: cursor.lineNumber, fields, blank: cursor.isBlank() });
    }
  }
  return out;
}

describe('CsvCursor', () => {
  it('splits lines and fields, with \\n or \\r\\n, and numbers lines across pieces', () => {
    expect(lines('a,b,c\r\n1,2,3\n', '\n4,5\n', '6')).toEqual([
      { line: 1, fields: ['a', 'b', 'c'], blank: false },
      { line: 2, fields: ['1', '2', '3'], blank: false },
      { line: 3, fields: [''], blank: true },
      { line: 4, fields: ['4', '5'], blank: false },
      { line: 5, fields: ['6'], blank: false },
    ]);
  });

  it('keeps empty fields and handles lines without commas next to lines with many', () => {
    const many = Array.from({ length: 40 }, (_, i) => String(i)).join(',');
    expect(lines(`x\ny\n,,\n${many}\nz`).map((l) => l.fields)).toEqual([
      ['x'],
      ['y'],
      ['', '', ''],
      many.split(','),
      ['z'],
    ]);
  });

  it('parses numbers and true/false flags in place', () => {
    const cursor = new CsvCursor();
    cursor.load(new TextEncoder().encode('87648.21000000,True,false,1,0,TRUE,yes,,1e3\n'));
    expect(cursor.next()).toBe(true);
    expect(cursor.number(0)).toBe(87648.21);
    expect([1, 2, 3, 4, 5, 6, 7].map((i) => cursor.flag(i))).toEqual([1, 0, 1, 0, 1, -1, -1]);
    expect(cursor.number(7)).toBeNaN();
    expect(cursor.number(8)).toBe(1000);
    expect(cursor.line()).toBe('87648.21000000,True,false,1,0,TRUE,yes,,1e3');
    expect(cursor.next()).toBe(false);
  });
});
