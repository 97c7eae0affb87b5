import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binanceKlines } from '../../../src/adapters/binance/index.js';
import { binanceSource } from '../../../src/adapters/dashboard/sources/binance.js';
import { type Dashboard, startDashboard } from '../../../src/adapters/dashboard/startDashboard.js';
import { type Bar, BarAggregator, createRegimeDetector, type RegimeSignal } from '../../../src/index.js';
import { CHROMIUM_PATH, launchChromium } from '../../support/chromium.js';
import { FakeBinance, tradeOf } from '../binance/fakeBinance.js';
import { DashboardClient } from './dashboardClient.js';

const symbols = ['BTCUSDT', 'ETHUSDT'];
const minute = 60_000;
const runInBrowser = existsSync(CHROMIUM_PATH) || process.env.CI === 'true';
if (!runInBrowser) console.log(`dashboard symbol selector test skipped: ${CHROMIUM_PATH} is missing`);

/**
 * The dashboard's Binance source against a real WebSocket + REST server on 127.0.0.1 that speaks
 * Binance's formats (the Binance adapter's fake exchange): two symbols, 1 510 minutes of history
 * served as klines (built from the fake's own trades), then six live minutes of trades.
 */
/** Minutes of history: the default model warms up in 1 500 bars (its baselines need a day). */
const H = 1_510;

