import { existsSync, mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledReplayFile, replaySource } from '../../../src/adapters/dashboard/sources/replay.js';
import { type Dashboard, startDashboard } from '../../../src/adapters/dashboard/startDashboard.js';
import { createRegimeDetector, type RegimeSignal } from '../../../src/index.js';
import { readKlines } from '../../../src/node/index.js';
import { CHROMIUM_PATH, launchChromium } from '../../support/chromium.js';

const runInBrowser = existsSync(CHROMIUM_PATH) || process.env.CI === 'true';
if (!runInBrowser)
  console.log(`dashboard browser test skipped: ${CHROMIUM_PATH} is missing (apt-get install chromium)`);

/** The part of the page's `window.dashboard` this test reads. */
interface PageWindow {
  dashboard: {
    state: { connection: string; connections: number; signals: RegimeSignal[] };
    card: { received: number; current?: PageState['current']; lastChange?: PageState['lastChange'] };
    series: Record<string, { data(): readonly object[] }>;
  };
}

/** What this test reads of the page at one moment. */
interface PageState {
  connection: string;
  connections: number;
  received: number;
  current?: { label: string; state: number; since: number };
  lastChange?: { at: number; from: string; to: string };
  points: Record<string, { total: number; withValue: number }>;
}

/**
 * The first regime change in the bundled data (after the detector is warm) with at least
 * `calm` bars of the same regime on both sides, found by running the detector directly.
 */
async function findRegimeChange(calm: number): Promise<{ signals: RegimeSignal[]; index: number }> {
  const detector = createRegimeDetector({ symbol: 'BTCUSDT' });
  const signals: RegimeSignal[] = [];
  for await (const bar of readKlines(bundledReplayFile, { symbol: 'BTCUSDT' }))
    signals.push(...detector.pushBar(bar));
  const same = (from: number, to: number) =>
    signals.slice(from, to).every((s) => s.regime.state === signals[from].regime.state);
  for (let i = 200; i + calm < signals.length; i++) {
    if (signals[i].regime.state !== signals[i - 1].regime.state && same(i - calm, i) && same(i, i + calm)) {
      return { signals, index: i };
    }
  }
  throw new Error('no regime change in the bundled data');
}

describe.runIf(runInBrowser)('dashboard page in headless Chromium', () => {
  const historyLimit = 100;
  /** Bars of the old regime replayed live before the change: 6 s for the page to load, even on a busy machine. */
  const leadBars = 30;
  let browser: Browser;
  let page: Page;
  let dashboard: Dashboard;
  let change: { signals: RegimeSignal[]; index: number };
  const pageErrors: string[] = [];

  const startReplay = (port: number) =>
    startDashboard({
      // At 300× a bar arrives every 200 ms; the bars before `from` arrive at once as history.
      source: replaySource({
        speed: 300,
        preroll: 0,
        from: change.signals[change.index - leadBars].bar.openTime,
      }),
      port,
      historyLimit,
    });
  const pageState = () =>
    page.evaluate((): PageState => {
      const d = (window as unknown as PageWindow).dashboard;
      const points: PageState['points'] = {};
      for (const [name, series] of Object.entries(d.series)) {
        const data = series.data();
        points[name] = {
          total: data.length,
          withValue: data.filter((p) => 'value' in p || 'close' in p).length,
        };
      }
      return {
        connection: d.state.connection,
        connections: d.state.connections,
        received: d.card.received,
        current: d.card.current,
        lastChange: d.card.lastChange,
        points,
      };
    });
  const text = (selector: string) => page.locator(selector).textContent();

  beforeAll(async () => {
    change = await findRegimeChange(45);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
  });

  it('draws every chart, follows a regime change on the card, and reconnects after a server restart', async () => {
    const before = change.signals[change.index - 1].regime;
    const after = change.signals[change.index].regime;
    const changedAt = change.signals[change.index].bar.openTime;
    dashboard = await startReplay(0);
    await page.goto(dashboard.url);

    // History first (the bars before the paced part may still be streaming in at full speed):
    // once the page holds the last bar before the paced part, the card shows the regime before the change.
    const lastBeforePacing = change.signals[change.index - leadBars - 1].bar.openTime;
    await page.waitForFunction(
      (t) => ((window as unknown as PageWindow).dashboard?.state.signals.at(-1)?.bar.openTime ?? 0) >= t,
      lastBeforePacing,
    );
    const received = await page.evaluate(() => (window as unknown as PageWindow).dashboard.card.received);
    expect(pageErrors).toEqual([]);
    expect(received).toBeGreaterThanOrEqual(historyLimit);
    expect(await text('#regime-label')).toBe(before.label);
    expect(await text('#connection')).toBe('live');

    // The replay crosses the change: the card follows, naming the change and its bar time.
    await page.waitForFunction(
      (state) => (window as unknown as PageWindow).dashboard.card.current?.state === state,
      after.state,
      {
        timeout: 20_000,
      },
    );
    const state = await pageState();
    expect(state.received).toBeGreaterThanOrEqual(historyLimit + 1);
    expect(state.lastChange).toEqual({ at: changedAt, from: before.label, to: after.label });
    expect(await text('#regime-label')).toBe(after.label);
    expect(await page.locator('#regime-card').getAttribute('data-regime')).toBe(after.label);
    const utc = new Date(changedAt).toISOString().slice(0, 16).replace('T', ' ');
    expect(await text('#regime-change')).toBe(`${before.label} → ${after.label} at ${utc}`);

    // Every chart has drawn a value for every bar, except where the panel needs earlier bars: momentum
    // the previous close, activity the 20 previous volumes.
    const needsEarlierBars: Record<string, number> = { momentum: 1, activity: 20 };
    for (const [name, points] of Object.entries(state.points)) {
      if (name === 'orderFlow') continue;
      expect(points.withValue, name).toBe(state.received - (needsEarlierBars[name] ?? 0));
    }
    // The bundled klines have no taker buy volume: the order-flow panel says so instead of drawing zeros.
    expect(state.points.orderFlow.withValue).toBe(0);
    expect(await page.locator('[data-feature="orderFlow"] .unavailable').isVisible()).toBe(true);
    expect(await page.locator('[data-feature="momentum"] .unavailable').isVisible()).toBe(false);

    // The page tells the server what it has drawn.
    await expect
      .poll(() => dashboard.stats().clients[0]?.drawnOpenTime, { timeout: 5000 })
      .toBeGreaterThanOrEqual(changedAt);

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/dashboard.png' });

    // Server restart on the same port: the page notices, reconnects by itself and reloads history.
    const port = Number(new URL(dashboard.url).port);
    await dashboard.close();
    await page.waitForFunction(
      () => (window as unknown as PageWindow).dashboard.state.connection === 'reconnecting',
    );
    expect(await text('#connection')).toMatch(/^disconnected, retrying in/);
    dashboard = await startReplay(port);
    await page.waitForFunction(
      () => (window as unknown as PageWindow).dashboard.state.connections === 2,
      undefined,
      {
        timeout: 15_000,
      },
    );
    await page.waitForFunction(() => (window as unknown as PageWindow).dashboard.state.connection === 'live');
    await page.waitForFunction(
      (n) => (window as unknown as PageWindow).dashboard.series.candles.data().length >= n,
      historyLimit,
    );
    expect(pageErrors).toEqual([]);
  });
});
