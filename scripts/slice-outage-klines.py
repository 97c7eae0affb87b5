"""Cut the two outage slices of fixtures/klines/ from the shared 2021 BTCUSDT span.

Each slice is the header plus 2 000 real rows, byte for byte, around one Binance outage
(999 rows before the hole, 1 001 from the first row after it), gzipped with mtime 0 so the
output is reproducible.

    python3 scripts/slice-outage-klines.py [../shared/data]
"""

import gzip
import sys
from datetime import datetime, timezone
from pathlib import Path

data = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "../shared/data")
source = data / "binance-spot/BTCUSDT-1m-2021-03-26_2021-04-30.csv.gz"
lines = gzip.open(source, "rb").read().split(b"\n")
header, rows = lines[0], [line for line in lines[1:] if line]
times = [int(row.split(b",", 1)[0]) for row in rows]
holes = [i for i in range(1, len(rows)) if times[i] - times[i - 1] != 60_000]
assert len(holes) == 2, f"expected the two 2021 outages, found holes before rows {holes}"


def day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%d")


out_dir = Path(__file__).resolve().parents[1] / "fixtures/klines"
out_dir.mkdir(exist_ok=True)
for after in holes:
    piece = rows[after - 999 : after + 1001]
    first, last = int(piece[0].split(b",", 1)[0]), int(piece[-1].split(b",", 1)[0])
    name = out_dir / f"BTCUSDT-1m-{day(first)}_{day(last)}.csv.gz"
    with gzip.GzipFile(name, "wb", mtime=0) as f:
        f.write(b"\n".join([header, *piece]) + b"\n")
    print(name.name, (times[after] - times[after - 1]) // 60_000 - 1, "missing minutes")