describe('dashboard with --source binance (fake exchange on 127.0.0.1)', () => {
  let fake: FakeBinance;
  let dashboard: Dashboard;
  /**
   * The signals the page must get: a detector warmed up from the fake's klines of the history,
   * then fed the live trades.
   */
  const expected = new Map<string, RegimeSignal[]>();
  /** Open time of the first and last live minute with trades. */
  let firstMinute: number;
  let lastClosedMinute: number;
  /** A page opened before any trade, so it starts with empty charts and draws live bars only. */
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    fake = await FakeBinance.start({ symbols });
    // H minutes of history, ending two minutes ago, before the dashboard connects.
    const historyStart = Math.floor(Date.now() / minute) * minute - (H + 2) * minute;
    for (let k = 0; k < H; k++) {
      for (const symbol of symbols)
        for (let j = 0; j < 4; j++) fake.publish(symbol, 2, historyStart + k * minute + j * 10_000);
    }
    dashboard = await startDashboard({
      source: binanceSource({ symbols, wsUrl: fake.wsUrl, restUrl: fake.restUrl, warmUpMinutes: H + 10 }),
      port: 0,
    });
    const subscribed = () => fake.connections.reduce((n, c) => n + c.streams.size, 0) === symbols.length;
    for (let i = 0; !subscribed(); i++) {
      if (i > 500) throw new Error('the dashboard never subscribed to the fake exchange');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (runInBrowser) {
      browser = await launchChromium();
      page = await browser.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(dashboard.url);
      await page.waitForFunction(
        () => (document.getElementById('symbol') as HTMLSelectElement).options.length === 2,
      );
    }
    // Trade times a little in the future: the source's wall-clock advance() (which closes the bars
    // of quiet symbols) then never closes one of these minutes before its trades are in.
    firstMinute = Math.ceil(Date.now() / minute) * minute + minute;
    lastClosedMinute = firstMinute + 5 * minute;
    // Minutes 0..5 get trades; one trade 3 s into minute 6 closes minute 5 (lateness 2 s).
    for (let k = 0; k <= 5; k++) {
      for (const symbol of symbols)
        for (let j = 0; j < 4; j++) fake.publish(symbol, 5, firstMinute + k * minute + j * 10_000);
    }
    for (const symbol of symbols) fake.publish(symbol, 1, firstMinute + 6 * minute + 3000);
    for (const symbol of symbols) {
      const detector = createRegimeDetector({ symbol, allowedLatenessMs: 2000 });
      const history: Bar[] = [];
      const klines = binanceKlines({
        symbol,
        interval: '1m',
        startTime: historyStart,
        endTime: firstMinute - minute,
        restUrl: fake.restUrl,
      });
      for await (const bar of klines) history.push(bar);
      expect(history).toHaveLength(H);
      // The fake's klines are those of its own trades (prices exact, volumes to 8 decimals).
      const aggregator = new BarAggregator({ symbol });
      const own = fake
        .history(symbol)
        .filter((t) => t.time < firstMinute)
        .flatMap((t) =>
          aggregator.push({
            time: t.time,
            price: Number(t.price),
            qty: Number(t.qty),
            isBuyerMaker: t.isBuyerMaker,
          }),
        );
      own.push(...aggregator.flush());
      expect(history.map((b) => [b.openTime, b.open, b.high, b.low, b.close, b.trades])).toEqual(
        own.map((b) => [b.openTime, b.open, b.high, b.low, b.close, b.trades]),
      );
      history.forEach((b, i) => {
        expect(b.volume).toBeCloseTo(own[i].volume, 7);
        expect(b.takerBuyVolume).toBeCloseTo(own[i].takerBuyVolume as number, 7);
      });
      const signals: RegimeSignal[] = [...detector.warmStart(history)];
      for (const t of fake.history(symbol).filter((t) => t.time >= firstMinute)) {
        signals.push(...detector.pushTrade(tradeOf(t, symbol)));
      }
      expected.set(symbol, JSON.parse(JSON.stringify(signals)));
    }
  });
  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    await fake?.close();
  });

  it('gives each symbol the signals of a detector warmed up from the klines and fed the same trades', async () => {
    for (const symbol of symbols) {
      const signals = expected.get(symbol) ?? [];
      const live = signals.filter((s) => s.bar.openTime >= firstMinute);
      expect(live.map((s) => s.bar.openTime)).toEqual(
        [0, 1, 2, 3, 4, 5].map((k) => firstMinute + k * minute),
      );
      // The history covers the warm-up: the first live signal is already warm.
      expect(live.every((s) => s.warm)).toBe(true);
      expect(signals.filter((s) => !s.bar.gap && s.bar.openTime < firstMinute)).toHaveLength(H);
      const client = new DashboardClient(dashboard.url);
      await client.opened();
      await client.until(() => client.messages.length > 0, 'hello');
      expect(client.messages[0]).toMatchObject({ type: 'hello', source: 'binance spot', symbols });
      client.subscribe(symbol);
      await client.until(
        () => client.signals.some((s) => s.bar.openTime === lastClosedMinute),
        `${symbol} signals up to the last published minute`,
      );
      // A page gets the hub's last 500 signals of the symbol (its default history), then the live ones.
      const got = client.signals.filter((s) => s.bar.openTime <= lastClosedMinute);
      expect(got).toHaveLength(500);
      expect(got).toEqual(signals.slice(-500));
      expect(client.signals.every((s) => s.symbol === symbol)).toBe(true);
      client.close();
    }
  });

  it.runIf(runInBrowser)(
    'draws live bars from an empty start, with a symbol selector that switches symbol',
    async () => {
      const lastClose = (symbol: string) => expected.get(symbol)?.at(-1)?.bar.close;
      const closeOf = (t: number) =>
        page.evaluate((time) => {
          const d = (
            window as unknown as { dashboard: { series: Record<string, { data(): readonly object[] }> } }
          ).dashboard;
          const candle = d.series.candles.data().find((p) => (p as { time: number }).time === time);
          return (candle as { close?: number } | undefined)?.close;
        }, t);
      expect(await page.locator('#symbol-picker').isVisible()).toBe(true);
      expect(await page.locator('#symbol-name').textContent()).toBe('BTCUSDT');
      await expect
        .poll(() => closeOf(lastClosedMinute / 1000), { timeout: 15_000 })
        .toBe(lastClose('BTCUSDT'));

      await page.selectOption('#symbol', 'ETHUSDT');
      expect(await page.locator('#symbol-name').textContent()).toBe('ETHUSDT');
      await expect
        .poll(() => closeOf(lastClosedMinute / 1000), { timeout: 15_000 })
        .toBe(lastClose('ETHUSDT'));
      expect(new URL(page.url()).hash).toBe('#ETHUSDT');
      expect(lastClose('ETHUSDT')).not.toBe(lastClose('BTCUSDT'));
      expect(pageErrors).toEqual([]);
    },
  );
});
