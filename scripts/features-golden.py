"""Golden feature values for test/features: an independent numpy implementation of every feature
kind, computed on a real Binance USD-M kline slice. Only warm rows (every window full) are written.

Run from the repository root: python3 scripts/features-golden.py
"""
import csv
import json

import numpy as np

SLICE = 'fixtures/features/LINKUSDT-1m-2023-02-01-head400.csv'
SPEC = 'fixtures/features/spec.json'
OUT = 'fixtures/features/golden.json'


def trailing_mean(x, w):
    """mean of x[t-w+1..t] at t (NaN before the window is full)."""
    out = np.full(len(x), np.nan)
    out[w - 1:] = np.convolve(x, np.ones(w) / w, 'valid')
    return out


def ratio_to_previous_mean(x, w):
    """x[t] / mean of x[t-w..t-1]; after w zeros: 0 if x[t] is 0, else w (NaN before the window is full)."""
    m = previous_mean(x, w)
    safe = np.where(m > 0, m, 1.0)
    return np.where(m > 0, x / safe, np.where(x > 0, float(w), 0.0)) + 0 * m


def previous_mean(x, w):
    """mean of x[t-w..t-1] at t."""
    out = np.full(len(x), np.nan)
    out[w:] = trailing_mean(x, w)[w - 1:-1]
    return out


def raw(kind, window, b):
    o, h, l, c, v = b['open'], b['high'], b['low'], b['close'], b['volume']
    r = np.r_[np.nan, np.log(c[1:] / c[:-1])]
    if kind == 'logReturn':
        return r
    if kind == 'range':
        return (h - l) / o
    if kind == 'activity':
        return ratio_to_previous_mean(v, window)
    if kind == 'realizedVolatility':
        return np.sqrt(trailing_mean(r ** 2, window))
    if kind == 'parkinsonVolatility':
        return np.sqrt(trailing_mean(np.log(h / l) ** 2 / (4 * np.log(2)), window))
    if kind == 'orderFlowImbalance':
        return np.where(v > 0, 2 * b['taker_buy_volume'] / np.where(v > 0, v, 1) - 1, 0.0)
    if kind == 'amihud':
        return np.abs(r) * 1e6 / b['quote_volume']
    if kind == 'tradeIntensity':
        return ratio_to_previous_mean(b['count'], window)
    if kind == 'averageTradeSize':
        return v / b['count']
    raise ValueError(kind)


def transformed(d, x):
    if d['transform'] == 'log':
        return np.log(x + d['offset'])
    if d['transform'] == 'signedLog':
        return np.sign(x) * np.log1p(np.abs(x))
    return x


def main():
    with open(SLICE) as f:
        rows = list(csv.DictReader(f))
    b = {k: np.array([float(r[k]) for r in rows]) for k in rows[0]}
    spec = json.load(open(SPEC))
    X = np.column_stack([transformed(d, raw(d['kind'], d.get('window'), b)) for d in spec])
    warm = np.all(np.isfinite(X), axis=1)
    first = int(np.argmax(warm))
    assert warm[first:].all()
    json.dump({'source': SLICE, 'firstWarmBar': first, 'rows': X[first:].tolist()}, open(OUT, 'w'))
    print(f'{OUT}: {len(X) - first} warm rows from bar {first}')


main()
