/** The part of `ml-isolation-forest` (a benchmark peer, untyped) that bench/suites/forest.bench.ts uses. */
declare module 'ml-isolation-forest' {
  export class IsolationForest {
    constructor(options?: { nEstimators?: number });
    train(trainingSet: number[][]): void;
    /** Anomaly scores in (0, 1]; higher is more anomalous. */
    predict(data: number[][]): number[];
  }
}
