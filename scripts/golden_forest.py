"""Golden files for the IsolationForest parity tests (test/anomaly/parity.test.ts).

Writes one JSON file per data set to fixtures/golden/forest/ (or to the directory given as the
first argument): the data (inputs rounded to 8 significant digits, so both sides read the same
numbers), labels where the set has them, and scikit-learn's results on it -- score_samples,
offset_, the training anomaly rate, ROC AUC, and the Spearman correlation between two
scikit-learn forests with different seeds (how far Monte-Carlo noise alone moves the ranking).
Also writes averagePathLength.json with scikit-learn's c(n), and statistics.json with scipy's
Spearman correlation and scikit-learn's ROC AUC of fixed arrays, to check the tests' own helpers.

Run: python3 scripts/golden_forest.py [out_dir]   (numpy, scipy, scikit-learn: scripts/requirements.txt)
The test test/anomaly/goldenForest.test.ts reruns it and checks the output equals the committed files.
"""

import csv
import gzip
import json
import os
import sys

import numpy as np
import sklearn
from scipy.stats import spearmanr
from sklearn.ensemble import IsolationForest
from sklearn.ensemble._iforest import _average_path_length
from sklearn.metrics import roc_auc_score

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPLAY = os.path.join(ROOT, "fixtures", "replay", "BTCUSDT-1m-2024-11-30_2024-12-29.csv.gz")
N_ESTIMATORS = (100, 300)


def rounded(X):
    return np.array([[float(f"{v:.8g}") for v in row] for row in X])


def btcusdt_features():
    """Log return, (high - low) / open, volume / mean volume of the last 20 bars (this one included),
    every 10th bar of the bundled real BTCUSDT 1-minute klines."""
    with gzip.open(REPLAY, "rt") as f:
        rows = list(csv.DictReader(f))
    o, h, l, c, v = (np.array([float(r[k]) for r in rows]) for k in ("open", "high", "low", "close", "volume"))
    mean20 = np.convolve(v, np.ones(20) / 20, "valid")  # mean20[k] = mean(v[k .. k+19])
    i = np.arange(20, len(c))
    X = np.column_stack([np.log(c[i] / c[i - 1]), (h[i] - l[i]) / o[i], v[i] / mean20[i - 19]])
    return X[::10]


def data_sets():
    rng = np.random.default_rng(20241130)
    blob = np.vstack([rng.normal(size=(3000, 2)), rng.uniform(-6, 6, size=(60, 2))])
    blob_labels = np.r_[np.zeros(3000), np.ones(60)]
    mixture = np.vstack(
        [rng.normal(size=(2000, 3)), rng.normal(size=(1500, 3)) * 0.5 + 3, rng.uniform(-5, 7, size=(100, 3))]
    )
    mixture_labels = np.r_[np.zeros(3500), np.ones(100)]
    student = rng.standard_t(3, size=(4000, 4))
    return [
        ("blob", "2-d standard normal blob, 3000 rows, plus 60 uniform outliers in [-6, 6]^2 (label 1)",
         blob, blob_labels, 0.02),
        ("mixture", "3-d mixture of two Gaussian clusters (2000 + 1500 rows) plus 100 uniform outliers in "
         "[-5, 7]^3 (label 1)", mixture, mixture_labels, 0.03),
        ("student", "4-d Student-t with 3 degrees of freedom, 4000 rows (heavy tails, no labels)",
         student, None, 0.01),
        ("btcusdt", "real BTCUSDT 1-minute klines 2024-11-30..2024-12-29 (fixtures/replay), every 10th bar: "
         "log return, (high-low)/open, volume / 20-bar mean volume", btcusdt_features(), None, 0.01),
    ]


def golden(name, description, X, labels, contamination):
    X = rounded(X)
    result = {"name": name, "description": description, "contamination": contamination, "X": X.tolist()}
    if labels is not None:
        result["labels"] = labels.astype(int).tolist()
    runs = {}
    for n in N_ESTIMATORS:
        a = IsolationForest(n_estimators=n, contamination=contamination, random_state=0).fit(X)
        b = IsolationForest(n_estimators=n, contamination=contamination, random_state=1).fit(X)
        scores = a.score_samples(X)
        run = {
            "scores": scores.tolist(),
            "offset": float(a.offset_),
            "trainingAnomalyRate": float(np.mean(a.predict(X) == -1)),
            "selfSpearman": float(spearmanr(scores, b.score_samples(X))[0]),
        }
        if labels is not None:
            run["auc"] = float(roc_auc_score(labels, -scores))
            run["selfAuc"] = float(roc_auc_score(labels, -b.score_samples(X)))
        runs[str(n)] = run
    result["sklearn"] = {"version": sklearn.__version__, "randomState": 0, "nEstimators": runs}
    return result


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "fixtures", "golden", "forest")
    os.makedirs(out, exist_ok=True)
    for name, description, X, labels, contamination in data_sets():
        with open(os.path.join(out, f"{name}.json"), "w") as f:
            json.dump(golden(name, description, X, labels, contamination), f, separators=(",", ":"))
            f.write("\n")
    n = [0, 1, 2, 3, 4, 5, 10, 100, 255, 256, 257, 1000, 123456, 10**9]
    with open(os.path.join(out, "averagePathLength.json"), "w") as f:
        json.dump({"n": n, "c": _average_path_length(np.array(n)).tolist()}, f)
        f.write("\n")
    # Reference values for the tests' own Spearman and ROC AUC helpers, with ties on purpose.
    rng = np.random.default_rng(7)
    a = np.round(rng.normal(size=300), 1)
    b = np.round(a + rng.normal(size=300), 1)
    labels = (rng.uniform(size=300) < 0.2).astype(int)
    with open(os.path.join(out, "statistics.json"), "w") as f:
        json.dump(
            {"a": a.tolist(), "b": b.tolist(), "labels": labels.tolist(),
             "spearman": float(spearmanr(a, b)[0]), "auc": float(roc_auc_score(labels, b))},
            f,
        )
        f.write("\n")


if __name__ == "__main__":
    main()
