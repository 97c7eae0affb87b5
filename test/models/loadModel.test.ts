import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultModel } from '../../src/models/defaultModel.js';
import { loadModel } from '../../src/models/loadModel.js';
import { ModelValidationError } from '../../src/util/validate.js';

const text = readFileSync('models/btcusdt-1m.json', 'utf8');
const fresh = () => JSON.parse(text);

/** The ModelValidationError path loadModel gives for a model changed by `change`. */
// biome-ignore lint/suspicious/noExplicitAny: the test reaches into an untyped model document
function rejection(change: (m: Record<string, any>) => void): string {
  const m = fresh();
  change(m);
  try {
    loadModel(m);
  } catch (e) {
    if (e instanceof ModelValidationError) return e.path;
    throw e;
  }
  throw new Error('loadModel accepted the changed model');
}

describe('loadModel', () => {
  it('loads the shipped model and writes it back byte for byte', () => {
    const model = loadModel(text);
    expect(`${JSON.stringify(model)}\n`).toBe(text);
    expect(defaultModel().toJSON()).toEqual(model.toJSON());
    expect(defaultModel()).toBe(defaultModel());
  });

  it('refuses a malformed model, naming the field', () => {
    expect(rejection((m) => (m.format = 'pickle'))).toBe('format');
    expect(rejection((m) => (m.version = 3))).toBe('version');
    expect(rejection((m) => (m.version = '2'))).toBe('version');
    expect(rejection((m) => (m.intervalMs = 0))).toBe('intervalMs');
    expect(rejection((m) => (m.features[1].kind = 'vibes'))).toBe('features[1].kind');
    expect(rejection((m) => m.features.pop())).toBe('scaler.mean');
    expect(rejection((m) => (m.scaler.std[2] = -1))).toBe('scaler.std[2]');
    expect(rejection((m) => (m.scaler.mean[0] = null))).toBe('scaler.mean[0]');
    expect(rejection((m) => (m.hmm.transMat[1][0] += 0.5))).toBe('hmm.transMat[1]');
    expect(rejection((m) => (m.hmm.startProb = [1, 0]))).toBe('hmm.startProb');
    expect(
      rejection((m) => (m.hmm.covars[2] = m.hmm.covars[2].map((row: number[]) => row.map(() => 1)))),
    ).toMatch(/^hmm\.covars\[2\]/);
    expect(rejection((m) => (m.forest.nFeatures = m.features.length + 1))).toMatch(/^forest/);
    expect(rejection((m) => (m.forest.trees[0].threshold[0] = 'x'))).toBe('forest.trees[0].threshold[0]');
    expect(rejection((m) => m.labels.pop())).toBe('labels');
    expect(rejection((m) => (m.labels[0] = ''))).toBe('labels[0]');
    expect(rejection((m) => (m.provenance.sequences[0].bars = -3))).toBe('provenance.sequences[0].bars');
    expect(rejection((m) => delete m.report.states[1].meanDwellBars)).toBe('report.states[1].meanDwellBars');
    expect(rejection((m) => (m.report.transitionMatrix = [[1]]))).toBe('report.transitionMatrix');
  });

  it('validates the decision rule and the feature baselines of version 2, naming the field', () => {
    for (const margin of [1, -0.1, 1e308, '0.8', null, Number.NaN])
      expect(rejection((m) => (m.decision.margin = margin))).toBe('decision.margin');
    expect(rejection((m) => (m.decision.rule = 'vibes'))).toBe('decision.rule');
    expect(rejection((m) => delete m.decision)).toBe('decision');
    expect(rejection((m) => (m.decision = [0.8]))).toBe('decision');
    for (const minDwellBars of [0, -4, 2.5, 1441, '4', null, Number.POSITIVE_INFINITY])
      expect(rejection((m) => (m.decision.minDwellBars = minDwellBars))).toBe('decision.minDwellBars');
    const baselined = fresh().features.findIndex((f: { baseline?: unknown }) => f.baseline !== undefined);
    expect(baselined).toBeGreaterThanOrEqual(0);
    for (const halfLifeBars of [0, -1, 0.5, 1e9, 'ten days'])
      expect(rejection((m) => (m.features[baselined].baseline.halfLifeBars = halfLifeBars))).toBe(
        `features[${baselined}].baseline.halfLifeBars`,
      );
    expect(rejection((m) => (m.features[baselined].baseline.minBars = -1))).toBe(
      `features[${baselined}].baseline.minBars`,
    );
    expect(rejection((m) => (m.features[baselined].baseline.mode = 'ratio'))).toBe(
      `features[${baselined}].baseline.mode`,
    );
    // Version 1 files had neither: one that claims version 1 and carries them is refused.
    expect(rejection((m) => (m.version = 1))).toBe(`features[${baselined}].baseline`);
    expect(
      rejection((m) => {
        m.version = 1;
        for (const f of m.features) delete f.baseline;
      }),
    ).toBe('decision');
  });

  it('still loads a version 1 file, whose decision rule is the filter argmax', () => {
    const v1 = loadModel(readFileSync('fixtures/hostile/valid-small.json', 'utf8'));
    expect(v1.decision).toEqual({ rule: 'hysteresis', margin: 0 });
    expect(JSON.parse(JSON.stringify(v1)).version).toBe(2);
  });

  it('refuses overlong or unprintable names, naming the field', () => {
    expect(rejection((m) => (m.labels[1] = 'x'.repeat(50 * 1024 * 1024)))).toBe('labels[1]');
    expect(rejection((m) => (m.labels[0] = 'x'.repeat(65)))).toBe('labels[0]');
    expect(rejection((m) => (m.labels[2] = 'Crisis\u001b]0;pwned\u0007'))).toBe('labels[2]');
    expect(rejection((m) => (m.features[0].name = 'f'.repeat(1000)))).toBe('features[0].name');
    expect(rejection((m) => (m.symbol = 'S'.repeat(100_000)))).toBe('symbol');
    expect(rejection((m) => (m.provenance.sequences[0].symbol = 'S'.repeat(65)))).toBe(
      'provenance.sequences[0].symbol',
    );
    expect(rejection((m) => (m.provenance.libraryVersion = 'v'.repeat(65)))).toBe(
      'provenance.libraryVersion',
    );
    expect(rejection((m) => (m.provenance.featureSet = 'v'.repeat(65)))).toBe('provenance.featureSet');
    expect(rejection((m) => (m.report.states[0].label = 'L'.repeat(65)))).toBe('report.states[0].label');
    const m = fresh();
    m.labels[0] = 'x'.repeat(64);
    expect(loadModel(m).labels[0]).toHaveLength(64);
    expect(() => defaultModel().withLabels(['a', 'b', 'c'.repeat(65)])).toThrow(
      /labels\[2\]: expected 1 to 64 characters/,
    );
  });

  it('quotes at most 64 characters of a refused string in its message, escaped', () => {
    const huge = 'v'.repeat(1_000_000);
    // biome-ignore lint/suspicious/noExplicitAny: the test reaches into an untyped model document
    const changes: [string, (m: Record<string, any>) => void][] = [
      ['version', (m) => (m.version = huge)],
      ['format', (m) => (m.format = huge)],
      ['features[0].kind', (m) => (m.features[0].kind = huge)],
      ['features[0].transform', (m) => (m.features[0].transform = huge)],
      ['decision.rule', (m) => (m.decision.rule = huge)],
      ['hmm.format', (m) => (m.hmm.format = huge)],
      ['hmm.covariance', (m) => (m.hmm.covariance = huge)],
    ];
    for (const [path, change] of changes) {
      const m = fresh();
      change(m);
      let message = '';
      try {
        loadModel(m);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message, path).toMatch(
        new RegExp(`^${path.replace(/[.[\]]/g, '\\$&')}: .*"v{64}"… \\(999936 more characters\\)`),
      );
      expect(message.length, path).toBeLessThan(400);
    }
    const m = fresh();
    m.version = 'x\u001b]0;pwned\u0007';
    expect(() => loadModel(m)).toThrow('got "x\\u001b]0;pwned\\u0007"');
  });

  it('relabels states without touching the model', () => {
    const relabelled = defaultModel().withLabels(['calm', 'busy', 'panic']);
    expect(relabelled.labels).toEqual(['calm', 'busy', 'panic']);
    expect(relabelled.hmm).toBe(defaultModel().hmm);
    expect(defaultModel().labels).toEqual(['Stable', 'Volatile', 'Crisis']);
    expect(loadModel(JSON.stringify(relabelled)).labels).toEqual(['calm', 'busy', 'panic']);
    expect(() => defaultModel().withLabels(['a', 'b'])).toThrow(/expected 3 labels/);
  });

  it('refuses text that is not JSON, and hostile keys', () => {
    expect(() => loadModel('{"format": ')).toThrow(ModelValidationError);
    expect(() => loadModel(text.replace('"format"', '"__proto__":{},"format"'))).toThrow(/__proto__/);
  });
});
