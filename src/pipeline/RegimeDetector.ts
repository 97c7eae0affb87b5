import { BarAggregator, type BarAggregatorStats, resolveAggregatorOptions } from '../bars/BarAggregator.js';
import { BarRegularizer, type BarRegularizerStats, type BarRejectReason } from '../bars/BarRegularizer.js';
import type { Bar } from '../bars/bar.js';
import type { SkippedGap } from '../bars/GapFiller.js';
import type { RejectReason } from '../bars/TradeRejectedError.js';
import type { Trade } from '../bars/trade.js';
import { FeatureStage, type FeatureStageSnapshot } from '../features/FeatureStage.js';
import { RollingZScore, type RollingZScoreSnapshot } from '../features/RollingZScore.js';
import type { HMMFilterState } from '../hmm/GaussianHMM.js';
import {
  decideStateHeld,
  MAX_MIN_DWELL_BARS,
  nextStateBars,
  parseDecisionRule,
  type RegimeDecisionRule,
} from '../models/decisionRule.js';
import { defaultModel } from '../models/defaultModel.js';
import type { RegimeModel } from '../models/RegimeModel.js';
import { argmax } from '../models/regimeReport.js';
import type { Stage } from '../stage.js';
import { emptyResult } from '../util/emptyResult.js';
import { check, describeValue, integer, numberArray, plainCopy, plainObject } from '../util/validate.js';
import type { RegimeSignal } from './signal.js';

/**
 * Options of {@link createRegimeDetector}.
 *
 * @example
 * ```ts
 * createRegimeDetector({ model: loadModel(text), symbol: 'ETHUSDT', allowedLatenessMs: 2_000 });
 * ```
 */
export interface RegimeDetectorOptions {
  /** The model (default: the bundled BTCUSDT 1-minute model, {@link defaultModel}). */
  model?: RegimeModel;
  /** Symbol put on bars and signals (default: the bars' own, or `''`). */
  symbol?: string;
  /** Bar interval in ms (default: the model's). */
  intervalMs?: number;
  /** How long after a bar's end trades for it are still merged (default 0). */
  allowedLatenessMs?: number;
  /** Longest run of empty intervals filled with gap bars (default 1 440); longer holes restart the windows. */
  maxGapBars?: number;
  /** `'skip'` (default): rejected trades are counted and reported; `'throw'`: they throw. */
  errorPolicy?: 'skip' | 'throw';
  /** Called for each rejected trade. */
  onReject?: (reason: RejectReason, trade: Trade, detail: string) => void;
  /** Called for each bar rejected by `pushBar` (malformed, duplicate, out of order); it is also counted. */
  onRejectBar?: (reason: BarRejectReason, bar: Bar, detail: string) => void;
  /** Called for each hole longer than `maxGapBars` (after which the detector warms up again). */
  onSkippedGap?: (span: SkippedGap) => void;
  /**
   * `'frozen'` (default): standardise with the model's training statistics. `'rolling20'`: the
   * original system's 20-bar rolling z-score, for comparison only — a crisis that lasts longer
   * than 20 bars standardises itself away.
   */
  normalize?: 'frozen' | 'rolling20';
  /**
   * How the reported state follows the filtered probabilities (default: the model's `decision`:
   * a 4-bar minimum dwell, then hysteresis with margin 0.4, for the default model; margin 0.9 and
   * no dwell for the USD-M one). `{ rule: 'hysteresis', margin: 0 }` reports
   * the filter's most probable state. The probabilities in the signal are the filter's either way.
   */
  decision?: RegimeDecisionRule;
}

/**
 * A bar is outside the model's training range when one of its features lies more than this many
 * training standard deviations (the model's scaler) from the training mean.
 *
 * @example
 * ```ts
 * const far = Math.abs(x - model.scaler.mean[j]) > OUT_OF_RANGE_SIGMA * model.scaler.std[j];
 * ```
 */
