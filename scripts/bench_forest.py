"""scikit-learn's side of bench/suites/forest.bench.ts (run by it; prints one JSON object).

Reads an n x d float64 matrix (C order, raw bytes) written by the suite, then measures the CPU time of
this process (time.process_time_ns; the bench machine may be shared, and CPU time does not count the
time the process waits for a core), single-threaded:
- fit: IsolationForest(n_estimators=100, contamination=0.01, random_state=0).fit(X), which includes
  scoring every training row for offset_, as ours does; `repeats` runs, seconds each;
- batch: score_samples on the first `batch` rows, nanoseconds per row, 15 runs;
- single: score_samples on one row at a time (how a stream calls it), nanoseconds per call,
  for 300 consecutive rows.

Usage: python3 scripts/bench_forest.py <matrix.f64> <n> <d> <repeats> <batch>
"""

import json
import sys
import time

import numpy as np
import sklearn
from sklearn.ensemble import IsolationForest


def main():
    path, n, d, repeats, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    X = np.fromfile(path, dtype=np.float64).reshape(n, d)
    fit_s = []
    for _ in range(repeats):
        started = time.process_time()
        forest = IsolationForest(n_estimators=100, contamination=0.01, random_state=0).fit(X)
        fit_s.append(time.process_time() - started)
    rows = X[:batch]
    forest.score_samples(rows)
    batch_ns = []
    for _ in range(15):
        started = time.process_time_ns()
        forest.score_samples(rows)
        batch_ns.append((time.process_time_ns() - started) / batch)
    single_ns = []
    for i in range(300):
        row = X[i : i + 1]
        started = time.process_time_ns()
        forest.score_samples(row)
        single_ns.append(time.process_time_ns() - started)
    anomaly_rate = float(np.mean(forest.score_samples(rows) < forest.offset_))
    print(json.dumps({"version": sklearn.__version__, "fit_s": fit_s, "batch_ns": batch_ns,
                      "single_ns": single_ns, "anomaly_rate": anomaly_rate}))


if __name__ == "__main__":
    main()
