import { afterEach, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../../../src/adapters/dashboard/startDashboard.js';
import { createRegimeDetector, type RegimeSignal } from '../../../src/index.js';
import { readKlines } from '../../../src/node/index.js';
import { DashboardClient } from './dashboardClient.js';

let dashboard: Dashboard | undefined;
afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

/** Signals of a user's own detector: 150 bars of the bundled month through it. */
async function mySignals(): Promise<RegimeSignal[]> {
  const detector = createRegimeDetector({ symbol: 'BTCUSDT' });
  const signals: RegimeSignal[] = [];
  for await (const bar of readKlines('fixtures/replay/BTCUSDT-1m-2024-11-30_2024-12-29.csv.gz')) {
    signals.push(...detector.pushBar(bar));
    if (signals.length >= 150) break;
  }
  return JSON.parse(JSON.stringify(signals));
}

describe('a dashboard fed through publish (no source)', () => {
  it("shows the user's own signals: the history to a page that joins, then each one live", async () => {
    const signals = await mySignals();
    dashboard = await startDashboard({ name: 'my bot', symbols: ['BTCUSDT'], port: 0, historyLimit: 100 });
    for (const signal of signals.slice(0, 120)) dashboard.publish(signal);

    const client = new DashboardClient(dashboard.url);
    await client.opened();
    await client.until(() => client.messages.length > 0, 'hello');
    expect(client.messages[0]).toEqual({
      type: 'hello',
      source: 'my bot',
      symbols: ['BTCUSDT'],
      historyLimit: 100,
    });
    client.subscribe('BTCUSDT');
    await client.until(() => client.signals.length === 100, 'the history');
    for (const signal of signals.slice(120)) dashboard.publish(signal);
    await client.until(() => client.signals.length === 130, 'the live signals');
    expect(client.signals).toEqual(signals.slice(20));
    expect(dashboard.stats()).toMatchObject({ source: 'my bot', signals: 150, skipped: 0, dropped: 0 });

    // Without a source nothing ends by itself: sourceDone settles when the dashboard closes.
    let done = false;
    dashboard.sourceDone.then(() => {
      done = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(false);
    client.close();
    await dashboard.close();
    dashboard = undefined;
    expect(done).toBe(true);
  });
});
