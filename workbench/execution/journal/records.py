"""What the journal records beyond commands and reports: parameters, risk, session, positions.

A journal record is any :data:`Record`: a command sent to a venue, a report received from
one (both from :mod:`workbench.core.commands`), or one of the journal's own records defined
here. Every record carries its event time ``ts_ns``; the journal adds a sequence number and
the wall-clock time of the append (:class:`JournalEntry`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from workbench.core.commands import Command, Report
from workbench.core.errors import ValidationError


@dataclass(frozen=True, slots=True)
class ParamChange:
    """A parameter took a new value.

    ``value_json`` is the value as JSON text, so the record is immutable, hashable and
    round-trips exactly; build it with :meth:`of` and read it back with :attr:`value`.
    """

    name: str
    value_json: str
    ts_ns: int

    def __post_init__(self) -> None:
        try:
            json.loads(self.value_json)
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"parameter {self.name!r}: value_json is not JSON: "
                                  f"{self.value_json!r}") from exc

    @classmethod
    def of(cls, name: str, value: Any, ts_ns: int) -> ParamChange:
        """Record ``name = value`` at ``ts_ns``.

        Raises
        ------
        ValidationError
            If ``value`` is not JSON-serialisable (NaN and infinities included).
        """
        try:
            text = json.dumps(value, sort_keys=True, allow_nan=False, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"parameter {name!r}: value {value!r} is not JSON") from exc
        return cls(name, text, ts_ns)

    @property
    def value(self) -> Any:
        """The value, decoded from JSON."""
        return json.loads(self.value_json)


class RiskEventKind(StrEnum):
    """What the risk gate, the kill switch or the order manager decided."""

    REJECTION = "rejection"  # refused a command; ``order_id`` names it
    KILL_SWITCH_TRIP = "kill_switch_trip"  # by hand or automatic; the reason says which
    KILL_SWITCH_REARM = "kill_switch_rearm"
    ORDER_PRESUMED_GONE = "order_presumed_gone"  # an order in doubt, given up as gone
    ORDER_REVIVED = "order_revived"  # an order presumed gone shown live: it is cancelled
    HIGH_WATER = "high_water"  # equity's high-water mark rose to ``value`` (quote)


@dataclass(frozen=True, slots=True)
class RiskEvent:
    """A risk decision, with its reason; ``order_id`` is None if no order, ``value`` a
    figure that goes with it (the high-water mark), None if none."""

    event: RiskEventKind
    reason: str
    ts_ns: int
    order_id: int | None = None
    value: float | None = None


class SessionEvent(StrEnum):
    """Session lifecycle markers."""

    START = "start"
    STOP = "stop"
    MODE = "mode"  # the session switched mode (e.g. paper → live)
    PAUSE = "pause"  # quoting paused (``reason`` says whether quotes were pulled)
    RESUME = "resume"  # quoting resumed
    FAILURE = "failure"  # the session failed (``reason`` says why)


@dataclass(frozen=True, slots=True)
class SessionMarker:
    """A session started, stopped, failed, paused or changed mode.

    ``mode`` is e.g. backtest, paper, live; ``namespace`` the session's client order id
    namespace (see :mod:`workbench.execution.orders.client_ids`), written at the start so
    that a restart keeps it; ``reason`` says why, where there is a why.
    """

    event: SessionEvent
    mode: str
    ts_ns: int
    namespace: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class PositionCorrected:
    """Our position was set to the venue's figure after a mismatch.

    ``size_lots`` is the venue's position (signed, lots), ``previous_lots`` what the journal
    made of it. Cash flow and fees are unchanged: the trades behind the difference are unknown.
    """

    venue: str
    symbol: str
    size_lots: int
    previous_lots: int
    ts_ns: int
    reason: str = ""


Record = Command | Report | ParamChange | RiskEvent | SessionMarker | PositionCorrected


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """A record as stored: its sequence number (from 1, gapless) and wall time of the append."""

    seq: int
    wall_ns: int
    record: Record
