"""A seeded, plausible stream of journal records: order lifecycles plus noise.

Orders are placed, acknowledged, rejected, amended, filled in parts, cancelled; reports
arrive late, twice or for orders we never placed; parameters change, the kill switch
trips, positions are corrected, sessions start and stop. Used by the recovery tests and by
the writer subprocess of the crash test (which must generate the very same stream).
"""

from __future__ import annotations

import random

from workbench.core.commands import (
    Accepted,
    Amend,
    Amended,
    Cancel,
    Canceled,
    CommandKind,
    Filled,
    Place,
    Rejected,
    TimeInForce,
)
from workbench.core.events import Side
from workbench.core.orders import Liquidity
from workbench.execution.journal import (
    ParamChange,
    PositionCorrected,
    RiskEvent,
    RiskEventKind,
    SessionEvent,
    SessionMarker,
)

BOOKS = (("binance", "BTCUSDT"), ("binance", "ETHUSDT"), ("okx", "BTC-USDT"))


def order_flow(seed: int, n_records: int) -> list:
    """``n_records`` records drawn with ``random.Random(seed)``."""
    rng = random.Random(seed)
    out: list = [SessionMarker(SessionEvent.START, "paper", 1_000)]
    orders: dict[int, dict] = {}  # what the generator placed: venue, symbol, side, size, left
    ids: list[int] = []
    fills: list[Filled] = []
    next_id = 1
    next_fill = {venue: 1 for venue, _ in BOOKS}
    ts = 1_000
    while len(out) < n_records:
        ts += rng.randint(0, 2_000)
        u = rng.random()
        oid = rng.choice(ids) if ids else None
        if oid is None or u < 0.22:
            venue, symbol = rng.choice(BOOKS)
            size = rng.randint(1, 20)
            orders[next_id] = dict(venue=venue, symbol=symbol, side=rng.choice(list(Side)),
                                   size=size, left=size, price=rng.randint(990, 1010))
            o = orders[next_id]
            ids.append(next_id)
            out.append(Place(next_id, venue, symbol, o["side"], o["price"], size,
                             rng.choice(list(TimeInForce)), ts, rng.choice(["", "quote"])))
            next_id += 1
        elif u < 0.34:
            out.append(Accepted(oid, ts))
        elif u < 0.40:
            command = rng.choice(list(CommandKind))
            out.append(Rejected(oid, command, f"{command} refused", ts, rng.random() < 0.3))
        elif u < 0.49:
            o = orders[oid]
            out.append(Cancel(oid, o["venue"], o["symbol"], ts, "requote"))
        elif u < 0.56:
            out.append(Canceled(oid, ts, rng.choice(["", "ioc expired", "by us"])))
        elif u < 0.60:
            o = orders[oid]
            o["price"] += rng.choice((-2, -1, 1, 2))
            out.append(Amend(oid, o["venue"], o["symbol"], o["price"], o["size"], ts))
            out.append(Amended(oid, o["price"], o["size"], ts + 1, rng.random() < 0.5))
        elif u < 0.78:
            o = orders[oid]
            if o["left"] == 0:
                continue
            lots = rng.randint(1, o["left"])
            o["left"] -= lots
            fill = Filled(oid, next_fill[o["venue"]], o["venue"], o["symbol"], o["side"],
                          o["price"], lots, o["left"], rng.choice(list(Liquidity)),
                          rng.choice([-0.25, 0.0, 0.125, 1.5]) * lots, ts)
            next_fill[o["venue"]] += 1
            fills.append(fill)
            out.append(fill)
        elif u < 0.82 and fills:
            out.append(rng.choice(fills))  # a duplicate report
        elif u < 0.86:
            value = rng.choice([rng.randint(-5, 5), rng.random(), "glft", [1, 2.5], {"k": 3},
                                None, True])
            out.append(ParamChange.of(rng.choice(["gamma", "spread_bps", "model"]), value, ts))
        elif u < 0.89:
            event = rng.choice(list(RiskEventKind))
            order_id = oid if event is RiskEventKind.REJECTION else None
            out.append(RiskEvent(event, f"{event} at {ts}", ts, order_id))
        elif u < 0.92:
            venue, symbol = rng.choice(BOOKS)
            unknown = next_id + rng.randint(0, 50)  # a report for an order we never placed
            out.append(rng.choice([
                Canceled(unknown, ts, "foreign"),
                Filled(unknown, next_fill[venue], venue, symbol, Side.SELL, 1000, 3, 0,
                       Liquidity.TAKER, 0.3, ts)]))
            next_fill[venue] += 1
        elif u < 0.94:
            venue, symbol = rng.choice(BOOKS)
            out.append(PositionCorrected(venue, symbol, rng.randint(-30, 30), 0, ts, "check"))
        else:
            out.append(SessionMarker(rng.choice(list(SessionEvent)),
                                     rng.choice(["", "paper", "live"]), ts))
    return out[:n_records]
