import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FeatureStage } from '../../src/features/FeatureStage.js';
import {
  DEFAULT_FEATURES,
  type FeatureBaseline,
  type FeatureSet,
  MICROSTRUCTURE_FEATURES,
  parseFeatureSet,
} from '../../src/features/featureSpec.js';
import { gapBarAfter, readKlineCsv } from './klineCsv.js';

const bars = readKlineCsv('fixtures/features/LINKUSDT-1m-2023-02-01-head400.csv', 'LINKUSDT');
const spec = parseFeatureSet(JSON.parse(readFileSync('fixtures/features/spec.json', 'utf8')));
const golden = JSON.parse(readFileSync('fixtures/features/golden.json', 'utf8')) as {
  firstWarmBar: number;
  rows: number[][];
};

describe('FeatureStage', () => {
  it('matches the numpy reference (scripts/features-golden.py) on every warm bar of real klines', () => {
    const stage = new FeatureStage(spec);
    let checked = 0;
    bars.forEach((bar, t) => {
      const x = stage.push(bar);
      if (t < golden.firstWarmBar) return;
      const want = golden.rows[t - golden.firstWarmBar];
      for (let j = 0; j < spec.length; j++) {
        expect(x[j], `${spec[j].name} at bar ${t}`).toBeCloseTo(want[j], 10);
        expect(Math.abs(x[j] - want[j])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want[j])));
      }
      checked++;
    });
    expect(checked).toBe(golden.rows.length);
  });

  it('is cold exactly until every window is full (the reference’s first all-finite row)', () => {
    const stage = new FeatureStage(spec);
    expect(stage.warmUp).toBe(golden.firstWarmBar);
    bars.slice(0, 60).forEach((bar, t) => {
      stage.push(bar);
      expect(stage.warm).toBe(t >= golden.firstWarmBar);
    });
    stage.reset();
    expect(stage.warm).toBe(false);
    expect(stage.bars).toBe(0);
  });

  it('reads a gap bar as a minute without trading', () => {
    const stage = new FeatureStage(spec);
    for (const bar of bars.slice(0, 100)) stage.push(bar);
    const before = Float64Array.from(stage.values);
    const x = stage.push(gapBarAfter(bars[99]));
    const at = (name: string) => x[spec.findIndex((d) => d.name === name)];
    expect(at('logReturn')).toBe(0);
    expect(at('range')).toBe(0);
    expect(at('logRange')).toBe(Math.log(1e-5));
    expect(at('activity20')).toBe(0);
    expect(at('orderFlowImbalance')).toBe(0);
    expect(at('signedLogOfi')).toBe(0);
    expect(at('logAmihud')).toBe(Math.log(1e-6));
    expect(at('tradeIntensity10')).toBe(0);
    // No trades: the average trade size carries over.
    expect(at('logAverageTradeSize')).toBe(before[spec.findIndex((d) => d.name === 'logAverageTradeSize')]);
    // The zero return joins the volatility window: realized volatility falls.
    expect(at('logRealizedVol30')).toBeLessThan(before[spec.findIndex((d) => d.name === 'logRealizedVol30')]);
    expect(stage.warm).toBe(true);
    for (const v of x) expect(Number.isFinite(v)).toBe(true);
  });

  it('reads a silence longer than the window as no activity, and the first trades after it as a burst', () => {
    const stage = new FeatureStage(spec);
    for (const bar of bars.slice(0, 50)) stage.push(bar);
    let previous = bars[49];
    const at = (name: string) => stage.values[spec.findIndex((d) => d.name === name)];
    for (let i = 0; i < 30; i++) {
      previous = gapBarAfter(previous);
      stage.push(previous);
      expect(at('activity20')).toBe(0);
      expect(at('tradeIntensity10')).toBe(0);
    }
    stage.push({ ...bars[50], openTime: previous.openTime + 60_000 });
    expect(at('activity20')).toBe(20);
    expect(at('tradeIntensity10')).toBe(10);
  });

  it('gives scale-free features for the default and microstructure sets (price and volume units do not matter)', () => {
    const sets = [DEFAULT_FEATURES, MICROSTRUCTURE_FEATURES];
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        (p, q) => {
          const scaled = bars.slice(0, 80).map((b) => ({
            ...b,
            open: b.open * p,
            high: b.high * p,
            low: b.low * p,
            close: b.close * p,
            volume: b.volume * q,
            takerBuyVolume: (b.takerBuyVolume as number) * q,
          }));
          for (const set of sets) {
            const a = new FeatureStage(set);
            const b = new FeatureStage(set);
            for (let t = 0; t < scaled.length; t++) {
              const x = a.push(bars[t]);
              const y = b.push(scaled[t]);
              for (let j = 0; j < set.length; j++) expect(y[j]).toBeCloseTo(x[j], 9);
            }
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('names the feature and the column when a bar lacks what a feature needs', () => {
    const stage = new FeatureStage(spec);
    const { takerBuyVolume: _, ...ohlcvOnly } = bars[0];
    expect(() => stage.push(ohlcvOnly)).toThrow(/orderFlowImbalance needs bar\.takerBuyVolume/);
    const ohlcv = new FeatureStage(DEFAULT_FEATURES);
    const { trades: __, quoteVolume: ___, ...plain } = ohlcvOnly;
    expect(() => ohlcv.push(plain)).not.toThrow();
  });

  it('continues bit-for-bit after snapshot → JSON → restore at any bar', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 120 }), (cut) => {
        const whole = new FeatureStage(spec);
        const first = new FeatureStage(spec);
        const out: number[][] = [];
        const resumedOut: number[][] = [];
        bars.slice(0, 160).forEach((bar, t) => {
          out.push(Array.from(whole.push(bar)));
          if (t < cut) first.push(bar);
        });
        const resumed = new FeatureStage(spec);
        resumed.restore(JSON.parse(JSON.stringify(first.snapshot())));
        for (const bar of bars.slice(cut, 160)) {
          resumedOut.push(Array.from(resumed.push(bar)));
          if (resumed.bars === whole.bars) expect(resumed.warm).toBe(whole.warm);
        }
        expect(resumedOut).toEqual(out.slice(cut));
      }),
      { numRuns: 25 },
    );
  });

  it('rejects a snapshot of another feature set with the offending field named', () => {
    const stage = new FeatureStage(spec);
    stage.push(bars[0]);
    const snap = stage.snapshot();
    expect(() => new FeatureStage(DEFAULT_FEATURES).restore(snap)).toThrow(/features\.windows/);
    expect(() => stage.restore({ ...snap, bars: -1 })).toThrow(/features\.bars/);
    const badWindow = { ...snap, windows: snap.windows.map((w) => (w === null ? null : [...w, Number.NaN])) };
    expect(() => stage.restore(badWindow)).toThrow(/features\.windows\[3\]\[1\]/);
  });
});

