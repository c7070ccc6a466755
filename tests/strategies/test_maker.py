"""The maker's quote(): safe no-quotes, no crossing, monotone skew, limits, guard effects.

At BTC's real scale: 70% a year (1.25e-4 per √s, 7.5 USD/√s at 60,000) unless a test
says otherwise, with the calibrated default models.
"""

from __future__ import annotations

import itertools
import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.core import Instrument, InstrumentKind, Side
from workbench.estimators.signals import Signals
from workbench.quoting import ASParams, GLFTParams, InventoryParams, LadderParams, quotes_to_ticks
from workbench.quoting.calibration import gamma_for_limit_skew
from workbench.strategies import (
    GuardParams,
    MakerParams,
    TopOfBook,
    ToxicGuard,
    quote,
)
from workbench.strategies.maker import QuoteCache, _assemble, inventory_units
from workbench.strategies.toxic_guard import GuardAction, stateless_decisions

INST = Instrument(
    "test", "BTCUSDT", InstrumentKind.LINEAR_PERP, "BTC", "USDT", Decimal("0.1"), Decimal("0.001")
)
TOP = TopOfBook(599_995, 5, 600_005, 5)  # 59999.5 / 60000.5
VOL = 1.25e-4  # 70% a year
AS = ASParams()
PARAMS = MakerParams(
    as_params=AS, inventory=InventoryParams(max_long_lots=20, max_short_lots=20, hard_limit_lots=40)
)
# A maker that carries 10 lots at most: its skew is a tenth of the half-spread a lot
GAMMA_10 = gamma_for_limit_skew("as", AS.k_per_price, AS.a_per_s, 60_000.0 * VOL, 10)


def sig(**kw) -> Signals:
    base = dict(ts_ns=1_000, fair_mid=60_000.0, fair_mid_ok=True, vol_per_sqrt_s=VOL, vol_ok=True)
    base.update(kw)
    return Signals(**base)


@pytest.mark.parametrize("vol", [8.9e-5, 1.25e-4, 1.6e-4])  # 50%, 70%, 90% a year
def test_hand_checked_quote(vol):
    # σ = 60000·vol USD/√s; half = ln(1 + γ/k)/γ + γσ²τ/2, about 1.42 USD
    q = quote(sig(vol_per_sqrt_s=vol), TOP, 0, PARAMS, INST)
    g, k, tau = AS.gamma, AS.k_per_price, AS.horizon_s
    half = math.log1p(g / k) / g + 0.5 * g * (60_000.0 * vol) ** 2 * tau
    assert 1.4 < half < 1.45
    assert q.bids[0][0] == math.floor((60_000.0 - half) / 0.1)
    assert q.asks[0][0] == math.ceil((60_000.0 + half) / 0.1)
    assert len(q.bids) == len(q.asks) == 5 and q.taker is None and q.reasons == ()
    # 20 lots lean both quotes by 20·γσ²τ
    lean = 20 * g * (60_000.0 * vol) ** 2 * tau
    long = quote(sig(vol_per_sqrt_s=vol), TOP, 19, PARAMS, INST)
    assert long.asks[0][0] == math.ceil((60_000.0 + half - 19 / 20 * lean) / 0.1)


@pytest.mark.parametrize(
    "signals, top, position, reason",
    [
        (sig(), TopOfBook(None, 0, 600_005, 1), 0, "no bid"),
        (sig(), TopOfBook(599_995, 1, 0, 0), 0, "no ask"),
        (sig(), TopOfBook(600_005, 1, 600_005, 1), 0, "crossed or locked"),
        (sig(fair_mid=math.nan), TOP, 0, "not finite"),
        (sig(vol_per_sqrt_s=math.nan), TOP, 0, "not finite"),
        (sig(vol_per_sqrt_s=0.0), TOP, 0, "not finite"),
        (sig(vol_ok=False), TOP, 0, "not ready"),
        (sig(vol_per_sqrt_s=1e200), TOP, 1, "not finite"),
    ],
)
def test_bad_inputs_give_a_no_quote(signals, top, position, reason):
    q = quote(signals, top, position, PARAMS, INST)
    assert not q.quoting and q.taker is None
    assert reason in q.reasons[0]


