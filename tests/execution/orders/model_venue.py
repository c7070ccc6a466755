"""A scriptable venue that keeps the truth, and the engine wiring the property tests drive.

The venue processes commands first in, first out with an outcome the test chooses (done,
refused, answer lost, command lost), fills live orders when told, and delivers its
reports in order. Acks and confirmations may go missing, fills never do: no order
manager can keep positions right through lost fills without asking the venue. It
remembers which commands still wait for an answer, so a test can assert that the order
manager never sends a second command for an order while one is unanswered, except the
cancel that follows an ack timeout (which presumes the earlier command lost).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from hypothesis import strategies as st

from workbench.core import (
    Accepted,
    Amend,
    Amended,
    Cancel,
    Canceled,
    Command,
    CommandKind,
    Filled,
    Instrument,
    InstrumentKind,
    Liquidity,
    Place,
    Rejected,
    Report,
    Side,
    TimeInForce,
)
from workbench.execution.orders import OrderManager, OrderManagerConfig
from workbench.execution.position import Portfolio
from workbench.execution.risk import KillSwitch, RiskContext, RiskGate, RiskLimits
from workbench.strategies.types import TakerOrder, TargetQuotes

INST = Instrument("model", "BTCUSDT", InstrumentKind.LINEAR_PERP, "BTC", "USDT", Decimal(1),
                  Decimal(1))
OUTCOMES = ("done", "refuse", "transient", "lose_answer", "lose_command")


@dataclass
class VenueOrder:
    side: Side
    price_ticks: int
    size_lots: int
    filled_lots: int = 0

    @property
    def remaining_lots(self) -> int:
        return self.size_lots - self.filled_lots


@dataclass
class VenueTruth:
    """What a model venue knows for sure: our live orders, our position, every fill.
    Subclasses say how a fill report travels (:meth:`_post`)."""

    live: dict[int, VenueOrder] = field(default_factory=dict)
    position_lots: int = 0
    fills: list[Filled] = field(default_factory=list)
    _fill_id: int = 0

    def _post(self, report: Report, ts_ns: int) -> None:
        raise NotImplementedError

    def _fill(self, oid: int, side: Side, price_ticks: int, lots: int, remaining: int,
              ts_ns: int) -> Filled:
        self._fill_id += 1
        self.position_lots += int(side) * lots
        fill = Filled(oid, self._fill_id, INST.venue, INST.symbol, side, price_ticks, lots,
                      remaining, Liquidity.MAKER, 0.0, ts_ns)
        self.fills.append(fill)
        return fill

    def fill(self, pick: int, lots: int, ts_ns: int) -> None:
        """Fill up to ``lots`` of the ``pick``-th live order (modulo their number)."""
        if not self.live:
            return
        oid = sorted(self.live)[pick % len(self.live)]
        order = self.live[oid]
        lots = min(lots, order.remaining_lots)
        order.filled_lots += lots
        if order.remaining_lots == 0:
            del self.live[oid]
        self._post(self._fill(oid, order.side, order.price_ticks, lots, order.remaining_lots,
                              ts_ns), ts_ns)


@dataclass
class ModelVenue(VenueTruth):
    """The venue's truth and commands awaiting an answer, on a link that keeps order."""

    inbox: deque = field(default_factory=deque)  # (seq, command)
    outbox: deque = field(default_factory=deque)  # (seq answered or -1, report)
    awaiting: dict[int, set[int]] = field(default_factory=dict)
    _seq: int = 0

    def _post(self, report: Report, ts_ns: int) -> None:
        self.outbox.append((-1, report))

    def submit(self, command: Command) -> None:
        waiting = self.awaiting.setdefault(command.order_id, set())
        if command.reason.startswith("ack_timeout"):
            waiting.clear()  # the manager presumes those lost
        else:
            assert not waiting, f"second command for order {command.order_id}: {command}"
        self._seq += 1
        waiting.add(self._seq)
        self.inbox.append((self._seq, command))

    def process(self, outcome: str, ts_ns: int) -> None:
        """Handle the oldest command with ``outcome`` (one of :data:`OUTCOMES`)."""
        seq, command = self.inbox.popleft()
        oid = command.order_id
        if outcome == "lose_command":
            self.awaiting[oid].discard(seq)
            return
        answer = self._apply(command, outcome, ts_ns)
        if outcome == "lose_answer":  # acks go missing; fills are never lost
            self.awaiting[oid].discard(seq)
            self.outbox.extend((-1, r) for r in answer if type(r) is Filled)
            return
        for report in answer[:-1]:
            self.outbox.append((-1, report))
        self.outbox.append((seq, answer[-1]))

    def _apply(self, command: Command, outcome: str, ts_ns: int) -> list[Report]:
        oid = command.order_id
        order = self.live.get(oid)
        if type(command) is Place:
            if outcome in ("refuse", "transient"):
                return [Rejected(oid, CommandKind.PLACE, "refused", ts_ns, outcome == "transient")]
            if command.tif is TimeInForce.IOC:
                taken = command.size_lots if outcome == "done" else command.size_lots // 2
                out: list[Report] = []
                if taken:
                    out.append(self._fill(oid, command.side, command.price_ticks, taken,
                                          command.size_lots - taken, ts_ns))
                if taken < command.size_lots:
                    out.append(Canceled(oid, ts_ns, "ioc remainder"))
                return out
            self.live[oid] = VenueOrder(command.side, command.price_ticks, command.size_lots)
            return [Accepted(oid, ts_ns)]
        if type(command) is Cancel:
            if order is None:
                return [Rejected(oid, CommandKind.CANCEL, "unknown order", ts_ns, False)]
            if outcome == "transient":
                return [Rejected(oid, CommandKind.CANCEL, "busy", ts_ns, True)]
            del self.live[oid]
            return [Canceled(oid, ts_ns, "cancelled")]
        assert type(command) is Amend
        if order is None or command.size_lots <= order.filled_lots or outcome != "done":
            return [Rejected(oid, CommandKind.AMEND, "cannot amend", ts_ns,
                             outcome == "transient")]
        order.price_ticks, order.size_lots = command.price_ticks, command.size_lots
        return [Amended(oid, command.price_ticks, command.size_lots, ts_ns, False)]

    def duplicate_fill(self, pick: int) -> None:
        """Deliver an earlier fill report again."""
        if self.fills:
            self.outbox.append((-1, self.fills[pick % len(self.fills)]))

    def deliver(self, n: int) -> list[Report]:
        out = []
        while self.outbox and len(out) < n:
            seq, report = self.outbox.popleft()
            if seq >= 0:
                self.awaiting[report.order_id].discard(seq)
            out.append(report)
        return out


