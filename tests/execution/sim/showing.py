"""Which depth diff shows each trade of a recorded Binance futures file, from the raw JSON."""

from __future__ import annotations

import gzip
import json
from bisect import bisect_left
from pathlib import Path


def raw_showing_diffs(path: Path) -> dict[int, int]:
    """Trade id -> last update id of the first diff (in update order) whose transaction
    time ``T`` is not before the trade's and that touches the trade's level on the
    resting side: the diff that shows the trade."""
    diffs, trades = [], []
    with gzip.open(path, "rt") as f:
        for line in f:
            body = line.split(" ", 1)[1]
            if '"stream"' not in body:
                continue
            msg = json.loads(body)
            d, stream = msg["data"], msg["stream"]
            if "@depth" in stream:
                diffs.append((d["T"], d["u"], {p for p, _ in d["b"]}, {p for p, _ in d["a"]}))
            elif stream.endswith("@trade"):
                trades.append((d["t"], d["T"], d["p"], d["m"]))
    times = [x[0] for x in diffs]
    out = {}
    for trade_id, t, price, buyer_maker in trades:
        for d in diffs[bisect_left(times, t):bisect_left(times, t) + 50]:
            if price in (d[2] if buyer_maker else d[3]):
                out[trade_id] = d[1]
                break
    return out
