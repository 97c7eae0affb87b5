import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultModel } from '../../src/models/defaultModel.js';
import { loadModel } from '../../src/models/loadModel.js';
import { RegimeModel } from '../../src/models/RegimeModel.js';
import { ModelValidationError } from '../../src/util/validate.js';

describe('RegimeModel.fromJSON', () => {
  it('round-trips a model file to the same bytes', () => {
    const json = JSON.parse(JSON.stringify(defaultModel()));
    const model = RegimeModel.fromJSON(json);
    expect(model).toBeInstanceOf(RegimeModel);
    expect(JSON.stringify(model)).toBe(readFileSync('models/btcusdt-1m.json', 'utf8').trim());
  });

  it('is what loadModel runs: the same refusal, naming the same field', () => {
    const json = JSON.parse(JSON.stringify(defaultModel()));
    json.hmm.transMat[1][0] = -0.5;
    const refusal = (load: () => unknown) => {
      try {
        load();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const direct = refusal(() => RegimeModel.fromJSON(json));
    expect(direct).toBeInstanceOf(ModelValidationError);
    expect((direct as ModelValidationError).path).toMatch(/^hmm\.transMat/);
    expect(refusal(() => loadModel(JSON.stringify(json)))).toEqual(direct);
  });

  it('refuses an object with a forbidden key before reading it', () => {
    const json = JSON.parse(JSON.stringify(defaultModel()));
    Object.defineProperty(json.scaler, '__proto__', { value: {}, enumerable: true });
    expect(() => RegimeModel.fromJSON(json)).toThrow(ModelValidationError);
  });
});
