"""``workbench exchange serve`` in its own process, driven over HTTP."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
import urllib.request

from tests.testing.conftest import TIMEOUT_S


def _call(url: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=TIMEOUT_S) as r:
        return json.loads(r.read())


def test_serve_answers_and_stops_cleanly_on_sigint(short_files):
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "exchange", "serve", "--port", "0",
         "--speed", "0", "--paused", "--data", *map(str, short_files.values())],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first: list[str] = []
        reader = threading.Thread(target=lambda: first.append(proc.stdout.readline()))
        reader.start()
        reader.join(60)
        base = first[0].strip() if first else ""
        assert base.startswith("http://127.0.0.1:"), (base, proc.poll())
        assert _call(f"{base}/api/v3/exchangeInfo")["symbols"][0]["symbol"] == "BTCUSDT"
        assert _call(f"{base}/fapi/v1/exchangeInfo")["symbols"][0]["contractType"] == \
            "PERPETUAL"
        assert _call(f"{base}/_control/replay", {"action": "step", "n": 25})["result"] == 25
        state = _call(f"{base}/_control/replay", {})["result"]
        assert state["paused"] and state["replayed"] == 25
        _call(f"{base}/_control/fault", {"name": "set_clock_skew", "args": {"ms": 3_600_000}})
        skew_ms = _call(f"{base}/api/v3/time")["serverTime"] - time.time() * 1000
        assert 3_590_000 < skew_ms < 3_610_000
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "local exchange: binance-spot BTCUSDT, binance-usdm BTCUSDT" in err


def test_serve_can_replay_the_depth_channel_alone(short_files):
    """The served replay is the in-process exchange's with the same channels, and shorter
    than the whole recording's."""
    from workbench.testing.exchange import LocalExchange, Recording

    files = list(short_files.values())
    everything = sum(1 for _ in Recording(files).messages())

    async def replayed_in_process(channels):
        async with LocalExchange(Recording(files, channels=channels), paused=True) as ex:
            return await ex.replay.step(everything)

    expected = asyncio.run(replayed_in_process(["depth"]))
    assert expected < asyncio.run(replayed_in_process(None))
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "exchange", "serve", "--port", "0",
         "--speed", "0", "--paused", "--channels", "depth", "--data",
         *map(str, short_files.values())],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = proc.stdout.readline().strip()
        assert base.startswith("http://127.0.0.1:"), (base, proc.poll())
        replayed = _call(f"{base}/_control/replay", {"action": "step", "n": everything})
        assert replayed["result"] == expected < everything
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    assert proc.returncode == 0
