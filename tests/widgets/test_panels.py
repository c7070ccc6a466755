"""The panels' Python side, driven as a user would (set values, click), checked on the session.

Every test runs a replay session of the bundled sample on an asyncio loop, the way a
kernel runs it, clicks the panel's buttons and sets its text boxes, and checks the
session's and the simulated venue's own state, not the panel's: the panels keep no
trading state. The pump is refreshed by hand (``pump.refresh()``) where a test needs the
panel to have seen the latest snapshot.
"""

from __future__ import annotations

import asyncio
import html
import json
import math

import pytest

import workbench
from widgets import Blotter, ControlPanel, ParamPanel, dashboard
from widgets.plots import ChartModel, Charts
from widgets.pump import pump_for

GAMMA = "glft_params.gamma"


async def until(condition, timeout_s=20.0):
    """Wait (on the loop, so the session runs) until ``condition()`` holds."""
    for _ in range(int(timeout_s / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


def sim_live_orders(session):
    return [o for o in session.venue.open_orders()]


def replay(speed=math.inf, max_events=None):
    return workbench.session("replay", speed=speed, max_events=max_events)


def test_start_twice_stop_twice_and_speed_are_refused_or_applied_in_the_panel():
    async def main():
        s = replay(speed=50.0)
        panel = ControlPanel(s)
        panel.stop_button.click()
        assert "nothing to stop" in panel.message.value and s.state.value == "created"
        panel.start_button.click()
        await until(lambda: s.state.value == "running")
        panel.start_button.click()  # twice: the session's own refusal, shown
        assert "already started" in panel.message.value and s.state.value == "running"
        panel.speed.value = math.inf
        assert s.source.speed == math.inf
        await until(lambda: s.snapshot().open_orders > 0)
        panel.stop_button.click()
        await until(lambda: s.state.value == "stopped")
        assert s.snapshot().open_orders == 0 and not sim_live_orders(s)
        panel.stop_button.click()
        assert "nothing to stop: the session is stopped" in panel.message.value
        pump_for(s).refresh()
        assert ">stopped<" in panel.status.value and panel.start_button.disabled
    asyncio.run(main())


def test_kill_while_paused_holds_until_an_explicit_rearm():
    async def main():
        s = replay(speed=20.0)
        panel = ControlPanel(s)
        panel.start_button.click()
        await until(lambda: s.snapshot().open_orders > 0)
        panel.pause_button.click()
        await until(lambda: s.snapshot().open_orders == 0)
        panel.kill_button.click()
        await until(lambda: s.engine.kill_switch.halted)
        pump_for(s).refresh()
        assert "yes: manual: kill switch pressed" in panel.status.value
        assert not panel.rearm_button.disabled
        panel.resume_button.click()
        n = s.stats.events
        await until(lambda: s.stats.events > n + 2000)
        assert s.engine.kill_switch.halted and s.snapshot().open_orders == 0  # no re-arm
        panel.rearm_button.click()
        await until(lambda: s.snapshot().open_orders > 0)
        assert not s.engine.kill_switch.halted
        await s.stop()
    asyncio.run(main())


def test_parameter_panel_applies_good_values_and_shows_the_engines_refusals():
    async def main():
        s = replay(speed=20.0)
        ctl, panel = ControlPanel(s), ParamPanel(s)
        ctl.start_button.click()
        await until(lambda: s.engine.targets.bids and s.engine.targets.asks)
        field = panel.fields[GAMMA]
        before = s.engine.params.glft_params.gamma
        field.text.value = "abc"
        assert "not a number" in panel.message.value
        assert field.text.value == f"{before:.6g}"
        with pytest.raises(workbench.core.ValidationError) as refused:
            s.engine.check_param(GAMMA, -1.0)
        field.text.value = "-1"
        assert html.escape(str(refused.value)) in panel.message.value
        assert s.engine.params.glft_params.gamma == before
        panel.fields["ladder.levels"].text.value = "0"
        assert "refused" in panel.message.value and s.engine.params.ladder.levels == 2
        width = lambda: s.engine.targets.asks[0][0] - s.engine.targets.bids[0][0]  # noqa: E731
        narrow = width()
        field.text.value = f"{before * 400:g}"  # far more risk averse: wider quotes
        gamma = lambda: s.engine.params.glft_params.gamma  # noqa: E731
        await until(lambda: gamma() == pytest.approx(before * 400, rel=1e-4))
        await until(lambda: s.engine.targets.bids and s.engine.targets.asks
                    and width() > narrow)
        field.slider.value = before * 2  # the slider sends too
        await until(lambda: gamma() == pytest.approx(before * 2, rel=1e-4))
        await s.stop()
    asyncio.run(main())


def test_parameter_files_save_and_load_through_the_session(tmp_path):
    async def main():
        s = replay(speed=20.0)
        panel = ParamPanel(s)
        s.start()
        path = panel.save(path=tmp_path / "now.yaml")
        saved = workbench.read_params_file(path)
        assert saved.apply() == s.engine.params
        assert saved.units[GAMMA] == "1/(USDT·unit)"
        workbench.write_params_file(tmp_path / "new.yaml", {GAMMA: 1e-4, "ladder.levels": 3})
        panel.load(path=tmp_path / "new.yaml")
        await until(lambda: s.engine.params.ladder.levels == 3)
        assert s.engine.params.glft_params.gamma == 1e-4
        (tmp_path / "bad.yaml").write_text(
            "format: workbench.params/1\nparams:\n  ladder.levels: -2\n")
        panel.load(path=tmp_path / "bad.yaml")
        assert "bad.yaml" in panel.message.value and "levels" in panel.message.value
        await asyncio.sleep(0.05)
        assert s.engine.params.ladder.levels == 3  # nothing of the bad file applied
        pump_for(s).refresh()
        assert panel.fields["ladder.levels"].text.value == "3"
        await s.stop()
    asyncio.run(main())


def test_an_engine_failure_shows_why_and_leaves_no_order_working():
    async def main():
        s = replay(speed=math.inf)
        panel = ControlPanel(s)
        market = s.engine.on_market
        calls = {"n": 0}

        def failing(event):
            calls["n"] += 1
            if calls["n"] == 15_000:
                raise RuntimeError("estimator blew up")
            return market(event)
        s.engine.on_market = failing
        panel.start_button.click()
        await until(lambda: s.state.value == "failed")
        pump_for(s).refresh()
        assert "RuntimeError: estimator blew up" in panel.status.value
        assert ">failed<" in panel.status.value
        assert s.snapshot().open_orders == 0 and not sim_live_orders(s)
    asyncio.run(main())


def test_blotter_cancels_the_order_of_its_button():
    async def main():
        s = replay(speed=5.0)
        blotter = Blotter(s)
        s.start()
        await until(lambda: s.snapshot().open_orders >= 2)
        pump_for(s).refresh()
        order_id, button = next(iter(blotter.cancel_buttons.items()))
        assert order_id in {o.order_id for o in s.engine.orders.live_orders()}
        button.click()
        await until(lambda: order_id not in {o.order_id for o in s.engine.orders.live_orders()})
        assert order_id not in {o.order_id for o in sim_live_orders(s)}
        await s.stop()
    asyncio.run(main())


def test_a_chart_opened_late_shows_the_history_and_ignores_the_echo():
    async def main():
        s = replay(speed=math.inf, max_events=30_000)
        s.start()
        await s._task  # the whole run with no widget attached
        charts = Charts(s)
        series = s.spec.recorder.series()
        rows = charts.price.source.data["t_ms"]
        assert len(rows) == min(len(series), 2000) and len(rows) > 100
        assert rows[-1] == series["ts_ns"].iloc[-1] / 1e6
        fills = s.spec.recorder.fills_frame()
        assert len(charts.price.fills.data["t_ms"]) == min(len(fills), 2000) > 0
        n = len(charts.price.source.data["t_ms"])
        echo = {"event": "jsevent", "kind": "ColumnsStreamed", "data": {}, "rollover": None}
        charts.price.widget._sync_model(charts.price.widget, echo, [])
        assert len(charts.price.source.data["t_ms"]) == n
        assert isinstance(charts.price.widget, ChartModel)
    asyncio.run(main())


def test_refreshes_are_throttled_and_history_is_bounded():
    async def main():
        s = replay(speed=math.inf)
        board = dashboard(s)
        pump = pump_for(s)
        pump.rows.extend([{"t_ms": -1.0}] * 5000)
        assert len(pump.rows) == 2000
        board.controls.start_button.click()
        loop = asyncio.get_running_loop()
        t0, r0 = loop.time(), pump.refreshes
        await asyncio.sleep(2.0)
        rate = (pump.refreshes - r0) / (loop.time() - t0)
        assert 2.0 <= rate <= 5.0
        assert len(board.charts.price.source.data["t_ms"]) <= 2000
        await s.stop()
    asyncio.run(main())


def test_a_reconnecting_tab_gets_the_current_data_not_the_first():
    async def main():
        s = replay(speed=math.inf, max_events=20_000)
        charts = Charts(s)
        widget = charts.price.widget
        first = json.dumps(widget.render_bundle["docs_json"], sort_keys=True)
        s.start()
        await s._task
        pump_for(s).refresh()
        n = len(charts.price.source.data["t_ms"])
        assert n > 3
        stale = widget.render_bundle["docs_json"]
        assert json.dumps(stale, sort_keys=True) == first  # streams never touch it
        widget._handle_msg({"content": {"data": {"method": "request_state"}},
                            "buffers": []})
        assert _rows_in_bundle(widget.render_bundle, "prices") == n
        assert _rows_in_bundle({"docs_json": json.loads(first)}, "prices") == 0
    asyncio.run(main())


def _rows_in_bundle(bundle, name):
    """Rows of the data source ``name`` in a jupyter_bokeh render bundle (what a new view
    is built from)."""
    def walk(node):
        if isinstance(node, dict):
            attrs = node.get("attributes", {})
            if node.get("name") == "ColumnDataSource" and attrs.get("name") == name:
                yield attrs["data"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)
    data = next(walk(bundle["docs_json"]))
    t_ms = dict(data["entries"])["t_ms"]
    return t_ms["shape"][0] if isinstance(t_ms, dict) else len(t_ms)


def test_live_mode_starts_only_once_armed_with_its_venue_and_account():
    import dataclasses

    async def main():
        s = replay(speed=20.0)
        # a live session's panel (the engine under it is a replay: nothing is sent)
        s.spec = dataclasses.replace(s.spec, mode="live", venue="binanceusdm",
                                     account="desk-7")
        panel = ControlPanel(s)
        panel.start_button.click()
        assert "not armed" in panel.message.value and s.state.value == "created"
        panel.arm_venue.value, panel.arm_account.value = "binanceusdm", "desk-8"
        panel.arm_button.click()
        panel.start_button.click()
        assert "not armed" in panel.message.value and s.state.value == "created"
        panel.arm_account.value = "desk-7"
        panel.arm_button.click()
        assert "armed: live on binanceusdm, account desk-7" in panel.message.value
        panel.start_button.click()
        await until(lambda: s.state.value == "running")
        await s.stop()
    asyncio.run(main())


def test_kill_during_a_resync_after_a_reconnect_leaves_no_order():
    async def main():
        s = replay(speed=20.0)
        panel = ControlPanel(s)
        panel.start_button.click()
        await until(lambda: s.snapshot().open_orders > 0)
        s.request_resync("feed reconnected")  # what a venue's listener calls
        panel.kill_button.click()
        await until(lambda: s.engine.kill_switch.halted and s.snapshot().open_orders == 0)
        n = s.stats.events
        await until(lambda: s.stats.events > n + 2000)
        assert s.snapshot().open_orders == 0 and not sim_live_orders(s)
        await s.stop()
    asyncio.run(main())


def test_a_slider_snapped_by_the_browser_sends_nothing():
    s = replay()
    panel = ParamPanel(s)
    field = panel.fields[GAMMA]
    gamma = s.engine.params.glft_params.gamma
    field.slider.value = gamma * 1.001  # within half a step of the log grid
    assert panel.message.value == ""
    field.slider.value = gamma * 2
    assert f"{GAMMA} = {gamma * 2:.6g}" in panel.message.value
