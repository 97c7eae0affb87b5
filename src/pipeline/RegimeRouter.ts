import type { Bar } from '../bars/bar.js';
import { invalidTradeReason, type Trade } from '../bars/trade.js';
import { defaultModel } from '../models/defaultModel.js';
import type { Stage } from '../stage.js';
import { emptyResult } from '../util/emptyResult.js';
import {
  check,
  describeValue,
  ModelValidationError,
  plainCopy,
  plainObject,
  quoteValue,
} from '../util/validate.js';
import {
  type DetectorSnapshot,
  RegimeDetector,
  type RegimeDetectorOptions,
  type RegimeDetectorStats,
} from './RegimeDetector.js';
import type { RegimeSignal } from './signal.js';

/**
 * Options of {@link createRegimeRouter}: those of a detector, except the symbol, which comes from the data.
 *
 * @example
 * ```ts
 * createRegimeRouter({ model, allowedLatenessMs: 1_000 });
 * ```
 */
export type RegimeRouterOptions = Omit<RegimeDetectorOptions, 'symbol'>;

/**
 * Counters of a {@link RegimeRouter}: its detectors' {@link RegimeDetectorStats} added up.
 *
 * @example
 * ```ts
 * const { symbols, signals, rejectedTrades } = router.stats();
 * ```
 */
export type RegimeRouterStats = Pick<
  RegimeDetectorStats,
  'signals' | 'gapBars' | 'coldBars' | 'anomalies' | 'regimeChanges' | 'restarts' | 'rejectedTrades'
> & {
  /** Symbols seen (one detector each). */
  symbols: number;
};

/**
 * A {@link RegimeRouter}'s state as plain JSON: one detector snapshot per symbol.
 *
 * @example
 * ```ts
 * const saved = JSON.stringify(router.snapshot());
 * createRegimeRouter().restore(JSON.parse(saved));
 * ```
 */
export interface RouterSnapshot {
  format: 'microstream-router';
  version: 1;
  detectors: Record<string, DetectorSnapshot>;
}

/** The one empty result (see {@link emptyResult}). */
const NO_SIGNALS: readonly RegimeSignal[] = emptyResult();

/**
 * Creates a router for many symbols; see {@link RegimeRouter}.
 *
 * @example
 * ```ts
 * const router = createRegimeRouter();
 * for (const s of router.pushTrade({ symbol: 'ETHUSDT', time, price, qty, isBuyerMaker })) console.log(s.symbol, s.regime.label);
 * ```
 */
export function createRegimeRouter(options: RegimeRouterOptions = {}): RegimeRouter {
  return new RegimeRouter(options);
}

/**
 * One {@link RegimeDetector} per symbol (`trade.symbol` / `bar.symbol`, `''` when absent), created
 * on the symbol's first trade or bar, all sharing one loaded model (the model's arrays are not
 * copied per symbol). Signals carry their symbol.
 *
 * @example
 * ```ts
 * const router = createRegimeRouter({ model: loadModel(text) });
 * for await (const trade of trades) for (const s of router.pushTrade(trade)) publish(s);
 * router.advance(Date.now()); // on a timer: closes bars of quiet symbols
 * router.get('BTCUSDT')?.stats();
 * ```
 */
