import { boundedString, check, finiteNumber, integer, plainObject } from '../util/validate.js';

/**
 * What a feature measures. Each is computed from one bar and, for some, a window of earlier bars:
 *
 * - `logReturn` — ln(C_t / C_{t−1}).
 * - `range` — normalised range (H − L) / O.
 * - `activity` — V_t / mean of V over the previous `window` bars. When those bars traded nothing
 *   (a hole at least `window` long): 0 if V_t is 0, else `window` (a burst after silence).
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
  /** Window length in bars, for `activity`, `realizedVolatility`, `parkinsonVolatility`, `tradeIntensity`. */
  window?: number;
  transform: FeatureTransform;
  /** Added before `log`; required (> 0) with it. */
  offset?: number;
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
  realizedVolatility: null,
  parkinsonVolatility: null,
  orderFlowImbalance: 'takerBuyVolume',
  amihud: 'quoteVolume',
  tradeIntensity: 'trades',
  averageTradeSize: 'trades',
};

const WINDOWED = new Set<FeatureKind>([
  'activity',
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
 * The default feature set, computable from OHLCV alone so it works on any kline source: log return,
 * log activity over 20 bars and a 30-bar log realized volatility (the volatility feature that orders
 * the states). Chosen on held-out data (the README's evidence tables, `scripts/feature-evidence.ts`):
 * it is the OHLCV-only set that meets both goals — Crisis/Stable realized volatility ≥ 3× and a mean
 * dwell ≥ 10 bars in every state — on spans it never saw, on BTCUSDT spot and on USD-M. The original
 * three flicker (a Crisis state of under 2 bars); adding the log range gives a Stable state of 7.7
 * bars held out on BTCUSDT and, on coarse-tick symbols whose range is often exactly 0, a degenerate
 * 1.2-bar state.
 *
 * @example
 * ```ts
 * new FeatureStage(DEFAULT_FEATURES).warmUp; // 30
 * ```
 */
export const DEFAULT_FEATURES: FeatureSet = [
  { name: 'logReturn', kind: 'logReturn', transform: 'none' },
  { name: 'logActivity20', kind: 'activity', window: 20, transform: 'log', offset: 0.01 },
  { name: 'logRealizedVol30', kind: 'realizedVolatility', window: 30, transform: 'log', offset: 1e-6 },
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
  { name: 'logReturn', kind: 'logReturn', transform: 'none' },
  { name: 'logActivity20', kind: 'activity', window: 20, transform: 'log', offset: 0.01 },
  { name: 'logRealizedVol30', kind: 'realizedVolatility', window: 30, transform: 'log', offset: 1e-6 },
  { name: 'orderFlowImbalance', kind: 'orderFlowImbalance', transform: 'none' },
  { name: 'logTradeIntensity20', kind: 'tradeIntensity', window: 20, transform: 'log', offset: 0.01 },
];

/**
 * The named feature sets, as the CLI's `--features` accepts them.
 *
 * @example
 * ```ts
 * Object.keys(FEATURE_SETS); // ['default', 'original', 'microstructure']
 * ```
 */
export const FEATURE_SETS: Readonly<Record<string, FeatureSet>> = {
  default: DEFAULT_FEATURES,
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
      `expected one of ${Object.keys(REQUIRED_COLUMN).join(', ')}, got ${JSON.stringify(o.kind)}`,
    );
    const kind = o.kind as FeatureKind;
    check(
      o.transform === 'none' || o.transform === 'log' || o.transform === 'signedLog',
      `${at}.transform`,
      `expected 'none', 'log' or 'signedLog', got ${JSON.stringify(o.transform)}`,
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
    return def;
  });
}
