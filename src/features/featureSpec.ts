import { boundedString, check, finiteNumber, integer, plainObject, quoteValue } from '../util/validate.js';

/**
 * What a feature measures. Each is computed from one bar and, for some, a window of earlier bars:
 *
 * - `logReturn` — ln(C_t / C_{t−1}).
 * - `range` — normalised range (H − L) / O.
 * - `activity` — V_t / mean of V over the previous `window` bars. When those bars traded nothing
 *   (a hole at least `window` long): 0 if V_t is 0, else `window` (a burst after silence).
 * - `meanVolume` — mean of V over the last `window` bars, this bar's included: in the symbol's own
 *   units, so meant to be made relative to its own history with a `baseline`.
 * - `realizedVolatility` — √(mean of r² over the last `window` log returns, this bar's included).
 * - `parkinsonVolatility` — Parkinson's range estimator √(mean of ln(H/L)² / (4 ln 2)) over the
 *   last `window` bars.
 * - `orderFlowImbalance` — taker order-flow imbalance 2 · takerBuyVolume / V − 1, in [−1, 1]
 *   (0 when V is 0). Needs `takerBuyVolume`.
 * - `amihud` — Amihud illiquidity |r| / quoteVolume, in return per million units of quote volume
 *   (0 when quoteVolume is 0). Needs `quoteVolume`.
 * - `tradeIntensity` — trades_t / mean of trades over the previous `window` bars (after a
 *   hole, as `activity`). Needs `trades`.
 * - `averageTradeSize` — V / trades (the previous bar's value when there were no trades). Needs
 *   `trades`.
 *
 * @example
 * ```ts
 * const kinds: FeatureKind[] = ['logReturn', 'range', 'realizedVolatility'];
 * ```
 */
export type FeatureKind =
  | 'logReturn'
  | 'range'
  | 'activity'
  | 'meanVolume'
  | 'realizedVolatility'
  | 'parkinsonVolatility'
  | 'orderFlowImbalance'
  | 'amihud'
  | 'tradeIntensity'
  | 'averageTradeSize';

/**
 * How a raw feature value is mapped before standardisation: `none`; `log` — ln(x + offset), for
 * positive heavy-tailed values (the offset keeps a zero, e.g. a gap bar's range, finite);
 * `signedLog` — sign(x) · ln(1 + |x|), for heavy tails on both sides.
 *
 * @example
 * ```ts
 * const def: FeatureDefinition = { name: 'logRange', kind: 'range', transform: 'log', offset: 1e-5 };
 * ```
 */
export type FeatureTransform = 'none' | 'log' | 'signedLog';

/**
 * Makes a feature relative to the symbol's own recent history, so one model means the same thing
 * on any symbol and in any year: after the transform, the value is compared with an exponentially
 * weighted moving average (EWMA) of the same feature over the previous bars.
 *
 * - `difference` — y = x − EWMA(x): for log-scale features (log realized volatility, log
 *   activity), where a difference of logs is a ratio and so does not depend on the symbol's price
 *   or volume units.
 * - `scale` — y = x / √(EWMA(x²) + 1e-12): for zero-centred features such as the log return,
 *   which become multiples of their own recent root mean square (the 1e-12 floor, a 1-minute
 *   volatility of 0.01 bp, keeps a feed that has been silent for days finite).
 *
 * The EWMA has a half-life of `halfLifeBars` and is bias-corrected (weights normalised by their
 * sum), so it is a proper average from its first bar on. It starts once the feature's own window
 * is full, and the feature stays cold until it has averaged `minBars` bars: a baseline built on a
 * few minutes would make every reading relative to noise. Warm-start a live detector with at least
 * `warmUp` bars of history (klines from REST or a file) to be warm at once.
 *
 * @example
 * ```ts
 * const base: FeatureBaseline = { mode: 'difference', halfLifeBars: 14_400, minBars: 1_440 }; // 10 days, warm after 1
 * ```
 */
export interface FeatureBaseline {
  mode: 'difference' | 'scale';
  /** Half-life of the EWMA, in bars (e.g. 14 400 = ten days of 1-minute bars). */
  halfLifeBars: number;
  /** Bars the EWMA must have averaged before the feature is warm. */
  minBars: number;
}

/**
 * One declared feature: its column name in signals, what it measures, its window and transform.
 *
 * @example
 * ```ts
 * const rv: FeatureDefinition = { name: 'logRealizedVol30', kind: 'realizedVolatility', window: 30, transform: 'log', offset: 1e-6 };
 * ```
 */
export interface FeatureDefinition {
  /** Name in `signal.features` and in reports; unique within a set. */
  name: string;
  kind: FeatureKind;
  /** Window length in bars, for `activity`, `meanVolume`, `realizedVolatility`, `parkinsonVolatility`, `tradeIntensity`. */
  window?: number;
  transform: FeatureTransform;
  /** Added before `log`; required (> 0) with it. */
  offset?: number;
  /** Relative to the symbol's own recent history (see {@link FeatureBaseline}); absent = absolute. */
  baseline?: FeatureBaseline;
}

