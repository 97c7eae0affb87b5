import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRegimeDetector, defaultModel, loadModel, type RegimeSignal } from '../../src/index.js';
import { readAggTrades, readKlines } from '../../src/node/index.js';
import { cli } from './cliErrors.js';

const KLINES = 'fixtures/klines/BTCUSDT-1m-2021-04-19_2021-04-20.csv.gz'; // 2 000 bars and a 2.5-hour outage
const TRADES = 'fixtures/trades/BTCUSDT-aggTrades-2026-01-01T0000-0012.csv'; // no header, 8 columns
const dir = mkdtempSync(join(tmpdir(), 'microstream-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The real command in a child process: what a user runs (used once, end to end). */
function spawnReplay(...args: string[]) {
  return spawnSync('node', ['--import', 'tsx', 'src/cli/main.ts', 'replay', ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
}

/** The same command in this process (see cliErrors.ts): no Node start-up per call. */
async function replay(...args: string[]) {
  const run = await cli('replay', ...args);
  return { status: run.code, stdout: run.stdout, stderr: run.stderr };
}

/** Signals as they look after a JSON round trip (what NDJSON carries). */
const plain = (signals: RegimeSignal[]) => JSON.parse(JSON.stringify(signals));

describe('microstream replay', () => {
  it('prints, as NDJSON, exactly the signals of createRegimeDetector fed the kline file through pushBar', async () => {
    const run = spawnReplay(KLINES, '--quiet');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const printed = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));

    const detector = createRegimeDetector({ symbol: 'BTCUSDT' });
    const expected: RegimeSignal[] = [];
    for await (const bar of readKlines(KLINES, { symbol: 'BTCUSDT' }))
      expected.push(...detector.pushBar(bar));
    expected.push(...detector.flush());
    expect(expected.some((s) => s.bar.gap)).toBe(true);
    expect(expected.some((s) => s.warm && s.regime.changed)).toBe(true);
    expect(printed).toEqual(plain(expected));
  }, 60_000);

  it('takes an aggTrades file through pushTrade, with another model, and leaves the open bar unsignalled', async () => {
    const modelPath = join(dir, 'model.json');
    // Any valid model other than the default: the bundled one relabelled.
    writeFileSync(modelPath, JSON.stringify(defaultModel().withLabels(['Calm', 'Busy', 'Storm'])));
    const run = await replay(TRADES, '--model', modelPath, '--symbol', 'XBT');
    expect(run.status, run.stderr).toBe(0);
    const printed = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));

    const detector = createRegimeDetector({
      symbol: 'XBT',
      model: defaultModel().withLabels(['Calm', 'Busy', 'Storm']),
    });
    const expected: RegimeSignal[] = [];
    for await (const trade of readAggTrades(TRADES, { symbol: 'XBT' }))
      expected.push(...detector.pushTrade(trade));
    expect(expected).toHaveLength(12); // minutes 00:00–00:11; 00:12 is still open
    expect(printed).toEqual(plain(expected));
    expect(printed[0].regime.label).toMatch(/^(Calm|Busy|Storm)$/);
    expect(run.stderr).toContain('(aggTrades): 5000 rows → 12 signals');
    expect(run.stderr).toContain('the last bar may be incomplete');
  }, 60_000);

  it('replays USD-M klines with the shipped microstructure model, and says which column an OHLCV file lacks', async () => {
    const usdm = 'fixtures/binance/LINKUSDT-1m-2023-02-01_2023-02-02.csv.gz'; // every Binance column
    const modelPath = 'models/usdm-microstructure-1m.json';
    const run = await replay(usdm, '--model', modelPath, '--quiet');
    expect(run.status, run.stderr).toBe(0);
    const printed = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));

    const model = loadModel(readFileSync(modelPath, 'utf8'));
    const detector = createRegimeDetector({ model, symbol: 'LINKUSDT' });
    const expected: RegimeSignal[] = [];
    for await (const bar of readKlines(usdm, { symbol: 'LINKUSDT' })) expected.push(...detector.pushBar(bar));
    // Warm after the 1 500 bars of the model's baselines: the last 1 000 of the 2 500 bars.
    expect(expected.filter((s) => s.warm).length).toBe(expected.length - detector.warmUp);
    expect(expected.filter((s) => s.warm).length).toBeGreaterThanOrEqual(1_000);
    expect(Object.keys(expected[0].features)).toContain('orderFlowImbalance');
    expect(printed).toEqual(plain(expected));

    const ohlcvOnly = await replay(KLINES, '--model', modelPath, '--quiet');
    expect(ohlcvOnly.status).toBe(1);
    expect(ohlcvOnly.stderr).toMatch(/orderFlowImbalance needs bar\.takerBuyVolume/);
  }, 60_000);

  it('prints a table a person can read: one line per signal, cold and changed bars marked', async () => {
    const run = await replay(KLINES, '--format', 'table', '--quiet');
    expect(run.status, run.stderr).toBe(0);
    const [header, ...lines] = run.stdout.trim().split('\n');
    expect(header).toMatch(/time \(UTC\)\s+close\s+regime\s+P\(S\/V\/C\)\s+score\s+warm\s+changed/);

    const detector = createRegimeDetector({ symbol: 'BTCUSDT' });
    const expected: RegimeSignal[] = [];
    for await (const bar of readKlines(KLINES)) expected.push(...detector.pushBar(bar));
    expect(lines).toHaveLength(expected.length);
    lines.forEach((line, i) => {
      const s = expected[i];
      const fields = line.trim().split(/\s+/);
      expect(`${fields[0]}T${fields[1]}`).toBe(new Date(s.bar.openTime).toISOString().slice(0, 16));
      expect(Number(fields[2])).toBeCloseTo(s.bar.close, 2);
      expect(fields[3]).toBe(s.regime.label);
      expect(Number(fields[5])).toBeCloseTo(s.anomaly.score, 3);
      expect(line.includes(' ! ') || line.endsWith(' !')).toBe(s.anomaly.isAnomaly);
      expect(fields.includes('cold')).toBe(!s.warm);
      expect(line.endsWith('*')).toBe(s.regime.changed);
    });
  }, 60_000);

  it('counts and quotes malformed lines without stopping, and refuses files and models it cannot use', async () => {
    const csv = join(dir, 'BTCUSDT-1m-bad.csv');
    const rows = ['open_time,open,high,low,close,volume,close_time'];
    for (let i = 0; i < 40; i++) {
      const t = 1_700_000_000_000 - (1_700_000_000_000 % 60_000) + i * 60_000;
      rows.push(i === 7 ? `${t},1,0.5,2,1,3,${t + 59_999}` : `${t},100,101,99,100.5,3,${t + 59_999}`);
    }
    writeFileSync(csv, `${rows.join('\n')}\n`);
    const run = await replay(csv);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(40); // the bad minute becomes a gap bar
    expect(run.stderr).toContain('malformed lines: 1');
    expect(run.stderr).toMatch(/line 9: /);

    const other = join(dir, 'other.csv');
    writeFileSync(other, 'a,b,c\n1,2,3\n');
    const unknown = await replay(other);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/neither kline columns .* nor aggTrades columns/);

    const badModel = join(dir, 'bad-model.json');
    writeFileSync(
      badModel,
      JSON.stringify({ ...JSON.parse(JSON.stringify(createRegimeDetector().model)), intervalMs: -1 }),
    );
    const refused = await replay(KLINES, '--model', badModel);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/cannot load the model .*intervalMs/);

    expect((await replay(KLINES, '--format', 'csv')).status).toBe(2);
    expect((await replay(join(dir, 'missing.csv'))).stderr).toContain('no such file');
  });
});
