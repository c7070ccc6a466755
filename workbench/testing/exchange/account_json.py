"""The account answers: spot ``/api/v3/account``, USD-M account, balance and positions."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from workbench.testing.exchange.accounts import ZERO, fmt

if TYPE_CHECKING:
    from workbench.testing.exchange.trading import Trading

#: Leverage reported for every USD-M symbol (margin is not modelled).
LEVERAGE = 20


def spot_account(trading: Trading, now_ms: int) -> dict:
    """``GET /api/v3/account``."""
    return {
        "makerCommission": 10, "takerCommission": 10, "buyerCommission": 0,
        "sellerCommission": 0,
        "commissionRates": {"maker": "0.00100000", "taker": "0.00100000", "buyer": "0",
                            "seller": "0"},
        "canTrade": True, "canWithdraw": False, "canDeposit": False, "brokered": False,
        "requireSelfTradePrevention": False, "preventSor": False, "updateTime": now_ms,
        "accountType": "SPOT",
        "balances": [{"asset": a, "free": fmt(b.free), "locked": fmt(b.locked)}
                     for a, b in sorted(trading.spot.balances.items())],
        "permissions": ["SPOT"], "uid": 1,
    }


def _positions(trading: Trading) -> list[tuple[str, dict]]:
    out = []
    for spec in trading.ex.specs:
        if spec.api != "usdm":
            continue
        symbol = spec.instrument.symbol
        pos = trading.usdm.position(symbol)
        mark = trading.mark(spec)
        upnl = trading.usdm.unrealized(symbol, mark)
        notional = pos.amount * mark
        out.append((symbol, {
            "symbol": symbol, "positionSide": "BOTH", "positionAmt": fmt(pos.amount),
            "entryPrice": fmt(pos.entry_price), "breakEvenPrice": fmt(pos.entry_price),
            "markPrice": fmt(mark), "unRealizedProfit": fmt(upnl),
            "unrealizedProfit": fmt(upnl), "liquidationPrice": "0", "isolatedMargin": "0",
            "notional": fmt(notional), "marginAsset": trading.usdm.asset,
            "isolatedWallet": "0", "initialMargin": fmt(abs(notional) / LEVERAGE),
            "maintMargin": "0", "positionInitialMargin": fmt(abs(notional) / LEVERAGE),
            "openOrderInitialMargin": "0", "adl": 0, "bidNotional": "0", "askNotional": "0",
            "leverage": str(LEVERAGE), "marginType": "cross", "isAutoAddMargin": "false",
            "maxNotionalValue": "1000000", "updateTime": 0,
        }))
    return out


def usdm_positions(trading: Trading) -> list[dict]:
    """``GET /fapi/v3/positionRisk`` (and v2)."""
    return [p for _, p in _positions(trading)]


def usdm_account(trading: Trading, now_ms: int) -> dict:
    """``GET /fapi/v3/account`` (and v2)."""
    positions = _positions(trading)
    upnl = sum((Decimal(p["unRealizedProfit"]) for _, p in positions), ZERO)
    wallet = trading.usdm.wallet
    margin = sum((Decimal(p["initialMargin"]) for _, p in positions), ZERO)
    asset = {"asset": trading.usdm.asset, "walletBalance": fmt(wallet),
             "unrealizedProfit": fmt(upnl), "marginBalance": fmt(wallet + upnl),
             "maintMargin": "0", "initialMargin": fmt(margin),
             "positionInitialMargin": fmt(margin), "openOrderInitialMargin": "0",
             "crossWalletBalance": fmt(wallet), "crossUnPnl": fmt(upnl),
             "availableBalance": fmt(wallet + upnl - margin),
             "maxWithdrawAmount": fmt(wallet + upnl - margin), "marginAvailable": True,
             "updateTime": now_ms}
    return {
        "totalInitialMargin": fmt(margin), "totalMaintMargin": "0",
        "totalWalletBalance": fmt(wallet), "totalUnrealizedProfit": fmt(upnl),
        "totalMarginBalance": fmt(wallet + upnl), "totalPositionInitialMargin": fmt(margin),
        "totalOpenOrderInitialMargin": "0", "totalCrossWalletBalance": fmt(wallet),
        "totalCrossUnPnl": fmt(upnl), "availableBalance": fmt(wallet + upnl - margin),
        "maxWithdrawAmount": fmt(wallet + upnl - margin), "canTrade": True,
        "assets": [asset],
        "positions": [{k: p[k] for k in ("symbol", "positionSide", "positionAmt",
                                         "unrealizedProfit", "isolatedMargin", "notional",
                                         "isolatedWallet", "initialMargin", "maintMargin",
                                         "updateTime", "leverage", "entryPrice")}
                      for _, p in positions],
    }


def usdm_balance(trading: Trading, now_ms: int) -> list[dict]:
    """``GET /fapi/v2/balance`` (and v3)."""
    account = usdm_account(trading, now_ms)["assets"][0]
    return [{"accountAlias": "local", "asset": account["asset"],
             "balance": account["walletBalance"],
             "crossWalletBalance": account["crossWalletBalance"],
             "crossUnPnl": account["crossUnPnl"],
             "availableBalance": account["availableBalance"],
             "maxWithdrawAmount": account["maxWithdrawAmount"], "marginAvailable": True,
             "updateTime": now_ms}]


def leverage_brackets(trading: Trading) -> list[dict]:
    """``GET /fapi/v1/leverageBracket``: one bracket per symbol."""
    return [{"symbol": s.instrument.symbol, "notionalCoef": 1.0,
             "brackets": [{"bracket": 1, "initialLeverage": 125, "notionalCap": 10_000_000,
                           "notionalFloor": 0, "maintMarginRatio": 0.004, "cum": 0.0}]}
            for s in trading.ex.specs if s.api == "usdm"]

