"""Statistical jump model peer for the regime evidence (bench only, never the library).

Fits `jumpmodels.JumpModel` (3 states, jump penalty 30) on the standardised features of each
split's training spans and labels each test span with its online prediction (`predict_online`:
the label of bar t uses bars up to t only), states sorted by increasing volatility of the
training returns (0 = calmest), so the labels mean what ours mean.

Input (written by regimeEvidence.ts): a manifest JSON
  {"columns": d, "files": {name: {"path": f64 file, "rows": n}}, "splits": [{"id", "train": [names], "test": [names]}]}
where each f64 file holds n rows of (1-bar log return or NaN, d raw features or NaN on cold bars).
Output: JSON {split id: {test name: [label or -1 per row]}}.

  python3 bench/evidence/jump_model.py manifest.json labels.json [--penalty 30] [--n-init 1]
"""

import argparse
import json
import sys
import time

import numpy as np
from jumpmodels.jump import JumpModel


def load(entry, columns):
    data = np.fromfile(entry["path"], dtype="<f8").reshape(entry["rows"], columns + 1)
    returns, features = data[:, 0], data[:, 1:]
    warm = ~np.isnan(features).any(axis=1)
    return returns, features, warm


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("manifest")
    parser.add_argument("out")
    parser.add_argument("--penalty", type=float, default=30.0)
    parser.add_argument("--n-init", type=int, default=1)
    args = parser.parse_args()
    with open(args.manifest) as f:
        manifest = json.load(f)
    d = manifest["columns"]
    files = {name: load(entry, d) for name, entry in manifest["files"].items()}
    out = {}
    for split in manifest["splits"]:
        started = time.time()
        train_x = np.concatenate([files[n][1][files[n][2]] for n in split["train"]])
        train_r = np.concatenate([files[n][0][files[n][2]] for n in split["train"]])
        mean, std = train_x.mean(axis=0), train_x.std(axis=0)
        std[std == 0] = 1.0
        model = JumpModel(n_components=3, jump_penalty=args.penalty, random_state=0, n_init=args.n_init)
        model.fit((train_x - mean) / std, ret_ser=np.nan_to_num(train_r), sort_by="vol")
        labels = {}
        for name in split["test"]:
            _, x, warm = files[name]
            state = np.full(len(x), -1, dtype=int)
            if warm.any():
                state[warm] = np.asarray(model.predict_online((x[warm] - mean) / std), dtype=int)
            labels[name] = state.tolist()
        out[split["id"]] = labels
        print(
            f"jump model {split['id']}: fitted on {len(train_x)} bars in {time.time() - started:.0f} s",
            file=sys.stderr,
            flush=True,
        )
    with open(args.out, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
