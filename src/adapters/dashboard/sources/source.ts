import type { RegimeSignal } from '../../../pipeline/signal.js';

/**
 * Where the dashboard's signals come from: the bundled replay, live Binance trades, Kafka, or
 * any trade stream of your own.
 *
 * @example
 * ```ts
 * const source: SignalSource = replaySource({ speed: 60 });
 * await source.run((signal) => hub.publish(signal), abort.signal);
 * ```
 */
export interface SignalSource {
  /** Short name shown on the page, e.g. `'replay'`. */
  readonly name: string;
  /** Symbols known before the first signal, in display order. */
  readonly symbols: string[];
  /** Runs until the data ends or `abort` fires, calling `emit` for every signal as it happens. */
  run(emit: (signal: RegimeSignal) => void, abort: AbortSignal): Promise<void>;
}