def test_beyond_the_hard_limit_only_the_reducing_side_is_quoted():
    long = quote(sig(), TOP, 41, PARAMS, INST)
    assert not long.bids and long.asks
    assert "bid:off:beyond the hard limit, working it down" in long.reasons
    short = quote(sig(), TOP, -41, PARAMS, INST)
    assert short.bids and not short.asks
    assert "ask:off:beyond the hard limit, working it down" in short.reasons


def test_past_horizon_no_quote():
    p = MakerParams(as_params=ASParams(mode="finite"), session_end_ns=500)
    q = quote(sig(ts_ns=1_000), TOP, 0, p, INST)
    assert q.reasons == ("no-quote:horizon already past",)


@settings(max_examples=200, deadline=None)
@given(
    position=st.integers(-45, 45),
    mid=st.floats(59_000, 61_000),
    vol=st.floats(8.9e-5, 1.6e-4),  # 50-90% a year
    bid=st.integers(590_000, 610_000),
    width=st.integers(1, 30),
    tox_b=st.floats(0, 1),
    tox_a=st.floats(0, 1),
    flow=st.floats(-1, 1),
    model=st.sampled_from(["as", "glft"]),
    mode=st.sampled_from(["model", "capped"]),
)
def test_quotes_never_cross_and_respect_limits(
    position, mid, vol, bid, width, tox_b, tox_a, flow, model, mode
):
    p = MakerParams(
        model=model,
        as_params=AS,
        inventory=InventoryParams(
            skew_mode=mode, max_long_lots=20, max_short_lots=20, hard_limit_lots=40
        ),
        ladder=LadderParams(levels=5, size_lots=3),
    )
    top = TopOfBook(bid, 1, bid + width, 1)
    s = sig(
        fair_mid=mid,
        vol_per_sqrt_s=vol,
        toxicity_bid=tox_b,
        toxicity_ask=tox_a,
        ofi=flow,
        trade_imbalance=flow,
        book_imbalance=flow,
    )
    q = quote(s, top, position, p, INST)
    for price, size in q.bids:
        assert 0 < price < top.ask_ticks and size > 0
    for price, size in q.asks:
        assert price > top.bid_ticks and size > 0
    if q.bids and q.asks:
        assert q.bids[0][0] < q.asks[0][0]
    assert position + sum(s for _, s in q.bids) <= max(20, position)
    assert position - sum(s for _, s in q.asks) >= min(-20, position)
    if q.taker is not None:
        after = position + int(q.taker.side) * q.taker.size_lots
        assert q.taker.size_lots > 0
        assert -20 <= after <= 20 or abs(after) < abs(position)  # within limits or reducing
    assert q.reasons or q.quoting


@pytest.mark.parametrize("model", ["as", "glft"])
@pytest.mark.parametrize("mode", ["model", "capped"])
def test_skew_is_monotone_in_inventory(model, mode):
    glft_gamma = gamma_for_limit_skew("glft", AS.k_per_price, AS.a_per_s, 60_000.0 * VOL, 10)
    p = MakerParams(
        model=model,
        as_params=ASParams(gamma=GAMMA_10),
        glft_params=GLFTParams(gamma=glft_gamma),
        inventory=InventoryParams(
            skew_mode=mode,
            dead_band_lots=2,
            max_long_lots=60,
            max_short_lots=60,
            hard_limit_lots=60,
        ),
    )
    wide = TopOfBook(500_000, 1, 700_000, 1)
    bids, asks = [], []
    for pos in range(-50, 51):
        q = quote(sig(), wide, pos, p, INST)
        bids.append(q.bids[0][0])
        asks.append(q.asks[0][0])
    assert all(b1 <= b0 for b0, b1 in itertools.pairwise(bids))
    assert all(a1 <= a0 for a0, a1 in itertools.pairwise(asks))
    assert bids[0] > bids[-1]
    assert bids[48] == bids[50] == bids[51] == bids[52]  # dead band of 2 lots
    assert bids[53] < bids[52] and bids[47] > bids[48]  # a lot beyond it moves a tick


def test_capped_skew_keeps_quotes_around_the_mid():
    p = MakerParams(
        as_params=AS,
        inventory=InventoryParams(
            skew_mode="capped", cap_fraction=0.9, max_long_lots=100, hard_limit_lots=200
        ),
    )
    wide = TopOfBook(500_000, 1, 700_000, 1)
    q = quote(sig(), wide, 99, p, INST)
    assert q.asks[0][0] > 600_000  # the ask never crosses the fair mid


