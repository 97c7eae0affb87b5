import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Trade } from '../../src/bars/trade.js';
import { createRegimeRouter } from '../../src/pipeline/RegimeRouter.js';
import type { RegimeSignal } from '../../src/pipeline/signal.js';
import { ModelValidationError } from '../../src/util/validate.js';
import { firstNonFinite, hostileValue } from './hostileValues.js';

const START = 1_767_225_600_000;

/** Two symbols, 50 minutes of trades each (warm detectors with open bars), as a feed would send them. */
function trades(from: number, minutes: number): Trade[] {
  const out: Trade[] = [];
  for (let i = from * 6; i < (from + minutes) * 6; i++) {
    for (const [k, symbol] of ['BTCUSDT', 'ETHUSDT'].entries()) {
      out.push({
        time: START + i * 10_000 + k,
        price: (k + 1) * 1_000 * (1 + 0.002 * Math.sin(i / 7 + k)),
        qty: 0.1 + ((i * 7) % 13) / 10,
        isBuyerMaker: (i + k) % 3 === 0,
        id: i + 1,
        symbol,
      });
    }
  }
  return out;
}

const BEFORE = trades(0, 50);
const AFTER = trades(50, 10);

function routerAfter(input: Trade[]) {
  const router = createRegimeRouter({ allowedLatenessMs: 2_000 });
  for (const t of input) router.pushTrade(t);
  return router;
}
const SNAPSHOT_TEXT = JSON.stringify(routerAfter(BEFORE).snapshot());

/** The key path of every leaf (number, string, boolean, null) of a JSON value. */
function leaves(value: unknown, keys: (string | number)[] = [], out: (string | number)[][] = []) {
  if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value))
      leaves(v, [...keys, Array.isArray(value) ? Number(k) : k], out);
  else out.push(keys);
  return out;
}
const LEAVES = leaves(JSON.parse(SNAPSHOT_TEXT));

describe('fuzz: hostile router snapshots (e.g. a tampered Kafka state record)', () => {
  it(`any of the ${LEAVES.length} fields replaced: refused with a ModelValidationError, or the router runs on with finite signals`, () => {
    fc.assert(
      fc.property(fc.nat({ max: LEAVES.length - 1 }), hostileValue, (at, value) => {
        const snapshot = JSON.parse(SNAPSHOT_TEXT);
        const keys = LEAVES[at];
        let node = snapshot;
        for (const k of keys.slice(0, -1)) node = node[k];
        node[keys[keys.length - 1]] = value;
        const router = createRegimeRouter({ allowedLatenessMs: 2_000 });
        const untouched = JSON.stringify(router.snapshot());
        try {
          router.restore(snapshot);
        } catch (e) {
          expect(e).toBeInstanceOf(ModelValidationError);
          expect((e as ModelValidationError).path).toMatch(/^snapshot/);
          // A refused snapshot leaves the router as it was.
          expect(JSON.stringify(router.snapshot())).toBe(untouched);
          return;
        }
        const signals: RegimeSignal[] = [];
        for (const t of AFTER) signals.push(...router.pushTrade(t));
        signals.push(...router.flush());
        for (const s of signals) {
          expect(firstNonFinite(s)).toBeUndefined();
          for (const p of s.regime.probabilities) expect(p >= 0 && p <= 1).toBe(true);
          expect(Math.abs(s.regime.probabilities.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-9);
        }
      }),
      { numRuns: 400 },
    );
  });
});
