"""Random target streams against a venue that loses, refuses, delays and repeats reports."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.execution.orders import OrderManager, OrderManagerConfig, OrderState
from workbench.execution.risk import InstrumentLimits, RiskLimits

from .model_venue import INST, OUTCOMES, Harness, drive, targets_strategy

MS = 1_000_000
LOOSE = RiskLimits({INST.key: InstrumentLimits(40, 1e9, 6, 200.0, 12)},
                   max_total_notional_quote=1e9, max_loss_quote=1e9, max_drawdown_quote=1e9,
                   orders_per_s=1000.0, order_burst=20, stale_after_ns=10**15)


def quiesce(h: Harness) -> None:
    """Answer every command and let timeouts clear whatever was lost."""
    cfg = h.orders.config
    for _ in range(50 + cfg.unknown_timeout_ns // cfg.ack_timeout_ns):
        while h.venue.inbox:
            h.venue.process("done", h.now_ns)
        h.deliver()
        if not any(o.in_flight is not None for o in h.orders.live_orders()):
            return
        h.advance(h.orders.config.ack_timeout_ns + 1)
    raise AssertionError(f"commands still in flight: {h.orders.snapshot()} {list(h.venue.inbox)}")


IN_FLIGHT = {OrderState.PENDING_NEW: {"place"}, OrderState.PENDING_CANCEL: {"cancel"},
             OrderState.PENDING_AMEND: {"amend"}, OrderState.WORKING: {""},
             OrderState.UNKNOWN: {"", "cancel"}}


def states_match_commands(h: Harness) -> None:
    # The venue model asserts one unanswered command per order on every submit; here
    # the manager's own view: each state goes with the command it waits for.
    for order in h.orders.live_orders():
        assert order.view().in_flight in IN_FLIGHT[order.state]


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.booleans(), st.integers(0, 2), st.sampled_from([0, 2 * MS]))
def test_random_streams_keep_one_command_in_flight_and_end_in_agreement(
        data, amend, tolerance, min_age):
    config = OrderManagerConfig(tolerance_ticks=tolerance, min_age_ns=min_age,
                                amend_supported=amend, ack_timeout_ns=50 * MS,
                                unknown_retry_ns=100 * MS, unknown_timeout_ns=500 * MS)
    h = Harness(LOOSE, config)
    drive(h, data, 60, states_match_commands)
    quiesce(h)
    # Once everything is answered the manager agrees with the venue's truth.
    assert h.portfolio.size_lots(INST.key) == h.venue.position_lots
    live = {o.order_id: o for o in h.orders.live_orders()}
    assert set(h.venue.live) <= set(live)
    for oid, order in live.items():
        if order.state is OrderState.WORKING:
            truth = h.venue.live[oid]
            assert (order.price_ticks, order.size_lots, order.filled_lots) == (
                truth.price_ticks, truth.size_lots, truth.filled_lots)


class _Unremembering(OrderManager):
    """Works every reconcile out afresh, to hold the remembering one to."""

    def reconcile(self, instrument, targets, now_ns):
        self._settled = None
        return super().reconcile(instrument, targets, now_ns)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.booleans(), st.sampled_from([0, 2 * MS]))
def test_a_remembered_reconcile_answers_as_a_fresh_one(data, amend, min_age):
    """Same targets asked again, with reports, fills, timeouts and time in between."""
    config = OrderManagerConfig(min_age_ns=min_age, amend_supported=amend,
                                ack_timeout_ns=50 * MS, unknown_retry_ns=100 * MS,
                                unknown_timeout_ns=500 * MS)
    h = Harness(LOOSE, config)
    targets = targets_strategy()
    current = data.draw(targets)
    answered = 0
    for _ in range(80):
        action = data.draw(st.sampled_from(
            ("same", "same", "same", "new", "process", "fill", "deliver", "advance")))
        if action in ("same", "new"):
            if action == "new":
                current = data.draw(targets)
            fresh = copy.deepcopy(h.orders)
            fresh.__class__ = _Unremembering
            expected = fresh.reconcile(INST, current, h.now_ns)
            settled = h.orders._settled
            answered += settled is not None and settled[::2] == (h.orders._version, current)
            got = h.orders.reconcile(INST, current, h.now_ns)
            assert got == expected
            h.send(got)
        elif action == "process" and h.venue.inbox:
            h.venue.process(data.draw(st.sampled_from(OUTCOMES)), h.now_ns)
        elif action == "fill":
            h.venue.fill(data.draw(st.integers(0, 9)), data.draw(st.integers(1, 6)), h.now_ns)
        elif action == "deliver":
            h.deliver(data.draw(st.integers(1, 4)))
        elif action == "advance":
            h.advance(data.draw(st.sampled_from([MS, 25 * MS, 51 * MS])))
    assert answered  # the remembered answer was given, not only computed
