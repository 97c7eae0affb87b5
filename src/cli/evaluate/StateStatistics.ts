import type { RegimeSignal } from '../../pipeline/signal.js';

/**
 * What one regime state looked like over a replay.
 *
 * @example
 * ```ts
 * const [stable, , crisis] = stats.result();
 * console.log(crisis.realizedVolatility / stable.realizedVolatility, crisis.meanDwellBars);
 * ```
 */
export interface StateSummary {
  state: number;
  label: string;
  /** Warm bars whose most probable state is this one. */
  bars: number;
  /** `bars` over all warm bars. */
  share: number;
  /** Runs of consecutive warm bars in this state. */
  runs: number;
  /** Mean run length in bars (`bars / runs`): how long the state lasts once entered. */
  meanDwellBars: number;
  /** Longest run, in bars. */
  longestRunBars: number;
  /** Realized volatility of 1-bar log returns in this state, √(mean r²). */
  realizedVolatility: number;
  /** Mean of the 1-bar log returns in this state. */
  meanReturn: number;
  /** Standard deviation of the 1-bar log returns in this state (population). */
  sdReturn: number;
}

/**
 * Per-state statistics of a detector's output, collected signal by signal: share of time, dwell
 * (runs of the filtered most probable state, what a consumer of the signals sees), and the
 * realized volatility, mean and spread of 1-bar log returns ln(C_t / C_{t−1}). Only warm signals
 * count; a cold signal (warm-up, or a restart after a long hole) ends the current run. Gap bars are
 * minutes like any other (return 0). Call {@link endSequence} between separate replays (files), so
 * no return or run spans two of them.
 *
 * @example
 * ```ts
 * const stats = new StateStatistics(model.labels);
 * for await (const bar of readKlines(file)) for (const s of detector.pushBar(bar)) stats.add(s);
 * console.table(stats.result());
 * ```
 */
export class StateStatistics {
  readonly labels: readonly string[];
  readonly #bars: Float64Array;
  readonly #runs: Float64Array;
  readonly #longest: Float64Array;
  /** Running mean and sum of squared deviations (Welford): E[r²] − mean² would cancel when sd ≪ |mean|. */
  readonly #mean: Float64Array;
  readonly #squaredDeviations: Float64Array;
  readonly #sumSq: Float64Array;
  #previousClose = Number.NaN;
  #runState = -1;
  #runLength = 0;

  constructor(labels: readonly string[]) {
    this.labels = labels;
    const k = labels.length;
    this.#bars = new Float64Array(k);
    this.#runs = new Float64Array(k);
    this.#longest = new Float64Array(k);
    this.#mean = new Float64Array(k);
    this.#squaredDeviations = new Float64Array(k);
    this.#sumSq = new Float64Array(k);
  }

  /** Counts one signal (in the order the detector emitted them). */
  add(signal: RegimeSignal): void {
    const close = signal.bar.close;
    const previousClose = this.#previousClose;
    this.#previousClose = close;
    if (!signal.warm || !(previousClose > 0)) {
      this.#endRun();
      return;
    }
    const state = signal.regime.state;
    const r = Math.log(close / previousClose);
    const n = ++this.#bars[state];
    const delta = r - this.#mean[state];
    this.#mean[state] += delta / n;
    this.#squaredDeviations[state] += delta * (r - this.#mean[state]);
    this.#sumSq[state] += r * r;
    if (state !== this.#runState) {
      this.#endRun();
      this.#runState = state;
      this.#runs[state]++;
    }
    this.#runLength++;
  }

  /** The next signal starts a new replay: no return or run continues across. */
  endSequence(): void {
    this.#endRun();
    this.#previousClose = Number.NaN;
  }

  /** One summary per state, in state order, so far (collecting may go on). */
  result(): StateSummary[] {
    let total = 0;
    for (const n of this.#bars) total += n;
    return this.labels.map((label, k) => {
      const n = this.#bars[k];
      const meanSquare = n > 0 ? this.#sumSq[k] / n : 0;
      return {
        state: k,
        label,
        bars: n,
        share: total > 0 ? n / total : 0,
        runs: this.#runs[k],
        meanDwellBars: this.#runs[k] > 0 ? n / this.#runs[k] : 0,
        longestRunBars: k === this.#runState ? Math.max(this.#longest[k], this.#runLength) : this.#longest[k],
        realizedVolatility: Math.sqrt(meanSquare),
        meanReturn: this.#mean[k],
        sdReturn: n > 0 ? Math.sqrt(this.#squaredDeviations[k] / n) : 0,
      };
    });
  }

  #endRun(): void {
    if (this.#runState >= 0 && this.#runLength > this.#longest[this.#runState])
      this.#longest[this.#runState] = this.#runLength;
    this.#runState = -1;
    this.#runLength = 0;
  }
}
