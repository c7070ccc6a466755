"""Commands the engine sends to a venue, and the reports a venue sends back.

Every venue — the simulated one, paper, or a real exchange behind a connector — takes
:data:`Command` objects and answers with :data:`Report` objects, each naming our
``order_id``. Reports may arrive late, twice, or for an order we no longer know; the
order manager and the journal are built to take that.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from workbench.core.events import Side
from workbench.core.orders import Liquidity


class TimeInForce(StrEnum):
    """How long an order may rest."""

    GTC = "gtc"  # rests until filled or cancelled
    POST_ONLY = "post_only"  # rests, but is rejected if it would take liquidity on entry
    IOC = "ioc"  # takes what it can on entry; the rest is cancelled


@dataclass(frozen=True, slots=True)
class Place:
    """Place a new limit order (a market order is an IOC at a marketable price)."""

    order_id: int
    venue: str
    symbol: str
    side: Side
    price_ticks: int
    size_lots: int
    tif: TimeInForce
    ts_ns: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Cancel:
    """Cancel a working order."""

    order_id: int
    venue: str
    symbol: str
    ts_ns: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Amend:
    """Change a working order's price and/or size.

    A price change loses queue priority; a size decrease keeps it (venue rules permitting).
    """

    order_id: int
    venue: str
    symbol: str
    price_ticks: int
    size_lots: int
    ts_ns: int
    reason: str = ""


Command = Place | Cancel | Amend


class CommandKind(StrEnum):
    """Which command a rejection answers."""

    PLACE = "place"
    CANCEL = "cancel"
    AMEND = "amend"


@dataclass(frozen=True, slots=True)
class Accepted:
    """The venue accepted a :class:`Place`; the order is working.

    ``venue_order_id`` is the venue's own id of the order ("" where the venue gives none).
    """

    order_id: int
    ts_ns: int
    venue_order_id: str = ""


class RejectCode(StrEnum):
    """Why a venue refused a command, where the why decides what the order manager does.

    The reason text says it in words; the code says it to the code. A connector maps its
    venue's error codes onto these (Binance -2011 "Unknown order sent" is
    :attr:`UNKNOWN_ORDER`, -2010 "Duplicate order sent" :attr:`DUPLICATE_ORDER`).
    """

    NONE = ""  # no code given: read the reason
    UNKNOWN_ORDER = "unknown_order"  # the venue has no open order with this id (now)
    DUPLICATE_ORDER = "duplicate_order"  # the venue already has an order with this id
    RATE_LIMIT = "rate_limit"
    POST_ONLY = "post_only"  # a post-only order would have taken liquidity
    RISK = "risk"  # our own risk gate refused it


@dataclass(frozen=True, slots=True)
class Rejected:
    """The venue (or the risk gate) refused a command, and why.

    ``transient`` marks failures that may succeed when retried (rate limit, timeout);
    ``code`` says why where the order manager must act on it (:class:`RejectCode`).
    """

    order_id: int
    command: CommandKind
    reason: str
    ts_ns: int
    transient: bool = False
    code: RejectCode = RejectCode.NONE


@dataclass(frozen=True, slots=True)
class Canceled:
    """The order is no longer working (cancelled by us, expired IOC, or by the venue)."""

    order_id: int
    ts_ns: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Amended:
    """An :class:`Amend` took effect; ``kept_priority`` says whether the queue place stayed."""

    order_id: int
    price_ticks: int
    size_lots: int
    ts_ns: int
    kept_priority: bool


@dataclass(frozen=True, slots=True)
class Filled:
    """An execution of one of our orders.

    ``fill_id`` is unique per venue, so a duplicate report can be recognised; ``fee`` is
    in the instrument's settlement currency, negative for a rebate; ``remaining_lots`` is
    what is left working after this fill; ``venue_order_id`` is the venue's own id of the
    order ("" where the venue gives none).
    """

    order_id: int
    fill_id: int
    venue: str
    symbol: str
    side: Side
    price_ticks: int
    size_lots: int
    remaining_lots: int
    liquidity: Liquidity
    fee: float
    ts_ns: int
    venue_order_id: str = ""


Report = Accepted | Rejected | Canceled | Amended | Filled
