"""``workbench exchange serve`` in its own process, driven over HTTP."""

from __future__ import annotations

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
