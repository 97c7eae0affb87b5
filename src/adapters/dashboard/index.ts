/**
 * microstream/dashboard — the live regime page as a library (Node only): `startDashboard` serves it,
 * fed by the bundled month (`replaySource`), live Binance trades (`binanceSource`), any trade stream
 * (`tradeSource`), a source of your own, or your detector's signals through `dashboard.publish`.
 * `npx microstream dashboard` runs it from the command line.
 *
 * @example
 * ```ts
 * import { replaySource, startDashboard } from 'microstream/dashboard';
 *
 * const dashboard = await startDashboard({ source: replaySource({ speed: 600 }), port: 0 });
 * console.log(`open ${dashboard.url}`);
 * ```
 *
 * @module microstream/dashboard
 * @packageDocumentation
 */

export type { HubClientStats, HubStats, SignalHubOptions } from './SignalHub.js';
export { type BinanceSourceOptions, binanceSource } from './sources/binance.js';
export { bundledReplayFile, type ReplaySourceOptions, replaySource } from './sources/replay.js';
export type { SignalSource } from './sources/source.js';
export { type TradeSourceOptions, tradeSource } from './sources/trades.js';
export { type Dashboard, type DashboardOptions, startDashboard } from './startDashboard.js';
