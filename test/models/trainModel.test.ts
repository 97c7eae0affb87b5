import { beforeAll, describe, expect, it } from 'vitest';
import type { Bar } from '../../src/bars/bar.js';
import { FeatureStage } from '../../src/features/FeatureStage.js';
import { ABSOLUTE_FEATURES, ORIGINAL_FEATURES } from '../../src/features/featureSpec.js';
import { loadModel } from '../../src/models/loadModel.js';
import { trainModel } from '../../src/models/trainModel.js';
import { readKlines } from '../../src/node/readKlines.js';
import { createRegimeDetector } from '../../src/pipeline/RegimeDetector.js';
import { replayBars } from '../pipeline/testData.js';

let bars: Bar[];
beforeAll(async () => {
  bars = await replayBars(3000);
});

describe('trainModel', () => {
  it('is deterministic: the same bars and seed give identical JSON bytes; another seed does not', () => {
    const train = (seed: number) => JSON.stringify(trainModel({ bars: [bars], seed, nEstimators: 30 }).model);
    const a = train(3);
    expect(train(3)).toBe(a);
    expect(train(4)).not.toBe(a);
  });

  it('never glues sequences across a hole, and records what it trained on', () => {
    const withHole = [...bars.slice(0, 1200), ...bars.slice(1300, 3000)];
    const { model, report } = trainModel({
      bars: [withHole],
      features: 'absolute',
      seed: 1,
      nEstimators: 20,
    });
    const warmUp = new FeatureStage(ABSOLUTE_FEATURES).warmUp;
    expect(model.provenance.sequences).toEqual([
      { symbol: 'BTCUSDT', from: bars[0].openTime, to: bars[1199].closeTime, bars: 1200 },
      { symbol: 'BTCUSDT', from: bars[1300].openTime, to: bars[2999].closeTime, bars: 1700 },
    ]);
    expect(model.provenance.bars).toBe(2900);
    expect(model.provenance.trainingBars).toBe(2900 - 2 * warmUp);
    expect(model.provenance).toMatchObject({
      featureSet: 'absolute',
      seed: 1,
      states: 3,
      covariance: 'full',
      contamination: 0.05,
    });
    expect(model.decision).toEqual({ rule: 'hysteresis', margin: 0.4, minDwellBars: 4 });
    expect(model.intervalMs).toBe(60_000);
    expect(model.labels).toEqual(['Stable', 'Volatile', 'Crisis']);
    // States are ordered by the realized-volatility feature.
    const rv = report.states.map((s) => s.means.logRealizedVol30);
    expect([...rv].sort((a, b) => a - b)).toEqual(rv);
    const shares = report.states.reduce((sum, s) => sum + s.share, 0);
    expect(shares).toBeCloseTo(1, 12);
    for (const row of report.transitionMatrix) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    // The threshold is the 5 % quantile of the training scores: 5 % of the training bars, to rounding.
    expect(Math.abs(report.anomaly.rate - 0.05)).toBeLessThan(1 / model.provenance.trainingBars + 1e-12);
  });

  it('reports what a detector fed the same bars emits (shares of the reported state, after the decision rule)', () => {
    const { model, report } = trainModel({ bars: [bars], seed: 2, nEstimators: 20 });
    const detector = createRegimeDetector({ model });
    const counts = [0, 0, 0];
    let warm = 0;
    for (const bar of bars) {
      for (const s of detector.pushBar(bar)) {
        if (!s.warm) continue;
        counts[s.regime.state]++;
        warm++;
      }
    }
    expect(warm).toBe(model.provenance.trainingBars);
    for (let k = 0; k < 3; k++) expect(report.states[k].share).toBe(counts[k] / warm);
  });

  it('records every symbol of a multi-symbol training set, unless told which symbol to record', () => {
    const eth = bars.slice(1500).map((b) => ({ ...b, symbol: 'ETHUSDT' }));
    const sequences = [bars.slice(0, 1500), eth];
    const mixed = trainModel({ bars: sequences, features: 'absolute', nEstimators: 10 }).model;
    expect(mixed.symbol).toBe('BTCUSDT,ETHUSDT');
    expect(mixed.provenance.sequences.map((s) => s.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(
      trainModel({ bars: sequences, features: 'absolute', nEstimators: 10, symbol: 'BTC+ETH' }).model.symbol,
    ).toBe('BTC+ETH');
    expect(trainModel({ bars: [bars], nEstimators: 10 }).model.symbol).toBe('BTCUSDT');
  });

  it('refuses bars out of time order and unknown feature sets', () => {
    expect(() => trainModel({ bars: [[bars[1], bars[0]]] })).toThrow(/out of time order/);
    expect(() => trainModel({ bars: [bars], features: 'fancy' })).toThrow(/unknown feature set "fancy"/);
    expect(() => trainModel({ bars: [bars.slice(0, 20)] })).toThrow(/warm bars/);
  });

  it('refuses a negative or NaN transPrior and an impossible number of states before any work', () => {
    // A negative prior used to be trained as 0 and recorded as given (issue 12).
    for (const transPrior of [-1000, -1e-9, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => trainModel({ bars: [bars], transPrior })).toThrow(
        /trainModel: transPrior must be a finite number >= 0/,
      );
    // 65: more than a model file may hold (it trained, and loading the model it wrote failed).
    for (const states of [0, 2.5, 65, 100_000])
      expect(() => trainModel({ bars: [bars], states })).toThrow(
        /trainModel: states must be a whole number from 1 to 64/,
      );
    // Called first after the features of a sequence; it used to fail there.
    expect(() => trainModel({ bars: [bars], onProgress: 'log' as never })).toThrow(
      /trainModel: onProgress must be a function, got string/,
    );
    // Too many states for the bars is said as such, not blamed on the warm-up alone.
    expect(() => trainModel({ bars: [bars.slice(0, 2000)], states: 64 })).toThrow(
      /only \d+ warm bars, 640 needed for 64 states/,
    );
  });

  it('trains the original three features and names the set', () => {
    const { model } = trainModel({ bars: [bars], features: ORIGINAL_FEATURES, nEstimators: 10 });
    expect(model.provenance.featureSet).toBe('original');
    expect(model.features.map((f) => f.name)).toEqual(['logReturn', 'range', 'activity20']);
  });

  it('a model with microstructure features names the column OHLCV-only bars lack', async () => {
    const usdm: Bar[] = [];
    for await (const bar of readKlines('fixtures/binance/LINKUSDT-1m-2023-02-01_2023-02-02.csv.gz'))
      usdm.push(bar);
    const { model } = trainModel({ bars: [usdm], features: 'microstructure', states: 2, nEstimators: 10 });
    const reloaded = loadModel(JSON.stringify(model));
    const detector = createRegimeDetector({ model: reloaded });
    const { takerBuyVolume: _, trades: __, ...ohlcv } = usdm[0];
    expect(() => detector.pushBar(ohlcv)).toThrow(/orderFlowImbalance needs bar\.takerBuyVolume/);
  });
});
