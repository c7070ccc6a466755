"""Colours and sizes every panel and chart shares, so that a colour means one thing.

Bid side, our buys and buy fills are blue; ask side, our sells and sell fills are red;
our own quotes are drawn solid and thick, the market's thin; the fair mid is black.
"""

from __future__ import annotations

#: Our bid, buy fills, the bid side of the book.
BID = "#1f6fd1"
#: Our ask, sell fills, the ask side of the book.
ASK = "#d63a2f"
#: The fused fair mid.
FAIR = "#111111"
#: Each source's own mid, in the order of the session's instruments.
MARKET = ("#8c8c8c", "#b5a04a", "#7a9e7e", "#9a7fb5")
#: Inventory and PnL.
INVENTORY = "#6b4fa3"
PNL = "#1d8a5a"
#: The kill switch, a halted state, an error.
DANGER = "#c0161d"
#: A healthy state.
OK = "#1d8a5a"
#: Width of the left column (controls and parameters) of the dashboard.
SIDEBAR_WIDTH = "360px"
#: Height of each chart, pixels.
CHART_HEIGHT = 230


def side_colour(side: int) -> str:
    """:data:`BID` for a buy (``side > 0``), :data:`ASK` for a sell."""
    return BID if side > 0 else ASK
