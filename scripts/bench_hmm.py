"""hmmlearn peer for bench/suites/hmm.bench.ts.

Usage: python3 scripts/bench_hmm.py X.f64 N D K ITERATIONS REPEATS

Reads N×D little-endian float64 observations and prints one JSON object:
  version, threads (BLAS/OpenMP thread pools as threadpoolctl reports them),
  fit_s (wall time of each GaussianHMM(K, 'full', random_state=0, n_iter=ITERATIONS, tol=0).fit),
  iterations (EM iterations each fit ran), score (log-likelihood of X after the last fit),
  forward_ns (per observation: hmmlearn's emission log-densities plus its C++ forward pass over X,
  with the fitted model — the batch counterpart of an online forward step).
"""

import json
import sys
import time

import hmmlearn
import numpy as np
from hmmlearn import _hmmc
from hmmlearn.hmm import GaussianHMM
from threadpoolctl import threadpool_info


def main():
    path, n, d, k, iterations, repeats = sys.argv[1:7]
    n, d, k, iterations, repeats = int(n), int(d), int(k), int(iterations), int(repeats)
    X = np.fromfile(path, dtype='<f8').reshape(n, d)
    fit_s, its = [], []
    model = None
    for _ in range(repeats):
        model = GaussianHMM(n_components=k, covariance_type='full', random_state=0, n_iter=iterations, tol=0)
        start = time.perf_counter()
        model.fit(X)
        fit_s.append(time.perf_counter() - start)
        its.append(model.monitor_.iter)
    forward_ns = []
    for _ in range(5):
        start = time.perf_counter()
        log_frameprob = model._compute_log_likelihood(X)
        _hmmc.forward_log(model.startprob_, model.transmat_, log_frameprob)
        forward_ns.append((time.perf_counter() - start) / n * 1e9)
    threads = sorted({f"{p['internal_api']}={p['num_threads']}" for p in threadpool_info()})
    print(
        json.dumps(
            {
                'version': hmmlearn.__version__,
                'threads': ', '.join(threads),
                'fit_s': fit_s,
                'iterations': its,
                'score': model.score(X),
                'forward_ns': forward_ns,
            }
        )
    )


if __name__ == '__main__':
    main()
