/**
 * microstream — real-time market microstructure and liquidity-regime estimation.
 *
 * The browser-safe core: no `node:` imports here. Node-only parts live in
 * `microstream/node`, `microstream/binance` and `microstream/kafka`.
 *
 * @module microstream
 * @packageDocumentation
 */

export * from './anomaly/index.js';
export type { Bar } from './bars/bar.js';
export * from './bars/index.js';
export type { Trade } from './bars/trade.js';
export * from './evaluation/index.js';
export * from './features/index.js';
export * from './hmm/index.js';
export * from './models/index.js';
export * from './pipeline/index.js';
export type { RegimeLabel, RegimeSignal } from './pipeline/signal.js';
export type { Stage } from './stage.js';
