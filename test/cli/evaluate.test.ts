import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRegimeDetector, type RegimeSignal } from '../../src/index.js';
import { readKlines } from '../../src/node/index.js';

// Two small real spans, each with a Binance outage (gap bars), replayed as separate files.
const FILES = [
  'fixtures/klines/BTCUSDT-1m-2021-04-19_2021-04-20.csv.gz',
  'fixtures/klines/BTCUSDT-1m-2021-04-24_2021-04-26.csv.gz',
];
const dir = mkdtempSync(join(tmpdir(), 'microstream-evaluate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function signalsOf(file: string): Promise<RegimeSignal[]> {
  const detector = createRegimeDetector({ symbol: 'BTCUSDT' });
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

describe('microstream evaluate', () => {
  it('writes index.html whose charts exist and draw data, with per-state statistics and Crisis days computed from the signals', async () => {
    const out = join(dir, 'report');
    const run = spawnSync(
      'npx',
      ['tsx', 'src/cli/main.ts', 'evaluate', ...FILES, '--out', out, '--top-days', '3'],
      { encoding: 'utf8' },
    );
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
      if (src === 'states.svg') expect(filled.length).toBeGreaterThanOrEqual(3);
      else expect(longPaths.length, `${src} has a data line`).toBeGreaterThanOrEqual(2);
      expect(filled.length, `${src} has regime colours`).toBeGreaterThan(0);
    }

    const signals = await Promise.all(FILES.map(signalsOf));
    const labels = createRegimeDetector().model.labels;
    const expected = direct(signals, labels.length);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.states).toHaveLength(labels.length);
    summary.states.forEach((s: Record<string, number>, k: number) => {
      const e = expected[k];
      expect(s.bars).toBe(e.bars);
      for (const key of ['share', 'meanDwellBars', 'realizedVolatility', 'meanReturn', 'sdReturn'] as const)
        expect(s[key], `${labels[k]} ${key}`).toBeCloseTo(e[key], 12);
      expect(html).toContain(`<td>${(e.realizedVolatility * 1e4).toFixed(2)}</td>`);
    });
    expect(summary.files.map((f: { signals: number }) => f.signals)).toEqual(signals.map((s) => s.length));

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

  it('refuses missing files and bad options with exit code 2', () => {
    const missing = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'evaluate', 'nope.csv', '--out', dir], {
      encoding: 'utf8',
    });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no such file: nope.csv');
    const badDays = spawnSync(
      'npx',
      ['tsx', 'src/cli/main.ts', 'evaluate', FILES[0], '--out', dir, '--top-days', 'many'],
      { encoding: 'utf8' },
    );
    expect(badDays.status).toBe(2);
    expect(badDays.stderr).toContain('--top-days');
  }, 60_000);
});
