"""Random targets, fills, acks, rejects and trips never take a position past its limits."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.execution.orders import OrderManagerConfig
from workbench.execution.risk import InstrumentLimits, RiskLimits

from ..orders.model_venue import INST, Harness, drive

MS = 1_000_000
QUOTE_PER_LOT = 1000.0  # fair mid 1,000 ticks of 1, lots of 1


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.integers(3, 12), st.integers(3, 12), st.integers(3, 12), st.booleans(),
       st.integers(0, 2))
def test_positions_and_notionals_stay_within_limits(data, max_lots, notional_lots, total_lots,
                                                     amend, tolerance):
    limits = RiskLimits(
        {INST.key: InstrumentLimits(max_lots, notional_lots * QUOTE_PER_LOT, 6, 100.0, 5)},
        max_total_notional_quote=total_lots * QUOTE_PER_LOT, max_loss_quote=1e9,
        max_drawdown_quote=1e9, orders_per_s=500.0, order_burst=8, stale_after_ns=10**15)
    config = OrderManagerConfig(ack_timeout_ns=50 * MS, unknown_retry_ns=100 * MS,
                                unknown_timeout_ns=500 * MS, amend_supported=amend,
                                tolerance_ticks=tolerance)
    h = Harness(limits, config)
    cap = min(max_lots, notional_lots, total_lots)

    def within_limits(h: Harness) -> None:
        # The venue's truth, whatever the manager has heard so far.
        assert abs(h.venue.position_lots) <= cap
        # The manager's own worst case: position plus everything that may still fill.
        buys, sells, _ = h.orders.exposure_lots(INST.key)
        pos = h.portfolio.size_lots(INST.key)
        assert pos + buys <= cap and pos - sells >= -cap

    drive(h, data, 60, within_limits, kill_switch=True)
    # Amends are sized in totals, so an amend of a part-filled order may exceed the
    # maximum order size that its remaining size respects.
    reasons = {r.reason.split(":")[0] for r in h.rejections}
    assert reasons <= {"halted", "max_position", "max_notional", "max_total_notional",
                       "max_open_orders", "price_band", "rate_limit", "max_order_size"}
