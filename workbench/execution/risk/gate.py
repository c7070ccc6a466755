"""The risk gate: every command passes it on its way to a venue, in every mode.

Cancels always pass. A place or amend is refused with a :class:`~workbench.core.Rejected`
whose reason starts with the limit's name and gives the figures, e.g.
``"max_position: 120 lots long would exceed 100"``. Limits are checked in this order:
``halted``, ``invalid_order``, ``no_limits``, ``max_loss``, ``max_drawdown``,
``max_order_size``, ``no_fair_mid``, ``price_band``, ``max_open_orders``,
``max_position``, ``max_notional``, ``max_total_notional``, ``rate_limit`` (last, so
refused commands spend no token; its rejection is transient). The kill switch's own
flattening orders pass while halted and are not held to the loss and drawdown limits
(they exist because of them); they do keep to the rate limit.

Exposure is the worst case: the position plus every order that is or may be live on the
side that adds to it (orders being cancelled included, an unanswered amend at the larger
of its old and new size), plus the command itself. A command is held to the position,
notional and total notional limits only when it moves its side's worst case further from
zero: an order that works a position down passes even when the position is already
beyond a limit (after a restart, a hedge fill or a lowered limit), as long as it does
not overshoot to the other side beyond it. The total notional sums, over the
instruments, the larger of each one's long and short worst cases.

The price band is anchored to the venue's own book (the mid of its best bid and offer),
not to the fair mid the maker quotes around, so that quotes around a bad fair mid are
caught; an order on a book without both sides, or crossed, is refused
(``price_band: ... no two-sided book``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from workbench.core.commands import (
    Amend,
    Cancel,
    Command,
    CommandKind,
    Place,
    RejectCode,
    Rejected,
)
from workbench.core.events import Side
from workbench.execution.risk.band import band_distance_bps, within_band
from workbench.execution.risk.context import RiskContext
from workbench.execution.risk.kill_switch import KillSwitch
from workbench.execution.risk.limits import RiskLimits, loss_breach
from workbench.execution.risk.token_bucket import TokenBucket

_BUY = Side.BUY


class RiskGate:
    """Checks commands against :class:`RiskLimits` and says why it refuses one.

    Parameters
    ----------
    limits : RiskLimits
        The limits.
    kill_switch : KillSwitch, optional
        While tripped, every place and amend is refused with ``"halted: <reason>"``.
    """

    def __init__(self, limits: RiskLimits, kill_switch: KillSwitch | None = None) -> None:
        self.limits = limits
        self.kill_switch = kill_switch
        self._buckets: dict[str, TokenBucket] = {}

    def bucket(self, venue: str) -> TokenBucket:
        """The order rate bucket of ``venue`` (created full on first use)."""
        bucket = self._buckets.get(venue)
        if bucket is None:
            bucket = self._buckets[venue] = TokenBucket(self.limits.orders_per_s,
                                                        self.limits.order_burst)
        return bucket

    def screen(self, commands: Iterable[Command],
               ctx: RiskContext) -> tuple[list[Command], list[Rejected]]:
        """Split ``commands`` into those that pass and the rejections of the rest.

        Feed the rejections back to the order manager (``on_report``) so their orders
        leave the pending states.
        """
        passed: list[Command] = []
        rejected: list[Rejected] = []
        for command in commands:
            verdict = self.check(command, ctx)
            if verdict is None:
                passed.append(command)
            else:
                rejected.append(verdict)
        return passed, rejected

    def check(self, command: Command, ctx: RiskContext) -> Rejected | None:
        """None if ``command`` may go to its venue, else the rejection saying why."""
        kind = type(command)
        if kind is Cancel:
            return None
        place = kind is Place
        ks = self.kill_switch
        flatten = place and ks is not None and command.order_id in ks.flatten_ids
        if ks is not None and ks.halted and not flatten:
            return _reject(command, f"halted: {ks.reason}")
        if command.price_ticks <= 0 or command.size_lots <= 0:
            return _reject(command, f"invalid_order: price {command.price_ticks} ticks and "
                                    f"size {command.size_lots} lots must be positive")
        key = (command.venue, command.symbol)
        inst = self.limits.instruments.get(key)
        if inst is None:
            return _reject(command, f"no_limits: {key[0]} {key[1]} has no risk limits")
        orders = ctx.orders
        if place:
            side = command.side
            old_lots = 0
        else:
            order = orders.get(command.order_id)
            if order is None or order.state.terminal:
                return _reject(command, f"invalid_order: amend of order {command.order_id}, "
                                        f"which is not live")
            side = order.side
            old_lots = order.remaining_lots
            if command.size_lots <= order.filled_lots:
                return _reject(command, f"invalid_order: amend to {command.size_lots} lots, "
                                        f"not above the {order.filled_lots} filled")
        if not flatten:
            breach = loss_breach(self.limits, ctx.portfolio)
            if breach is not None:
                return _reject(command, breach)
        if command.size_lots > inst.max_order_lots:
            return _reject(command, f"max_order_size: {command.size_lots} lots exceeds "
                                    f"{inst.max_order_lots}")
        market = ctx.markets.get(key)
        mid = market.fair_mid_ticks if market is not None else math.nan
        if not mid > 0:
            return _reject(command, f"no_fair_mid: {key[0]} {key[1]} has no fair mid")
        ref = market.venue_mid_ticks
        if not ref > 0:
            return _reject(command, f"price_band: {key[0]} {key[1]} has no two-sided book "
                                    f"(bid {market.bid_ticks}, ask {market.ask_ticks} ticks)")
        if not within_band(command.price_ticks, ref, inst.price_band_bps):
            return _reject(command, f"price_band: {command.price_ticks} ticks is "
                                    f"{band_distance_bps(command.price_ticks, ref):.1f} bps "
                                    f"from the venue mid {ref:.2f}, band "
                                    f"{inst.price_band_bps:g} bps")
        buys, sells, n_open = orders.exposure_lots(key, command.order_id)
        if place and n_open + 1 > inst.max_open_orders:
            return _reject(command, f"max_open_orders: {n_open + 1} orders would exceed "
                                    f"{inst.max_open_orders}")
        new_lots = command.size_lots if place else command.size_lots - order.filled_lots
        adds = max(old_lots, new_lots)
        pos = ctx.portfolio.size_lots(key)
        if side is _BUY:
            worst = pos + buys + adds
            other_side, before_side = abs(pos - sells), abs(pos + buys + old_lots)
        else:
            worst = pos - sells - adds
            other_side, before_side = abs(pos + buys), abs(pos - sells - old_lots)
        if abs(worst) <= before_side:  # works its side's worst case down: no limit to add to
            return self._rate(command, flatten)
        if abs(worst) > inst.max_position_lots:
            return _reject(command, f"max_position: {abs(worst)} lots "
                                    f"{'long' if worst > 0 else 'short'} would exceed "
                                    f"{inst.max_position_lots}")
        per_lot = market.quote_per_lot
        notional = abs(worst) * per_lot
        if notional > inst.max_notional_quote:
            return _reject(command, f"max_notional: {notional:.2f} quote would exceed "
                                    f"{inst.max_notional_quote:.2f}")
        verdict = self._total_notional(command, ctx, key, max(abs(worst), other_side) * per_lot)
        if verdict is not None:
            return verdict
        return self._rate(command, flatten)

    def _rate(self, command: Place | Amend, flatten: bool) -> Rejected | None:
        """The rate limit, checked last so that refused commands spend no token."""
        bucket = self.bucket(command.venue)
        if bucket.try_take(command.ts_ns):
            return None
        return _reject(command, f"rate_limit: {command.venue} allows "
                                f"{self.limits.orders_per_s:g}/s, burst "
                                f"{self.limits.order_burst}; next token in "
                                f"{bucket.wait_ns(command.ts_ns)} ns", transient=True)

    def _total_notional(self, command: Place | Amend, ctx: RiskContext,
                        key: tuple[str, str], total: float) -> Rejected | None:
        orders, portfolio = ctx.orders, ctx.portfolio
        for other, market in ctx.markets.items():
            if other == key:
                continue
            buys, sells, _ = orders.exposure_lots(other)
            pos = portfolio.size_lots(other)
            lots = max(abs(pos + buys), abs(pos - sells))
            if not lots:
                continue
            if not market.quote_per_lot > 0:
                return _reject(command, f"no_fair_mid: total notional needs a fair mid for "
                                        f"{other[0]} {other[1]}")
            total += lots * market.quote_per_lot
        limit = self.limits.max_total_notional_quote
        if total > limit:
            return _reject(command, f"max_total_notional: {total:.2f} quote would exceed "
                                    f"{limit:.2f}")
        return None

    def pull_reasons(self, ctx: RiskContext) -> dict[tuple[str, str], tuple[str, ...]]:
        """Instruments whose quotes the engine must pull now, each with why.

        Reasons: ``halted`` (kill switch tripped), ``unsynced`` (the book is out of sync
        with the venue), ``stale`` (no book update for ``stale_after_ns``, or none yet),
        ``crossed`` (best bid at or above best ask), ``no_fair_mid``.
        """
        out: dict[tuple[str, str], tuple[str, ...]] = {}
        for key in ctx.markets:
            reasons = self.pull_reasons_for(ctx, key)
            if reasons:
                out[key] = reasons
        return out

    def pull_reasons_for(self, ctx: RiskContext, key: tuple[str, str]) -> tuple[str, ...]:
        """Why the quotes on ``key`` must be pulled now (see :meth:`pull_reasons`); empty
        when they need not be."""
        market = ctx.markets[key]
        ks = self.kill_switch
        now, last = ctx.now_ns, market.last_update_ns
        bid, ask = market.bid_ticks, market.ask_ticks
        stale_after = self.limits.stale_after_ns
        if ((ks is None or not ks.halted) and market.synced and 0 <= last
                and now - last <= stale_after and not (0 < ask <= bid)
                and market.fair_mid_ticks > 0):
            return ()  # the usual answer, without building it reason by reason
        reasons = []
        if ks is not None and ks.halted:
            reasons.append(f"halted: {ks.reason}")
        if not market.synced:
            reasons.append("unsynced: the book is out of sync with the venue")
        if last < 0:
            reasons.append("stale: no book update yet")
        elif now - last > stale_after:
            reasons.append(f"stale: no book update for {now - last} ns > {stale_after} ns")
        if bid > 0 and ask > 0 and bid >= ask:
            reasons.append(f"crossed: bid {bid} >= ask {ask} ticks")
        if not market.fair_mid_ticks > 0:
            reasons.append("no_fair_mid: no fair mid")
        return tuple(reasons)


def _reject(command: Place | Amend, reason: str, transient: bool = False) -> Rejected:
    kind = CommandKind.PLACE if type(command) is Place else CommandKind.AMEND
    return Rejected(command.order_id, kind, reason, command.ts_ns, transient, RejectCode.RISK)
