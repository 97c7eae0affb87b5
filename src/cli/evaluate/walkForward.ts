import { basename } from 'node:path';
import type { Bar } from '../../bars/bar.js';
import type { RegimeModel } from '../../models/RegimeModel.js';
import { type TrainingProgress, type TrainModelOptions, trainModel } from '../../models/trainModel.js';
import { readKlines } from '../../node/readKlines.js';

/**
 * One walk-forward split: the file evaluated and the files its model was trained on (none of
 * which is the evaluated file).
 *
 * @example
 * ```ts
 * const split: WalkForwardSplit = { test: 'c.csv.gz', train: ['a.csv.gz', 'b.csv.gz'] };
 * ```
 */
export interface WalkForwardSplit {
  test: string;
  train: string[];
}

/**
 * The splits of a walk-forward evaluation. Without `train`: leave one file out (each file is
 * evaluated with a model trained on all the others; needs two files or more). With `train`: every
 * file is evaluated with one model trained on the `train` files, which must not include it.
 *
 * @example
 * ```ts
 * walkForwardSplits(['a', 'b', 'c']); // [{ test: 'a', train: ['b', 'c'] }, …]
 * walkForwardSplits(['x'], ['a', 'b']); // [{ test: 'x', train: ['a', 'b'] }]
 * ```
 */
export function walkForwardSplits(files: readonly string[], train?: readonly string[]): WalkForwardSplit[] {
  if (train === undefined) {
    if (files.length < 2) throw new RangeError('leave-one-file-out needs at least two files');
    return files.map((test) => ({ test, train: files.filter((f) => f !== test) }));
  }
  if (train.length === 0) throw new RangeError('no training files');
  return files.map((test) => {
    if (train.includes(test)) throw new RangeError(`${test} is both a training and a test file`);
    return { test, train: [...train] };
  });
}

/**
 * The training options of a model's own recipe (feature set, states, covariance, contamination,
 * transition prior, seed, decision rule, labels, interval), so a walk-forward model is trained the way the model
 * under evaluation was, on other data. `maxIter` is not recorded in a model: give it.
 *
 * @example
 * ```ts
 * const { model } = trainModel({ bars, ...trainingRecipe(defaultModel(), 400) });
 * ```
 */
export function trainingRecipe(model: RegimeModel, maxIter: number): Omit<TrainModelOptions, 'bars'> {
  const p = model.provenance;
  return {
    features: model.features,
    states: p.states,
    covariance: p.covariance,
    contamination: p.contamination,
    transPrior: p.transPrior,
    seed: p.seed,
    decision: { ...model.decision },
    labels: model.labels,
    intervalMs: model.intervalMs,
    maxIter,
  };
}

/**
 * Trains walk-forward models with the library's deterministic {@link trainModel}: one per distinct
 * training set, kline files read once and kept for the next split.
 *
 * @example
 * ```ts
 * const trainer = new WalkForwardTrainer(trainingRecipe(defaultModel(), 100));
 * for (const split of walkForwardSplits(files)) replay(split.test, await trainer.model(split.train));
 * ```
 */
export class WalkForwardTrainer {
  readonly #recipe: Omit<TrainModelOptions, 'bars'>;
  readonly #bars = new Map<string, Bar[]>();
  readonly #models = new Map<string, RegimeModel>();

  constructor(recipe: Omit<TrainModelOptions, 'bars'>) {
    this.#recipe = recipe;
  }

  /** The model trained on `files` (trained on first use). */
  async model(files: readonly string[], onProgress?: (line: string) => void): Promise<RegimeModel> {
    const key = JSON.stringify(files);
    const known = this.#models.get(key);
    if (known !== undefined) return known;
    const bars: Bar[][] = [];
    for (const file of files) bars.push(await this.#read(file, onProgress));
    onProgress?.(`training on ${files.map((f) => basename(f)).join(', ')}`);
    const { model } = trainModel({
      ...this.#recipe,
      bars,
      onProgress: (p: TrainingProgress) => {
        if (p.stage === 'hmm' && p.iteration % 10 === 0)
          onProgress?.(`  EM iteration ${p.iteration}: log-likelihood ${p.logLikelihood.toFixed(3)}`);
      },
    });
    this.#models.set(key, model);
    return model;
  }

  async #read(file: string, onProgress?: (line: string) => void): Promise<Bar[]> {
    const known = this.#bars.get(file);
    if (known !== undefined) return known;
    const bars: Bar[] = [];
    for await (const bar of readKlines(file)) bars.push(bar);
    onProgress?.(`read ${file}: ${bars.length} bars`);
    this.#bars.set(file, bars);
    return bars;
  }
}
