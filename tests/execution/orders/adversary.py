"""A venue that answers out of order: the adversary of the order manager's property tests.

Unlike :mod:`model_venue`, whose link keeps order both ways, this venue takes the
commands in flight in any order (a cancel may reach it before the place it cancels, and
is then refused as an unknown order), loses commands and answers (never fills),
duplicates reports, and delivers reports in any order (a fill after the cancel that
followed it, an ack after a fill). Delays are bounded: a command or report older than
``max_delay_ns`` is handled before time moves on, as on any link that is not dead.
A place whose id the venue already saw is refused as a duplicate (client order ids are
idempotent). The venue keeps the truth: its live orders, our position and every fill.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.core import (
    Accepted,
    Amend,
    Amended,
    Cancel,
    Canceled,
    Command,
    CommandKind,
    Filled,
    Liquidity,
    Place,
    RejectCode,
    Rejected,
    Report,
    Side,
    TimeInForce,
)

from .model_venue import INST


@dataclass
class Resting:
    side: Side
    price_ticks: int
    size_lots: int
    filled_lots: int = 0

    @property
    def remaining_lots(self) -> int:
        return self.size_lots - self.filled_lots


@dataclass
class AdversaryVenue:
    """Commands and reports in flight, each with the time it was sent."""

    max_delay_ns: int
    live: dict[int, Resting] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set)  # every order id a place arrived with
    inbox: list[tuple[int, Command]] = field(default_factory=list)  # (sent_ns, command)
    outbox: list[tuple[int, Report]] = field(default_factory=list)  # (sent_ns, report)
    position_lots: int = 0
    fills: list[Filled] = field(default_factory=list)
    _fill_id: int = 0

    # -- commands ------------------------------------------------------------------------
    def submit(self, command: Command, now_ns: int) -> None:
        self.inbox.append((now_ns, command))

    def process(self, pick: int, lose: bool, now_ns: int) -> None:
        """Handle the ``pick``-th command in flight (any order), or lose it."""
        if not self.inbox:
            return
        _, command = self.inbox.pop(pick % len(self.inbox))
        if not lose:
            for report in self._apply(command, now_ns):
                self.outbox.append((now_ns, report))

    def _apply(self, command: Command, now_ns: int) -> list[Report]:
        oid = command.order_id
        order = self.live.get(oid)
        if type(command) is Place:
            if oid in self.seen:
                return [Rejected(oid, CommandKind.PLACE, "duplicate order sent", now_ns,
                                 code=RejectCode.DUPLICATE_ORDER)]
            self.seen.add(oid)
            if command.tif is TimeInForce.IOC:
                taken = (command.size_lots + 1) // 2
                out: list[Report] = [Accepted(oid, now_ns)]
                out.append(self._fill(oid, command.side, command.price_ticks, taken,
                                      command.size_lots - taken, now_ns))
                if taken < command.size_lots:
                    out.append(Canceled(oid, now_ns, "ioc remainder"))
                return out
            self.live[oid] = Resting(command.side, command.price_ticks, command.size_lots)
            return [Accepted(oid, now_ns)]
        if order is None:
            kind = CommandKind.CANCEL if type(command) is Cancel else CommandKind.AMEND
            return [Rejected(oid, kind, "unknown order sent", now_ns,
                             code=RejectCode.UNKNOWN_ORDER)]
        if type(command) is Cancel:
            del self.live[oid]
            return [Canceled(oid, now_ns, "cancelled")]
        assert type(command) is Amend
        if command.size_lots <= order.filled_lots:
            return [Rejected(oid, CommandKind.AMEND, "size at or below filled", now_ns)]
        order.price_ticks, order.size_lots = command.price_ticks, command.size_lots
        return [Amended(oid, command.price_ticks, command.size_lots, now_ns, False)]

    def _fill(self, oid: int, side: Side, price_ticks: int, lots: int, remaining: int,
              now_ns: int) -> Filled:
        self._fill_id += 1
        self.position_lots += int(side) * lots
        fill = Filled(oid, self._fill_id, INST.venue, INST.symbol, side, price_ticks, lots,
                      remaining, Liquidity.MAKER, 0.0, now_ns)
        self.fills.append(fill)
        return fill

    def fill(self, pick: int, lots: int, now_ns: int) -> None:
        """Fill up to ``lots`` of the ``pick``-th live order (modulo their number)."""
        if not self.live:
            return
        oid = sorted(self.live)[pick % len(self.live)]
        order = self.live[oid]
        lots = min(lots, order.remaining_lots)
        order.filled_lots += lots
        if not order.remaining_lots:
            del self.live[oid]
        self.outbox.append((now_ns, self._fill(oid, order.side, order.price_ticks, lots,
                                               order.remaining_lots, now_ns)))

    # -- reports -------------------------------------------------------------------------
    def deliver(self, pick: int, lose: bool, duplicate: bool) -> list[Report]:
        """Hand over the ``pick``-th report in flight (any order); an ack, confirmation
        or rejection may be lost (a fill never is) or delivered twice."""
        if not self.outbox:
            return []
        sent, report = self.outbox.pop(pick % len(self.outbox))
        if lose and type(report) is not Filled:
            return []
        if duplicate:
            self.outbox.append((sent, report))
        return [report]

    def overdue(self, now_ns: int) -> tuple[list[Command], list[Report]]:
        """Commands and reports older than the longest delay at ``now_ns`` (oldest first):
        they must be handled before time moves past it."""
        limit = now_ns - self.max_delay_ns
        commands = [c for t, c in self.inbox if t <= limit]
        reports = [r for t, r in self.outbox if t <= limit]
        self.inbox = [(t, c) for t, c in self.inbox if t > limit]
        self.outbox = [(t, r) for t, r in self.outbox if t > limit]
        return commands, reports
