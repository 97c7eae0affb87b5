/**
 * microstream/node — Node-only parts: readers for Binance's public data exports.
 *
 * @module microstream/node
 * @packageDocumentation
 */

export { KLINE_COLUMNS } from '../bars/binanceKline.js';
export { type DetectorTransformOptions, detectorTransform } from './detectorTransform.js';
export { epochMillis } from './epochMillis.js';
export type { MalformedLine, ReaderStats } from './ReaderStats.js';
export {
  AGG_TRADE_COLUMNS,
  AggTradeReader,
  type AggTradeReaderOptions,
  readAggTrades,
} from './readAggTrades.js';
export { KlineReader, type KlineReaderOptions, readKlines } from './readKlines.js';
export { MAX_MODEL_FILE_BYTES, readModelFile } from './readModelFile.js';
