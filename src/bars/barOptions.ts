import type { SkippedGap } from './GapFiller.js';

/** Options shared by everything that produces a regular bar series. */
export interface BarSeriesOptions {
  /** Bar length in ms, an integer from 1 000 (1 s) to 86 400 000 (1 d). Default 60 000. */
  intervalMs?: number;
  /** Longest run of empty intervals filled with gap bars; beyond it intervals are skipped. Default 1 440. */
  maxGapBars?: number;
  /** Called once per run of skipped intervals, when the run ends. */
  onSkippedGap?: (span: SkippedGap) => void;
}

/** Shortest bar interval accepted: 1 second. */
export const MIN_INTERVAL_MS = 1_000;
/** Longest bar interval accepted: 1 day. */
export const MAX_INTERVAL_MS = 86_400_000;

/**
 * Checks the shared options and fills in defaults; a bad option throws a `RangeError` or
 * `TypeError` that names it.
 *
 * @example
 * ```ts
 * resolveSeriesOptions({ intervalMs: 300_000 }); // { intervalMs: 300000, maxGapBars: 1440 }
 * resolveSeriesOptions({ intervalMs: 500 });     // RangeError: intervalMs must be an integer number of ms from 1000 (1 s) …
 * ```
 */
export function resolveSeriesOptions(
  options: BarSeriesOptions,
): Required<Omit<BarSeriesOptions, 'onSkippedGap'>> {
  const intervalMs = options.intervalMs ?? 60_000;
  if (!Number.isInteger(intervalMs) || intervalMs < MIN_INTERVAL_MS || intervalMs > MAX_INTERVAL_MS) {
    throw new RangeError(
      `intervalMs must be an integer number of ms from ${MIN_INTERVAL_MS} (1 s) to ${MAX_INTERVAL_MS} (1 d), got ${String(intervalMs)}`,
    );
  }
  const maxGapBars = options.maxGapBars ?? 1440;
  if (!Number.isSafeInteger(maxGapBars) || maxGapBars < 0) {
    throw new RangeError(`maxGapBars must be an integer >= 0, got ${String(maxGapBars)}`);
  }
  if (options.onSkippedGap !== undefined && typeof options.onSkippedGap !== 'function') {
    throw new TypeError('onSkippedGap must be a function');
  }
  return { intervalMs, maxGapBars };
}
