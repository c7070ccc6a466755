"""``engine_check`` runs a sweep's point on the Python engine: same fills on the sample,
and a clear refusal of settings only one path has."""

from __future__ import annotations

import dataclasses

import pytest

from workbench.core.errors import ValidationError
from workbench.data.binance.feed import read_raw_feed
from workbench.engine.fast import FastParams, engine_check

KEY = ("binance-usdm", "BTCUSDT")
BASE = FastParams(sigma_per_sqrt_s=1.25e-4, vol_mode="constant", skew_mode="capped",
                  max_long_lots=5, max_short_lots=5, entry_latency_ns=5_000_000,
                  response_latency_ns=5_000_000, maker_fee_bps=2.0, taker_fee_bps=5.0,
                  k_per_price=0.3)


@pytest.fixture(scope="module")
def table(sample_files):
    usdm = [p for p in sample_files if "usdm" in str(p)]
    return read_raw_feed(usdm, workers=1).streams[KEY]


def test_both_paths_make_the_same_fills_and_figures(table):
    check = engine_check(table, BASE)
    assert len(check.engine_fills) > 20
    assert check.fills_equal
    f = check.figures
    assert f.loc["fills", "fast"] == f.loc["fills", "engine"] == len(check.fast_fills)
    assert f.loc["pnl", "fast"] == pytest.approx(f.loc["pnl", "engine"], rel=1e-9)


@pytest.mark.parametrize("change", [dict(vol_mode="ewma"), dict(skew_mode="linear"),
                                    dict(model="as"), dict(strategy="both"),
                                    dict(post_only=False)])
def test_settings_outside_the_shared_rules_are_refused(table, change):
    with pytest.raises(ValidationError, match="engine check"):
        engine_check(table, dataclasses.replace(BASE, **change))
