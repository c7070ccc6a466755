"""Benchmark the order path: order manager -> risk gate -> venue stub -> order manager.

The stub venue acks every command at once. Each step moves a one-level quote on both
sides by a tick, so the manager cancels and replaces both orders: two places, two
cancels, two gate checks that do real work, four reports. The figure
``order_path_vs_bare_orders`` is the time of those steps against the plainest version
of the same bookkeeping: the same places and cancels as tuples in a bare dict of live
orders, acked by the same stub, with no manager and no gate; runs alternate
(:mod:`interleave`), five pairs, median of per-pair ratios. Orders per second (places)
are printed as information.
"""

from __future__ import annotations

import time
from decimal import Decimal

from interleave import QUICK, Figure, info, interleave, report_pairs

from workbench.core import (
    Accepted,
    Amended,
    Cancel,
    Canceled,
    Command,
    Instrument,
    InstrumentKind,
    Place,
    Report,
    Side,
    TimeInForce,
)
from workbench.execution.orders import OrderManager, OrderManagerConfig
from workbench.execution.position import Portfolio
from workbench.execution.risk import (
    InstrumentLimits,
    KillSwitch,
    RiskContext,
    RiskGate,
    RiskLimits,
)
from workbench.strategies.types import TargetQuotes

FIGURES = {
    "path": Figure("order_path_vs_bare_orders", "the same places and cancels in a bare "
                   "dict of live orders, same stub venue, no manager or gate", "<=", 6.0),
}
STEPS = 20_000 if QUICK else 60_000
STEP_NS = 1_000_000


class AckVenue:
    """Answers every command immediately: ack, cancel confirmation or amend confirmation."""

    name = "stub"

    def __init__(self) -> None:
        self._out: list[Report] = []

    def submit(self, command: Command, now_ns: int) -> None:
        kind = type(command)
        if kind is Place:
            self._out.append(Accepted(command.order_id, now_ns))
        elif kind is Cancel:
            self._out.append(Canceled(command.order_id, now_ns))
        else:
            self._out.append(Amended(command.order_id, command.price_ticks,
                                     command.size_lots, now_ns, False))

    def poll(self, now_ns: int) -> list[Report]:
        out, self._out = self._out, []
        return out

    def next_report_ns(self) -> int | None:
        return None


def run(steps: int) -> tuple[int, float]:
    """Places sent and seconds taken for ``steps`` requotes."""
    inst = Instrument("stub", "BTCUSDT", InstrumentKind.LINEAR_PERP, "BTC", "USDT",
                      Decimal("0.1"), Decimal("0.001"))
    orders = OrderManager(OrderManagerConfig(ack_timeout_ns=1_000_000_000))
    limits = RiskLimits({inst.key: InstrumentLimits(100, 1e9, 10, 100.0, 50)},
                        max_total_notional_quote=1e9, max_loss_quote=1e6,
                        max_drawdown_quote=1e6, orders_per_s=1e6, order_burst=1000)
    kill = KillSwitch(orders, limits)
    gate = RiskGate(limits, kill)
    ctx = RiskContext(orders, Portfolio([inst]), [inst])
    market = ctx.markets[inst.key]
    market.on_book(600_000, 600_001, 0)
    market.set_fair_mid(600_000.5)
    targets = (TargetQuotes(((599_999, 1),), ((600_002, 1),), None, ()),
               TargetQuotes(((599_998, 1),), ((600_003, 1),), None, ()))
    venue = AckVenue()
    check, on_report, submit, reconcile = gate.check, orders.on_report, venue.submit, \
        orders.reconcile
    places = 0
    now = 0
    t0 = time.perf_counter()
    for i in range(steps):
        now += STEP_NS
        ctx.now_ns = now
        for command in reconcile(inst, targets[i & 1], now):
            verdict = check(command, ctx)
            if verdict is None:
                submit(command, now)
                places += type(command) is Place
            else:
                on_report(verdict)
        for rep in venue.poll(now):
            on_report(rep)
        orders.check_timeouts(now)
    elapsed = time.perf_counter() - t0
    if orders.open_orders != 2 or orders.anomalies:
        raise RuntimeError(f"unexpected state: {orders.open_orders} open, {orders.anomalies}")
    return places, elapsed


def bare(steps: int) -> tuple[int, float]:
    """The same steps as :func:`run` with a bare dict of live orders: cancel both, place
    two, take the acks; places sent and seconds taken."""
    venue = AckVenue()
    live: dict[int, tuple] = {}
    prices = (((599_999, 1), (600_002, 1)), ((599_998, 1), (600_003, 1)))
    next_id = 1
    places = 0
    now = 0
    t0 = time.perf_counter()
    for i in range(steps):
        now += STEP_NS
        for order_id in list(live):
            venue.submit(Cancel(order_id, "stub", "BTCUSDT", now), now)
        for side, (price, size) in enumerate(prices[i & 1]):
            command = Place(next_id, "stub", "BTCUSDT", Side.BUY if side == 0 else Side.SELL,
                            price, size, TimeInForce.POST_ONLY, now)
            live[next_id] = command
            venue.submit(command, now)
            next_id += 1
            places += 1
        for rep in venue.poll(now):
            if type(rep) is Canceled:
                live.pop(rep.order_id, None)
    elapsed = time.perf_counter() - t0
    if len(live) != 2:
        raise RuntimeError(f"unexpected state: {len(live)} live")
    return places, elapsed


def main() -> None:
    pairs = interleave(lambda: run(STEPS)[1], lambda: bare(STEPS)[1])
    report_pairs(FIGURES["path"], pairs)
    info("order_path_rate", 2 * STEPS / min(pairs.ours), "orders/s", "places, one core")


if __name__ == "__main__":
    main()
