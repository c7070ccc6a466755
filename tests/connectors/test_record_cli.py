"""``workbench record`` against ``workbench exchange serve``: files that replay, and a kill
that loses at most the last second and corrupts nothing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from workbench.data.binance.feed import replay_book
from workbench.data.binance.parse import read_lines

pytest.importorskip("workbench.testing.exchange")
WORKBENCH = [sys.executable, "-m", "workbench.cli"]


@pytest.fixture
def server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([*WORKBENCH, "exchange", "serve", "--port", str(port),
                             "--speed", "2"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/api/v3/ping", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.2)
    yield url
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _record(url, out, *extra):
    return [*WORKBENCH, "record", "--venue", "binance", "--symbols", "BTC/USDT", "--native",
            "--exchange-url", url, "--out", str(out), *extra]


def test_recorded_files_replay(server, tmp_path):
    done = subprocess.run(_record(server, tmp_path, "--seconds", "4"), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "msgs" in done.stdout and "binance-spot:BTCUSDT=synced" in done.stdout
    files = sorted(tmp_path.rglob("*.gz"))
    assert files and all(f.parent.name == "spot" for f in files)
    result = replay_book([str(f) for f in files])
    assert result.synced and result.stats.gap_count == 0 and result.events > 100


def test_a_kill_loses_at_most_the_last_second_and_corrupts_nothing(server, tmp_path):
    proc = subprocess.Popen(_record(server, tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    lines = []
    for line in proc.stdout:  # status lines, one a second
        lines.append(line)
        if len(lines) == 4:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    files = sorted(tmp_path.rglob("*.gz"))
    recorded = [ln for f in files for ln in read_lines(f)]  # raises on a corrupt gzip
    assert len(recorded) > 50
    stamps = [int(ln.split(b" ", 1)[0]) for ln in recorded]
    assert (time.time_ns() - max(stamps)) / 1e9 < 10  # recent lines were flushed
    assert replay_book([str(f) for f in files]).stats.gap_count == 0
