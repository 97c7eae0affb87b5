import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createRegimeDetector } from '../../src/index.js';
import { readKlines } from '../../src/node/index.js';

const SAMPLE = 'fixtures/replay/BTCUSDT-1m-2024-11-30_2024-12-29.csv.gz';

describe('npm run example (examples/quickstart.ts)', () => {
  it('prints exactly the regime changes and the counts of the detector run directly on the bundled sample', async () => {
    const run = spawnSync('npx', ['tsx', 'examples/quickstart.ts'], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');

    const detector = createRegimeDetector({ symbol: 'BTCUSDT' });
    const labels = detector.model.labels;
    const expected: { time: string; from: string; to: string; p: number[]; close: number }[] = [];
    let previous = -1;
    for await (const bar of readKlines(SAMPLE)) {
      for (const s of detector.pushBar(bar)) {
        if (!s.warm) continue;
        if (s.regime.changed) {
          expected.push({
            time: new Date(s.bar.openTime).toISOString().slice(0, 16),
            from: labels[previous],
            to: labels[s.regime.state],
            p: s.regime.probabilities,
            close: s.bar.close,
          });
        }
        previous = s.regime.state;
      }
    }
    const stats = detector.stats();
    expect(expected.length).toBeGreaterThan(10);

    const changeLines = lines.filter((l) => /^\d{4}-\d\d-\d\d \d\d:\d\d /.test(l));
    expect(changeLines).toHaveLength(expected.length);
    changeLines.forEach((line, i) => {
      const [date, time, from, arrow, to, p, close] = line.trim().split(/\s+/);
      const want = expected[i];
      expect(`${date}T${time}`).toBe(want.time);
      expect([from, arrow, to]).toEqual([want.from, '→', want.to]);
      const printed = p.split('/').map(Number);
      for (let j = 0; j < printed.length; j++)
        expect(Math.abs(printed[j] - want.p[j])).toBeLessThanOrEqual(0.005 + 1e-12);
      expect(Number(close)).toBeCloseTo(want.close, 2);
    });

    const summary = lines[lines.length - 1];
    expect(summary).toContain(`${stats.signals} bars (${stats.coldBars} warm-up)`);
    expect(summary).toContain(`${stats.regimeChanges} regime changes`);
    expect(summary).toContain(`${stats.anomalies} anomalies`);
  }, 60_000);
});
