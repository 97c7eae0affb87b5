import type { Stage } from '../stage.js';
import { emptyResult } from '../util/emptyResult.js';
import { check, describeValue, integer, plainCopy, plainObject } from '../util/validate.js';
import { BarAggregator, type BarAggregatorOptions, type BarAggregatorStats } from './BarAggregator.js';
import type { Bar } from './bar.js';
import type { SkippedGap } from './GapFiller.js';
import { TradeRejectedError } from './TradeRejectedError.js';
import type { Trade } from './trade.js';

/** Options of a {@link KeyedBarAggregator}: those of {@link BarAggregator} for every symbol. */
export interface KeyedBarAggregatorOptions extends Omit<BarAggregatorOptions, 'symbol' | 'onSkippedGap'> {
  /** Called once per run of skipped intervals of one symbol, when the run ends. */
  onSkippedGap?: (span: SkippedGap, symbol: string) => void;
}

/**
 * Counters of a {@link KeyedBarAggregator}: the trade and bar counters of {@link BarAggregatorStats}
 * summed over symbols, and each symbol's own. `invalid` also counts trades that were not objects or
 * whose `symbol` was not a string (they reach no aggregator).
 */
export interface KeyedBarAggregatorStats
  extends Omit<BarAggregatorStats, 'acceptedVolume' | 'rejectedVolume' | 'watermark'> {
  symbols: number;
  bySymbol: Record<string, BarAggregatorStats>;
}

/** The whole state of a {@link KeyedBarAggregator} as plain JSON. */
export interface KeyedBarAggregatorSnapshot {
  version: 1;
  /** Trades rejected before reaching a symbol's aggregator. */
  invalid: number;
  /** One entry per symbol, in order of first appearance. */
  aggregators: { symbol: string; state: ReturnType<BarAggregator['snapshot']> }[];
}

/** The one empty result (see {@link emptyResult}). */
const NO_BARS: readonly Bar[] = emptyResult();

/**
 * One {@link BarAggregator} per symbol, created on the symbol's first trade (`trade.symbol`; a
 * trade without one goes to the symbol `''`). All share the same options; watermarks are per
 * symbol, except that {@link KeyedBarAggregator.advance} moves them all.
 *
 * @example
 * ```ts
 * const bars = new KeyedBarAggregator({ intervalMs: 60_000, allowedLatenessMs: 1_000 });
 * for (const trade of trades) for (const bar of bars.push(trade)) console.log(bar.symbol, bar.close);
 * bars.advance(Date.now()); // e.g. on a heartbeat: closes every symbol's finished bars
 * ```
 */
