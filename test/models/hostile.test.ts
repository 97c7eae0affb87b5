import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IsolationForest } from '../../src/anomaly/IsolationForest.js';
import { GaussianHMM } from '../../src/hmm/GaussianHMM.js';
import { loadModel } from '../../src/models/loadModel.js';
import { ModelValidationError } from '../../src/util/validate.js';

const DIR = 'fixtures/hostile';
const read = (name: string) =>
  name.endsWith('.gz')
    ? gunzipSync(readFileSync(`${DIR}/${name}`)).toString('utf8')
    : readFileSync(`${DIR}/${name}`, 'utf8');

/** Each hostile file (see scripts/hostile-fixtures.ts), the field its error must name, and what it must say. */
const CASES: [file: string, path: string, message: RegExp][] = [
  ['truncated.json', '$', /not valid JSON/],
  ['wrong-format.json', 'format', /expected "microstream-model", got "pickle"/],
  ['wrong-version.json', 'version', /got 99/],
  ['not-an-object.json', 'model', /expected an object/],
  ['nan-as-string.json', 'hmm.means[1][0]', /finite number, got the string "NaN"/],
  ['infinity-as-string.json', 'scaler.std[2]', /finite number, got the string "Infinity"/],
  ['overflowing-number.json', 'forest.threshold', /finite number, got Infinity/],
  ['negative-std.json', 'scaler.std[0]', /positive/],
  ['non-stochastic-row.json', 'hmm.transMat[1]', /sum to 1/],
  ['negative-probability.json', 'hmm.startProb[0]', /in \[0, 1\]/],
  ['non-pd-covariance.json', 'hmm.covars[2]', /positive definite/],
  ['asymmetric-covariance.json', 'hmm.covars[0][3][1]', /not symmetric/],
  ['mismatched-scaler.json', 'scaler.mean', /expected 4 numbers, got 3/],
  ['mismatched-means.json', 'hmm.means[2]', /expected 4 numbers, got 5/],
  ['mismatched-labels.json', 'labels', /expected 3 labels/],
  ['forest-child-out-of-range.json', 'forest.trees[0].left[0]', /integer in \[1, \d+\], got 99999/],
  ['forest-cycle.json', 'forest.trees[0].right[1]', /integer in \[2, \d+\], got 0/],
  ['forest-shared-child.json', 'forest.trees[0].right[0]', /already has a parent/],
  ['forest-feature-out-of-range.json', 'forest.trees[0].feature[0]', /feature index in \[0, 3\], got 4/],
  ['unknown-feature-kind.json', 'features[1].kind', /eval/],
  ['deep-nesting.json', '$', /nesting deeper than 32 levels/],
  ['proto-pollution.json', '$.scaler.__proto__', /forbidden key/],
  ['constructor-pollution.json', '$.hmm.constructor', /forbidden key/],
  ['huge-array.json.gz', '$', /exceeds the limit of 67108864/],
];

function refusal(load: () => unknown): ModelValidationError {
  try {
    load();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelValidationError);
    return e as ModelValidationError;
  }
  throw new Error('the hostile model was loaded');
}

describe('hostile model files', () => {
  it('the small valid model they are all cut from loads (so each refusal is down to its one change)', () => {
    const model = loadModel(read('valid-small.json'));
    expect(model.forest.toJSON().trees).toHaveLength(1);
    expect(model.hmm.nStates).toBe(3);
  });

  for (const [file, path, message] of CASES) {
    it(`${file} is refused naming ${path}`, () => {
      const text = read(file);
      const error = refusal(() => loadModel(text));
      expect(error.path).toBe(path);
      expect(error.message).toMatch(message);
      // The same file already parsed (by a caller's JSON.parse) is refused the same way.
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return; // not JSON at all: only the text form applies
      }
      if (path === '$' && /limit|nesting/.test(error.message) && file !== 'deep-nesting.json') return;
      const fromObject = refusal(() => loadModel(parsed));
      // (a nesting error found while walking an object names where it got too deep)
      expect(fromObject.path.startsWith(path)).toBe(true);
    });
  }

  it('no prototype is polluted by loading any of them', () => {
    for (const [file] of CASES) {
      try {
        loadModel(read(file));
      } catch {}
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as unknown as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('GaussianHMM.fromJSON and IsolationForest.fromJSON check forbidden keys and depth on objects too', () => {
    const model = JSON.parse(read('valid-small.json'));
    const hmm = JSON.parse(`{"__proto__":{"polluted":true},${JSON.stringify(model.hmm).slice(1)}`);
    expect(refusal(() => GaussianHMM.fromJSON(hmm, 'hmm')).path).toBe('hmm.__proto__');
    let deep: unknown = 0;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(refusal(() => IsolationForest.fromJSON({ ...model.forest, trees: deep })).message).toMatch(
      /nesting deeper than 32/,
    );
  });
});
