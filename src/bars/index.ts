export {
  BarAggregator,
  type BarAggregatorOptions,
  type BarAggregatorSnapshot,
  type BarAggregatorStats,
  type OpenBarSnapshot,
} from './BarAggregator.js';
export {
  BarRegularizer,
  type BarRegularizerOptions,
  type BarRegularizerSnapshot,
  type BarRegularizerStats,
  type BarRejectReason,
} from './BarRegularizer.js';
export type { Bar } from './bar.js';
export { type BarSeriesOptions, MAX_INTERVAL_MS, MIN_INTERVAL_MS } from './barOptions.js';
export type { GapFillerSnapshot, LastBarSnapshot, OptionalBarColumn, SkippedGap } from './GapFiller.js';
export {
  KeyedBarAggregator,
  type KeyedBarAggregatorOptions,
  type KeyedBarAggregatorSnapshot,
  type KeyedBarAggregatorStats,
} from './KeyedBarAggregator.js';
export { type RejectReason, TradeRejectedError } from './TradeRejectedError.js';
export { invalidTradeReason, type Trade } from './trade.js';
