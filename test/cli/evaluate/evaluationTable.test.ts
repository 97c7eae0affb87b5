import { describe, expect, it } from 'vitest';
import { evaluationRows, fixed, formatTable, percent } from '../../../src/cli/evaluate/evaluationTable.js';
import { evaluateSignals } from '../../../src/evaluation/evaluateSignals.js';

describe('evaluationRows and formatTable', () => {
  const evaluation = evaluateSignals([
    {
      name: 'one',
      intervalMs: 60_000,
      states: 3,
      close: [100, 101, 100, 102, 103, 104],
      state: [-1, 0, 0, 2, 2, 0],
      anomaly: [0, 1, 0, 0, 0, 0],
    },
  ]);

  it('one row per span and a pooled row, the model next to the EWMA baseline', () => {
    const { header, rows } = evaluationRows(evaluation);
    expect(header.slice(0, 5)).toEqual(['span', 'warm bars', 'Stable %', 'Volatile %', 'Crisis %']);
    expect(rows.map((r) => r[0])).toEqual(['one', 'pooled']);
    const row = rows[0];
    expect(row[1]).toBe('5');
    expect(row.slice(2, 5)).toEqual(['60.0 %', '0.0 %', '40.0 %']);
    expect(row[header.indexOf('anomalies')]).toBe('20.00 %');
    const auc = evaluation.spans[0];
    expect(row[header.indexOf('fwd AUC (EWMA)')]).toBe(
      `${fixed(auc.regime.forwardAuc, 3)} (${fixed(auc.ewma.forwardAuc, 3)})`,
    );
  });

  it('renders aligned text and Markdown, figures without data as n/a', () => {
    expect(formatTable(['a', 'bb'], [['x|y', '1']], 'markdown')).toBe(
      '| a | bb |\n| --- | ---: |\n| x\\|y | 1 |\n',
    );
    expect(formatTable(['a', 'bb'], [['xyz', '1']], 'text')).toBe('a    bb\n---  --\nxyz   1\n');
    expect(fixed(Number.NaN, 2)).toBe('n/a');
    expect(percent(Number.POSITIVE_INFINITY, 1)).toBe('n/a');
    expect(percent(0.1234, 1)).toBe('12.3 %');
  });
});