export const OUT_OF_RANGE_SIGMA = 4;
/**
 * The detector reports `outOfRange` when more than half of its last this-many warm bars were
 * outside the model's training range (see `OUT_OF_RANGE_SIGMA`).
 *
 * @example
 * ```ts
 * if (signal.outOfRange) console.warn(`most of the last ${OUT_OF_RANGE_WINDOW} bars are unlike the model's training data`);
 * ```
 */
export const OUT_OF_RANGE_WINDOW = 60;

/**
 * Counters of a {@link RegimeDetector}.
 *
 * @example
 * ```ts
 * const { signals, coldBars, rejectedTrades } = detector.stats();
 * ```
 */
export interface RegimeDetectorStats {
  /** Signals emitted (= bars closed). */
  signals: number;
  /** Signals on gap bars. */
  gapBars: number;
  /** Signals with `warm: false`. */
  coldBars: number;
  /** Warm signals flagged as anomalies. */
  anomalies: number;
  /** Signals with `regime.changed`. */
  regimeChanges: number;
  /** Warm bars with a feature beyond `OUT_OF_RANGE_SIGMA` training standard deviations. */
  outOfRangeBars: number;
  /** True while most of the last `OUT_OF_RANGE_WINDOW` warm bars were out of range (as the last signal's `outOfRange`). */
  outOfRange: boolean;
  /** Times the windows restarted after a hole longer than `maxGapBars`. */
  restarts: number;
  /** Trades rejected by the bar aggregator, by reason. */
  rejectedTrades: Record<RejectReason, number>;
  /** The bar aggregator's counters (trade input), or `null`. */
  trades: BarAggregatorStats | null;
  /** The bar regularizer's counters (bar input), or `null`. */
  bars: BarRegularizerStats | null;
}

/**
 * A {@link RegimeDetector}'s whole state as plain JSON.
 *
 * @example
 * ```ts
 * const saved = JSON.stringify(detector.snapshot());
 * createRegimeDetector().restore(JSON.parse(saved));
 * ```
 */
export interface DetectorSnapshot {
  format: 'microstream-detector';
  version: 1;
  symbol: string;
  /** Which input the detector has taken: trades, bars, or nothing yet. */
  input: 'trades' | 'bars' | null;
  aggregator: unknown;
  regularizer: unknown;
  features: FeatureStageSnapshot;
  normalizer: RollingZScoreSnapshot | null;
  filter: { probabilities: number[]; steps: number };
  /** Reported (decided) state of the last warm bar, −1 before the first. */
  state: number;
  /**
   * Warm bars `state` has been reported, up to `MAX_MIN_DWELL_BARS` (the decision rule's minimum
   * dwell). Absent in older snapshots: then no dwell holds the state.
   */
  stateBars?: number;
  /**
   * Which of the last `OUT_OF_RANGE_WINDOW` warm bars were out of range, newest in the lowest
   * bit: bars 31–60 ago in the first number, the last 30 in the second. Absent in older snapshots (none).
   */
  outOfRange?: [number, number];
  /** A hole longer than `maxGapBars` was skipped and the windows restart at the next bar with trades. */
  restartPending: boolean;
  counts: {
    signals: number;
    gapBars: number;
    coldBars: number;
    anomalies: number;
    regimeChanges: number;
    restarts: number;
    /** Absent in snapshots from before it existed (0). */
    outOfRangeBars?: number;
  };
}

/** The out-of-range window is kept as two 30-bit masks (no typed array per detector). */
const MASK30 = 0x3fffffff;

/** The one empty result (see {@link emptyResult}). */
const NO_SIGNALS: readonly RegimeSignal[] = emptyResult();

/**
 * The standardised vector of the bar being processed, one per dimension, shared by every detector:
 * it only lives inside one synchronous `#signal` call, so it is scratch, not state — and not
 * having one per detector saves a typed array per symbol in a router.
 */
const standardisedScratch = new Map<number, Float64Array>();
function scratchOf(size: number): Float64Array {
  let scratch = standardisedScratch.get(size);
  if (scratch === undefined) {
    scratch = new Float64Array(size);
    standardisedScratch.set(size, scratch);
  }
  return scratch;
}

