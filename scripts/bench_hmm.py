"""hmmlearn peer for bench/suites/hmm.bench.ts.

Usage: python3 scripts/bench_hmm.py X.f64 N D K ITERATIONS REPEATS

Reads N×D little-endian float64 observations and prints one JSON object:
  version, threads (BLAS/OpenMP thread pools as threadpoolctl reports them),
  fit_s (wall time of each GaussianHMM(K, 'full', random_state=0, n_iter=ITERATIONS, tol=0).fit),
  fit_cpu_s (CPU time of this process, time.process_time, of the same fits),
  iterations (EM iterations each fit ran), score (log-likelihood of X after the last fit),
  forward_ns (per observation: hmmlearn's emission log-densities plus its C++ forward pass over X,
  with the fitted model — the batch counterpart of an online forward step), wall time, and
  forward_cpu_ns, the same in CPU time.
The suite runs it with OMP/OPENBLAS/MKL threads = 1, as our code is single-threaded: then CPU time
and wall time measure the same single core, and `threads` says what the pools really had.
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
    fit_s, fit_cpu_s, its = [], [], []
    model = None
    for _ in range(repeats):
        model = GaussianHMM(n_components=k, covariance_type='full', random_state=0, n_iter=iterations, tol=0)
        start, cpu = time.perf_counter(), time.process_time()
        model.fit(X)
        fit_s.append(time.perf_counter() - start)
        fit_cpu_s.append(time.process_time() - cpu)
        its.append(model.monitor_.iter)
    forward_ns, forward_cpu_ns = [], []
    for _ in range(5):
        start, cpu = time.perf_counter(), time.process_time()
        log_frameprob = model._compute_log_likelihood(X)
        _hmmc.forward_log(model.startprob_, model.transmat_, log_frameprob)
        forward_ns.append((time.perf_counter() - start) / n * 1e9)
        forward_cpu_ns.append((time.process_time() - cpu) / n * 1e9)
    threads = sorted({f"{p['internal_api']}={p['num_threads']}" for p in threadpool_info()})
    print(
        json.dumps(
            {
                'version': hmmlearn.__version__,
                'threads': ', '.join(threads),
                'fit_s': fit_s,
                'fit_cpu_s': fit_cpu_s,
                'iterations': its,
                'score': model.score(X),
                'forward_ns': forward_ns,
                'forward_cpu_ns': forward_cpu_ns,
            }
        )
    )


if __name__ == '__main__':
    main()
