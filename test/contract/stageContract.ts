/**
 * The contract every microstream {@link Stage} passes (like trading-signals' indicator contract test):
 *
 * 1. determinism — the same inputs give the same outputs on two fresh instances;
 * 2. snapshot/restore — cutting a run anywhere with `snapshot()` → `JSON.stringify` → `JSON.parse` →
 *    `restore()` into a fresh instance, then continuing, gives the outputs of an uninterrupted run
 *    (and the restored state snapshots to the same JSON);
 * 3. bad inputs — each one is counted as rejected and leaves the state unharmed: the outputs equal
 *    those of a run without them.
 *
 * It takes the `Stage` interface (`push`, `snapshot`, `restore`, `stats`), so a stage gets all three
 * with one call:
 *
 * ```ts
 * testStageContract({ name: 'BarAggregator', create: () => new BarAggregator(), finish: (s) => s.flush(),
 *   inputs: fc.array(tradeArbitrary), badInputs: invalidTradeArbitrary, rejected: (s) => s.stats().invalid });
 * ```
 *
 * Outputs are compared with `toEqual`, which compares numbers with `Object.is`: bit-for-bit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Stage } from '../../src/stage.js';

export interface StageContract<S extends Stage<Input, unknown>, Input, Output> {
  /** Name shown in the test titles. */
  name: string;
  /** A fresh stage, built the same way every time. */
  create: () => S;
  /**
   * Feeds one input; returns the outputs it produced as a list. Default: `stage.push(input)`, for
   * stages whose `push` returns a list (bars, signals).
   */
  push?: (stage: S, input: Input) => readonly Output[];
  /** End of input: the outputs still held back (e.g. `flush()`). */
  finish?: (stage: S) => readonly Output[];
  /** Input sequences to run. */
  inputs: fc.Arbitrary<Input[]>;
  /** Inputs the stage must reject; needs `rejected`. */
  badInputs?: fc.Arbitrary<unknown>;
  /** How many inputs the stage has rejected so far (from its `stats()`). */
  rejected?: (stage: S) => number;
  /** fast-check runs per property (default 100). */
  numRuns?: number;
}

/** Registers the three contract tests for one stage. */
export function testStageContract<S extends Stage<Input, unknown>, Input, Output = unknown>(
  contract: StageContract<S, Input, Output>,
): void {
  const { create, finish, inputs, badInputs, rejected } = contract;
  const push = contract.push ?? ((stage: S, input: Input) => stage.push(input) as readonly Output[]);
  const snapshot = (stage: S) => stage.snapshot();
  const restore = (stage: S, json: unknown) => stage.restore(json);
  const numRuns = contract.numRuns ?? 100;

  const feed = (stage: S, items: readonly Input[], out: Output[]) => {
    for (const item of items) out.push(...push(stage, item));
  };
  const run = (items: readonly Input[]): Output[] => {
    const stage = create();
    const out: Output[] = [];
    feed(stage, items, out);
    if (finish) out.push(...finish(stage));
    return out;
  };

  describe(`${contract.name} stage contract`, () => {
    it('gives the same outputs for the same inputs on two fresh instances', () => {
      fc.assert(
        fc.property(inputs, (items) => {
          expect(run(items)).toEqual(run(items));
        }),
        { numRuns },
      );
    });

    it('continues identically after snapshot → JSON → restore at any point', () => {
      fc.assert(
        fc.property(
          inputs.chain((items) => fc.tuple(fc.constant(items), fc.integer({ min: 0, max: items.length }))),
          ([items, cut]) => {
            const first = create();
            const out: Output[] = [];
            feed(first, items.slice(0, cut), out);
            const json = JSON.stringify(snapshot(first));
            const second = create();
            restore(second, JSON.parse(json));
            expect(JSON.stringify(snapshot(second))).toBe(json);
            feed(second, items.slice(cut), out);
            if (finish) out.push(...finish(second));
            expect(out).toEqual(run(items));
          },
        ),
        { numRuns },
      );
    });

    if (badInputs !== undefined) {
      it('counts bad inputs as rejected and leaves the state unharmed', () => {
        if (rejected === undefined) throw new Error(`${contract.name}: badInputs needs rejected()`);
        fc.assert(
          fc.property(
            inputs,
            fc.array(fc.tuple(fc.nat(), badInputs), { minLength: 1, maxLength: 8 }),
            (items, bad) => {
              const mixed: unknown[] = [...items];
              for (const [at, input] of bad) mixed.splice(at % (mixed.length + 1), 0, input);
              const clean = create();
              const cleanOut: Output[] = [];
              feed(clean, items, cleanOut);
              const dirty = create();
              const dirtyOut: Output[] = [];
              feed(dirty, mixed as Input[], dirtyOut);
              expect(dirtyOut).toEqual(cleanOut);
              expect(rejected(dirty) - rejected(clean)).toBe(bad.length);
              if (finish) expect(finish(dirty)).toEqual(finish(clean));
            },
          ),
          { numRuns },
        );
      });
    }
  });
}