/**
 * Creates a streaming regime detector: trades (or bars) in, one {@link RegimeSignal} per closed bar
 * out. See {@link RegimeDetector}.
 *
 * @example
 * ```ts
 * const detector = createRegimeDetector({ symbol: 'BTCUSDT' });
 * for (const signal of detector.pushTrade({ time, price, qty, isBuyerMaker })) {
 *   if (signal.warm && signal.regime.changed) console.log(signal.regime.label);
 * }
 * ```
 */
export function createRegimeDetector(options: RegimeDetectorOptions = {}): RegimeDetector {
  return new RegimeDetector(options);
}

/**
 * The streaming pipeline: bars (from trades through a {@link BarAggregator}, or your own through a
 * {@link BarRegularizer}) → {@link FeatureStage} → standardisation → Isolation Forest score →
 * one online forward-filter step of the Gaussian HMM → a signal. Exactly one signal per closed bar,
 * gap bars included (`signal.bar.gap`).
 *
 * - **Warm-up**: `warm` is false until every feature window is full (and, with `rolling20`, until
 *   the z-score window holds 20 warm feature vectors). Cold signals carry the model's start
 *   probabilities, never flag an anomaly and never report a change; the HMM filter starts at the
 *   first warm bar, as in training.
 * - **Decision**: `regime.state` is the state the decision rule reports (`decision`, by default the
 *   model's: a minimum dwell and hysteresis on the filtered probabilities, see {@link RegimeDecisionRule});
 *   `regime.mostProbableState` is the filter's argmax, and `regime.probabilities` the filter's.
 * - **Changes**: `regime.changed` is true on the warm bar whose reported state differs from the
 *   previous warm bar's (never on the first warm bar).
 * - **Out of range**: `outOfRange` is true while most of the last `OUT_OF_RANGE_WINDOW` warm
 *   bars had a feature more than `OUT_OF_RANGE_SIGMA` training standard deviations from the
 *   training mean: the model is reading a market unlike anything it was trained on.
 * - **Holes**: empty intervals become gap bars (up to `maxGapBars`), which go through the pipeline
 *   like any bar (see {@link FeatureStage} for what they read as) but are never flagged as
 *   anomalies (their score is still reported): after a silence, e.g. `advance(Date.now())` hours
 *   after the last trade, the gap minutes are gaps, not 1 400 anomalies. A longer hole is skipped:
 *   the windows and the filter restart at the next bar with trades and the detector warms up again.
 * - **Cost**: after a bar closes, the feature update, forest score and filter step allocate nothing;
 *   the only allocation is the signal itself.
 *
 * A detector takes either trades or bars, not both; a trade-fed detector can first be warmed up
 * from bars of history with {@link warmStart}. No I/O, no timers: time comes from the data or from
 * `advance(nowMs)`.
 *
 * @example
 * ```ts
 * const detector = createRegimeDetector();
 * for (const bar of myBars) for (const s of detector.pushBar(bar)) console.log(s.regime.label, s.anomaly.score);
 * const state = JSON.stringify(detector.snapshot()); // later: createRegimeDetector().restore(JSON.parse(state))
 * ```
 */
