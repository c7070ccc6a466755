"""Kill switch: nothing left working, nothing new until rearmed, positions flattened in band."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.book.l2 import L2Book
from workbench.core import Side, TimeInForce
from workbench.execution.orders import OrderManagerConfig
from workbench.execution.risk import InstrumentLimits, RiskLimits
from workbench.strategies.types import TargetQuotes

from ..orders.model_venue import INST, Harness, drive

MS = 1_000_000
LIMITS = RiskLimits({INST.key: InstrumentLimits(20, 1e9, 5, 50.0, 10)},
                    max_total_notional_quote=1e9, max_loss_quote=1e9, max_drawdown_quote=1e9,
                    orders_per_s=1000.0, order_burst=50, stale_after_ns=10**15,
                    flatten_interval_ns=100 * MS)
CONFIG = OrderManagerConfig(ack_timeout_ns=50 * MS, unknown_retry_ns=100 * MS,
                            unknown_timeout_ns=500 * MS)
LADDER = TargetQuotes(((999, 2), (998, 2)), ((1001, 2), (1002, 2)), None, ())


def answer_all(h: Harness) -> None:
    while h.venue.inbox:
        h.venue.process("done", h.now_ns)
    h.deliver()


def test_trip_cancels_everything_and_blocks_until_rearmed():
    h = Harness(LIMITS, CONFIG)
    h.requote(LADDER)
    answer_all(h)
    h.venue.fill(0, 2, h.now_ns)  # the best bid fills: long 2
    answer_all(h)
    h.requote(TargetQuotes(((999, 2), (998, 2)), ((1001, 2), (1002, 2)), None, ()))
    cancels = h.kill.trip("operator", h.ctx)
    assert len(cancels) == 3 and {c.reason for c in cancels} == {"kill switch: operator"}
    h.send(cancels)
    h.settle()
    assert not h.venue.live and h.orders.open_orders == 0
    h.advance(MS)
    h.requote(LADDER)
    assert [r.reason for r in h.rejections[-4:]] == ["halted: operator"] * 4
    assert not h.venue.inbox
    state = h.kill.state()
    assert state.halted and state.reason == "operator" and state.trips == 1
    h.kill.rearm()
    h.advance(MS)
    h.requote(LADDER)
    assert len(h.venue.inbox) == 4 and not h.kill.state().halted


def test_orders_in_flight_at_the_trip_are_cancelled_once_answered():
    h = Harness(LIMITS, CONFIG)
    h.requote(LADDER)  # four places in flight
    assert h.kill.trip("operator", h.ctx) == []
    answer_all(h)
    h.advance(MS)  # watch() now cancels the four acked orders
    assert len(h.venue.inbox) == 4
    h.settle()
    assert h.orders.open_orders == 0 and not h.venue.live


def test_flatten_sells_in_pieces_at_the_band_edge_after_the_cancels_at_a_rate():
    h = Harness(LIMITS, CONFIG)
    h.requote(TargetQuotes(((999, 4), (998, 3)), ((1001, 1),), None, ()))
    answer_all(h)
    h.venue.fill(0, 4, h.now_ns)
    h.venue.fill(0, 3, h.now_ns)  # long 7
    answer_all(h)
    commands = h.kill.trip("drawdown", h.ctx, flatten=True)
    assert [type(c).__name__ for c in commands] == ["Cancel"]  # the ask must go first
    h.send(commands)
    answer_all(h)
    h.advance(MS)
    # One IOC of at most 5 lots, selling at 50 bps under the venue's 1,000-tick mid.
    ((_, first),) = h.venue.inbox
    assert (first.side, first.price_ticks, first.size_lots, first.tif) == (
        Side.SELL, 995, 5, TimeInForce.IOC)
    answer_all(h)
    for _ in range(5):  # ended, but within the flatten interval: nothing is sent again
        h.advance(MS)
        assert not h.venue.inbox
    h.advance(LIMITS.flatten_interval_ns)
    ((_, second),) = h.venue.inbox
    assert (second.side, second.price_ticks, second.size_lots) == (Side.SELL, 995, 2)
    assert {first.order_id, second.order_id} == set(h.kill.state().flatten_order_ids)
    h.settle()
    assert h.venue.position_lots == 0 and h.portfolio.size_lots(INST.key) == 0


def test_flatten_is_sized_and_priced_from_the_book():
    book = L2Book(INST.venue, INST.symbol)
    book.set_level(True, 999, 2)
    book.set_level(True, 997, 1)
    book.set_level(True, 990, 50)  # beyond the 50 bps band under the 1,000 mid
    book.set_level(False, 1001, 3)
    h = Harness(LIMITS, CONFIG)
    h.ctx.books = {INST.key: book}
    h.requote(TargetQuotes(((999, 4),), (), None, ()))
    answer_all(h)
    h.venue.fill(0, 4, h.now_ns)
    answer_all(h)
    (ioc,) = h.kill.trip("manual", h.ctx, flatten=True)
    # 3 lots rest inside the band (2 at 999, 1 at 997): it sells those, down to 997.
    assert (ioc.side, ioc.price_ticks, ioc.size_lots) == (Side.SELL, 997, 3)
    book.set_level(True, 999, 0)
    book.set_level(True, 997, 0)
    h.send([ioc])
    answer_all(h)
    h.advance(LIMITS.flatten_interval_ns + 1)
    assert not h.venue.inbox
    assert h.kill.state().unflattened == (
        "model BTCUSDT: 1 lots, no liquidity within the 50 bps band",)


def test_flatten_orders_pass_a_halted_gate_despite_the_loss():
    h = Harness(RiskLimits({INST.key: InstrumentLimits(20, 1e9, 5, 50.0, 10)}, 1e9, 5.0, 1e9),
                CONFIG)
    h.requote(TargetQuotes(((999, 3),), (), None, ()))
    answer_all(h)
    h.venue.fill(0, 3, h.now_ns)
    answer_all(h)
    h.portfolio.mark(INST.key, 990.0)  # bought at 999: 27 lost, the limit is 5
    h.advance(MS)  # watch() trips on the breach, without flattening by default
    assert h.kill.state().halted and h.kill.state().reason.startswith("max_loss: loss 27.00")
    h.send(h.kill.trip("flatten now", h.ctx, flatten=True))
    (_, ioc), = h.venue.inbox
    assert (ioc.side, ioc.size_lots, ioc.price_ticks) == (Side.SELL, 3, 995)
    h.requote(TargetQuotes(((990, 1),), (), None, ()))
    assert h.rejections[-1].reason.startswith("halted: max_loss")


def test_unflattenable_positions_are_reported():
    h = Harness(LIMITS, CONFIG)
    h.requote(TargetQuotes(((999, 2),), (), None, ()))
    answer_all(h)
    h.venue.fill(0, 2, h.now_ns)
    answer_all(h)
    h.ctx.markets[INST.key].set_fair_mid(float("nan"))
    assert h.kill.trip("no data", h.ctx, flatten=True) == []
    assert h.kill.state().unflattened == ("model BTCUSDT: 2 lots, no fair mid",)


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.booleans(), st.booleans())
def test_after_any_history_a_trip_leaves_nothing_working_and_blocks_new_orders(
        data, flatten, amend):
    config = OrderManagerConfig(ack_timeout_ns=50 * MS, unknown_retry_ns=100 * MS,
                                unknown_timeout_ns=500 * MS, amend_supported=amend)
    h = Harness(LIMITS, config)
    drive(h, data, 40, lambda h: None)
    h.send(h.kill.trip("test", h.ctx, flatten=flatten))
    h.settle()
    assert h.orders.open_orders == 0 and not h.venue.live
    if flatten:
        assert h.venue.position_lots == 0
    assert h.portfolio.size_lots(INST.key) == h.venue.position_lots
    rejected = len(h.rejections)
    h.advance(MS)
    h.requote(LADDER)
    assert not h.venue.inbox
    assert {r.reason for r in h.rejections[rejected:]} == {"halted: test"}
    h.kill.rearm()
    h.advance(MS)
    h.requote(LADDER)
    assert h.venue.inbox  # trading again