describe('parseFeatureSet', () => {
  it('accepts the declared sets and names the field it rejects', () => {
    expect(parseFeatureSet(JSON.parse(JSON.stringify(DEFAULT_FEATURES)))).toEqual(DEFAULT_FEATURES);
    const bad = (change: Record<string, unknown>, i = 1) =>
      DEFAULT_FEATURES.map((d, j) => (j === i ? { ...d, ...change } : d));
    expect(() => parseFeatureSet(bad({ kind: 'vibes' }))).toThrow(/features\[1\]\.kind/);
    expect(() => parseFeatureSet(bad({ transform: 'sqrt' }))).toThrow(/features\[1\]\.transform/);
    expect(() => parseFeatureSet(bad({ offset: 0 }))).toThrow(/features\[1\]\.offset/);
    expect(() => parseFeatureSet(bad({ window: 1 }, 2))).toThrow(/features\[2\]\.window/);
    expect(() => parseFeatureSet(bad({ window: 5 }, 0))).toThrow(/features\[0\]\.window/);
    expect(() => parseFeatureSet(bad({ name: 'relativeReturn' }))).toThrow(/features\[1\]\.name.*duplicate/);
    expect(() => parseFeatureSet([])).toThrow(/features/);
  });

  it('validates baselines, naming the field, and refuses hostile values', () => {
    const base = DEFAULT_FEATURES[2].baseline as FeatureBaseline;
    const withBaseline = (baseline: unknown) =>
      DEFAULT_FEATURES.map((d, j) => (j === 2 ? { ...d, baseline } : d));
    expect(() => parseFeatureSet(withBaseline({ ...base, mode: 'ratio' }))).toThrow(
      /features\[2\]\.baseline\.mode/,
    );
    for (const halfLifeBars of [0, -5, 1.5, 1e12, '14400', null, Number.NaN])
      expect(() => parseFeatureSet(withBaseline({ ...base, halfLifeBars }))).toThrow(
        /features\[2\]\.baseline\.halfLifeBars/,
      );
    for (const minBars of [0, 2.5, 1e12, 'a day', Number.POSITIVE_INFINITY])
      expect(() => parseFeatureSet(withBaseline({ ...base, minBars }))).toThrow(
        /features\[2\]\.baseline\.minBars/,
      );
    expect(() => parseFeatureSet(withBaseline([base]))).toThrow(/features\[2\]\.baseline/);
    expect(() => parseFeatureSet(withBaseline('ewma'))).toThrow(/features\[2\]\.baseline/);
    // Canonical key order whatever the input's, so a model rewritten after loading keeps its bytes.
    const shuffled = parseFeatureSet(withBaseline({ minBars: 10, mode: 'difference', halfLifeBars: 20 }));
    expect(JSON.stringify(shuffled[2].baseline)).toBe('{"mode":"difference","halfLifeBars":20,"minBars":10}');
  });
});