def test_limits_switch_to_one_sided():
    q = quote(sig(), TOP, 20, PARAMS, INST)
    assert q.bids == () and q.asks and "bid:off:long limit" in q.reasons
    q = quote(sig(), TOP, -20, PARAMS, INST)
    assert q.asks == () and q.bids and "ask:off:short limit" in q.reasons
    q = quote(sig(), TOP, 18, PARAMS, INST)
    assert sum(s for _, s in q.bids) == 2


def test_guard_widen_pull_join():
    base = quote(sig(), TOP, 0, PARAMS, INST)
    widened = quote(sig(toxicity_ask=0.6), TOP, 0, PARAMS, INST)
    assert widened.asks[0][0] == base.asks[0][0] + PARAMS.guard.widen_ticks
    assert widened.bids == base.bids and "ask:widen:toxicity" in widened.reasons
    pulled = quote(sig(toxicity_bid=0.8), TOP, 0, PARAMS, INST)
    assert pulled.bids == () and pulled.asks == base.asks
    flow = dict(ofi=0.0, trade_imbalance=-0.9, book_imbalance=0.9)  # buying pressure
    joined = quote(sig(toxicity_ask=0.95, **flow), TOP, 5, PARAMS, INST)
    assert joined.asks == () and joined.taker is not None
    assert joined.taker.side is Side.BUY and joined.taker.price_ticks == TOP.ask_ticks
    assert joined.taker.size_lots == PARAMS.guard.join_max_lots
    at_limit = quote(sig(toxicity_ask=0.95, **flow), TOP, 20, PARAMS, INST)
    assert at_limit.taker is None and "join:skipped:inventory limit" in at_limit.reasons


def test_stateful_guard_drives_the_quote():
    guard = ToxicGuard(GuardParams(cooldown_ns=10))
    q = quote(sig(toxicity_bid=0.8), TOP, 0, PARAMS, INST, guard.update(sig(toxicity_bid=0.8)))
    assert q.bids == ()
    calm = sig(ts_ns=1_005, toxicity_bid=0.0)
    q = quote(calm, TOP, 0, PARAMS, INST, guard.update(calm))
    assert q.bids == () and "bid:pull:cooldown" in q.reasons


def test_bps_spacing():
    p = MakerParams(as_params=AS, ladder=LadderParams(levels=3, spacing_bps=1.0))
    q = quote(sig(), TOP, 0, p, INST)
    assert [b for b, _ in q.bids] == [q.bids[0][0] - 60 * i for i in range(3)]


FINITE_AS = MakerParams(model="as", as_params=ASParams(mode="finite"), session_end_ns=5_000,
                        inventory=PARAMS.inventory)
GLFT = MakerParams(model="glft", inventory=PARAMS.inventory)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.data(), st.sampled_from([PARAMS, FINITE_AS, GLFT]))
def test_quote_cache_answers_as_quote(data, params):
    """Every answer equals quote's; asked again with only what quote does not read
    changed (sizes at the top, imbalances, the time outside a finite horizon), the cache
    gives the very same object, and quote agrees that nothing changed."""
    cache = QuoteCache()
    guard = ToxicGuard(GuardParams(cooldown_ns=10))
    for _ in range(30):
        s = sig(ts_ns=data.draw(st.sampled_from([1_000, 2_000, 6_000])),
                fair_mid=data.draw(st.sampled_from([60_000.0, 60_000.05, math.nan])),
                vol_ok=data.draw(st.sampled_from([True, True, False])),
                toxicity_ask=data.draw(st.sampled_from([0.0, 0.0, 0.6, 0.95])),
                ofi=data.draw(st.sampled_from([0.0, 0.9])),
                trade_imbalance=data.draw(st.sampled_from([0.0, 0.9])),
                book_imbalance=data.draw(st.sampled_from([0.0, 0.9])))
        top = TopOfBook(data.draw(st.sampled_from([599_995, 599_990])),
                        data.draw(st.integers(1, 3)), 600_005, data.draw(st.integers(1, 3)))
        position = data.draw(st.sampled_from([0, 0, 5, 20, 41]))
        decisions = guard.update(s)
        got = cache.quote(s, top, position, params, INST, decisions)
        assert got == quote(s, top, position, params, INST, decisions)
        timed = params.model == "as" and params.as_params.mode == "finite"
        again = s._replace(ts_ns=s.ts_ns if timed else s.ts_ns + 1,
                           book_imbalance=-s.book_imbalance, ofi=0.5)
        top_again = top._replace(bid_lots=top.bid_lots + 1, ask_lots=top.ask_lots + 2)
        assert cache.quote(again, top_again, position, params, INST, decisions) is got
        assert quote(again, top_again, position, params, INST, decisions) == got


