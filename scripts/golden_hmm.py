"""Golden files for GaussianHMM parity with hmmlearn.

For a set of fixed Gaussian HMMs (full and diag covariances, K = 2..4 states, D = 1..4 features,
near-singular covariances, several sequences, one 100 000-step sequence) this script draws data
from a fixed numpy seed, then records what hmmlearn computes for it: the log-likelihood
(`score`), the filtered posteriors P(z_t | x_1..t) (hmmlearn's own `forward_log` pass, each row
normalised with its `log_normalize`), the smoothed posteriors (`predict_proba`) and the Viterbi
path (`decode`). test/hmm/goldens.test.ts checks GaussianHMM against these files, and regenerates
them to check that the committed ones are what this script writes.

Output is byte-deterministic: parameters are written with 17 significant digits (exact), data are
rounded to a fixed number of decimals *before* hmmlearn sees them (so both sides read the same
numbers), results with 13 significant digits, the long case gzip-compressed with mtime 0.

Usage: python3 scripts/golden_hmm.py [--out fixtures/golden/hmm]
Requires the versions pinned in scripts/requirements.txt.
"""

import argparse
import gzip
import os

import hmmlearn
import numpy as np
from hmmlearn import _hmmc
from hmmlearn.hmm import GaussianHMM
from hmmlearn.utils import log_normalize


def exact(v):
    return '%.17g' % v


def result(v):
    return '%.12e' % v


def vector(values, fmt):
    return '[' + ', '.join(fmt(float(v)) for v in values) + ']'


def matrix(rows, fmt, indent):
    pad = ' ' * indent
    return '[\n' + ',\n'.join(pad + '  ' + vector(r, fmt) for r in rows) + '\n' + pad + ']'


def random_parameters(rng, K, D, covariance, near_singular):
    start = rng.dirichlet(np.ones(K))
    trans = np.array([rng.dirichlet(np.ones(K) + 8 * (np.arange(K) == i)) for i in range(K)])
    means = rng.normal(0, 3, size=(K, D))
    if covariance == 'diag':
        covars = rng.uniform(0.2, 2.0, size=(K, D))
        if near_singular:
            covars[0, 0] = 1e-8
            covars[-1, -1] = 3e-7
    else:
        covars = np.empty((K, D, D))
        for k in range(K):
            A = rng.normal(size=(D, D))
            covars[k] = A @ A.T / D + 0.1 * np.eye(D)
        if near_singular:
            # Rank-deficient plus a tiny ridge: condition number around 1e6.
            B = rng.normal(size=(D, D - 1))
            covars[0] = B @ B.T + 1e-6 * np.eye(D)
    # Written with 17 significant digits, these are exactly the numbers the golden file holds.
    return start, trans, means, covars


CASES = [
    # name, K, D, covariance, lengths, near-singular, seed, decimals
    ('full-k2-d1', 2, 1, 'full', [400], False, 1, 8),
    ('full-k3-d2', 3, 2, 'full', [500], False, 2, 8),
    ('full-k3-d3-lengths', 3, 3, 'full', [150, 250, 1, 99], False, 3, 8),
    ('full-k4-d4', 4, 4, 'full', [600], False, 4, 8),
    ('full-k3-d3-near-singular', 3, 3, 'full', [500], True, 5, 8),
    ('diag-k2-d3', 2, 3, 'diag', [400], False, 6, 8),
    ('diag-k3-d1', 3, 1, 'diag', [500], False, 7, 8),
    ('diag-k4-d4-lengths', 4, 4, 'diag', [300, 200, 100], False, 8, 8),
    ('diag-k3-d2-near-singular', 3, 2, 'diag', [500], True, 9, 8),
    ('full-k3-d1-long', 3, 1, 'full', [100_000], False, 10, 3),
]

# Rows of the long case whose posteriors are stored (every 97th, plus the last), to keep the file small.
LONG_STRIDE = 97


def golden(name, K, D, covariance, lengths, near_singular, seed, decimals):
    rng = np.random.RandomState(seed)
    start, trans, means, covars = random_parameters(rng, K, D, covariance, near_singular)
    model = GaussianHMM(n_components=K, covariance_type=covariance, init_params='', params='')
    model.n_features = D
    model.startprob_, model.transmat_, model.means_, model.covars_ = start, trans, means, covars
    n = sum(lengths)
    X, _ = model.sample(n, random_state=rng)
    X = np.array([[float('%.*f' % (decimals, v)) for v in row] for row in X])

    log_likelihood = model.score(X, lengths)
    smoothed = model.predict_proba(X, lengths)
    _, path = model.decode(X, lengths, algorithm='viterbi')
    filtered = []
    offset = 0
    for m in lengths:
        log_frameprob = model._compute_log_likelihood(X[offset : offset + m])
        _, fwd = _hmmc.forward_log(model.startprob_, model.transmat_, log_frameprob)
        log_normalize(fwd, axis=1)
        filtered.append(np.exp(fwd))
        offset += m
    filtered = np.concatenate(filtered)

    rows = list(range(n)) if n <= 1000 else sorted(set(range(0, n, LONG_STRIDE)) | {n - 1})
    data_fmt = lambda v: '%.*f' % (decimals, v)  # noqa: E731
    cov_text = (
        matrix(covars, exact, 2)
        if covariance == 'diag'
        else '[\n' + ',\n'.join('    ' + matrix(c, exact, 4) for c in covars) + '\n  ]'
    )
    parts = [
        '{',
        f'  "case": "{name}",',
        f'  "generator": "scripts/golden_hmm.py, hmmlearn {hmmlearn.__version__}",',
        f'  "covariance": "{covariance}",',
        f'  "startProb": {vector(start, exact)},',
        f'  "transMat": {matrix(trans, exact, 2)},',
        f'  "means": {matrix(means, exact, 2)},',
        f'  "covars": {cov_text},',
        f'  "lengths": [{", ".join(str(m) for m in lengths)}],',
        f'  "X": {matrix(X, data_fmt, 2)},',
        f'  "logLikelihood": {result(log_likelihood)},',
        f'  "rows": [{", ".join(str(r) for r in rows)}],',
        f'  "filtered": {matrix(filtered[rows], result, 2)},',
        f'  "smoothed": {matrix(smoothed[rows], result, 2)},',
        f'  "viterbi": "{"".join(str(s) for s in path)}"',
        '}',
    ]
    return '\n'.join(parts) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument('--out', default=os.path.join(here, '..', 'fixtures', 'golden', 'hmm'))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for case in CASES:
        text = golden(*case).encode()
        name = case[0]
        if len(text) > 200_000:
            with open(os.path.join(args.out, name + '.json.gz'), 'wb') as f:
                f.write(gzip.compress(text, compresslevel=9, mtime=0))
        else:
            with open(os.path.join(args.out, name + '.json'), 'wb') as f:
                f.write(text)
        print(name)


if __name__ == '__main__':
    main()
