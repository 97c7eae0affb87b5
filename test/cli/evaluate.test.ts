import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Bar,
  createRegimeDetector,
  evaluateSignals,
  type RegimeModel,
  type RegimeSignal,
  type SpanEvaluation,
  spanFromSignals,
  trainModel,
} from '../../src/index.js';
import { readKlines } from '../../src/node/index.js';
import { runProcess } from '../support/runProcess.js';
import { cli } from './cliErrors.js';

// Two small real spans, each with a Binance outage (gap bars), replayed as separate files.
const FILES = [
  'fixtures/klines/BTCUSDT-1m-2021-04-19_2021-04-20.csv.gz',
  'fixtures/klines/BTCUSDT-1m-2021-04-24_2021-04-26.csv.gz',
];
const dir = mkdtempSync(join(tmpdir(), 'microstream-evaluate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The default model's baselines need 1 500 bars, and these files are 2 000 bars cut by an outage
// (its recipe could not even train on one side of one). The CLI is judged with a model of absolute
// features (warm after 30 bars) trained on the bundled 2024 month, passed with --model.
const MODEL = join(dir, 'absolute.json');
let model: RegimeModel;
beforeAll(async () => {
  const bars: Bar[] = [];
  for await (const bar of readKlines('fixtures/replay/BTCUSDT-1m-2024-11-30_2024-12-29.csv.gz')) {
    bars.push(bar);
    if (bars.length === 10_000) break;
  }
  model = trainModel({ bars: [bars], features: 'absolute', seed: 0 }).model;
  writeFileSync(MODEL, JSON.stringify(model));
});

async function signalsOf(file: string, judge: RegimeModel = model): Promise<RegimeSignal[]> {
  const detector = createRegimeDetector({ symbol: 'BTCUSDT', model: judge });
  const out: RegimeSignal[] = [];
  for await (const bar of readKlines(file)) out.push(...detector.pushBar(bar));
  return out;
}

/** Per-state figures computed directly from the signals of each file (no code shared with the report). */
function direct(files: RegimeSignal[][], k: number) {
  const returns: number[][] = Array.from({ length: k }, () => []);
  const runs = new Array<number>(k).fill(0);
  for (const signals of files) {
    let previousState = -1;
    for (let i = 1; i < signals.length; i++) {
      const s = signals[i];
      if (!s.warm) {
        previousState = -1;
        continue;
      }
      returns[s.regime.state].push(Math.log(s.bar.close / signals[i - 1].bar.close));
      if (s.regime.state !== previousState) runs[s.regime.state]++;
      previousState = s.regime.state;
    }
  }
  const total = returns.reduce((n, r) => n + r.length, 0);
  return returns.map((r, state) => {
    const mean = r.reduce((a, b) => a + b, 0) / r.length;
    return {
      bars: r.length,
      share: r.length / total,
      meanDwellBars: r.length / runs[state],
      realizedVolatility: Math.sqrt(r.reduce((a, b) => a + b * b, 0) / r.length),
      meanReturn: mean,
      sdReturn: Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / r.length),
    };
  });
}

/** Every count equal and every figure within 1e-12 (JSON turns NaN into null). */
function expectSameFigures(actual: SpanEvaluation, expected: SpanEvaluation): void {
  const walk = (a: unknown, e: unknown, path: string) => {
    if (typeof e === 'number') {
      if (Number.isNaN(e)) expect(a, path).toBeNull();
      else expect(a as number, path).toBeCloseTo(e, 12);
    } else if (e !== null && typeof e === 'object') {
      for (const key of Object.keys(e)) {
        if (key !== 'name')
          walk((a as Record<string, unknown>)[key], (e as Record<string, unknown>)[key], `${path}.${key}`);
      }
    } else expect(a, path).toEqual(e);
  };
  walk(actual, expected, actual.name);
}

describe('microstream evaluate', () => {
  it('writes index.html whose charts exist and draw data, with per-state statistics and Crisis days computed from the signals', async () => {
    const out = join(dir, 'report');
    const run = await runProcess('npx', [
      'tsx',
      'src/cli/main.ts',
      'evaluate',
      ...FILES,
      '--model',
      MODEL,
      '--out',
      out,
      '--top-days',
      '3',
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/wrote .*index\.html \(\d+ charts, 2 files\)/);

    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const sources = [...html.matchAll(/<img[^>]* src="([^"]+)"/g)].map((m) => m[1]);
    expect(sources.length).toBeGreaterThanOrEqual(1 + FILES.length + 1);
    for (const src of sources) {
      expect(existsSync(join(out, src)), src).toBe(true);
      const svg = readFileSync(join(out, src), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      // Drawn marks: line paths with many segments, and filled bars/bands.
      const longPaths = [...svg.matchAll(/<path[^>]* d="([^"]+)"/g)].filter(
        (m) => m[1].split('L').length > 20,
      );
      const filled = [...svg.matchAll(/fill="(#4caf50|#ffa726|#e53935)"/g)];
      if (src === 'skill.svg') {
        // Model and baseline bars of every panel, and the stacked state shares.
        expect([...svg.matchAll(/fill="#1e88e5"/g)].length).toBeGreaterThanOrEqual(4 * (FILES.length + 1));
        expect([...svg.matchAll(/fill="#9e9e9e"/g)].length).toBeGreaterThanOrEqual(4 * (FILES.length + 1));
      } else if (src === 'states.svg') expect(filled.length).toBeGreaterThanOrEqual(3);
      else expect(longPaths.length, `${src} has a data line`).toBeGreaterThanOrEqual(2);
      expect(filled.length, `${src} has regime colours`).toBeGreaterThan(0);
    }

    const signals = await Promise.all(FILES.map((file) => signalsOf(file)));
    const labels = model.labels;
    const expected = direct(signals, labels.length);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    // The rule the states were reported with: the model's (trainModel's default, a 4-bar dwell).
    expect(summary.model.decision).toEqual(model.decision);
    expect(html).toContain(
      `decision rule: hysteresis, margin ${model.decision.margin}, after a ${model.decision.minDwellBars}-bar minimum dwell`,
    );
    expect(summary.states).toHaveLength(labels.length);
    summary.states.forEach((s: Record<string, number>, k: number) => {
      const e = expected[k];
      expect(s.bars).toBe(e.bars);
      for (const key of ['share', 'meanDwellBars', 'realizedVolatility', 'meanReturn', 'sdReturn'] as const)
        expect(s[key], `${labels[k]} ${key}`).toBeCloseTo(e[key], 12);
      expect(html).toContain(`<td>${(e.realizedVolatility * 1e4).toFixed(2)}</td>`);
    });
    expect(summary.files.map((f: { signals: number }) => f.signals)).toEqual(signals.map((s) => s.length));

    // The forward-skill figures: the same as evaluateSignals on the detector's own signals.
    const skill = evaluateSignals(signals.map((s) => spanFromSignals(s)));
    expectSameFigures(summary.evaluation.pooled, skill.pooled);
    for (const [i, e] of summary.evaluation.spans.entries())
      expectSameFigures(e as SpanEvaluation, skill.spans[i]);
    expect(summary.splits).toBeNull();
    expect(html).toContain('Forward skill');
    expect(html).toContain(
      `<th>${skill.pooled.regime.forwardAuc.toFixed(3)} (${skill.pooled.ewma.forwardAuc.toFixed(3)})</th>`,
    );
    expect(run.stdout).toMatch(/^pooled\s+4374\s/m);

    // The days with the most Crisis bars, straight from the signals.
    const crisis = labels.length - 1;
    const perDay = new Map<string, number>();
    for (const s of signals.flat()) {
      if (!s.warm || s.regime.state !== crisis) continue;
      const day = new Date(s.bar.openTime).toISOString().slice(0, 10);
      perDay.set(day, (perDay.get(day) ?? 0) + 1);
    }
    const top = [...perDay].sort((a, b) => b[1] - a[1]).slice(0, 3);
    expect(
      summary.crisisDays.map((d: { date: string; crisisBars: number }) => [d.date, d.crisisBars]),
    ).toEqual(top);
    for (const [day] of top) expect(html).toContain(`<td>${day}<br>`);
  }, 120_000);

  it('refuses missing files and bad options with exit code 2', async () => {
    // In this process (see cliErrors.ts): seven refusals, not seven Node start-ups.
    const missing = await cli('evaluate', 'nope.csv', '--out', dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file: nope.csv');
    const badDays = await cli('evaluate', FILES[0], '--out', dir, '--top-days', 'many');
    expect(badDays.code).toBe(2);
    expect(badDays.stderr).toContain('--top-days');
    const refusals: [string[], string][] = [
      [[FILES[0], '--walk-forward'], 'at least two files'],
      [[FILES[0], '--train', FILES[0]], 'both a training and a test file'],
      [[...FILES, '--walk-forward', '--train', FILES[0]], 'not both'],
      [[FILES[0], '--train', 'nope.csv'], 'no such file: nope.csv'],
      [[FILES[0], '--horizon', '0'], '--horizon'],
    ];
    for (const [args, message] of refusals) {
      const run = await cli('evaluate', ...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(message);
    }
  });

  it('walk-forward: each file is judged by a model trained with the recipe on the other file only', async () => {
    const json = join(dir, 'walk-forward.json');
    const run = await runProcess('npx', [
      'tsx',
      'src/cli/main.ts',
      'evaluate',
      ...FILES,
      '--model',
      MODEL,
      '--walk-forward',
      '--max-iter',
      '20',
      '--json',
      json,
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/training on BTCUSDT-1m-2021-04-24/);
    expect(run.stdout).toContain('walk-forward (leave one file out)');
    const written = JSON.parse(readFileSync(json, 'utf8'));
    expect(written.mode).toBe('leave-one-file-out');
    expect(written.splits).toEqual([
      { test: FILES[0], train: [FILES[1]] },
      { test: FILES[1], train: [FILES[0]] },
    ]);

    const recipe = model;
    const p = recipe.provenance;
    const barsOf = async (file: string) => {
      const bars = [];
      for await (const bar of readKlines(file)) bars.push(bar);
      return bars;
    };
    const signals = await Promise.all(
      FILES.map(async (file, i) => {
        const { model } = trainModel({
          bars: [await barsOf(FILES[1 - i])],
          features: recipe.features,
          states: p.states,
          covariance: p.covariance,
          contamination: p.contamination,
          transPrior: p.transPrior,
          seed: p.seed,
          maxIter: 20,
        });
        return signalsOf(file, model);
      }),
    );
    const expected = evaluateSignals(signals.map((s) => spanFromSignals(s)));
    for (const [i, e] of written.spans.entries()) expectSameFigures(e as SpanEvaluation, expected.spans[i]);
    expectSameFigures(written.pooled, expected.pooled);

    // --train: the second file judged by a model trained on the first is the same split.
    const trainJson = join(dir, 'train.json');
    const trained = await runProcess('npx', [
      'tsx',
      'src/cli/main.ts',
      'evaluate',
      FILES[1],
      '--model',
      MODEL,
      '--train',
      FILES[0],
      '--max-iter',
      '20',
      '--json',
      trainJson,
      '-q',
    ]);
    expect(trained.status, trained.stderr).toBe(0);
    expect(trained.stderr).toBe('');
    const second = JSON.parse(readFileSync(trainJson, 'utf8'));
    expect(second.mode).toBe('train-test');
    expectSameFigures(second.spans[0], expected.spans[1]);
  }, 120_000);
});
