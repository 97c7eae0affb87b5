import fc from 'fast-check';
import { FeatureStage } from '../../src/features/FeatureStage.js';
import { MICROSTRUCTURE_FEATURES } from '../../src/features/featureSpec.js';
import { testStageContract } from '../contract/stageContract.js';
import { gapBarAfter, readKlineCsv } from './klineCsv.js';

const bars = readKlineCsv('fixtures/features/LINKUSDT-1m-2023-02-01-head400.csv', 'LINKUSDT');

// Runs of consecutive real bars, some followed by a gap bar. The stage itself rejects nothing (bars
// are validated upstream by the bar stages), so the contract runs without bad inputs.
const barRuns = fc
  .tuple(
    fc.integer({ min: 0, max: 300 }),
    fc.integer({ min: 0, max: 99 }),
    fc.array(fc.nat(99), { maxLength: 4 }),
  )
  .map(([start, length, gapsAfter]) => {
    const run = bars.slice(start, start + length);
    return run.flatMap((bar, i) => (gapsAfter.includes(i) ? [bar, gapBarAfter(bar)] : [bar]));
  });

testStageContract({
  name: 'FeatureStage',
  create: () => new FeatureStage(MICROSTRUCTURE_FEATURES),
  push: (stage, bar) => [{ values: Array.from(stage.push(bar)), warm: stage.warm }],
  inputs: barRuns,
  numRuns: 40,
});