export class KeyedBarAggregator
  implements Stage<Trade, readonly Bar[], KeyedBarAggregatorSnapshot, KeyedBarAggregatorStats>
{
  readonly #options: KeyedBarAggregatorOptions;
  #bySymbol = new Map<string, BarAggregator>();
  /** The aggregator of the previous trade: consecutive trades of one symbol skip the map lookup. */
  #lastSymbol: string | undefined;
  #last: BarAggregator | undefined;
  #invalid = 0;

  constructor(options: KeyedBarAggregatorOptions = {}) {
    this.#options = { ...options };
    this.#create(''); // checks the options now, not on the first trade
  }

  /** Feeds one trade to its symbol's aggregator; returns the bars it closed (see {@link BarAggregator.push}). */
  push(trade: Trade): readonly Bar[] {
    if (typeof trade !== 'object' || trade === null) {
      return this.#reject(trade, `a trade must be an object, got ${describeValue(trade)}`);
    }
    const symbol = trade.symbol ?? '';
    if (symbol === this.#lastSymbol) return this.#last!.push(trade);
    if (typeof symbol !== 'string')
      return this.#reject(trade, `symbol must be a string, got ${describeValue(symbol)}`);
    let aggregator = this.#bySymbol.get(symbol);
    if (aggregator === undefined) {
      aggregator = this.#create(symbol);
      this.#bySymbol.set(symbol, aggregator);
    }
    this.#lastSymbol = symbol;
    this.#last = aggregator;
    return aggregator.push(trade);
  }

  /** Moves every symbol's watermark to `watermarkMs`; returns the bars closed, symbol by symbol. */
  advance(watermarkMs: number): readonly Bar[] {
    return this.#collect((aggregator) => aggregator.advance(watermarkMs));
  }

  /** End of input for every symbol (see {@link BarAggregator.flush}). */
  flush(): readonly Bar[] {
    return this.#collect((aggregator) => aggregator.flush());
  }

  /** Symbols seen, in order of first appearance. */
  symbols(): string[] {
    return [...this.#bySymbol.keys()];
  }

  /** The aggregator of `symbol`, if it has had a trade. */
  get(symbol: string): BarAggregator | undefined {
    return this.#bySymbol.get(symbol);
  }

  stats(): KeyedBarAggregatorStats {
    const total: KeyedBarAggregatorStats = {
      symbols: this.#bySymbol.size,
      accepted: 0,
      duplicates: 0,
      late: 0,
      invalid: this.#invalid,
      bars: 0,
      gapBars: 0,
      skippedGapBars: 0,
      openBars: 0,
      bySymbol: {},
    };
    for (const [symbol, aggregator] of this.#bySymbol) {
      const s = aggregator.stats();
      Object.defineProperty(total.bySymbol, symbol, { value: s, enumerable: true, writable: true });
      total.accepted += s.accepted;
      total.duplicates += s.duplicates;
      total.late += s.late;
      total.invalid += s.invalid;
      total.bars += s.bars;
      total.gapBars += s.gapBars;
      total.skippedGapBars += s.skippedGapBars;
      total.openBars += s.openBars;
    }
    return total;
  }

  /** The whole state as plain JSON. */
  snapshot(): KeyedBarAggregatorSnapshot {
    return {
      version: 1,
      invalid: this.#invalid,
      aggregators: [...this.#bySymbol].map(([symbol, aggregator]) => ({
        symbol,
        state: aggregator.snapshot(),
      })),
    };
  }

  /**
   * Replaces the state with a {@link KeyedBarAggregator.snapshot}. Throws a `ModelValidationError`
   * naming the field when it is malformed (or made with other options); the state is then unchanged.
   */
  restore(snapshot: unknown): void {
    const s = plainObject(plainCopy(snapshot, 'snapshot'), 'snapshot');
    check(s.version === 1, 'snapshot.version', `expected 1, got ${describeValue(s.version)}`);
    const invalid = integer(s.invalid, 'snapshot.invalid', 0, Number.MAX_SAFE_INTEGER);
    check(Array.isArray(s.aggregators), 'snapshot.aggregators', 'expected an array');
    const bySymbol = new Map<string, BarAggregator>();
    s.aggregators.forEach((entry: unknown, i: number) => {
      const e = plainObject(entry, `snapshot.aggregators[${i}]`);
      check(typeof e.symbol === 'string', `snapshot.aggregators[${i}].symbol`, 'expected a string');
      check(!bySymbol.has(e.symbol), `snapshot.aggregators[${i}].symbol`, `${e.symbol} appears twice`);
      const aggregator = this.#create(e.symbol);
      aggregator.restore(e.state, `snapshot.aggregators[${i}].state`);
      bySymbol.set(e.symbol, aggregator);
    });
    this.#bySymbol = bySymbol;
    this.#invalid = invalid;
    this.#lastSymbol = undefined;
    this.#last = undefined;
  }

  #create(symbol: string): BarAggregator {
    const { onSkippedGap, ...options } = this.#options;
    return new BarAggregator({
      ...options,
      symbol,
      onSkippedGap: onSkippedGap && ((span) => onSkippedGap(span, symbol)),
    });
  }

  #collect(close: (aggregator: BarAggregator) => readonly Bar[]): readonly Bar[] {
    let out = NO_BARS;
    for (const aggregator of this.#bySymbol.values()) {
      const bars = close(aggregator);
      if (bars.length > 0) out = out.length === 0 ? bars : [...out, ...bars];
    }
    return out;
  }

  /** Rejects a trade that reaches no symbol's aggregator. */
  #reject(trade: Trade, detail: string): readonly Bar[] {
    this.#invalid++;
    this.#options.onReject?.('invalid', trade, detail);
    if (this.#options.errorPolicy === 'throw') throw new TradeRejectedError('invalid', trade, detail);
    return NO_BARS;
  }
}