/**
 * A feature set: the ordered feature vector the forest and the HMM see.
 *
 * @example
 * ```ts
 * const mine: FeatureSet = [...DEFAULT_FEATURES, { name: 'ofi', kind: 'orderFlowImbalance', transform: 'none' }];
 * ```
 */
export type FeatureSet = readonly FeatureDefinition[];

/**
 * The optional bar column each kind needs, if any.
 *
 * @example
 * ```ts
 * REQUIRED_COLUMN.orderFlowImbalance; // 'takerBuyVolume'
 * ```
 */
export const REQUIRED_COLUMN: Readonly<
  Record<FeatureKind, 'takerBuyVolume' | 'quoteVolume' | 'trades' | null>
> = {
  logReturn: null,
  range: null,
  activity: null,
  meanVolume: null,
  realizedVolatility: null,
  parkinsonVolatility: null,
  orderFlowImbalance: 'takerBuyVolume',
  amihud: 'quoteVolume',
  tradeIntensity: 'trades',
  averageTradeSize: 'trades',
};

const WINDOWED = new Set<FeatureKind>([
  'activity',
  'meanVolume',
  'realizedVolatility',
  'parkinsonVolatility',
  'tradeIntensity',
]);

/**
 * The original system's three features, as it computed them: log return, normalised range and
 * activity ratio over 20 bars, untransformed. Kept for comparison.
 *
 * @example
 * ```ts
 * trainModel({ bars, features: ORIGINAL_FEATURES }); // or features: 'original'
 * ```
 */
export const ORIGINAL_FEATURES: FeatureSet = [
  { name: 'logReturn', kind: 'logReturn', transform: 'none' },
  { name: 'range', kind: 'range', transform: 'none' },
  { name: 'activity20', kind: 'activity', window: 20, transform: 'none' },
];

/**
 * The previous default feature set (the bundled model's up to format version 1): log return, log
 * activity over 20 bars and a 30-bar log realized volatility, all absolute. Standardised with
 * statistics frozen on one symbol's training years, its states become fixed volatility levels:
 * on a calmer or wilder symbol or year one state takes most of the bars. Kept for comparison and
 * for models of one symbol on short data (it warms up in 30 bars).
 *
 * @example
 * ```ts
 * new FeatureStage(ABSOLUTE_FEATURES).warmUp; // 30
 * ```
 */
export const ABSOLUTE_FEATURES: FeatureSet = [
  { name: 'logReturn', kind: 'logReturn', transform: 'none' },
  { name: 'logActivity20', kind: 'activity', window: 20, transform: 'log', offset: 0.01 },
  { name: 'logRealizedVol30', kind: 'realizedVolatility', window: 30, transform: 'log', offset: 1e-6 },
];

/** Ten days of 1-minute bars: the half-life of the default set's baselines. */
const TEN_DAYS = 14_400;
/** One day of 1-minute bars: the history the default set's baselines need before they are warm. */
const ONE_DAY = 1_440;

/**
 * The default feature set: OHLCV only, so it works on any kline source, and relative to the
 * symbol's own recent history, so one model means the same thing on any symbol and in any year:
 *
 * - `relativeReturn` — the log return over the root mean square of the symbol's returns (EWMA,
 *   half-life 10 days);
 * - `logActivity20` — ln(V / mean V of the previous 20 bars + 0.1), scale-free by construction
 *   (the offset 0.1 keeps minutes without trades, common on thin symbols, within reach);
 * - `relativeLogRealizedVol60` — the 60-bar log realized volatility minus its own EWMA (half-life
 *   10 days): how much more or less volatile the market is than over the last days (the feature
 *   that orders the states).
 *
 * Each baseline needs one day (1 440 bars) of history after the 60-bar window, so a detector is
 * warm after 1 500 bars: warm-start it from klines. Chosen on walk-forward evidence
 * (`scripts/regime-experiment.ts`, the model card `docs/models/btcusdt-1m.md`): with absolute
 * features a BTCUSDT-trained model said Crisis 67–87 % of the time on USD-M altcoins; with these,
 * every state keeps 11–68 % of the bars on every span and symbol tried, while the regime score
 * predicts forward volatility as well as before. A 3-day baseline predicted worse; a 30-bar
 * volatility window switched states half again as often.
 *
 * @example
 * ```ts
 * new FeatureStage(DEFAULT_FEATURES).warmUp; // 1 500
 * ```
 */
export const DEFAULT_FEATURES: FeatureSet = [
  {
    name: 'relativeReturn',
    kind: 'logReturn',
    transform: 'none',
    baseline: { mode: 'scale', halfLifeBars: TEN_DAYS, minBars: ONE_DAY },
  },
  { name: 'logActivity20', kind: 'activity', window: 20, transform: 'log', offset: 0.1 },
  {
    name: 'relativeLogRealizedVol60',
    kind: 'realizedVolatility',
    window: 60,
    transform: 'log',
    offset: 1e-6,
    baseline: { mode: 'difference', halfLifeBars: TEN_DAYS, minBars: ONE_DAY },
  },
];

