"""The sweep spread over a Dask cluster gives the local run's table."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.calibration import risk_summary
from workbench.engine.fast import SYNTHETIC_INSTRUMENT, FastParams, sweep, synthetic_events

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_dask_sweep_equals_the_local_sweep(client):
    events = synthetic_events(30_000, seed=5)
    base = FastParams(gamma=0.2, k_per_price=20.0, a_per_s=1.0, sigma_per_sqrt_s=2e-5,
                      levels=3, size_lots=3, max_long_lots=12, max_short_lots=12,
                      maker_fee_bps=-0.5, taker_fee_bps=5.0, post_only=False)
    grid = {"gamma": [0.1, 0.3, 1.0], "spacing_ticks": [1, 2]}
    local = sweep(events, SYNTHETIC_INSTRUMENT, base, grid, summarise=risk_summary)
    spread = sweep(events, SYNTHETIC_INSTRUMENT, base, grid, client=client,
                   summarise=risk_summary)
    pd.testing.assert_frame_equal(local, spread)
    assert local["n_fills"].nunique() > 1          # the settings do differ
    assert len(client.scheduler_info()["workers"]) == 2
