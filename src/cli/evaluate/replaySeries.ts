import { regimeScore } from '../../evaluation/regimeScore.js';
import type { RegimeModel } from '../../models/RegimeModel.js';
import type { MalformedLine } from '../../node/ReaderStats.js';
import { readKlines } from '../../node/readKlines.js';
import { symbolFromFileName } from '../../node/symbolFromFileName.js';
import { createRegimeDetector, type RegimeDetectorStats } from '../../pipeline/RegimeDetector.js';
import { StateStatistics, type StateSummary } from './StateStatistics.js';

/**
 * One kline file replayed through its own detector, kept as columns (one entry per signal) so
 * that months of 1-minute bars fit in a few MB.
 *
 * @example
 * ```ts
 * const { openTime, close, state } = series;
 * console.log(new Date(openTime[0]), close[0], series.labels[state[0]]);
 * ```
 */
export interface ReplaySeries {
  file: string;
  symbol: string;
  /** Signals (bars, gap bars included). */
  length: number;
  openTime: Float64Array;
  close: Float64Array;
  /** Most probable state; −1 on cold signals. */
  state: Int8Array;
  /** Filtered P(state), `nStates` per signal, row after row. */
  probabilities: Float32Array;
  /** Regime score Σ k·p_k of each signal (from the probabilities at full precision). */
  regimeScore: Float64Array;
  /** Isolation Forest score (scikit-learn's `score_samples`: lower = more anomalous). */
  score: Float64Array;
  anomaly: Uint8Array;
  gap: Uint8Array;
  /** 1 where the detector said its inputs were out of the model's range. */
  outOfRange: Uint8Array;
  /** Per-state statistics of this file alone. */
  states: StateSummary[];
  stats: RegimeDetectorStats;
  /** Anomaly threshold of the model this file was replayed with. */
  threshold: number;
  malformed: { count: number; quoted: MalformedLine[] };
}

/**
 * Replays kline files through {@link createRegimeDetector} (`pushBar`, one fresh detector per
 * file: each file is its own span) and keeps each signal's time, close, state, probabilities and
 * anomaly score, with per-state statistics per file and over all files. `model` is one model for
 * every file, or the model of each file (walk-forward: each file replayed with a model that did
 * not train on it); called once per file, just before its replay.
 *
 * @example
 * ```ts
 * const { files, states } = await replaySeries(['BTCUSDT-1m-2024-12.csv.gz'], () => defaultModel());
 * console.log(states.map((s) => `${s.label}: ${(s.realizedVolatility * 1e4).toFixed(2)} bp`));
 * ```
 */
export async function replaySeries(
  paths: readonly string[],
  modelOf: (file: string, index: number) => RegimeModel | Promise<RegimeModel>,
  onProgress?: (file: string, bars: number) => void,
): Promise<{ files: ReplaySeries[]; states: StateSummary[] }> {
  let overall: StateStatistics | undefined;
  const files: ReplaySeries[] = [];
  for (const [index, file] of paths.entries()) {
    const model = await modelOf(file, index);
    overall ??= new StateStatistics(model.labels);
    const all = overall;
    const symbol = symbolFromFileName(file);
    const own = new StateStatistics(model.labels);
    const quoted: MalformedLine[] = [];
    const reader = readKlines(file, {
      symbol,
      onMalformed: (m) => {
        if (quoted.length < 5) quoted.push(m);
      },
    });
    const detector = createRegimeDetector({ model, symbol });
    const k = model.hmm.nStates;
    const columns = new Columns(k);
    for await (const bar of reader) {
      for (const signal of detector.pushBar(bar)) {
        own.add(signal);
        all.add(signal);
        columns.add(
          signal.bar.openTime,
          signal.bar.close,
          signal.warm ? signal.regime.state : -1,
          signal.regime.probabilities,
          signal.anomaly.score,
          signal.anomaly.isAnomaly,
          signal.bar.gap === true,
          signal.warm && signal.outOfRange,
        );
      }
      if (columns.length % 100_000 === 0) onProgress?.(file, columns.length);
    }
    all.endSequence();
    onProgress?.(file, columns.length);
    files.push({
      file,
      symbol: detector.symbol,
      ...columns.trimmed(),
      states: own.result(),
      stats: detector.stats(),
      threshold: model.forest.threshold,
      malformed: { count: reader.stats().malformed, quoted },
    });
  }
  return { files, states: overall?.result() ?? [] };
}

/** Growable typed columns. */
class Columns {
  readonly #k: number;
  length = 0;
  openTime = new Float64Array(1024);
  close = new Float64Array(1024);
  state = new Int8Array(1024);
  probabilities: Float32Array;
  regimeScore = new Float64Array(1024);
  score = new Float64Array(1024);
  anomaly = new Uint8Array(1024);
  gap = new Uint8Array(1024);
  outOfRange = new Uint8Array(1024);

  constructor(k: number) {
    this.#k = k;
    this.probabilities = new Float32Array(1024 * k);
  }

  add(
    openTime: number,
    close: number,
    state: number,
    p: readonly number[],
    score: number,
    anomaly: boolean,
    gap: boolean,
    outOfRange: boolean,
  ): void {
    if (this.length === this.openTime.length) this.#grow();
    const i = this.length++;
    this.openTime[i] = openTime;
    this.close[i] = close;
    this.state[i] = state;
    this.probabilities.set(p, i * this.#k);
    this.regimeScore[i] = regimeScore(p);
    this.score[i] = score;
    this.anomaly[i] = anomaly ? 1 : 0;
    this.gap[i] = gap ? 1 : 0;
    this.outOfRange[i] = outOfRange ? 1 : 0;
  }

  trimmed() {
    const n = this.length;
    return {
      length: n,
      openTime: this.openTime.slice(0, n),
      close: this.close.slice(0, n),
      state: this.state.slice(0, n),
      probabilities: this.probabilities.slice(0, n * this.#k),
      regimeScore: this.regimeScore.slice(0, n),
      score: this.score.slice(0, n),
      anomaly: this.anomaly.slice(0, n),
      gap: this.gap.slice(0, n),
      outOfRange: this.outOfRange.slice(0, n),
    };
  }

  #grow(): void {
    const grow = <T extends Float64Array | Float32Array | Int8Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(a.length * 2);
      b.set(a);
      return b;
    };
    this.openTime = grow(this.openTime);
    this.close = grow(this.close);
    this.state = grow(this.state);
    this.probabilities = grow(this.probabilities);
    this.regimeScore = grow(this.regimeScore);
    this.score = grow(this.score);
    this.anomaly = grow(this.anomaly);
    this.gap = grow(this.gap);
    this.outOfRange = grow(this.outOfRange);
  }
}
