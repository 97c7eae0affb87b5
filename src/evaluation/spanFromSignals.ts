import type { RegimeSignal } from '../pipeline/signal.js';
import type { EvaluationSpan } from './EvaluationSpan.js';
import { regimeScore } from './regimeScore.js';

/**
 * Turns one span of detector signals (in emission order, gap bars included) into the columns
 * {@link evaluateSignals} reads: close, state (−1 on cold signals), regime score Σ k·p_k, anomaly,
 * gap and out-of-range flags. The number of states is the length of the probability vectors; the interval
 * is the signals' own.
 *
 * @example
 * ```ts
 * const signals = bars.flatMap((bar) => [...detector.pushBar(bar)]);
 * const span = spanFromSignals(signals, 'BTCUSDT 2024-03');
 * ```
 */
export function spanFromSignals(signals: readonly RegimeSignal[], name = ''): EvaluationSpan {
  const n = signals.length;
  const close = new Float64Array(n);
  const state = new Int8Array(n);
  const score = new Float64Array(n);
  const anomaly = new Uint8Array(n);
  const gap = new Uint8Array(n);
  const outOfRange = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const s = signals[i];
    close[i] = s.bar.close;
    state[i] = s.warm ? s.regime.state : -1;
    score[i] = regimeScore(s.regime.probabilities);
    anomaly[i] = s.warm && s.anomaly.isAnomaly ? 1 : 0;
    gap[i] = s.bar.gap ? 1 : 0;
    outOfRange[i] = s.warm && s.outOfRange ? 1 : 0;
  }
  return {
    name: name || (signals[0]?.symbol ?? ''),
    intervalMs: signals[0]?.interval ?? 60_000,
    states: signals[0]?.regime.probabilities.length ?? 0,
    close,
    state,
    score,
    anomaly,
    gap,
    outOfRange,
  };
}
