/**
 * The face every microstream stage shares — the bar aggregators and regularizer, the feature stage,
 * the detector and the router: feed one input, get what it closed; save and restore the whole state
 * as plain JSON; read the counters. Code written against `Stage` (a checkpointing loop, a test, a
 * Kafka partition worker) works with any of them.
 *
 * - `push(input)` — feeds one input and returns what it produced (closed bars, a feature vector,
 *   signals). No I/O, no timers, no wall clock: time comes from the data.
 * - `snapshot()` — the whole state as plain JSON (`JSON.stringify` it as it is).
 * - `restore(snapshot)` — replaces the state with a snapshot of a stage built with the same
 *   options, so that it continues bit-for-bit; a malformed snapshot is refused with a
 *   `ModelValidationError` naming the field, and the state is left unchanged.
 * - `stats()` — counters since construction, as a fresh plain object.
 *
 * @typeParam Input - what `push` takes (a `Trade`, a `Bar`).
 * @typeParam Output - what `push` returns (closed bars, a feature vector, signals).
 * @typeParam Snapshot - the JSON shape of `snapshot()`.
 * @typeParam Stats - the shape of `stats()`.
 *
 * @example
 * ```ts
 * function checkpoint<S extends Stage<Trade, unknown>>(stage: S, trades: Trade[]): string {
 *   for (const trade of trades) stage.push(trade);
 *   return JSON.stringify(stage.snapshot());
 * }
 * checkpoint(new BarAggregator(), trades);
 * checkpoint(createRegimeDetector(), trades);
 * ```
 */
export interface Stage<Input, Output, Snapshot = unknown, Stats = unknown> {
  /** Feeds one input; returns what it produced. */
  push(input: Input): Output;
  /** The whole state as plain JSON. */
  snapshot(): Snapshot;
  /** Replaces the state with a {@link Stage.snapshot} of a stage built with the same options. */
  restore(snapshot: unknown): void;
  /** Counters since construction. */
  stats(): Stats;
}
