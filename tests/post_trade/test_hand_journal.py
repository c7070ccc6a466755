"""A small journal whose every markout, attribution term and activity figure is worked out
by hand, read back through the public entry point."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

import workbench
from workbench.analytics.post_trade import MarketTape
from workbench.core.commands import (
    Accepted,
    Cancel,
    Canceled,
    Filled,
    Place,
    TimeInForce,
)
from workbench.core.events import Side
from workbench.core.orders import Liquidity
from workbench.data.binance.instruments import binance_instrument
from workbench.execution.journal import SessionEvent, SessionMarker, SqliteJournal

S = 1_000_000_000
LIN = ("binance-usdm", "BTCUSDT")  # tick 0.1, lot 0.001 BTC
INV = ("binance-coinm", "BTCUSD_PERP")  # tick 0.1, 100 USD contracts
FEE_INV = 2.0 ** -21  # coin, exact in binary


def _tape() -> MarketTape:
    ts = np.array([0, 1, 2, 6, 70], dtype=np.int64) * S
    return MarketTape(
        quote=LIN, ts_ns=ts,
        fair_mid=np.array([100.0, 100.5, 101.0, 99.0, 98.0]),
        toxicity_bid=np.array([0.1, 0.6, 0.8, 0.95, 0.2]),
        toxicity_ask=np.full(5, 0.3),
        mids={LIN: (ts, np.array([100.25, 100.75, 101.25, 99.25, 98.25])),
              INV: (ts, np.array([200.5, 201.5, 201.5, 197.5, 196.5]))})


def _place(oid, key, side, ticks, lots, t, reason="quote", tif=TimeInForce.GTC):
    return Place(oid, *key, side, ticks, lots, tif, t, reason)


def _fill(oid, fid, key, side, ticks, lots, fee, t, liq=Liquidity.MAKER):
    return Filled(oid, fid, *key, side, ticks, lots, 0, liq, fee, t)


@pytest.fixture(scope="module")
def journal(tmp_path_factory):
    path = tmp_path_factory.mktemp("pt") / "hand.sqlite"
    buy, sell = Side.BUY, Side.SELL
    records = [
        SessionMarker(SessionEvent.START, "paper", 0),
        _place(1, LIN, buy, 999, 3, S * 4 // 10),
        Accepted(1, S * 45 // 100),
        _fill(1, 101, LIN, buy, 999, 3, 0.01, S // 2),
        _fill(1, 101, LIN, buy, 999, 3, 0.01, S // 2),  # the same fill reported twice
        _place(2, LIN, sell, 1006, 1, S),
        Accepted(2, S * 11 // 10),
        _fill(2, 102, LIN, sell, 1006, 1, -0.001, S * 3 // 2),
        _place(3, INV, buy, 2010, 2, S * 249 // 100, "hedge:band", TimeInForce.IOC),
        _fill(3, 103, INV, buy, 2010, 2, FEE_INV, S * 5 // 2, Liquidity.TAKER),
        _place(5, LIN, sell, 1020, 2, 3 * S),
        Accepted(5, S * 31 // 10),
        Cancel(5, *LIN, 4 * S),
        Canceled(5, S * 405 // 100),
        _place(4, LIN, buy, 990, 1, 64 * S),
        Accepted(4, S * 645 // 10),
        _fill(4, 104, LIN, buy, 990, 1, 0.0, 65 * S),
        SessionMarker(SessionEvent.STOP, "paper", 70 * S),
    ]
    with SqliteJournal(path) as j:
        j.append_many(records)
    return path


@pytest.fixture(scope="module")
def report(journal):
    return workbench.post_trade(journal, _tape(), quote=LIN,
                                instruments=[binance_instrument(*LIN),
                                             binance_instrument(*INV)])


def test_attribution_terms_are_the_hand_computed_rationals(report):
    lot = F(1, 1000)
    # Linear fills (lots, price, fair mid just before): +3 @ 99.9 (100), -1 @ 100.6
    # (100.5), +1 @ 99.0 (99); marked at the last fair mid, 98.
    spread = lot * (3 * (F(100) - F("99.9")) - 1 * (F("100.5") - F("100.6"))
                    + 1 * (F(99) - F(99)))
    inventory = lot * (3 * (98 - F(100)) - 1 * (98 - F("100.5")) + 1 * (98 - F(99)))
    fees_lin = -(F(0.01) + F(-0.001) + F(0.0))
    # Inverse hedge: +2 contracts of 100 USD @ 201.0, marked at its mid 196.5, in USD.
    hedge = 200 * (1 / F(201) - 1 / F("196.5")) * F("196.5")
    fees_inv = -F(FEE_INV) * F("196.5")
    totals = report.attribution(exact=True)
    assert spread == F(4, 10_000) and inventory == F(-45, 10_000)
    assert totals["spread_capture"] == spread
    assert totals["inventory"] == inventory
    assert totals["hedge"] == hedge == F(-900, 201)
    assert totals["fees"] == fees_lin + fees_inv
    assert totals["funding"] == 0
    assert totals["total"] == spread + inventory + hedge + fees_lin + fees_inv
    # ... and the total is what the fills earned at the marks, fill by fill.
    direct = (lot * (3 * (98 - F("99.9")) - (98 - F("100.6")) + (98 - F(99))) + fees_lin
              + 200 * (1 / F(201) - 1 / F("196.5")) * F("196.5") + fees_inv)
    assert totals["total"] == direct


def test_markouts_against_fair_and_venue_mids_by_hand(report):
    m = report.marks
    assert list(m["side"]) == ["buy", "sell", "buy", "buy"]
    bps = lambda side, ref, price: side * (ref - price) / price * 1e4  # noqa: E731
    # Fill 1, buy 99.9 at 0.5 s: fair 100.5 at 1.5 s, 101 at 5.5 s, 99 at 30.5 s / 60.5 s.
    assert m.loc[0, "fair_bps_1s"] == pytest.approx(bps(1, 100.5, 99.9), rel=1e-12)
    assert m.loc[0, "fair_bps_5s"] == pytest.approx(bps(1, 101.0, 99.9), rel=1e-12)
    assert m.loc[0, "fair_bps_30s"] == pytest.approx(bps(1, 99.0, 99.9), rel=1e-12)
    assert m.loc[0, "mid_bps_1s"] == pytest.approx(bps(1, 100.75, 99.9), rel=1e-12)
    assert m.loc[0, "mid_quote_5s"] == pytest.approx(0.003 * (101.25 - 99.9), rel=1e-12)
    # Fill 2, sell 100.6 at 1.5 s: fair 101 at 2.5 s.
    assert m.loc[1, "fair_bps_1s"] == pytest.approx(bps(-1, 101.0, 100.6), rel=1e-12)
    # Fill 3, the inverse hedge at 201.0, 2.5 s: the fair mid in its venue's units is
    # fair(t + h) * mid(t) / fair(t), with mid 201.5 and fair 101 at the fill.
    assert m.loc[2, "fair_bps_5s"] == pytest.approx(bps(1, 99.0 * 201.5 / 101.0, 201.0),
                                                    rel=1e-12)
    assert m.loc[2, "mid_bps_5s"] == pytest.approx(bps(1, 197.5, 201.0), rel=1e-12)
    # Its quote value is the coin PnL 200·(1/201 - 1/r) at r.
    r = 197.5
    assert m.loc[2, "mid_quote_5s"] == pytest.approx(200 * (1 / 201 - 1 / r) * r, rel=1e-12)
    # Fill 4 at 65 s: 30 s and 60 s end after the tape (70 s).
    assert m.loc[3, "fair_bps_1s"] == pytest.approx(bps(1, 99.0, 99.0), abs=1e-12)
    assert np.isnan(m.loc[3, "fair_bps_30s"]) and np.isnan(m.loc[3, "mid_bps_60s"])
    # Toxicity facing the filled side just before the fill.
    assert list(m["toxicity_state"]) == ["quiet", "quiet", "pull", "join"]
    assert list(m["size_bucket"]) == ["3-5", "1", "2", "1"]
    assert list(m["role"]) == ["quoted", "quoted", "hedge", "quoted"]


def test_markout_table_weights_by_notional(report):
    t = report.markout_table(["venue", "side"])
    buys = t.loc[("binance-usdm", "buy")]
    n1, n4 = 0.003 * 99.9, 0.001 * 99.0
    b1 = (100.5 - 99.9) / 99.9 * 1e4
    assert buys["fills"] == 2
    assert buys["bps_1s"] == pytest.approx((b1 * n1 + 0.0 * n4) / (n1 + n4), rel=1e-12)
    assert buys["bps_30s"] == pytest.approx((99.0 - 99.9) / 99.9 * 1e4, rel=1e-12)


def test_activity_by_hand(report):
    a = report.activity.loc[("binance-usdm", "BTCUSDT", "maker")]
    assert (a["placed"], a["accepted"], a["filled"], a["fills"], a["canceled"]) == (
        4, 4, 3, 3, 1)
    assert a["fill_rate"] == pytest.approx(3 / 4)
    assert a["order_to_trade"] == pytest.approx((4 + 1) / 3)
    # Waits from the ack: 0.05 s, 0.4 s, 0.5 s.
    assert a["wait_p50_s"] == pytest.approx(0.4)
    h = report.activity.loc[("binance-coinm", "BTCUSD_PERP", "hedge")]
    assert h["wait_p50_s"] == pytest.approx(0.01)  # never acknowledged: from the place


def test_inventory_and_equity_on_the_grid(report):
    inv = report.inventory
    at = lambda s: inv.loc[int(s * S)]  # noqa: E731
    assert at(1)["binance-usdm BTCUSDT"] == 3
    assert at(2)["binance-usdm BTCUSDT"] == 2
    assert at(65)["binance-usdm BTCUSDT"] == 3
    assert at(3)["binance-coinm BTCUSD_PERP"] == 2
    # The last grid point is marked at the final marks: the exact total, in float.
    assert report.equity.iloc[-1] == pytest.approx(float(report.attribution(True)["total"]),
                                                   rel=1e-12)


def test_funding_is_added_exactly_and_converted_at_the_mark_on_inverse(journal):
    import pandas as pd

    funding = pd.DataFrame({"ts_ns": [10 * S, 20 * S, 30 * S], "venue": [LIN[0], LIN[0], INV[0]],
                            "symbol": [LIN[1], LIN[1], INV[1]],
                            "amount": [0.25, -0.125, 2.0 ** -20]})
    instruments = [binance_instrument(*LIN), binance_instrument(*INV)]
    plain = workbench.post_trade(journal, _tape(), quote=LIN, instruments=instruments)
    funded = workbench.post_trade(journal, _tape(), quote=LIN, instruments=instruments,
                                  funding=funding)
    a, b = plain.attribution(exact=True), funded.attribution(exact=True)
    expected = F(0.25) - F(0.125) + F(2.0 ** -20) * F("196.5")  # coin at the inverse mark
    assert b["funding"] == expected
    assert b["total"] == a["total"] + expected
    assert (b.drop(["funding", "total"]) == a.drop(["funding", "total"])).all()
