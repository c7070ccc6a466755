"""The live-session notebook runs headless under papermill: a short replay, its summary.

The summary it records is checked against an independent run of the same events through
:func:`workbench.backtest` (same parameters and seed): the notebook's session, with the
dashboard attached, fills exactly as the synchronous replay driver does.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import nbformat
import pytest

from tests.notebooks.run import execute

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "live_session.ipynb"
EVENTS = 25_000
PARAMS = {"max_events": EVENTS, "speed": None, "run_seconds": 30}


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    return execute(NOTEBOOK, tmp_path_factory.mktemp("nb") / "out.ipynb", PARAMS)


def test_notebook_is_a_thin_client_with_a_parameters_cell():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for name in ("mode", "data", "venue", "symbol", "strategy", "params_file"):
        assert f"\n{name} = " in "\n" + tagged[0].source
    imports = [line for c in nb.cells if c.cell_type == "code"
               for line in c.source.splitlines() if line.startswith(("import ", "from "))]
    assert all(line.split()[1].split(".")[0] in ("asyncio", "json", "math", "workbench",
                                                 "widgets") for line in imports)
    assert not any("workbench." in line for line in imports)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_headless_run_records_the_backtests_figures(executed, sample_files):
    cell = next(c for c in executed.cells if "summary" in c.metadata.get("tags", []))
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    got = json.loads(text.strip().splitlines()[-1])
    import workbench
    from workbench.data.binance.feed import group_streams, replay_streams
    from workbench.data.binance.instruments import binance_instrument
    from workbench.engine.demo import DEMO_FEES, DEMO_MAKER, DEMO_ORDERS
    from workbench.execution.sim import ConservativeQueue, ConstantLatency

    ref = workbench.backtest(
        list(itertools.islice(replay_streams(sample_files), EVENTS)),
        ("binance-usdm", "BTCUSDT"), DEMO_MAKER,
        instruments=[binance_instrument(*k) for k in group_streams(sample_files)],
        fees=DEMO_FEES, latency=ConstantLatency(5_000_000, 5_000_000),
        queue=ConservativeQueue(), orders=DEMO_ORDERS, seed=7).summary()
    assert got["state"] == "stopped" and got["events"] == EVENTS
    assert got["open_orders"] == 0 and got["error"] is None
    assert ref["fills"] > 0
    for key in ("fills", "maker_fills", "orders_placed", "volume_quote", "fees_quote"):
        assert got[key] == pytest.approx(ref[key], rel=1e-12), key
