"""Malformed and empty journals, and unanalysable fills, give clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench
from workbench.analytics.post_trade import MarketTape, check_fills
from workbench.core.errors import DataError, ValidationError
from workbench.execution.journal import SessionEvent, SessionMarker, SqliteJournal

KEY = ("binance-usdm", "BTCUSDT")


def _tape():
    ts = np.array([0, 10**9], dtype=np.int64)
    return MarketTape(KEY, ts, np.array([100.0, 100.0]), np.zeros(2), np.zeros(2),
                      {KEY: (ts, np.array([100.0, 100.0]))})


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="no journal file"):
        workbench.post_trade(tmp_path / "nope.sqlite", _tape(), quote=KEY)


def test_a_file_that_is_not_a_journal(tmp_path):
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"this is not sqlite at all" * 50)
    with pytest.raises(DataError, match="not a journal"):
        workbench.post_trade(path, _tape(), quote=KEY)


def test_an_empty_journal(tmp_path):
    path = tmp_path / "empty.sqlite"
    SqliteJournal(path).close()
    with pytest.raises(DataError, match="no records"):
        workbench.post_trade(path, _tape(), quote=KEY)


def test_a_journal_without_fills(tmp_path):
    path = tmp_path / "quiet.sqlite"
    with SqliteJournal(path) as j:
        j.append(SessionMarker(SessionEvent.START, "live", 0))
    with pytest.raises(ValidationError, match="no fills"):
        workbench.post_trade(path, _tape(), quote=KEY)


def test_data_that_is_not_a_list_of_files(tmp_path):
    with pytest.raises(ValidationError, match="data must be"):
        path = tmp_path / "j.sqlite"
        with SqliteJournal(path) as j:
            from workbench.core.commands import Filled
            from workbench.core.events import Side
            from workbench.core.orders import Liquidity
            j.append(Filled(1, 1, *KEY, Side.BUY, 1000, 1, 0, Liquidity.MAKER, 0.0, 5))
        workbench.post_trade(path, "some/file.gz", quote=KEY)


GOOD = pd.DataFrame({"ts_ns": [1, 2], "order_id": [1, 2], "fill_id": [1, 2],
                     "venue": [KEY[0]] * 2, "symbol": [KEY[1]] * 2, "side": [1, -1],
                     "price_ticks": [1000, 1001], "size_lots": [1, 1],
                     "liquidity": ["maker"] * 2, "fee": [0.0, 0.0],
                     "origin": ["maker"] * 2})


@pytest.mark.parametrize("change, message", [
    (lambda f: f.drop(columns="fee"), "lacks columns"),
    (lambda f: f.iloc[:0], "no fills"),
    (lambda f: f.assign(price_ticks=[1000, -5]), "non-positive"),
    (lambda f: f.assign(side=[1, 0]), "side"),
    (lambda f: f.assign(fee=[0.0, np.nan]), "NaN"),
    (lambda f: f.assign(origin=["maker", "alien"]), "origins"),
    (lambda f: f.assign(ts_ns=[2, 1]), "time order"),
])
def test_bad_fills_frames(change, message):
    check_fills(GOOD)
    with pytest.raises(ValidationError, match=message):
        check_fills(change(GOOD))


def test_an_empty_tape():
    from workbench.estimators.arrays import EventArrays, StreamSet

    empty = EventArrays(StreamSet.of([KEY]), *(np.zeros(0, np.int64) for _ in range(10)))
    with pytest.raises(ValidationError, match="empty"):
        MarketTape.from_arrays(empty, KEY)
