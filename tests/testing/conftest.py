"""Fixtures of the local exchange's tests: the bundled sample parsed once, and waiting."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.data.sample import cut_prefix, sample_paths
from workbench.testing.exchange import Recording

#: Longest any condition is waited for (generous: the machine is shared).
TIMEOUT_S = 20.0


#: Seconds of the bundled sample the tests replay (the first ones, both venues).
SECONDS = 40


@pytest.fixture(scope="session")
def short_files(tmp_path_factory) -> dict[str, Path]:
    """The first :data:`SECONDS` of the sample's spot, USD-M and COIN-M files (``spot``,
    ``usdm``, ``cm``)."""
    root = tmp_path_factory.mktemp("sample")
    out = {}
    for path in sample_paths():
        venue = path.parent.name
        if venue in ("spot", "usdm", "cm"):
            out[venue] = root / venue / path.name
            cut_prefix(path, out[venue], SECONDS)
    return out


@pytest.fixture(scope="session")
def recording(short_files) -> Recording:
    """The short spot, USD-M and COIN-M files, parsed once for every test."""
    return Recording(list(short_files.values()), cache=True)


async def wait_until(condition: Callable[[], bool], timeout_s: float = TIMEOUT_S,
                     what: str = "condition") -> None:
    """Poll ``condition`` on the event loop until it holds.

    Raises
    ------
    AssertionError
        If it does not hold within ``timeout_s``.
    """
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


async def watch_book(client, symbol: str, retry: tuple[type[BaseException], ...] = ()):
    """``watch_order_book``, retried (with a pause between tries, as ccxt needs) on the
    given errors until it returns."""
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        try:
            return await asyncio.wait_for(client.watch_order_book(symbol), TIMEOUT_S)
        except retry:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.02)


async def caught_up(client, symbol: str, ex, venue: str, raw_symbol: str = "BTCUSDT") -> dict:
    """Pause the replay and return ccxt's book once it has reached the exchange's id.

    ccxt's book is read where ccxt keeps it: a ``watch_order_book`` call would wait for a
    message after the call, and a paused replay sends none."""
    ex.replay.pause()
    target = ex.last_update_id(venue, raw_symbol)

    def reached() -> bool:
        book = client.orderbooks.get(symbol)
        return book is not None and book["nonce"] == target

    await wait_until(reached, what=f"ccxt's book at update id {target}")
    return client.orderbooks[symbol]
