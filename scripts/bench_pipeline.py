"""The original system's per-bar call, for bench/suites/pipeline.bench.ts (run by it; prints one JSON object).

Reads an n x d float64 matrix (C order, raw bytes) written by the suite: the original's features of
real bars, each standardised over the last 20 bars as the original did. Fits scikit-learn's
IsolationForest(n_estimators=100, random_state=0) and hmmlearn's GaussianHMM(3, "full") on them
(not timed), then, for `bars` consecutive bars, times what the original ran for every closed bar:
IsolationForest.predict and decision_function on the bar's row, and GaussianHMM.predict (Viterbi)
on the last 10 rows. Per bar, wall time (time.perf_counter_ns) and CPU time of this process
(time.process_time_ns), single-threaded.

Usage: python3 scripts/bench_pipeline.py <matrix.f64> <n> <d> <bars>
"""

import json
import sys
import time
import warnings

import hmmlearn
import numpy as np
import sklearn
from hmmlearn.hmm import GaussianHMM
from sklearn.ensemble import IsolationForest


def main():
    path, n, d, bars = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    X = np.fromfile(path, dtype=np.float64).reshape(n, d)
    forest = IsolationForest(n_estimators=100, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hmm = GaussianHMM(n_components=3, covariance_type="full", n_iter=20, random_state=0).fit(X)
    forest_wall, forest_cpu, total_wall, total_cpu = [], [], [], []
    states = 0
    for t in range(10, 10 + bars):
        row = X[t : t + 1]
        wall, cpu = time.perf_counter_ns(), time.process_time_ns()
        forest.predict(row)
        forest.decision_function(row)
        forest_wall.append(time.perf_counter_ns() - wall)
        forest_cpu.append(time.process_time_ns() - cpu)
        states += int(hmm.predict(X[t - 9 : t + 1])[-1])
        total_wall.append(time.perf_counter_ns() - wall)
        total_cpu.append(time.process_time_ns() - cpu)
    print(json.dumps({"sklearn": sklearn.__version__, "hmmlearn": hmmlearn.__version__,
                      "forest_wall_ns": forest_wall, "forest_cpu_ns": forest_cpu,
                      "total_wall_ns": total_wall, "total_cpu_ns": total_cpu, "states": states}))


if __name__ == "__main__":
    main()
