"""Event tables built from simulated markets with known parameters."""

from __future__ import annotations

import numpy as np

from workbench.core.events import EventKind
from workbench.data.table import MESSAGE_COLUMNS, ROW_COLUMNS, EventTable


def table(venue: str, symbol: str, bbo: list[tuple[int, int, int]],
          trades: list[tuple[int, int, int, int]]) -> EventTable:
    """A stream of best bid/offers ``(ts_ns, bid_ticks, ask_ticks)`` and trades
    ``(ts_ns, side, price_ticks, size_lots)``, merged in time order (bbo first on ties)."""
    items = [(t, 0, (b, a)) for t, b, a in bbo] + [(t, 1, (s, p, q)) for t, s, p, q in trades]
    items.sort(key=lambda x: (x[0], x[1]))
    n = len(items)
    msg = {c: np.zeros(n, dtype=d) for c, d in MESSAGE_COLUMNS.items()}
    side, price, size = [], [], []
    for i, (t, kind, body) in enumerate(items):
        msg["local_ts_ns"][i] = msg["exch_ts_ns"][i] = t
        msg["seq_first"][i] = msg["seq_last"][i] = i + 1
        msg["seq_prev"][i] = -1
        msg["row_start"][i] = len(side)
        if kind == 0:
            msg["kind"][i] = EventKind.BBO
            msg["n_rows"][i] = 2
            side += [1, -1]
            price += list(body)
            size += [5, 5]
        else:
            msg["kind"][i] = EventKind.TRADE
            msg["n_rows"][i] = 1
            side.append(body[0])
            price.append(body[1])
            size.append(body[2])
    rows = {"side": np.array(side, dtype=ROW_COLUMNS["side"]),
            "price_ticks": np.array(price, dtype=np.int64),
            "size_lots": np.array(size, dtype=np.int64)}
    return EventTable(venue, symbol, msg, rows)


def gbm_quotes(rng: np.random.Generator, sigma_per_sqrt_s: float, duration_s: float,
               rate_hz: float, price: float, tick: float, t0_ns: int = 10**18):
    """Best bid/offers one tick wide around a geometric Brownian mid."""
    n = int(duration_s * rate_hz)
    dt = 1.0 / rate_hz
    logp = np.log(price) + np.cumsum(rng.normal(0.0, sigma_per_sqrt_s * np.sqrt(dt), n))
    bid = np.floor(np.exp(logp) / tick).astype(np.int64)
    ts = t0_ns + np.round(np.arange(n) * dt * 1e9).astype(np.int64)
    return [(int(t), int(b), int(b) + 1) for t, b in zip(ts, bid)]


def poisson_orders(rng: np.random.Generator, a_per_s: float, k_per_price: float,
                   duration_s: float, min_depth_price: float) -> tuple[np.ndarray, np.ndarray]:
    """Aggressive orders of both sides whose depth beyond ``min_depth_price`` follows
    ``λ(δ) = A·exp(-k·δ)`` per side: ``(side, depth_price)``."""
    n = rng.poisson(2.0 * a_per_s * np.exp(-k_per_price * min_depth_price) * duration_s)
    depth = min_depth_price + rng.exponential(1.0 / k_per_price, n)
    side = rng.choice(np.array([1, -1]), n)
    return side, depth
