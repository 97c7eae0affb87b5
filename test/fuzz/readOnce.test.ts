/**
 * Snapshots and models whose fields change after they are read (getters, a Proxy): every leaf in
 * turn answers honestly on its first k reads and lies (NaN, a wrong type) from then on. A restore or
 * a load must refuse it, or keep exactly the values it checked: the signals that follow are then
 * those of the honest input.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bar } from '../../src/bars/bar.js';
import { defaultModel } from '../../src/models/defaultModel.js';
import { loadModel } from '../../src/models/loadModel.js';
import { createRegimeDetector } from '../../src/pipeline/RegimeDetector.js';
import { ModelValidationError } from '../../src/util/validate.js';
import { replayBars } from '../pipeline/testData.js';

type Path = (string | number)[];

/** The key path of every leaf of a JSON value. */
function leaves(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value))
      leaves(v, [...path, Array.isArray(value) ? Number(k) : k], out);
  else out.push(path);
  return out;
}

/** A copy of `root` whose leaf at `path` is honest on its first `honestReads` reads, then lies. */
function changingAt(root: unknown, path: Path, honestReads: number): { value: unknown; lied: () => boolean } {
  const value = structuredClone(root);
  let parent = value as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const key = path[path.length - 1];
  const honest = parent[key];
  const lie = typeof honest === 'number' ? Number.NaN : typeof honest === 'string' ? 7 : 'lie';
  let reads = 0;
  Object.defineProperty(parent, key, {
    enumerable: true,
    get: () => (++reads <= honestReads ? honest : lie),
  });
  return { value, lied: () => reads > honestReads };
}

let bars: Bar[];
beforeAll(async () => {
  bars = await replayBars(1_700);
});

describe('fuzz: snapshots and models that change while they are read', () => {
  it('detector.restore: every field, lying after 1, 2 or 3 reads, is refused or restored as first read', () => {
    const source = createRegimeDetector({ symbol: 'BTCUSDT' });
    for (const b of bars.slice(0, 1_600)) source.pushBar(b);
    const snapshot = JSON.parse(JSON.stringify(source.snapshot()));
    const honest = createRegimeDetector({ symbol: 'BTCUSDT' });
    honest.restore(snapshot);
    const expected = JSON.stringify(bars.slice(1_600).flatMap((b) => honest.pushBar(b)));
    let lied = 0;
    for (const path of leaves(snapshot)) {
      for (const k of [1, 2, 3]) {
        const { value, lied: didLie } = changingAt(snapshot, path, k);
        const detector = createRegimeDetector({ symbol: 'BTCUSDT' });
        try {
          detector.restore(value);
        } catch (error) {
          expect(error, path.join('.')).toBeInstanceOf(ModelValidationError);
          continue;
        }
        if (didLie()) lied++;
        const signals = JSON.stringify(bars.slice(1_600).flatMap((b) => detector.pushBar(b)));
        expect(signals, `${path.join('.')}, ${k} honest reads`).toBe(expected);
      }
    }
    expect(lied).toBe(0); // a restore that succeeds read each field once
  });

  it('loadModel: fields outside the trees, and every 500th inside them, are refused or loaded as first read', () => {
    const model = JSON.parse(JSON.stringify(defaultModel()));
    const honest = createRegimeDetector({ symbol: 'BTCUSDT', model: loadModel(model) });
    const expected = JSON.stringify(bars.slice(1_500).flatMap((b) => honest.pushBar(b)));
    const paths = leaves(model).filter((p, i) => p[0] !== 'forest' || p.length < 3 || i % 500 === 0);
    expect(paths.length).toBeGreaterThan(200);
    for (const path of paths) {
      for (const k of [1, 2]) {
        const { value, lied } = changingAt(model, path, k);
        let loaded: ReturnType<typeof loadModel>;
        try {
          loaded = loadModel(value);
        } catch (error) {
          expect(error, path.join('.')).toBeInstanceOf(ModelValidationError);
          continue;
        }
        expect(lied(), `${path.join('.')}, ${k} honest reads`).toBe(false);
        const detector = createRegimeDetector({ symbol: 'BTCUSDT', model: loaded });
        expect(JSON.stringify(bars.slice(1_500).flatMap((b) => detector.pushBar(b))), path.join('.')).toBe(
          expected,
        );
      }
    }
  });
});