/**
 * A feature set for bars that carry trade counts and taker volume (Binance USD-M klines, bars built
 * from trades): the default set plus taker order-flow imbalance and trade intensity. Like the
 * default it leaves out the range: on coarse-tick symbols many minutes have a range of exactly 0,
 * and `log range` then gives the HMM a degenerate "price stuck on one tick" state (seen on the
 * USD-M data; see the README). Every feature is scale-free, so one model can serve
 * several symbols; `amihud` and `averageTradeSize` are in the symbol's own units and suit
 * single-symbol models only.
 *
 * @example
 * ```ts
 * trainModel({ bars: usdmBars, features: MICROSTRUCTURE_FEATURES });
 * ```
 */
export const MICROSTRUCTURE_FEATURES: FeatureSet = [
  ...DEFAULT_FEATURES,
  { name: 'orderFlowImbalance', kind: 'orderFlowImbalance', transform: 'none' },
  { name: 'logTradeIntensity20', kind: 'tradeIntensity', window: 20, transform: 'log', offset: 0.1 },
];

/**
 * The named feature sets, as the CLI's `--features` accepts them.
 *
 * @example
 * ```ts
 * Object.keys(FEATURE_SETS); // ['default', 'absolute', 'original', 'microstructure']
 * ```
 */
export const FEATURE_SETS: Readonly<Record<string, FeatureSet>> = {
  default: DEFAULT_FEATURES,
  absolute: ABSOLUTE_FEATURES,
  original: ORIGINAL_FEATURES,
  microstructure: MICROSTRUCTURE_FEATURES,
};

/**
 * Validates an untrusted feature set (e.g. from a model file) and returns it as typed definitions.
 * Errors are `ModelValidationError`s naming the field, e.g. `features[2].window`.
 *
 * @example
 * ```ts
 * const set = parseFeatureSet(JSON.parse(text).features, 'features');
 * ```
 */
export function parseFeatureSet(value: unknown, path = 'features'): FeatureDefinition[] {
  check(Array.isArray(value), path, 'expected an array of feature definitions');
  check(value.length > 0, path, 'expected at least one feature');
  const names = new Set<string>();
  return value.map((item, i) => {
    const at = `${path}[${i}]`;
    const o = plainObject(item, at);
    const name = boundedString(o.name, `${at}.name`, 1);
    check(!names.has(name), `${at}.name`, `duplicate feature name ${JSON.stringify(name)}`);
    names.add(name);
    check(
      typeof o.kind === 'string' && o.kind in REQUIRED_COLUMN,
      `${at}.kind`,
      `expected one of ${Object.keys(REQUIRED_COLUMN).join(', ')}, got ${quoteValue(o.kind)}`,
    );
    const kind = o.kind as FeatureKind;
    check(
      o.transform === 'none' || o.transform === 'log' || o.transform === 'signedLog',
      `${at}.transform`,
      `expected 'none', 'log' or 'signedLog', got ${quoteValue(o.transform)}`,
    );
    // Keys in one canonical order (name, kind, window, transform, offset), so a model file
    // written after loading has the same bytes as the one read.
    const def: FeatureDefinition = { name, kind } as FeatureDefinition;
    if (WINDOWED.has(kind)) def.window = integer(o.window, `${at}.window`, 2, 10_000);
    else check(o.window === undefined, `${at}.window`, `a ${kind} feature takes no window`);
    def.transform = o.transform;
    if (o.transform === 'log') {
      def.offset = finiteNumber(o.offset, `${at}.offset`);
      check(def.offset > 0, `${at}.offset`, 'the log transform needs an offset > 0');
    } else check(o.offset === undefined, `${at}.offset`, 'an offset is only used with the log transform');
    if (o.baseline !== undefined) def.baseline = parseBaseline(o.baseline, `${at}.baseline`);
    return def;
  });
}

/** Longest baseline half-life and history a feature may declare: a year of 1-minute bars. */
const MAX_BASELINE_BARS = 525_600;

function parseBaseline(value: unknown, path: string): FeatureBaseline {
  const o = plainObject(value, path);
  check(
    o.mode === 'difference' || o.mode === 'scale',
    `${path}.mode`,
    `expected 'difference' or 'scale', got ${quoteValue(o.mode)}`,
  );
  // Canonical key order, as for the definition itself.
  return {
    mode: o.mode,
    halfLifeBars: integer(o.halfLifeBars, `${path}.halfLifeBars`, 1, MAX_BASELINE_BARS),
    minBars: integer(o.minBars, `${path}.minBars`, 1, MAX_BASELINE_BARS),
  };
}
