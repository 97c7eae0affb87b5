import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RollingZScore } from '../../src/features/RollingZScore.js';
import { Scaler } from '../../src/features/Scaler.js';

describe('Scaler', () => {
  it('standardises to mean 0 and standard deviation 1 on the rows it was fitted on', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: -1e3, max: 1e3, noNaN: true }),
            fc.double({ min: 1, max: 2, noNaN: true }),
          ),
          {
            minLength: 3,
            maxLength: 50,
          },
        ),
        (rows) => {
          const scaler = Scaler.fit(rows);
          const z = rows.map((r) => Array.from(scaler.transform(r, new Float64Array(2))));
          const mean = z.reduce((s, r) => s + r[1], 0) / z.length;
          const variance = z.reduce((s, r) => s + (r[1] - mean) ** 2, 0) / z.length;
          const column = rows.map((r) => r[1]);
          const roundingOnly = Math.max(...column) - Math.min(...column) <= 1e-12 * Math.max(...column);
          if (roundingOnly) {
            // Constant up to rounding: scaled by 1, not blown up by a std made of rounding error.
            expect(scaler.std[1]).toBe(1);
            expect(Math.max(...z.map((r) => Math.abs(r[1])))).toBeLessThan(1e-9);
          } else {
            // Rounding in the column's mean is amplified by magnitude / std: allow exactly that much.
            const amplification = Math.max(...column) / scaler.std[1];
            expect(Math.abs(mean)).toBeLessThan(1e-9 + 1e-14 * amplification);
            expect(Math.abs(variance - 1)).toBeLessThan(1e-6 + 1e-14 * amplification);
          }
          expect(scaler.inverse(0, z[0][0])).toBeCloseTo(rows[0][0], 6);
        },
      ),
    );
  });

  it('scales a column that is constant up to rounding by 1', () => {
    const scaler = Scaler.fit([
      [0, 1],
      [0, 1.0000000000000002],
      [0, 1],
    ]);
    expect(Array.from(scaler.std)).toEqual([1, 1]);
  });

  it('refuses a non-positive std, naming the field', () => {
    expect(() => Scaler.fromJSON({ mean: [0, 0], std: [1, 0] }, 2)).toThrow(/scaler\.std\[1\]/);
    expect(() => Scaler.fromJSON({ mean: [0], std: [1, 1] }, 2)).toThrow(/scaler\.mean/);
  });
});

describe('RollingZScore', () => {
  it('is the z-score against the last 20 values (sample std), computed directly', () => {
    const values = Array.from({ length: 60 }, (_, t) => Math.sin(t) * 3 + t / 10);
    const z = new RollingZScore(1, 20);
    const out = new Float64Array(1);
    values.forEach((v, t) => {
      z.transform([v], out);
      if (t < 19) return;
      const w = values.slice(t - 19, t + 1);
      const m = w.reduce((a, b) => a + b) / 20;
      const sd = Math.sqrt(w.reduce((a, b) => a + (b - m) ** 2, 0) / 19);
      expect(out[0]).toBeCloseTo((v - m) / sd, 12);
    });
  });

  it('standardises a lasting crisis away, where frozen statistics keep seeing it', () => {
    // 100 calm bars around 1, then 60 bars of turmoil around 5.
    const series = Array.from({ length: 160 }, (_, t) => (t < 100 ? 1 : 5) + 0.1 * Math.sin(t * 1.7));
    const rolling = new RollingZScore(1, 20);
    const frozen = Scaler.fit(series.slice(0, 100).map((v) => [v]));
    const r = new Float64Array(1);
    const f = new Float64Array(1);
    for (const v of series) {
      rolling.transform([v], r);
      frozen.transform([v], f);
    }
    expect(Math.abs(r[0])).toBeLessThan(3);
    expect(f[0]).toBeGreaterThan(30);
  });

  it('continues identically after snapshot → JSON → restore', () => {
    const values = Array.from({ length: 50 }, (_, t) => [Math.cos(t), t % 7]);
    const a = new RollingZScore(2, 20);
    const outA: number[][] = [];
    for (const v of values) outA.push(Array.from(a.transform(v, new Float64Array(2))));
    const b = new RollingZScore(2, 20);
    for (const v of values.slice(0, 33)) b.transform(v, new Float64Array(2));
    const c = new RollingZScore(2, 20);
    c.restore(JSON.parse(JSON.stringify(b.snapshot())));
    const outC = values.slice(33).map((v) => Array.from(c.transform(v, new Float64Array(2))));
    expect(outC).toEqual(outA.slice(33));
    expect(() => c.restore({ windows: [[1]] })).toThrow(/normalizer\.windows/);
  });
});