describe("FeatureStage baselines (features relative to the symbol's own history)", () => {
  const H = 50;
  const MIN = 40;
  const set: FeatureSet = [
    {
      name: 'relReturn',
      kind: 'logReturn',
      transform: 'none',
      baseline: { mode: 'scale', halfLifeBars: H, minBars: MIN },
    },
    {
      name: 'relLogVol',
      kind: 'realizedVolatility',
      window: 10,
      transform: 'log',
      offset: 1e-6,
      baseline: { mode: 'difference', halfLifeBars: H, minBars: MIN },
    },
    { name: 'logReturn', kind: 'logReturn', transform: 'none' },
  ];
  const plain: FeatureSet = [
    { name: 'logReturn', kind: 'logReturn', transform: 'none' },
    { name: 'logVol', kind: 'realizedVolatility', window: 10, transform: 'log', offset: 1e-6 },
  ];

  it('subtracts (or divides by the RMS of) a bias-corrected EWMA of the previous warm values, computed here from its definition', () => {
    const stage = new FeatureStage(set);
    const reference = new FeatureStage(plain);
    // The baselines start once every window is full (10 bars), and the stage is warm MIN bars later.
    expect(stage.warmUp).toBe(10 + MIN);
    const a = 2 ** (-1 / H);
    const seen: number[][] = [[], []]; // absolute values that entered each baseline, oldest first
    bars.forEach((bar, t) => {
      const x = stage.push(bar);
      const raw = reference.push(bar);
      expect(stage.warm).toBe(t + 1 > 10 + MIN);
      expect(x[2]).toBe(raw[0]);
      // EWMA from its definition: weights a^(age), normalised by their sum.
      const ewma = (values: number[], f: (v: number) => number) => {
        let num = 0;
        let den = 0;
        values.forEach((v, i) => {
          const w = a ** (values.length - 1 - i);
          num += w * f(v);
          den += w;
        });
        return den > 0 ? num / den : Number.NaN;
      };
      if (seen[0].length === 0) {
        expect(x[0]).toBe(0);
        expect(x[1]).toBe(0);
      } else {
        expect(x[0]).toBeCloseTo(raw[0] / Math.sqrt(ewma(seen[0], (v) => v * v) + 1e-12), 9);
        expect(x[1]).toBeCloseTo(raw[1] - ewma(seen[1], (v) => v), 9);
      }
      if (t + 1 > 10) {
        seen[0].push(raw[0]);
        seen[1].push(raw[1]);
      }
    });
    expect(seen[0].length).toBe(bars.length - 10);
  });

  it('does not depend on the units of price or volume', () => {
    const a = new FeatureStage(set);
    const b = new FeatureStage(set);
    for (const bar of bars) {
      const x = a.push(bar);
      const y = b.push({
        ...bar,
        open: bar.open * 1e3,
        high: bar.high * 1e3,
        low: bar.low * 1e3,
        close: bar.close * 1e3,
      });
      for (let j = 0; j < 2; j++) expect(y[j]).toBeCloseTo(x[j], 6);
    }
  });

  it('continues bit-for-bit after snapshot → JSON → restore, and reset forgets the baselines', () => {
    for (const cut of [0, 5, 11, 49, 51, 200]) {
      const whole = new FeatureStage(set);
      const first = new FeatureStage(set);
      const out = bars.map((bar, t) => {
        if (t < cut) first.push(bar);
        return Array.from(whole.push(bar));
      });
      const resumed = new FeatureStage(set);
      resumed.restore(JSON.parse(JSON.stringify(first.snapshot())));
      expect(bars.slice(cut).map((bar) => Array.from(resumed.push(bar)))).toEqual(out.slice(cut));
    }
    const stage = new FeatureStage(set);
    for (const bar of bars) stage.push(bar);
    stage.reset();
    const fresh = new FeatureStage(set);
    expect(stage.snapshot()).toEqual(fresh.snapshot());
  });

  it('refuses a snapshot whose baselines are malformed, naming the field', () => {
    const stage = new FeatureStage(set);
    for (const bar of bars.slice(0, 30)) stage.push(bar);
    const snap = stage.snapshot();
    const b = snap.baselines as NonNullable<typeof snap.baselines>;
    const withBaseline = (i: number, v: unknown) => ({
      ...snap,
      baselines: b.map((x, j) => (j === i ? v : x)),
    });
    expect(() => stage.restore({ ...snap, baselines: undefined })).toThrow(/features\.baselines/);
    expect(() => stage.restore(withBaseline(0, { ...b[0], sum: -1 }))).toThrow(
      /features\.baselines\[0\]\.sum/,
    );
    expect(() => stage.restore(withBaseline(1, { ...b[1], weight: 1.5 }))).toThrow(
      /features\.baselines\[1\]\.weight/,
    );
    expect(() => stage.restore(withBaseline(1, { ...b[1], bars: 0 }))).toThrow(
      /features\.baselines\[1\]\.weight/,
    );
    expect(() => stage.restore(withBaseline(1, { ...b[1], sum: 'NaN' }))).toThrow(
      /features\.baselines\[1\]\.sum/,
    );
    expect(() => stage.restore(withBaseline(2, { sum: 0, weight: 0, bars: 0 }))).toThrow(
      /features\.baselines\[2\]/,
    );
    // A stage without baselines still restores snapshots taken before baselines existed.
    const old = new FeatureStage(plain);
    old.push(bars[0]);
    const { baselines: _, ...legacy } = old.snapshot();
    expect(() => new FeatureStage(plain).restore(legacy)).not.toThrow();
  });
});
