import { setTimeout as sleep } from 'node:timers/promises';
import type { RegimeModel } from '../../../models/RegimeModel.js';
import { BUNDLED_SAMPLES } from '../../../node/bundledSamples.js';
import { readKlines } from '../../../node/readKlines.js';
import { createRegimeDetector } from '../../../pipeline/RegimeDetector.js';
import { quoteValue } from '../../../util/validate.js';
import { MAX_TIMER_MS } from '../../shared/optionChecks.js';
import type { SignalSource } from './source.js';

/** The real BTCUSDT 1-minute klines bundled with the package (30 days, no network needed). */
export const bundledReplayFile: string = BUNDLED_SAMPLES.klines;

/** Options of {@link replaySource}. */
export interface ReplaySourceOptions {
  /** Binance klines file (`.csv`, `.csv.gz`, `.zip`); default {@link bundledReplayFile}. */
  file?: string;
  /** Symbol of the bars (default `'BTCUSDT'`). */
  symbol?: string;
  /** Market time per wall-clock time: 60 (the default) plays a one-minute bar per second. */
  speed?: number;
  /** Bars sent at once, without waiting, before the paced replay starts, so a page opened right away has history (default 500). */
  preroll?: number;
  /** Epoch ms: the paced replay starts at the first bar at or after this time; earlier bars are sent at once. */
  from?: number;
  /** Model of the detector (default: the bundled BTCUSDT 1-minute model). */
  model?: RegimeModel;
}

/**
 * Replays a klines file through `createRegimeDetector` at `speed` times real time: the bars before
 * the start (`preroll` bars, or up to `from`) go through at once, then one bar every
 * `interval / speed` ms of wall-clock time. Malformed lines are reported on stderr and skipped.
 *
 * @example
 * ```ts
 * const source = replaySource({ speed: 600, from: Date.parse('2024-12-05T00:00Z') });
 * await source.run((signal) => console.log(signal.regime.label), new AbortController().signal);
 * ```
 */
export function replaySource(options: ReplaySourceOptions = {}): SignalSource {
  const {
    file = bundledReplayFile,
    symbol = 'BTCUSDT',
    speed = 60,
    preroll = 500,
    from = Number.NEGATIVE_INFINITY,
    model,
  } = options;
  if (typeof file !== 'string' || file === '')
    throw new TypeError(`file must be a path, got ${quoteValue(file)}`);
  if (!(typeof speed === 'number' && speed > 0 && Number.isFinite(speed)))
    throw new RangeError(`speed must be a number > 0, got ${quoteValue(speed)}`);
  if (!(Number.isInteger(preroll) && preroll >= 0))
    throw new RangeError(`preroll must be an integer >= 0, got ${quoteValue(preroll)}`);
  if (typeof from !== 'number' || Number.isNaN(from))
    throw new RangeError(`from must be epoch ms, got ${quoteValue(from)}`);
  // Checks the symbol and the model now, not when the dashboard starts the replay.
  createRegimeDetector({ model, symbol });
  return {
    name: 'replay',
    symbols: [symbol],
    async run(emit, abort) {
      const detector = createRegimeDetector({ model, symbol });
      const reader = readKlines(file, {
        symbol,
        onMalformed: (m) => process.stderr.write(`replay: ${file} line ${m.line} skipped: ${m.reason}\n`),
      });
      let index = 0;
      let pacedBars = 0;
      let pacingStart = 0;
      for await (const bar of reader) {
        if (abort.aborted) return;
        if (index++ >= preroll && bar.openTime >= from) {
          // Each bar has a due time on a fixed schedule, so timer jitter never accumulates.
          if (pacedBars === 0) pacingStart = performance.now();
          const due = pacingStart + (pacedBars++ * (bar.closeTime + 1 - bar.openTime)) / speed;
          // In steps a timer can hold: a slow replay's wait may pass 2^31 - 1 ms.
          for (let wait = due - performance.now(); wait > 0 && !abort.aborted; wait = due - performance.now())
            await sleep(Math.min(wait, MAX_TIMER_MS), undefined, { signal: abort }).catch(() => undefined);
          if (abort.aborted) return;
        }
        for (const signal of detector.pushBar(bar)) emit(signal);
      }
      for (const signal of detector.flush()) emit(signal);
    },
  };
}
