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
    Place,
    RejectCode,
    Rejected,
    Report,
    TimeInForce,
)

from .model_venue import VenueOrder, VenueTruth


@dataclass
class AdversaryVenue(VenueTruth):
    """Commands and reports in flight, each with the time it was sent."""

    max_delay_ns: int = 0
    seen: set[int] = field(default_factory=set)  # every order id a place arrived with
    inbox: list[tuple[int, Command]] = field(default_factory=list)  # (sent_ns, command)
    outbox: list[tuple[int, Report]] = field(default_factory=list)  # (sent_ns, report)

    def _post(self, report: Report, ts_ns: int) -> None:
        self.outbox.append((ts_ns, report))

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
            self.live[oid] = VenueOrder(command.side, command.price_ticks, command.size_lots)
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
