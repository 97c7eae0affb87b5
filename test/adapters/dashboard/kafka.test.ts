import { Admin, ProduceAcks, Producer } from '@platformatic/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import { kafkaSource } from '../../../src/adapters/dashboard/sources/kafka.js';
import { bundledReplayFile } from '../../../src/adapters/dashboard/sources/replay.js';
import { type Dashboard, startDashboard } from '../../../src/adapters/dashboard/startDashboard.js';
import { encodeSignal } from '../../../src/adapters/kafka/index.js';
import { createRegimeDetector, type RegimeSignal } from '../../../src/index.js';
import { readKlines } from '../../../src/node/index.js';
import { kafkaSkipReason, useKafkaBroker } from '../kafka/useKafkaBroker.js';
import { DashboardClient } from './dashboardClient.js';

/** Signals of the first `bars` bundled real bars, computed by a detector (as they travel: JSON). */
async function realSignals(bars: number): Promise<RegimeSignal[]> {
  const detector = createRegimeDetector({ symbol: 'BTCUSDT' });
  const signals: RegimeSignal[] = [];
  let read = 0;
  for await (const bar of readKlines(bundledReplayFile)) {
    signals.push(...(JSON.parse(JSON.stringify(detector.pushBar(bar))) as RegimeSignal[]));
    if (++read === bars) break;
  }
  return signals;
}

describe.skipIf(kafkaSkipReason)('dashboard with --source kafka (real broker on 127.0.0.1)', () => {
  const kafka = useKafkaBroker();
  let dashboard: Dashboard | undefined;
  afterEach(async () => {
    await dashboard?.close();
  });

  it('shows the signals of the topic once each, in order, repeats dropped', async () => {
    const topic = 'dashboard-signals';
    const signals = await realSignals(200);
    const admin = new Admin({ clientId: 'dashboard-test', bootstrapBrokers: kafka.brokers });
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
    await admin.close();
    const producer = new Producer({
      clientId: 'dashboard-test',
      bootstrapBrokers: kafka.brokers,
      acks: ProduceAcks.ALL,
    });
    // Every signal, then the last 50 again, as an at-least-once producer would repeat them after a restart.
    const messages = [...signals, ...signals.slice(-50)].map((s) => ({
      topic,
      key: Buffer.from(s.symbol),
      value: encodeSignal(s),
    }));
    await producer.send({ messages });
    await producer.close();

    dashboard = await startDashboard({
      source: kafkaSource({ brokers: kafka.brokers, topic }),
      port: 0,
      historyLimit: 500,
    });
    const client = new DashboardClient(dashboard.url);
    await client.opened();
    await client.until(
      () => dashboard?.stats().signals === signals.length,
      'every signal of the topic',
      60_000,
    );
    client.subscribe('BTCUSDT');
    await client.until(() => client.signals.length === signals.length, 'the history of every signal');
    expect(client.signals).toEqual(signals);
    expect(dashboard.stats().symbols).toEqual(['BTCUSDT']);
    client.close();
  }, 120_000);
});
