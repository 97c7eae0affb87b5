import { Transform } from 'node:stream';
import type { Trade } from '../bars/trade.js';
import { createRegimeDetector, type RegimeDetectorOptions } from '../pipeline/RegimeDetector.js';
import { quoteValue } from '../util/validate.js';

/**
 * Options of {@link detectorTransform}: a detector's, plus what to do at the end of input.
 *
 * @example
 * ```ts
 * detectorTransform({ symbol: 'BTCUSDT', flush: false });
 * ```
 */
export interface DetectorTransformOptions extends RegimeDetectorOptions {
  /** Close and signal the open bar when the input ends (default true). */
  flush?: boolean;
}

/**
 * A Node `Transform` stream (object mode) around a regime detector: trades in, one
 * `RegimeSignal` per closed bar out. At the end of input the open bar is closed and signalled
 * unless `flush: false`. A rejected trade is counted by the detector (or, with
 * `errorPolicy: 'throw'`, fails the stream with a `TradeRejectedError`).
 *
 * @example
 * ```ts
 * import { pipeline } from 'node:stream/promises';
 * import { detectorTransform, readAggTrades } from 'microstream/node';
 *
 * await pipeline(Readable.from(readAggTrades('trades.csv')), detectorTransform({ symbol: 'BTCUSDT' }), async function* (signals) {
 *   for await (const s of signals) if (s.regime.changed) console.log(s.regime.label);
 * });
 * ```
 */
export function detectorTransform(options: DetectorTransformOptions = {}): Transform {
  const { flush = true, ...detectorOptions } = options;
  if (typeof flush !== 'boolean') throw new TypeError(`flush must be a boolean, got ${quoteValue(flush)}`);
  const detector = createRegimeDetector(detectorOptions);
  return new Transform({
    objectMode: true,
    transform(trade: Trade, _encoding, done) {
      try {
        for (const signal of detector.pushTrade(trade)) this.push(signal);
        done();
      } catch (e) {
        done(e as Error);
      }
    },
    flush(done) {
      if (flush) for (const signal of detector.flush()) this.push(signal);
      done();
    },
  });
}