export class RegimeDetector
  implements Stage<Trade, readonly RegimeSignal[], DetectorSnapshot, RegimeDetectorStats>
{
  /** The model every signal comes from. */
  readonly model: RegimeModel;
  readonly symbol: string;
  readonly intervalMs: number;
  readonly normalize: 'frozen' | 'rolling20';
  /** The decision rule in use: the option's, else the model's. */
  readonly decision: Readonly<RegimeDecisionRule>;
  /** The bar stage's options, read once at construction: the stage itself is made at the first trade or bar. */
  readonly #barOptions: Pick<
    RegimeDetectorOptions,
    'allowedLatenessMs' | 'maxGapBars' | 'errorPolicy' | 'onReject' | 'onRejectBar' | 'onSkippedGap'
  >;
  readonly #features: FeatureStage;
  readonly #rolling: RollingZScore | null;
  readonly #filter: HMMFilterState;
  /** The shared standardised-vector scratch of this model's dimension (looked up once, not per bar). */
  readonly #standardised: Float64Array;
  #aggregator: BarAggregator | null = null;
  #regularizer: BarRegularizer | null = null;
  #state = -1;
  /** Warm bars #state has been reported (for the decision rule's minimum dwell). */
  #stateBars = 0;
  #restartPending = false;
  /** Out-of-range flags of the last 60 warm bars: bars 31–60 ago, and the last 30 (newest = bit 0). */
  #farOld = 0;
  #farRecent = 0;
  #farCount = 0;
  #counts = {
    signals: 0,
    gapBars: 0,
    coldBars: 0,
    anomalies: 0,
    regimeChanges: 0,
    restarts: 0,
    outOfRangeBars: 0,
  };

  /**
   * @param options the detector's options, read once, here: changing the object afterwards changes nothing.
   * @param symbol overrides `options.symbol` (so a router shares one options object among its detectors).
   */
  constructor(options: RegimeDetectorOptions = {}, symbol = options.symbol ?? '') {
    // Each option read once: a caller changing its options object afterwards (to make another
    // detector, say), or a getter answering differently, does not change this one.
    const o = { ...options };
    this.model = o.model ?? defaultModel();
    if (!isRegimeModel(this.model))
      throw new TypeError(
        `model must be a RegimeModel (loadModel(text) or RegimeModel.fromJSON(json) make one from a model file), got ${describeValue(o.model)}`,
      );
    this.symbol = symbol;
    this.intervalMs = o.intervalMs ?? this.model.intervalMs;
    this.#barOptions = {
      allowedLatenessMs: o.allowedLatenessMs,
      maxGapBars: o.maxGapBars,
      errorPolicy: o.errorPolicy,
      onReject: o.onReject,
      onRejectBar: o.onRejectBar,
      onSkippedGap: o.onSkippedGap,
    };
    // The aggregator or regularizer is made at the first trade or bar; bad bar options fail here,
    // not in the middle of a stream.
    resolveAggregatorOptions({ ...this.#barOptions, symbol, intervalMs: this.intervalMs });
    if (o.onRejectBar !== undefined && typeof o.onRejectBar !== 'function')
      throw new TypeError('onRejectBar must be a function');
    this.normalize = o.normalize ?? 'frozen';
    this.decision =
      o.decision === undefined ? this.model.decision : parseDecisionRule(o.decision, 'options.decision');
    if (this.normalize !== 'frozen' && this.normalize !== 'rolling20')
      throw new RangeError(`normalize must be 'frozen' or 'rolling20', got ${String(this.normalize)}`);
    const d = this.model.features.length;
    this.#features = new FeatureStage(this.model.features);
    this.#rolling = this.normalize === 'rolling20' ? new RollingZScore(d, 20) : null;
    this.#filter = this.model.hmm.createFilterState();
    this.#standardised = scratchOf(d);
  }

  /** Bars before the first warm signal. */
  get warmUp(): number {
    return this.#rolling === null ? this.#features.warmUp : this.#features.warmUp + 19;
  }

  /** The {@link Stage} face of {@link RegimeDetector.pushTrade}: feeds one trade. */
  push(trade: Trade): readonly RegimeSignal[] {
    return this.pushTrade(trade);
  }

  /** Feeds one trade; returns the signals of the bars it closed (usually none), oldest first. */
  pushTrade(trade: Trade): readonly RegimeSignal[] {
    return this.#signals((this.#aggregator ?? this.#trades()).push(trade));
  }

  /**
   * Feeds one bar of your own. Bars go through a {@link BarRegularizer}: missing intervals become gap
   * bars, out-of-order and duplicate bars are rejected and counted. Returns the signals of the bars
   * it produced (gap bars first), oldest first.
   */
  pushBar(bar: Bar): readonly RegimeSignal[] {
    return this.#signals(this.#bars().push(bar));
  }

  /**
   * Warms a trade-fed detector up from closed bars of history (e.g. REST klines from
   * `binanceKlines`), so that its first live bar already gives a warm signal. The bars go through
   * the same stages as {@link pushBar} (a {@link BarRegularizer}: gap bars for missing intervals;
   * malformed, duplicate and out-of-order bars dropped and reported to `onRejectBar`) and their
   * signals are returned, oldest first, and counted in {@link stats}. Then the trade stage is placed
   * right after the last bar: the first live bar follows it (gap bars for the minutes in between),
   * and a trade of an already-warmed interval is rejected as `'late'`, never counted twice.
   *
   * Call it once, with all the history, before the first `pushTrade` or `advance`; it throws
   * otherwise, and on a detector that takes bars. For the same bars and trades, the live signals
   * equal those of `pushBar` over the history followed by the bars the trades make.
   *
   * @example
   * ```ts
   * const history: Bar[] = [];
   * for await (const bar of binanceKlines({ symbol: 'BTCUSDT', interval: '1m', startTime: Date.now() - 7_200_000 })) history.push(bar);
   * detector.warmStart(history);
   * for await (const trade of binanceTrades({ symbols: ['BTCUSDT'] })) for (const s of detector.pushTrade(trade)) console.log(s.warm);
   * ```
   */
  warmStart(bars: Iterable<Bar>): readonly RegimeSignal[] {
    if (this.#regularizer !== null)
      throw new Error('warmStart(bars) is for a detector fed with trades: this one takes bars, use pushBar');
    if (this.#aggregator !== null)
      throw new Error(
        'warmStart(bars) must come before the first pushTrade or advance, and only once (pass all the history in one call)',
      );
    const regularizer = this.#newRegularizer();
    const out: RegimeSignal[] = [];
    let last: Bar | undefined;
    try {
      for (const bar of bars) {
        const regular = regularizer.push(bar);
        if (regular.length > 0) last = regular[regular.length - 1];
        for (const s of this.#signals(regular)) out.push(s);
      }
    } finally {
      // Even when the iterable throws, live trades must follow the bars already taken.
      if (last !== undefined) {
        const aggregator = this.#newAggregator();
        aggregator.startAfter(last);
        this.#aggregator = aggregator;
      }
    }
    return out;
  }

  /** Moves event time to `nowMs` (trade input): closes every bar whose end plus lateness has passed. */
  advance(nowMs: number): readonly RegimeSignal[] {
    if (this.#regularizer !== null) return NO_SIGNALS;
    return this.#signals(this.#trades().advance(nowMs));
  }

  /** End of input: closes the open bar (trade input) and reports a pending skipped hole. */
  flush(): readonly RegimeSignal[] {
    if (this.#regularizer !== null) return this.#signals(this.#regularizer.flush());
    if (this.#aggregator === null) return NO_SIGNALS;
    return this.#signals(this.#aggregator.flush());
  }

  /**
   * Signals for a whole trade stream. At the end of input the open bar is closed and signalled
   * (`flush: true`, the default); pass `{ flush: false }` to leave it open, e.g. when the same
   * detector will take more trades later.
   *
   * @example
   * ```ts
   * for await (const s of detector.stream(readAggTrades('trades.csv'))) console.log(s.regime.label);
   * ```
   */
  async *stream(
    trades: AsyncIterable<Trade> | Iterable<Trade>,
    opts: { flush?: boolean } = {},
  ): AsyncIterable<RegimeSignal> {
    for await (const trade of trades) yield* this.pushTrade(trade);
    if (opts.flush ?? true) yield* this.flush();
  }

  /** Counters: signals, gap and cold bars, anomalies, changes, rejected trades and the bar stage's own. */
  stats(): RegimeDetectorStats {
    const trades = this.#aggregator?.stats() ?? null;
    return {
      ...this.#counts,
      outOfRange: this.#outOfRange,
      rejectedTrades: {
        duplicate: trades?.duplicates ?? 0,
        late: trades?.late ?? 0,
        invalid: trades?.invalid ?? 0,
      },
      trades,
      bars: this.#regularizer?.stats() ?? null,
    };
  }

  /** The whole state as plain JSON (the model is not included: restore into a detector of the same model). */
  snapshot(): DetectorSnapshot {
    return {
      format: 'microstream-detector',
      version: 1,
      symbol: this.symbol,
      input: this.#aggregator !== null ? 'trades' : this.#regularizer !== null ? 'bars' : null,
      aggregator: this.#aggregator?.snapshot() ?? null,
      regularizer: this.#regularizer?.snapshot() ?? null,
      features: this.#features.snapshot(),
      normalizer: this.#rolling?.snapshot() ?? null,
      filter: { probabilities: Array.from(this.#filter.probabilities), steps: this.#filter.steps },
      state: this.#state,
      stateBars: this.#stateBars,
      outOfRange: [this.#farOld, this.#farRecent],
      restartPending: this.#restartPending,
      counts: { ...this.#counts },
    };
  }

  /**
   * Continues from a {@link RegimeDetector.snapshot | snapshot} (e.g. taken in another process): the signals that follow are
   * identical to an uninterrupted run. Validates the snapshot against this detector's model and
   * options; errors name the field.
   */
  restore(snapshot: unknown): void {
    const s = plainObject(plainCopy(snapshot, 'snapshot'), 'snapshot');
    check(s.format === 'microstream-detector', 'snapshot.format', "expected 'microstream-detector'");
    check(s.version === 1, 'snapshot.version', `expected 1, got ${describeValue(s.version)}`);
    check(
      s.input === 'trades' || s.input === 'bars' || s.input === null,
      'snapshot.input',
      "expected 'trades', 'bars' or null",
    );
    const k = this.model.hmm.nStates;
    const filter = plainObject(s.filter, 'snapshot.filter');
    const probabilities = numberArray(filter.probabilities, 'snapshot.filter.probabilities', k);
    let total = 0;
    probabilities.forEach((p, i) => {
      check(p >= 0 && p <= 1, `snapshot.filter.probabilities[${i}]`, `expected a probability, got ${p}`);
      total += p;
    });
    check(
      Math.abs(total - 1) <= 1e-9,
      'snapshot.filter.probabilities',
      `probabilities must sum to 1 (within 1e-9), got ${total}`,
    );
    const steps = integer(filter.steps, 'snapshot.filter.steps', 0, Number.MAX_SAFE_INTEGER);
    const state = integer(s.state, 'snapshot.state', -1, k - 1);
    const stateBars =
      s.stateBars === undefined
        ? MAX_MIN_DWELL_BARS
        : integer(s.stateBars, 'snapshot.stateBars', 0, MAX_MIN_DWELL_BARS);
    check(typeof s.restartPending === 'boolean', 'snapshot.restartPending', 'expected a boolean');
    const counts = plainObject(s.counts, 'snapshot.counts');
    const restoredCounts = { ...this.#counts };
    for (const key of Object.keys(restoredCounts) as (keyof typeof restoredCounts)[]) {
      // Counters added later are absent from older snapshots: they were 0 then.
      if (key === 'outOfRangeBars' && counts[key] === undefined) restoredCounts[key] = 0;
      else restoredCounts[key] = integer(counts[key], `snapshot.counts.${key}`, 0, Number.MAX_SAFE_INTEGER);
    }
    let far: [number, number] = [0, 0];
    if (s.outOfRange !== undefined) {
      check(
        Array.isArray(s.outOfRange) && s.outOfRange.length === 2,
        'snapshot.outOfRange',
        'expected two 30-bit masks',
      );
      far = [
        integer(s.outOfRange[0], 'snapshot.outOfRange[0]', 0, MASK30),
        integer(s.outOfRange[1], 'snapshot.outOfRange[1]', 0, MASK30),
      ];
    }
    check(
      (s.normalizer === null) === (this.#rolling === null),
      'snapshot.normalizer',
      `the snapshot was taken with normalize ${s.normalizer === null ? "'frozen'" : "'rolling20'"}, this detector uses '${this.normalize}'`,
    );
    // Build everything first, so a bad snapshot leaves this detector untouched.
    const features = new FeatureStage(this.model.features);
    features.restore(s.features, 'snapshot.features');
    const rolling = this.#rolling === null ? null : new RollingZScore(this.model.features.length, 20);
    rolling?.restore(s.normalizer, 'snapshot.normalizer');
    let aggregator: BarAggregator | null = null;
    let regularizer: BarRegularizer | null = null;
    if (s.input === 'trades') {
      aggregator = this.#newAggregator();
      aggregator.restore(s.aggregator, 'snapshot.aggregator');
    } else if (s.input === 'bars') {
      regularizer = this.#newRegularizer();
      regularizer.restore(s.regularizer as never);
    }
    this.#features.restore(features.snapshot());
    if (rolling !== null) this.#rolling?.restore(rolling.snapshot());
    this.#aggregator = aggregator;
    this.#regularizer = regularizer;
    this.#filter.probabilities.set(probabilities);
    this.#filter.steps = steps;
    this.#state = state;
    this.#stateBars = stateBars;
    this.#farOld = far[0];
    this.#farRecent = far[1];
    this.#farCount = bitCount(far[0]) + bitCount(far[1]);
    this.#restartPending = s.restartPending;
    this.#counts = restoredCounts;
  }

  /** Most of the last `OUT_OF_RANGE_WINDOW` warm bars were out of range. */
  get #outOfRange(): boolean {
    return 2 * this.#farCount > OUT_OF_RANGE_WINDOW;
  }

  /** Shifts this warm bar's out-of-range flag into the window. */
  #trackRange(x: Float64Array): boolean {
    const { mean, std } = this.model.scaler;
    let far = 0;
    for (let j = 0; j < x.length; j++) if (Math.abs(x[j] - mean[j]) > OUT_OF_RANGE_SIGMA * std[j]) far = 1;
    const leaving = (this.#farOld >>> 29) & 1;
    this.#farOld = ((this.#farOld << 1) | (this.#farRecent >>> 29)) & MASK30;
    this.#farRecent = ((this.#farRecent << 1) | far) & MASK30;
    this.#farCount += far - leaving;
    this.#counts.outOfRangeBars += far;
    return this.#outOfRange;
  }

  #trades(): BarAggregator {
    if (this.#regularizer !== null)
      throw new Error('this detector takes bars (pushBar): use another detector for trades');
    this.#aggregator ??= this.#newAggregator();
    return this.#aggregator;
  }

  #bars(): BarRegularizer {
    if (this.#aggregator !== null)
      throw new Error('this detector takes trades (pushTrade): use another detector for bars');
    this.#regularizer ??= this.#newRegularizer();
    return this.#regularizer;
  }

  #newAggregator(): BarAggregator {
    const o = this.#barOptions;
    return new BarAggregator({
      symbol: this.symbol,
      intervalMs: this.intervalMs,
      allowedLatenessMs: o.allowedLatenessMs,
      maxGapBars: o.maxGapBars,
      errorPolicy: o.errorPolicy,
      onReject: o.onReject,
      onSkippedGap: (span) => this.#skipped(span),
    });
  }

  #newRegularizer(): BarRegularizer {
    return new BarRegularizer({
      intervalMs: this.intervalMs,
      maxGapBars: this.#barOptions.maxGapBars,
      onReject: this.#barOptions.onRejectBar,
      onSkippedGap: (span) => this.#skipped(span),
    });
  }

  #skipped(span: SkippedGap): void {
    this.#restartPending = true;
    this.#barOptions.onSkippedGap?.(span);
  }

  #signals(bars: readonly Bar[]): readonly RegimeSignal[] {
    if (bars.length === 0) return NO_SIGNALS;
    // Filled with push, not sized up front, so that it is the same kind of array as NO_SIGNALS.
    const out: RegimeSignal[] = [];
    for (let i = 0; i < bars.length; i++) out.push(this.#signal(bars[i]));
    return out;
  }

  /** One bar through features, scaler, forest and one filter step. Allocates nothing but the signal. */
  #signal(bar: Bar): RegimeSignal {
    const model = this.model;
    // A skipped hole lies before the first bar with trades that follows it.
    if (this.#restartPending && !bar.gap) this.#restart();
    const x = this.#features.push(bar);
    const scratch = this.#standardised;
    // The rolling z-score only takes warm feature vectors, so its 20 bars are real readings; until
    // then the frozen scaler standardises the (cold) vector for a placeholder score.
    const featuresWarm = this.#features.warm;
    const z =
      this.#rolling !== null && featuresWarm
        ? this.#rolling.transform(x, scratch)
        : model.scaler.transform(x, scratch);
    const warm = featuresWarm && (this.#rolling === null || this.#rolling.full);
    const score = model.forest.score(z);
    const threshold = model.forest.threshold;
    let changed = false;
    let outOfRange = false;
    if (warm) {
      model.hmm.forwardStep(this.#filter, z);
      const state = decideStateHeld(this.#filter.probabilities, this.#state, this.#stateBars, this.decision);
      changed = this.#state >= 0 && state !== this.#state;
      this.#stateBars = nextStateBars(state, this.#state, this.#stateBars);
      this.#state = state;
      outOfRange = this.#trackRange(x);
    }
    const mostProbable = argmax(this.#filter.probabilities);
    const state = warm ? this.#state : mostProbable;
    // A gap bar (no trades at all) is a known outage or a quiet market, not a microstructure
    // anomaly: it is scored, but never flagged; otherwise a long silence flags every gap minute.
    const isAnomaly = warm && !bar.gap && score < threshold;
    const c = this.#counts;
    c.signals++;
    if (bar.gap) c.gapBars++;
    if (!warm) c.coldBars++;
    if (isAnomaly) c.anomalies++;
    if (changed) c.regimeChanges++;
    const features: Record<string, number> = {};
    const names = this.#features.names;
    for (let j = 0; j < names.length; j++) features[names[j]] = x[j];
    const filtered = this.#filter.probabilities;
    // A sized array and a plain loop: Array.from on a typed array goes through its iterator (~0.6 µs
    // per bar) and pushing into [] would allocate room for 17.
    const probabilities = new Array<number>(filtered.length);
    for (let k = 0; k < filtered.length; k++) probabilities[k] = filtered[k];
    return {
      symbol: this.symbol || bar.symbol,
      interval: this.intervalMs,
      bar,
      features,
      anomaly: { score, threshold, isAnomaly },
      regime: {
        state,
        label: model.labels[state],
        probabilities,
        changed,
        mostProbableState: mostProbable,
        mostProbableLabel: model.labels[mostProbable],
      },
      warm,
      outOfRange,
    };
  }

  #restart(): void {
    this.#restartPending = false;
    this.#features.reset();
    this.#rolling?.reset();
    this.#filter.probabilities.set(this.model.hmm.createFilterState().probabilities);
    this.#filter.steps = 0;
    this.#state = -1;
    this.#stateBars = 0;
    this.#farOld = 0;
    this.#farRecent = 0;
    this.#farCount = 0;
    this.#counts.restarts++;
  }
}

/** Number of set bits of a 30-bit mask. */
function bitCount(mask: number): number {
  let n = 0;
  for (let m = mask; m !== 0; m &= m - 1) n++;
  return n;
}

/**
 * Whether `value` is a {@link RegimeModel}: by its shape rather than `instanceof`, so that a model
 * made by the package's CommonJS build works in its ES module build (they are two copies).
 */
function isRegimeModel(value: unknown): value is RegimeModel {
  const m = value as Partial<RegimeModel> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    Array.isArray(m.features) &&
    typeof m.hmm?.createFilterState === 'function' &&
    typeof m.forest?.score === 'function' &&
    typeof m.scaler === 'object'
  );
}
