"""The local exchange's account arithmetic against worked examples."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from workbench.core.events import Side
from workbench.testing.exchange.accounts import FuturesAccount, SpotAccount
from workbench.testing.exchange.errors import BinanceError


def test_a_futures_position_averages_in_realises_out_and_flips():
    acct = FuturesAccount(wallet=D(1000))
    assert acct.fill("BTCUSDT", Side.BUY, D(100), D(2), D("0.1")) == 0
    assert acct.fill("BTCUSDT", Side.BUY, D(103), D(1), D("0.1")) == 0
    pos = acct.position("BTCUSDT")
    assert (pos.amount, pos.entry_price) == (D(3), D(101))  # (2*100 + 1*103) / 3
    # Sell 4 at 104: 3 close at +3 each (9 realised), 1 opens short at 104.
    assert acct.fill("BTCUSDT", Side.SELL, D(104), D(4), D("0.2")) == D(9)
    assert (pos.amount, pos.entry_price, pos.realized) == (D(-1), D(104), D(9))
    assert acct.unrealized("BTCUSDT", D(100)) == D(4)  # short 1 from 104, mark 100
    assert acct.wallet == D(1000) + D(9) - D("0.4")
    assert acct.fill("BTCUSDT", Side.BUY, D(106), D(1), D(0)) == D(-2)
    assert (pos.amount, pos.entry_price) == (D(0), D(0))


def test_spot_locks_what_an_order_may_spend_and_fills_move_the_assets():
    acct = SpotAccount.funded({"USDT": "1000", "BTC": "1"})
    acct.lock("USDT", D(100) * D("2"))  # a buy of 2 at 100
    with pytest.raises(BinanceError) as short:
        acct.lock("USDT", D(801))
    assert short.value.code == -2010
    # 1.5 fill at 99 (better than the limit): the difference goes back to free.
    acct.fill("BTC", "USDT", Side.BUY, D(100), D(99), D("1.5"), D("0.0015"))
    acct.unlock("USDT", D(100) * D("0.5"))  # the rest is cancelled
    usdt, btc = acct.balance("USDT"), acct.balance("BTC")
    assert (usdt.free, usdt.locked) == (D(1000) - D(99) * D("1.5"), 0)
    assert (btc.free, btc.locked) == (D(1) + D("1.5") - D("0.0015"), 0)