def _reference_ladder(top_ticks, direction, levels, spacing, size, room):
    """The ladder's documented shape, built level by level."""
    out = []
    for i in range(levels):
        lots = min(size, room - sum(s for _, s in out))
        price = top_ticks + direction * spacing * i
        if lots > 0 and price > 0:
            out.append((price, lots))
    return tuple(out)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(position=st.integers(-25, 25), centre=st.floats(59_990, 60_010),
       half=st.floats(0.01, 3.0), bid=st.integers(599_950, 600_050), width=st.integers(1, 8),
       tox_b=st.floats(0, 1), tox_a=st.floats(0, 1), flow=st.floats(-1, 1))
def test_assembled_quotes_follow_the_building_blocks(position, centre, half, bid, width,
                                                     tox_b, tox_a, flow):
    """Ticks from quotes_to_ticks after the guard's widening, ladders of the documented
    shape cut at the limits, sides switched off at the limits or by the guard."""
    p = MakerParams(as_params=AS, inventory=InventoryParams(max_long_lots=20, max_short_lots=20,
                                                             hard_limit_lots=40),
                    ladder=LadderParams(levels=5, spacing_ticks=2, size_lots=3))
    top = TopOfBook(bid, 1, bid + width, 1)
    s = sig(toxicity_bid=tox_b, toxicity_ask=tox_a, ofi=flow, trade_imbalance=flow,
            book_imbalance=flow)
    decisions = stateless_decisions(s, p.guard)
    widen = p.guard.widen_ticks * INST.tick_size_float
    bid_price = centre - half - (widen if decisions.bid.action is not GuardAction.KEEP else 0)
    ask_price = centre + half + (widen if decisions.ask.action is not GuardAction.KEEP else 0)
    bid_t, ask_t = quotes_to_ticks(bid_price, ask_price, INST, top.bid_ticks, top.ask_ticks)
    bid_on = position < 20 and decisions.bid.action in (GuardAction.KEEP, GuardAction.WIDEN)
    ask_on = position > -20 and decisions.ask.action in (GuardAction.KEEP, GuardAction.WIDEN)
    got = _assemble(s, top, position, p, INST, decisions, centre, half)
    assert got.bids == (_reference_ladder(bid_t, -1, 5, 2, 3, 20 - position) if bid_on else ())
    assert got.asks == (_reference_ladder(ask_t, 1, 5, 2, 3, 20 + position) if ask_on else ())


COINM = Instrument("test", "BTCUSD_PERP", InstrumentKind.INVERSE_PERP, "BTC", "USD",
                   Decimal("0.1"), Decimal("1"), Decimal("100"))


@pytest.mark.parametrize("mid", [62_500.0, 50_000.0])
def test_inverse_inventory_is_valued_in_coin(mid):
    """Five 100-USD contracts are 0.008 BTC at 62,500 and 0.01 BTC at 50,000: with a unit
    of 0.001 BTC the COIN-M maker leans like the USD-M maker holding 8 or 10 lots."""
    coin = MakerParams(as_params=ASParams(gamma=GAMMA_10), unit_base=0.001)
    lots = MakerParams(as_params=ASParams(gamma=GAMMA_10))
    same = round(5 * 100 / mid / 0.001)
    assert inventory_units(5, coin, COINM, mid) == pytest.approx(same, rel=1e-12)
    assert inventory_units(same, coin, INST, mid) == pytest.approx(same, rel=1e-12)
    assert inventory_units(5, lots, COINM, mid) == 5  # no unit_base: units of unit_lots lots
    top = TopOfBook(round(mid / 0.1) - 5, 1, round(mid / 0.1) + 5, 1)
    s = sig(fair_mid=mid)
    inverse = quote(s, top, 5, coin, COINM)
    linear = quote(s, top, same, lots, INST)
    assert inverse.bids[0][0] == linear.bids[0][0] and inverse.asks[0][0] == linear.asks[0][0]
    assert inverse.asks[0][0] < quote(s, top, 0, coin, COINM).asks[0][0] - 5
