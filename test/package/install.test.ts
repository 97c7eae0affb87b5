import { execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryPoints, filesUnder, type InstalledPackage, installPackedPackage } from './installedPackage.js';

/** What a trading bot's `npm install microstream` may cost: packages besides microstream, and bytes. */
const MAX_OTHER_PACKAGES = 8;
const MAX_NODE_MODULES_BYTES = 8_000_000;

let installed: InstalledPackage;

beforeAll(() => {
  installed = installPackedPackage();
});

afterAll(() => {
  if (installed !== undefined) rmSync(dirname(installed.dir), { recursive: true, force: true });
});

describe('npm install microstream into an empty project', () => {
  it(`adds at most ${MAX_OTHER_PACKAGES} packages besides microstream`, () => {
    // npm's record of what it installed: one key per package folder, nested ones included.
    const lock = JSON.parse(readFileSync(join(installed.dir, 'node_modules/.package-lock.json'), 'utf8'));
    const others = Object.keys(lock.packages).filter(
      (path) => path.startsWith('node_modules/') && path !== 'node_modules/microstream',
    );
    expect(others.length, others.join(', ')).toBeLessThanOrEqual(MAX_OTHER_PACKAGES);
    // Whatever the count, the optional peers (the Kafka client, the chart renderer) are not among them.
    for (const peer of Object.keys(installed.pkg.peerDependencies ?? {}))
      expect(others).not.toContain(`node_modules/${peer}`);
  });

  it('takes at most 8 MB of node_modules, the bundled replay month included', () => {
    const files = filesUnder(join(installed.dir, 'node_modules'));
    const total = files.reduce((sum, f) => sum + f.size, 0);
    expect(total).toBeLessThanOrEqual(MAX_NODE_MODULES_BYTES);
    expect(
      files.some((f) => f.path.endsWith('.csv.gz') && f.size > 1_000_000),
      'the replay month',
    ).toBe(true);
  });

  it('ships no source maps and holds the bundled model once', () => {
    const files = filesUnder(join(installed.dir, 'node_modules/microstream'));
    expect(files.filter((f) => f.path.endsWith('.map'))).toEqual([]);
    // A string that only the model's JSON holds: its first state mean, digit for digit.
    const model = readFileSync(
      join(installed.dir, 'node_modules/microstream/models/btcusdt-1m.json'),
      'utf8',
    );
    const marker = /"means":\[\[?(-?[0-9.e-]{12,})/.exec(model)?.[1];
    expect(marker, 'a long number in the model').toBeDefined();
    const holders = files.filter((f) => readFileSync(f.path, 'latin1').includes(marker!));
    expect(holders.map((f) => f.path.slice(installed.dir.length))).toEqual([
      '/node_modules/microstream/models/btcusdt-1m.json',
    ]);
  });

  it('imports every entry point from ESM and from CommonJS', () => {
    const entries = entryPoints(installed.pkg);
    expect(entries).toEqual(
      expect.arrayContaining(['microstream', 'microstream/node', 'microstream/binance']),
    );
    for (const entry of entries) {
      const esm = execFileSync(
        'node',
        [
          '--input-type=module',
          '-e',
          `const m = await import('${entry}'); console.log(Object.keys(m).length);`,
        ],
        { cwd: installed.dir, encoding: 'utf8' },
      );
      expect(Number(esm), `${entry} from ESM`).toBeGreaterThan(0);
      const cjs = execFileSync('node', ['-e', `console.log(Object.keys(require('${entry}')).length);`], {
        cwd: installed.dir,
        encoding: 'utf8',
      });
      expect(Number(cjs), `${entry} from CommonJS`).toBe(Number(esm));
    }
  });

  it('runs the bundled model and the CLI from the installed package', () => {
    const labels = execFileSync(
      'node',
      ['-e', `console.log(require('microstream').defaultModel().labels.join(','));`],
      { cwd: installed.dir, encoding: 'utf8' },
    );
    expect(labels.trim()).toBe('Stable,Volatile,Crisis');
    const version = execFileSync(join(installed.dir, 'node_modules/.bin/microstream'), ['--version'], {
      cwd: installed.dir,
      encoding: 'utf8',
    });
    expect(version.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });

  it("runs the README's CLI examples on the bundled data, with no file of the user's", () => {
    const cli = (...args: string[]) =>
      execFileSync(join(installed.dir, 'node_modules/.bin/microstream'), args, {
        cwd: installed.dir,
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      });
    // Binance's own kline for BTCUSDT 2026-01-01 00:00, from the bundled trades.
    expect(cli('bars', '--quiet').split('\n')[1]).toMatch(
      /^1767225600000,87648\.21000000,87648\.22000000,87632\.74000000,87648\.00000000,4\.08049000,1767225659999,/,
    );
    // The bundled month's last bar opens 2024-12-29 23:00; its regimes are the model's three labels.
    const table = cli('replay', '--format', 'table', '--quiet').trim().split('\n');
    expect(table.length).toBeGreaterThan(41_000);
    expect(table.at(-1)).toMatch(/^2024-12-29 23:00 .*(Stable|Volatile|Crisis)/);
  });

  it('serves the dashboard from the installed package: the page, its chart library, the bundled month replayed', async () => {
    const server = spawn(
      join(installed.dir, 'node_modules/.bin/microstream'),
      ['dashboard', '--port', '0', '--speed', '60000'],
      { cwd: installed.dir, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const [line] = (await once(createInterface({ input: server.stdout }), 'line')) as [string];
      expect(line).toMatch(/^microstream dashboard \(replay, BTCUSDT\): http:\/\/127\.0\.0\.1:\d+\/$/);
      const url = line.slice(line.indexOf('http://'));
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<script src="/vendor/lightweight-charts.js"></script>');
      for (const file of ['app.js', 'charts.js', 'style.css', 'vendor/lightweight-charts.js'])
        expect((await fetch(url + file)).status, file).toBe(200);
      let signals = 0;
      for (let tries = 0; tries < 100 && signals < 500; tries++) {
        signals = ((await (await fetch(`${url}stats`)).json()) as { signals: number }).signals;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(signals).toBeGreaterThanOrEqual(500);
    } finally {
      server.kill();
    }
  });

  it("serves a user's own signals through microstream/dashboard's startDashboard and publish", () => {
    const script = `
      import { startDashboard } from 'microstream/dashboard';
      import { createRegimeDetector } from 'microstream';
      const dashboard = await startDashboard({ name: 'my bot', symbols: ['X'], port: 0 });
      const detector = createRegimeDetector({ symbol: 'X' });
      for (let i = 0; i < 30; i++) {
        const price = 100 + Math.sin(i);
        for (const s of detector.pushTrade({ time: 1.7e12 + i * 60_000, price, qty: 1, isBuyerMaker: i % 2 === 0 }))
          dashboard.publish(s);
      }
      const stats = await (await fetch(dashboard.url + 'stats')).json();
      await dashboard.close();
      console.log(stats.source, stats.symbols.join(), stats.signals);`;
    const out = execFileSync('node', ['--input-type=module', '-e', script], {
      cwd: installed.dir,
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('my bot X 29');
  });

  // The installed project has none of the optional peers (the first test checks that), as a bot has them.
  it.each([
    [['dashboard', '--source', 'kafka', '--port', '0'], 'npm install @platformatic/kafka'],
    [['dashboard', '--source', 'ccxt:bybit', '--port', '0'], 'npm install ccxt'],
    [['kafka', 'produce', 'ccxt:bybit', 'BTC/USDT', '--brokers', '127.0.0.1:1'], 'npm install ccxt'],
    [['kafka', 'run'], 'npm install @platformatic/kafka'],
    [
      [
        'kafka',
        'produce',
        'node_modules/microstream/fixtures/trades/BTCUSDT-aggTrades-2026-01-01T0000-0012.csv',
        '--symbol',
        'BTCUSDT',
      ],
      'npm install @platformatic/kafka',
    ],
    [
      [
        'evaluate',
        'node_modules/microstream/fixtures/replay/BTCUSDT-1m-2024-11-30_2024-12-29.csv.gz',
        '-q',
        '-o',
        'report',
      ],
      'npm install vega vega-lite',
    ],
  ])('without the optional peer, `microstream %j` exits 1 with one line: %s', async (args, hint) => {
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      // A command that waited instead of failing is killed after 30 s (and the test fails on its code).
      execFile(
        join(installed.dir, 'node_modules/.bin/microstream'),
        args,
        { cwd: installed.dir, encoding: 'utf8', timeout: 30_000 },
        (error, _stdout, stderr) =>
          resolve({ code: error === null ? 0 : (error.code as number | null), stderr }),
      );
    });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr.trimEnd().split('\n'), 'one line').toHaveLength(1);
    expect(run.stderr).toContain(hint);
  });

  it('without the optional peer, microstream/kafka and microstream/ccxt reject with the line to run', () => {
    const script = `
      import { runKafkaDetector } from 'microstream/kafka';
      import { ccxtTrades } from 'microstream/ccxt';
      const kafka = await runKafkaDetector({ brokers: ['127.0.0.1:9'], tradesTopic: 't', signalsTopic: 's',
        stateTopic: 'st', groupId: 'g' }).then(() => 'resolved', (e) => e.message);
      const ccxt = await (async () => { for await (const t of ccxtTrades('bybit', ['BTC/USDT'])) return 'a trade'; })()
        .then(() => 'resolved', (e) => e.message);
      console.log(JSON.stringify({ kafka, ccxt }));`;
    const out = JSON.parse(
      execFileSync('node', ['--input-type=module', '-e', script], { cwd: installed.dir, encoding: 'utf8' }),
    );
    expect(out.kafka).toContain('npm install @platformatic/kafka');
    expect(out.ccxt).toBe('microstream/ccxt needs the ccxt package: npm install ccxt');
  });
});