class Harness:
    """Order manager -> risk gate -> model venue -> order manager, with a portfolio."""

    def __init__(self, limits: RiskLimits, config: OrderManagerConfig,
                 fair_mid_ticks: float = 1000.0) -> None:
        self.now_ns = 0
        self.orders = OrderManager(config)
        self.portfolio = Portfolio([INST])
        self.ctx = RiskContext(self.orders, self.portfolio, [INST])
        self.kill = KillSwitch(self.orders, limits)
        self.gate = RiskGate(limits, self.kill)
        self.venue = ModelVenue()
        self.rejections: list[Rejected] = []
        market = self.ctx.markets[INST.key]
        market.set_fair_mid(fair_mid_ticks)
        market.on_book(int(fair_mid_ticks) - 1, int(fair_mid_ticks) + 1, 0)

    def send(self, commands: list[Command]) -> None:
        for command in commands:
            verdict = self.gate.check(command, self.ctx)
            if verdict is None:
                self.venue.submit(command)
            else:
                self.rejections.append(verdict)
                self.apply(verdict)

    def apply(self, report: Report) -> None:
        update = self.orders.on_report(report)
        if update is not None and update.fill is not None:
            self.portfolio.on_fill(update.fill)

    def requote(self, targets: TargetQuotes) -> None:
        self.send(self.orders.reconcile(INST, targets, self.now_ns))

    def advance(self, dt_ns: int) -> None:
        self.now_ns += dt_ns
        self.ctx.now_ns = self.now_ns
        self.ctx.markets[INST.key].last_update_ns = self.now_ns
        self.send(self.orders.check_timeouts(self.now_ns))
        self.send(self.kill.watch(self.ctx))

    def deliver(self, n: int = 1_000_000) -> None:
        for report in self.venue.deliver(n):
            self.apply(report)

    def settle(self, rounds: int = 40) -> None:
        """Answer everything ('done'), stepping time past the ack timeout, until no order
        is left and no command is waiting (the kill switch's flattening included)."""
        cfg = self.orders.config
        timeout = max(cfg.ack_timeout_ns, cfg.unknown_retry_ns)
        rounds += cfg.unknown_timeout_ns // timeout  # orders in doubt settle by timeout
        rounds += 8 * (self.kill.limits.flatten_interval_ns // timeout)  # flatten pieces
        for _ in range(rounds):
            while self.venue.inbox:
                self.venue.process("done", self.now_ns)
            self.deliver()
            self.advance(timeout + 1)
            flattening = (self.kill.flattening and self.portfolio.size_lots(INST.key)
                          and not self.kill.unflattened)
            if not self.venue.inbox and not self.orders.open_orders and not flattening:
                return
        raise AssertionError(f"did not settle: {self.orders.snapshot()}")


def targets_strategy(mid_ticks: int = 1000) -> st.SearchStrategy[TargetQuotes]:
    """Random target quotes around ``mid_ticks``."""
    levels = st.lists(st.tuples(st.integers(1, 15), st.integers(1, 6)), max_size=3)
    taker = st.none() | st.builds(
        lambda side, off, size: TakerOrder(side, mid_ticks + int(side) * off, size, "take"),
        st.sampled_from([Side.BUY, Side.SELL]), st.integers(0, 15), st.integers(1, 6))

    def build(bids, asks, take):
        return TargetQuotes(tuple(sorted(((mid_ticks - o, s) for o, s in bids), reverse=True)),
                            tuple(sorted((mid_ticks + o, s) for o, s in asks)), take, ())

    return st.builds(build, levels, levels, taker)


ACTIONS = ("requote", "process", "fill", "duplicate", "deliver", "advance", "trip", "rearm")


def drive(h: Harness, data: st.DataObject, steps: int, check: Callable[[Harness], None],
          kill_switch: bool = False) -> None:
    """Run ``steps`` random actions through ``h``, calling ``check(h)`` after each."""
    actions = ACTIONS if kill_switch else ACTIONS[:-2]
    timeout = h.orders.config.ack_timeout_ns
    targets = targets_strategy()
    for _ in range(steps):
        action = data.draw(st.sampled_from(actions))
        if action == "requote":
            h.requote(data.draw(targets))
        elif action == "process" and h.venue.inbox:
            h.venue.process(data.draw(st.sampled_from(OUTCOMES)), h.now_ns)
        elif action == "fill":
            h.venue.fill(data.draw(st.integers(0, 9)), data.draw(st.integers(1, 6)), h.now_ns)
        elif action == "duplicate":
            h.venue.duplicate_fill(data.draw(st.integers(0, 9)))
        elif action == "deliver":
            h.deliver(data.draw(st.integers(1, 4)))
        elif action == "advance":
            h.advance(data.draw(st.sampled_from([1_000_000, timeout // 2, timeout + 1])))
        elif action == "trip":
            h.send(h.kill.trip("test", h.ctx, flatten=data.draw(st.booleans())))
        elif action == "rearm":
            h.kill.rearm()
        check(h)
