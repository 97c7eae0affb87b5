import { describe, expect, it } from 'vitest';
import { trainingRecipe, walkForwardSplits } from '../../../src/cli/evaluate/walkForward.js';
import { defaultModel } from '../../../src/models/defaultModel.js';

describe('walkForwardSplits', () => {
  it('leaves each file out once, training on all the others', () => {
    expect(walkForwardSplits(['a', 'b', 'c'])).toEqual([
      { test: 'a', train: ['b', 'c'] },
      { test: 'b', train: ['a', 'c'] },
      { test: 'c', train: ['a', 'b'] },
    ]);
  });

  it('with training files, judges every file by a model of those', () => {
    expect(walkForwardSplits(['x', 'y'], ['a', 'b'])).toEqual([
      { test: 'x', train: ['a', 'b'] },
      { test: 'y', train: ['a', 'b'] },
    ]);
  });

  it('refuses a split that would test on training data or train on nothing', () => {
    expect(() => walkForwardSplits(['a'])).toThrow(/at least two files/);
    expect(() => walkForwardSplits(['a', 'b'], ['b'])).toThrow(/b is both a training and a test file/);
    expect(() => walkForwardSplits(['a'], [])).toThrow(/no training files/);
  });
});

describe('trainingRecipe', () => {
  it("is the model's own recipe from its provenance, with the given EM iterations", () => {
    const model = defaultModel();
    const p = model.provenance;
    expect(trainingRecipe(model, 7)).toEqual({
      features: model.features,
      states: p.states,
      covariance: p.covariance,
      contamination: p.contamination,
      transPrior: p.transPrior,
      seed: p.seed,
      decision: { ...model.decision },
      labels: model.labels,
      intervalMs: model.intervalMs,
      maxIter: 7,
    });
  });
});
