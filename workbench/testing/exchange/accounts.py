"""Our accounts on the local exchange: spot balances, USD-M wallet and positions.

Amounts are exact decimals. Spot orders lock what they may spend (a buy its price times
its quantity in the quote asset, a sell its quantity in the base asset); a fill moves the
assets, and commissions are charged in the asset received (base on a buy, quote on a
sell), as Binance charges them without BNB. USD-M is one-way mode in cross margin: one
signed position per symbol, its average entry price, realised PnL and commissions paid
from the wallet. Margin requirements are not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from workbench.core.events import Side
from workbench.testing.exchange.errors import NEW_ORDER_REJECTED, BinanceError

ZERO = Decimal(0)
#: Decimals of amounts the accounts report (Binance's 8).
PLACES = Decimal("0.00000001")


def fmt(value: Decimal) -> str:
    """An amount as Binance writes it (8 decimals)."""
    return f"{value.quantize(PLACES):f}"


def insufficient() -> BinanceError:
    """``-2010``: not enough balance for the order."""
    return BinanceError(NEW_ORDER_REJECTED, "Account has insufficient balance for requested "
                        "action.")


@dataclass
class Balance:
    """One asset: free and locked amounts."""

    free: Decimal = ZERO
    locked: Decimal = ZERO


@dataclass
class SpotAccount:
    """Spot balances by asset."""

    balances: dict[str, Balance] = field(default_factory=dict)

    @classmethod
    def funded(cls, amounts: dict[str, str | Decimal]) -> SpotAccount:
        """An account holding ``amounts`` free."""
        return cls({a: Balance(Decimal(v)) for a, v in amounts.items()})

    def balance(self, asset: str) -> Balance:
        """The balance of ``asset`` (an empty one when never held)."""
        return self.balances.setdefault(asset, Balance())

    def lock(self, asset: str, amount: Decimal) -> None:
        """Move ``amount`` from free to locked.

        Raises
        ------
        BinanceError
            ``-2010`` when the free amount is short.
        """
        bal = self.balance(asset)
        if bal.free < amount:
            raise insufficient()
        bal.free -= amount
        bal.locked += amount

    def unlock(self, asset: str, amount: Decimal) -> None:
        """Move ``amount`` back from locked to free."""
        bal = self.balance(asset)
        bal.locked -= amount
        bal.free += amount

    def fill(self, base: str, quote: str, side: Side, limit_price: Decimal, price: Decimal,
             qty: Decimal, commission: Decimal) -> None:
        """Book a fill of ``qty`` at ``price`` of an order locked at ``limit_price``."""
        if side is Side.BUY:
            self.balance(quote).locked -= limit_price * qty
            self.balance(quote).free += (limit_price - price) * qty
            self.balance(base).free += qty - commission
        else:
            self.balance(base).locked -= qty
            self.balance(quote).free += price * qty - commission


@dataclass
class Position:
    """A USD-M position: signed size in base units and average entry price."""

    amount: Decimal = ZERO
    entry_price: Decimal = ZERO
    realized: Decimal = ZERO


@dataclass
class FuturesAccount:
    """The USD-M wallet (in the margin asset) and one position per symbol."""

    asset: str = "USDT"
    wallet: Decimal = ZERO
    positions: dict[str, Position] = field(default_factory=dict)

    def position(self, symbol: str) -> Position:
        """The position in ``symbol`` (flat when never traded)."""
        return self.positions.setdefault(symbol, Position())

    def fill(self, symbol: str, side: Side, price: Decimal, qty: Decimal,
             commission: Decimal) -> Decimal:
        """Book a fill; returns the PnL it realised (before commission)."""
        pos = self.position(symbol)
        signed = qty if side is Side.BUY else -qty
        realized = ZERO
        if pos.amount == 0 or (pos.amount > 0) == (signed > 0):
            total = abs(pos.amount) + qty
            pos.entry_price = (pos.entry_price * abs(pos.amount) + price * qty) / total
            pos.amount += signed
        else:
            closed = min(qty, abs(pos.amount))
            direction = 1 if pos.amount > 0 else -1
            realized = (price - pos.entry_price) * closed * direction
            pos.amount += signed
            if pos.amount == 0:
                pos.entry_price = ZERO
            elif (pos.amount > 0) != (direction > 0):  # flipped: the rest opens at price
                pos.entry_price = price
        pos.realized += realized
        self.wallet += realized - commission
        return realized

    def unrealized(self, symbol: str, mark: Decimal) -> Decimal:
        """PnL of the position in ``symbol`` at ``mark``."""
        pos = self.position(symbol)
        return (mark - pos.entry_price) * pos.amount if pos.amount else ZERO
