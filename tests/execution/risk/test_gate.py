"""Risk gate: every limit, with the figures in its rejection worked out by hand."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.core import (
    Accepted,
    Amend,
    Cancel,
    CommandKind,
    Filled,
    Instrument,
    InstrumentKind,
    Liquidity,
    Place,
    Side,
    TimeInForce,
    ValidationError,
)
from workbench.execution.orders import OrderManager
from workbench.execution.position import Portfolio
from workbench.execution.risk import (
    InstrumentLimits,
    KillSwitch,
    RiskContext,
    RiskGate,
    RiskLimits,
    band_edge_ticks,
    within_band,
)

from ..orders.model_venue import INST

# A second instrument at 2,000 ticks of 1 and lots of 1: 2,000 quote a lot.
ETH = Instrument("model", "ETHUSDT", InstrumentKind.LINEAR_PERP, "ETH", "USDT", Decimal(1),
                 Decimal(1))
LIMITS = RiskLimits(
    {INST.key: InstrumentLimits(max_position_lots=10, max_notional_quote=8000.0,
                                max_order_lots=5, price_band_bps=50.0, max_open_orders=3),
     ETH.key: InstrumentLimits(10, 1e9, 5, 50.0, 3)},
    max_total_notional_quote=12_000.0, max_loss_quote=100.0, max_drawdown_quote=50.0,
    orders_per_s=10.0, order_burst=2, stale_after_ns=1_000)


class Desk:
    """Order manager, portfolio, context, kill switch and gate around two instruments."""

    def __init__(self, limits: RiskLimits = LIMITS) -> None:
        self.orders = OrderManager()
        self.portfolio = Portfolio([INST, ETH])
        self.ctx = RiskContext(self.orders, self.portfolio, [INST, ETH])
        self.kill = KillSwitch(self.orders, limits)
        self.gate = RiskGate(limits, self.kill)
        self.ctx.markets[INST.key].set_fair_mid(1000.0)  # 1,000 quote a lot
        self.ctx.markets[ETH.key].set_fair_mid(2000.0)
        self.ctx.markets[INST.key].on_book(999, 1001, 0)  # the venue's own mid: 1,000
        self.ctx.markets[ETH.key].on_book(1999, 2001, 0)
        self.now_ns = 0

    def place(self, side=Side.BUY, price=999, size=1, inst=INST, ts=None):
        """Register and check a place; (command, rejection reason or None).

        Without ``ts`` each place comes 100 ms after the previous one: one token each.
        """
        self.now_ns = ts if ts is not None else self.now_ns + 100_000_000
        ts = self.now_ns
        command = self.orders.place(inst.venue, inst.symbol, side, price, size,
                                    TimeInForce.POST_ONLY, ts)
        verdict = self.gate.check(command, self.ctx)
        if verdict is None:
            self.orders.on_report(Accepted(command.order_id, ts))
            return command, None
        self.orders.on_report(verdict)
        return command, verdict.reason

    def fill(self, side, price, lots, inst=INST):
        self.portfolio.on_fill(Filled(0, 0, inst.venue, inst.symbol, side, price, lots, 0,
                                      Liquidity.MAKER, 0.0, 0))


def test_cancels_always_pass():
    desk = Desk()
    desk.kill.trip("manual", desk.ctx)
    desk.fill(Side.BUY, 1000, 1)
    desk.portfolio.mark(INST.key, 500.0)  # far beyond the loss limit
    assert desk.gate.check(Cancel(1, INST.venue, INST.symbol, 0), desk.ctx) is None


def test_halted_invalid_and_unlisted_instruments():
    desk = Desk()
    desk.kill.trip("manual stop", desk.ctx)
    assert desk.place()[1] == "halted: manual stop"
    desk.kill.rearm()
    assert desk.place()[1] is None
    assert desk.place(size=0)[1].startswith("invalid_order: price 999 ticks and size 0 lots")
    other = Place(99, "elsewhere", "XYZ", Side.BUY, 10, 1, TimeInForce.GTC, 0)
    assert desk.gate.check(other, desk.ctx).reason == "no_limits: elsewhere XYZ has no risk limits"


def test_max_loss_and_drawdown():
    desk = Desk()
    desk.fill(Side.BUY, 1000, 1)
    desk.portfolio.mark(INST.key, 850.0)  # equity -150
    assert desk.place(Side.SELL, 1001)[1] == "max_loss: loss 150.00 exceeds 100.00 quote"
    desk = Desk()
    desk.fill(Side.BUY, 1000, 1)
    desk.portfolio.mark(INST.key, 1100.0)  # equity +100: the high-water mark
    desk.portfolio.mark(INST.key, 1040.0)  # +40: 60 below it
    assert desk.place()[1] == "max_drawdown: drawdown 60.00 exceeds 50.00 quote"


def test_order_size_fair_mid_and_price_band():
    desk = Desk()
    assert desk.place(size=6)[1] == "max_order_size: 6 lots exceeds 5"
    # 50 bps of 1,000 ticks is 5 ticks: both edges are inside the band.
    assert desk.place(Side.BUY, 995)[1] is None
    assert desk.place(Side.SELL, 1005)[1] is None
    assert desk.place(Side.SELL, 1006)[1] == (
        "price_band: 1006 ticks is 60.0 bps from the venue mid 1000.00, band 50 bps")
    assert desk.place(Side.BUY, 994, inst=INST)[1].startswith("price_band: 994 ticks is 60.0")
    desk.ctx.markets[INST.key].set_fair_mid(math.nan)
    assert desk.place()[1] == "no_fair_mid: model BTCUSDT has no fair mid"


def test_price_band_is_anchored_to_the_venue_book_not_the_fair_mid():
    desk = Desk()
    market = desk.ctx.markets[INST.key]
    # A bad fair mid 100 bps above the venue: a quote around it is caught.
    market.set_fair_mid(1010.0)
    assert desk.place(Side.SELL, 1011)[1].startswith(
        "price_band: 1011 ticks is 110.0 bps from the venue mid 1000.00")
    assert desk.place(Side.BUY, 1001)[1] is None  # near the venue's book: it passes
    # The venue mid moves with its book; a one-sided or crossed book anchors nothing.
    market.on_book(1019, 1021, 1)
    assert desk.place(Side.SELL, 1021)[1] is None
    for bid, ask in ((0, 1001), (999, 0), (1002, 1001)):
        market.on_book(bid, ask, 2)
        assert desk.place(Side.BUY, 999)[1] == (
            f"price_band: model BTCUSDT has no two-sided book (bid {bid}, ask {ask} ticks)")


def test_band_helpers_agree_with_the_gate():
    assert within_band(1005, 1000.0, 50.0) and not within_band(1006, 1000.0, 50.0)
    assert within_band(995, 1000.0, 50.0) and not within_band(994, 1000.0, 50.0)
    # At a mid of 1000.5 the band is +-5.0025 ticks: 995.4975 .. 1005.5025.
    assert band_edge_ticks(Side.BUY, 1000.5, 50.0) == 1005
    assert band_edge_ticks(Side.SELL, 1000.5, 50.0) == 996


def test_open_orders_position_and_notional():
    desk = Desk()
    assert desk.place(Side.BUY, 999, 4)[1] is None
    assert desk.place(Side.BUY, 998, 4)[1] is None
    # Working buys 8 + 3 = 11 lots long in the worst case.
    assert desk.place(Side.BUY, 997, 3)[1] == "max_position: 11 lots long would exceed 10"
    # Sells do not add to the long side: 5 short at worst.
    assert desk.place(Side.SELL, 1001, 5)[1] is None
    assert desk.place(Side.SELL, 1002, 1)[1] == "max_open_orders: 4 orders would exceed 3"
    desk = Desk()
    desk.fill(Side.SELL, 1000, 6)  # short 6
    assert desk.place(Side.SELL, 1001, 5)[1] == "max_position: 11 lots short would exceed 10"
    # Buying 5 back leaves 1 short at worst; the position limit is about the worst case.
    assert desk.place(Side.BUY, 999, 5)[1] is None
    desk = Desk()
    desk.fill(Side.BUY, 1000, 5)
    # 5 + 4 = 9 lots at 1,000 a lot: 9,000 > 8,000, although 9 lots < 10.
    assert desk.place(Side.BUY, 999, 4)[1] == "max_notional: 9000.00 quote would exceed 8000.00"


def test_orders_that_work_a_position_down_pass_beyond_the_limits():
    desk = Desk()
    desk.fill(Side.BUY, 1000, 14)  # 14 lots long: beyond 10 lots and 8,000 quote
    assert desk.place(Side.BUY, 999, 1)[1] == "max_position: 15 lots long would exceed 10"
    assert desk.place(Side.SELL, 1001, 5)[1] is None  # the worst case goes 14 -> 9 long
    assert desk.place(Side.SELL, 1001, 5)[1] is None  # 9 -> 4
    assert desk.place(Side.SELL, 1001, 5)[1] is None  # 4 -> 1 short: still nearer zero
    # An order that overshoots to the other side is held to the limits there.
    wide = RiskLimits({INST.key: InstrumentLimits(10, 1e9, 50, 50.0, 3)},
                      max_total_notional_quote=1e9, max_loss_quote=1e9,
                      max_drawdown_quote=1e9)
    desk = Desk(wide)
    desk.fill(Side.BUY, 1000, 14)
    assert desk.place(Side.SELL, 1001, 30)[1] == "max_position: 16 lots short would exceed 10"
    assert desk.place(Side.SELL, 1001, 24)[1] is None  # 14 -> 10 short: nearer zero


def test_total_notional_counts_every_instrument():
    desk = Desk()
    assert desk.place(Side.BUY, 1999, 3, inst=ETH)[1] is None  # 3 ETH lots: 6,000
    assert desk.place(Side.BUY, 999, 4)[1] is None  # 4,000: 10,000 in all
    assert desk.place(Side.SELL, 1001, 5)[1] is None  # the short side is 5,000 only
    assert desk.place(Side.BUY, 998, 3)[1] == (
        "max_total_notional: 13000.00 quote would exceed 12000.00")


def test_rate_limit_is_transient_and_refused_commands_spend_no_token():
    desk = Desk()
    assert desk.place(size=9, ts=0)[1].startswith("max_order_size")
    assert desk.place(ts=0)[1] is None and desk.place(Side.SELL, 1001, ts=0)[1] is None
    command = desk.orders.place(INST.venue, INST.symbol, Side.SELL, 1002, 1,
                                TimeInForce.POST_ONLY, 50_000_000)
    verdict = desk.gate.check(command, desk.ctx)
    assert verdict.transient and verdict.command is CommandKind.PLACE
    assert verdict.reason == ("rate_limit: model allows 10/s, burst 2; next token in "
                              "50000000 ns")
    desk.orders.on_report(verdict)
    assert desk.place(Side.SELL, 1002, ts=100_000_000)[1] is None


def test_amends_are_checked_on_their_worst_case():
    desk = Desk(RiskLimits({INST.key: InstrumentLimits(10, 1e9, 5, 50.0, 3)}, 1e9, 100.0, 50.0))
    desk.fill(Side.BUY, 1000, 2)
    small, _ = desk.place(Side.BUY, 999, 3)
    desk.place(Side.BUY, 998, 5)  # 2 + 3 + 5 = 10 long at worst

    def amend(order_id, size):
        command = Amend(order_id, INST.venue, INST.symbol, 999, size, desk.now_ns)
        verdict = desk.gate.check(command, desk.ctx)
        return verdict.reason if verdict else None

    assert amend(small.order_id, 2) is None  # smaller: the old 3 is still the worst case
    assert amend(small.order_id, 4) == "max_position: 11 lots long would exceed 10"
    assert amend(small.order_id, 6) == "max_order_size: 6 lots exceeds 5"
    assert amend(77, 1).startswith("invalid_order: amend of order 77, which is not live")
    desk.orders.on_report(Filled(small.order_id, 1, INST.venue, INST.symbol, Side.BUY, 999, 2,
                                 1, Liquidity.MAKER, 0.0, 0))
    assert amend(small.order_id, 2) == "invalid_order: amend to 2 lots, not above the 2 filled"


def test_the_first_limit_broken_in_the_documented_order_is_named():
    desk = Desk()
    desk.kill.trip("stop", desk.ctx)
    first = [desk.place(size=0)[1]]  # halted and invalid
    desk.kill.rearm()
    other = Place(99, "elsewhere", "XYZ", Side.BUY, -1, 1, TimeInForce.GTC, 0)
    first.append(desk.gate.check(other, desk.ctx).reason)  # invalid and unlisted
    first.append(desk.place(Side.BUY, 1100, 9)[1])  # order size and price band
    desk.place(Side.BUY, 999, 4)
    desk.place(Side.BUY, 998, 4)
    desk.place(Side.SELL, 1001, 4)
    first.append(desk.place(Side.BUY, 1100, 5)[1])  # band, open orders, position
    first.append(desk.place(Side.BUY, 997, 5)[1])  # open orders, position, notional
    assert [reason.split(":")[0] for reason in first] == [
        "halted", "invalid_order", "max_order_size", "price_band",
        "max_open_orders"]
    desk = Desk()
    desk.fill(Side.BUY, 1000, 9)
    desk.portfolio.mark(INST.key, 800.0)  # a loss of 1,800, and 9 lots long
    assert desk.place(Side.BUY, 999, 9)[1].startswith("max_loss")  # and order size
    desk = Desk()
    desk.fill(Side.BUY, 1000, 9)
    assert desk.place(Side.BUY, 999, 2)[1].startswith("max_position")  # and notional
    desk = Desk()
    desk.fill(Side.BUY, 2000, 4, inst=ETH)  # 8,000 on ETH
    desk.fill(Side.BUY, 1000, 7)
    assert desk.place(Side.BUY, 999, 2)[1].startswith("max_notional")  # and total
    desk = Desk()
    desk.fill(Side.BUY, 2000, 4, inst=ETH)
    for _ in range(2):
        assert desk.place(Side.SELL, 1001, 1, ts=0)[1] is None  # spend the burst
    assert desk.place(Side.BUY, 999, 5, ts=0)[1].startswith("max_total_notional")  # and rate


def test_pull_reasons():
    desk = Desk()
    ctx, btc, eth = desk.ctx, desk.ctx.markets[INST.key], desk.ctx.markets[ETH.key]
    btc.last_update_ns = eth.last_update_ns = -1  # as before any book update
    ctx.now_ns = 5_000
    assert desk.gate.pull_reasons(ctx) == {
        INST.key: ("stale: no book update yet",), ETH.key: ("stale: no book update yet",)}
    btc.on_book(999, 1001, 4_000)
    eth.on_book(2001, 2000, 3_999)  # crossed, and 1,001 ns old: stale
    eth.set_fair_mid(math.nan)
    assert desk.gate.pull_reasons(ctx) == {ETH.key: (
        "stale: no book update for 1001 ns > 1000 ns", "crossed: bid 2001 >= ask 2000 ticks",
        "no_fair_mid: no fair mid")}
    desk.kill.trip("manual", ctx)
    assert desk.gate.pull_reasons(ctx)[INST.key] == ("halted: manual",)


def test_limits_are_validated():
    with pytest.raises(ValidationError):
        InstrumentLimits(0, 1.0, 1, 1.0, 1)
    with pytest.raises(ValidationError):
        InstrumentLimits(1, float("inf"), 1, 1.0, 1)
    with pytest.raises(ValidationError):
        RiskLimits({}, 1.0, 1.0, -1.0)
    with pytest.raises(ValidationError):
        RiskLimits({"BTC": InstrumentLimits(1, 1.0, 1, 1.0, 1)}, 1.0, 1.0, 1.0)
    with pytest.raises(ValidationError):
        RiskLimits({}, 1.0, 1.0, 1.0, order_burst=0)
    with pytest.raises(TypeError):
        LIMITS.instruments[INST.key] = None  # read only


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.integers(-1, 6_000), st.integers(-1, 1002), st.integers(-1, 1002),
       st.sampled_from([1000.0, 0.0, -5.0, math.nan]), st.booleans())
def test_pull_reasons_for_one_market_is_empty_exactly_when_nothing_is_wrong(
        updated_ns, bid, ask, fair_mid, halted):
    desk = Desk()
    ctx, market = desk.ctx, desk.ctx.markets[INST.key]
    ctx.now_ns = 5_000
    if updated_ns >= 0:
        market.on_book(bid, ask, updated_ns)
    market.set_fair_mid(fair_mid)
    if halted:
        desk.kill.trip("manual", ctx)
    fine = (not halted and 0 <= updated_ns and 5_000 - updated_ns <= 1_000
            and not (updated_ns >= 0 and 0 < ask <= bid) and fair_mid > 0)
    reasons = desk.gate.pull_reasons_for(ctx, INST.key)
    assert (reasons == ()) == fine
    assert desk.gate.pull_reasons(ctx).get(INST.key, ()) == reasons