export class RegimeRouter
  implements Stage<Trade, readonly RegimeSignal[], RouterSnapshot, RegimeRouterStats>
{
  readonly #options: RegimeRouterOptions;
  readonly #detectors = new Map<string, RegimeDetector>();
  /** Invalid trades of symbols that had no detector yet: counted here, so they create none. */
  #strayInvalidTrades = 0;

  constructor(options: RegimeRouterOptions = {}) {
    this.#options = { ...options, model: options.model ?? defaultModel() };
    // Detectors are made at each symbol's first item; one made now checks the model and the bar
    // options, so that a bad one fails here and not in the middle of a stream.
    new RegimeDetector(this.#options, '');
  }

  /** The {@link Stage} face of {@link RegimeRouter.pushTrade}: feeds one trade. */
  push(trade: Trade): readonly RegimeSignal[] {
    return this.pushTrade(trade);
  }

  /** Feeds a trade to its symbol's detector. */
  pushTrade(trade: Trade): readonly RegimeSignal[] {
    const symbol = symbolOf(trade);
    const detector = this.#detectors.get(symbol);
    if (detector !== undefined || invalidTradeReason(trade) === undefined)
      return (detector ?? this.#detector(symbol)).pushTrade(trade);
    // An invalid trade of a symbol not seen yet must leave no detector behind (it would change the
    // order of later advance/flush output): a throwaway detector applies the error policy.
    const probe = new RegimeDetector(this.#options, symbol);
    const out = probe.pushTrade(trade);
    this.#strayInvalidTrades += probe.stats().rejectedTrades.invalid;
    return out;
  }

  /** Feeds a bar to its symbol's detector. */
  pushBar(bar: Bar): readonly RegimeSignal[] {
    return this.#detector(symbolOf(bar)).pushBar(bar);
  }

  /**
   * Warms `symbol`'s detector up from closed bars of its history before its first trade: see
   * {@link RegimeDetector.warmStart} (same rules, same signals returned). Once per symbol.
   *
   * @example
   * ```ts
   * const history: Bar[] = [];
   * for await (const bar of binanceKlines({ symbol: 'ETHUSDT', interval: '1m', startTime })) history.push(bar);
   * router.warmStart('ETHUSDT', history);
   * ```
   */
  warmStart(symbol: string, bars: Iterable<Bar>): readonly RegimeSignal[] {
    if (typeof symbol !== 'string')
      throw new TypeError(`warmStart(symbol, bars): symbol must be a string, got ${describeValue(symbol)}`);
    return this.#detector(symbol).warmStart(bars);
  }

  /** Advances event time for every symbol (trade input); returns the signals of all bars closed. */
  advance(nowMs: number): readonly RegimeSignal[] {
    const out: RegimeSignal[] = [];
    for (const detector of this.#detectors.values()) for (const s of detector.advance(nowMs)) out.push(s);
    return out.length === 0 ? NO_SIGNALS : out;
  }

  /** End of input for every symbol. */
  flush(): readonly RegimeSignal[] {
    const out: RegimeSignal[] = [];
    for (const detector of this.#detectors.values()) out.push(...detector.flush());
    return out;
  }

  /** Symbols seen so far, in order of first appearance. */
  symbols(): string[] {
    return [...this.#detectors.keys()];
  }

  /** The detector of `symbol`, if it has been seen. */
  get(symbol: string): RegimeDetector | undefined {
    return this.#detectors.get(symbol);
  }

  /**
   * The counters of every detector added up, and how many symbols there are. An invalid trade of a
   * symbol with no detector yet creates none (so junk symbols cost no memory); it is counted in
   * `rejectedTrades.invalid` here, by this router, and is not part of its snapshot.
   */
  stats(): RegimeRouterStats {
    const total: RegimeRouterStats = {
      symbols: this.#detectors.size,
      signals: 0,
      gapBars: 0,
      coldBars: 0,
      anomalies: 0,
      regimeChanges: 0,
      restarts: 0,
      rejectedTrades: { duplicate: 0, late: 0, invalid: this.#strayInvalidTrades },
    };
    for (const detector of this.#detectors.values()) {
      const s = detector.stats();
      total.signals += s.signals;
      total.gapBars += s.gapBars;
      total.coldBars += s.coldBars;
      total.anomalies += s.anomalies;
      total.regimeChanges += s.regimeChanges;
      total.restarts += s.restarts;
      total.rejectedTrades.duplicate += s.rejectedTrades.duplicate;
      total.rejectedTrades.late += s.rejectedTrades.late;
      total.rejectedTrades.invalid += s.rejectedTrades.invalid;
    }
    return total;
  }

  /** Every detector's state as plain JSON, by symbol. */
  snapshot(): RouterSnapshot {
    const detectors: Record<string, DetectorSnapshot> = {};
    for (const [symbol, detector] of this.#detectors) detectors[symbol] = detector.snapshot();
    return { format: 'microstream-router', version: 1, detectors };
  }

  /** Replaces every detector with those of a {@link RegimeRouter.snapshot | snapshot}; errors name the field. */
  restore(snapshot: unknown): void {
    const s = plainObject(plainCopy(snapshot, 'snapshot'), 'snapshot');
    check(s.format === 'microstream-router', 'snapshot.format', "expected 'microstream-router'");
    check(s.version === 1, 'snapshot.version', `expected 1, got ${describeValue(s.version)}`);
    const entries = Object.entries(plainObject(s.detectors, 'snapshot.detectors'));
    const restored = new Map<string, RegimeDetector>();
    for (const [symbol, detectorSnapshot] of entries) {
      const detector = new RegimeDetector(this.#options, symbol);
      try {
        detector.restore(detectorSnapshot);
      } catch (e) {
        const at = `snapshot.detectors[${quoteValue(symbol)}]`;
        if (!(e instanceof ModelValidationError)) throw e;
        // Re-root the detector's path (`snapshot.state`) under this symbol's entry.
        throw new ModelValidationError(
          `${at}${e.path.replace(/^snapshot/, '')}`,
          e.message.slice(e.path.length + 2),
        );
      }
      restored.set(symbol, detector);
    }
    this.#detectors.clear();
    for (const [symbol, detector] of restored) this.#detectors.set(symbol, detector);
  }

  #detector(symbol: string): RegimeDetector {
    let detector = this.#detectors.get(symbol);
    if (detector === undefined) {
      detector = new RegimeDetector(this.#options, symbol);
      this.#detectors.set(symbol, detector);
    }
    return detector;
  }
}

/**
 * The symbol an input is routed by. Input that is not an object, or whose symbol is not a string,
 * goes to the `''` detector, which rejects and counts it as invalid.
 */
function symbolOf(input: Trade | Bar): string {
  if (typeof input !== 'object' || input === null) return '';
  return typeof input.symbol === 'string' ? input.symbol : '';
}
