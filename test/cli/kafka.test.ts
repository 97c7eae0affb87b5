/**
 * `microstream kafka run` and `microstream kafka produce <file>` as a user runs them, against a
 * real broker: the signals of a real Binance aggTrades export come out equal to an in-process
 * detector's, and SIGTERM stops the detector gracefully.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { consumeSignals, signalIdentity } from '../../src/adapters/kafka/index.js';
import { readAggTrades } from '../../src/node/index.js';
import { createRegimeDetector } from '../../src/pipeline/RegimeDetector.js';
import { kafkaSkipReason, useKafkaBroker } from '../adapters/kafka/useKafkaBroker.js';

const FIXTURE = 'fixtures/trades/BTCUSDT-aggTrades-2026-01-01T0000-0012.csv';
const TOPICS = [
  '--trades-topic',
  'cli-trades',
  '--signals-topic',
  'cli-signals',
  '--state-topic',
  'cli-state',
];

describe.skipIf(kafkaSkipReason)('microstream kafka', () => {
  const kafka = useKafkaBroker();

  it('run creates the topics and detects; produce publishes a file; SIGTERM stops gracefully', async () => {
    const reference = new Map<string, string>();
    const detector = createRegimeDetector({ symbol: 'BTCUSDT' });
    for await (const t of readAggTrades(FIXTURE, { symbol: 'BTCUSDT' })) {
      for (const s of detector.pushTrade(t)) reference.set(signalIdentity(s), JSON.stringify(s));
    }
    expect(reference.size).toBeGreaterThan(10);

    const run = cli([
      'kafka',
      'run',
      '--brokers',
      kafka.bootstrap,
      ...TOPICS,
      '--group',
      'cli',
      '--create-topics',
      '2',
    ]);
    await until(
      () => /assigned partitions \[0, 1\]/.test(run.stderr()),
      60_000,
      () => run.stderr(),
    );

    const produce = cli([
      'kafka',
      'produce',
      FIXTURE,
      '--symbol',
      'BTCUSDT',
      '--brokers',
      kafka.bootstrap,
      '--trades-topic',
      'cli-trades',
    ]);
    expect(await produce.exited, produce.stderr()).toBe(0);
    expect(produce.stderr()).toContain('5000 trades sent to cli-trades');

    const got = new Map<string, string>();
    const signals = consumeSignals({
      brokers: kafka.brokers,
      topic: 'cli-signals',
      signal: AbortSignal.timeout(60_000),
    });
    for await (const s of signals) {
      got.set(signalIdentity(s), JSON.stringify(s));
      if (got.size === reference.size) break;
    }
    expect(got).toEqual(reference);

    run.process.kill('SIGTERM');
    expect(await run.exited, run.stderr()).toBe(0);
    expect(run.stderr()).toMatch(
      new RegExp(`stopped: \\d+ trades, ${reference.size} signals, [1-9]\\d* snapshots`),
    );
  }, 180_000);
});

function cli(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return {
    process: child,
    exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
    stderr: () => stderr,
  };
}

async function until(condition: () => boolean, timeoutMs: number, explain: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out; stderr so far:\n${explain()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
