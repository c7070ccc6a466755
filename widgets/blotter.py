"""The blotter: our working orders (a cancel button each) and the recent fills.

Rows are rebuilt only when the orders change; a cancel goes to the session
(``session.cancel``), which applies it between two events (the maker may quote again).
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from widgets import theme
from widgets.pump import View, pump_for

#: Fills shown, newest first.
FILLS_SHOWN = 15
_CELL = "padding:1px 8px;text-align:right"


class Blotter(w.VBox):
    """Working orders and recent fills of one session.

    Parameters
    ----------
    session : Session
        A session built by :func:`workbench.session`.
    """

    def __init__(self, session: Any, **kwargs: Any) -> None:
        self.session = session
        self.tick = session.spec.quoted.tick_size_float
        self.orders = w.VBox()
        self.orders.add_class("wb-orders")
        self.fills = w.HTML()
        self.fills.add_class("wb-fills")
        self.message = w.HTML()
        self._orders_key: tuple = ()
        self._rows: list[_OrderRow] = []
        self._empty = w.HTML("<i>no working orders</i>")
        self.cancel_buttons: dict[int, w.Button] = {}
        super().__init__([w.HBox([
            w.VBox([w.HTML("<b>working orders</b>"), self.orders, self.message],
                   layout=w.Layout(flex="1 1 0")),
            w.VBox([w.HTML("<b>recent fills</b>"), self.fills], layout=w.Layout(flex="1 1 0")),
        ], layout=w.Layout(width="100%"))], **kwargs)
        self.add_class("wb-blotter")
        pump = pump_for(session)
        self._pump = pump
        pump.listen(self.update)

    def update(self, view: View) -> None:
        """Show one snapshot's orders and the fills seen so far."""
        engine = view.engine
        orders = engine.orders if engine is not None else ()
        key = tuple((o.order_id, o.price_ticks, o.size_lots - o.filled_lots, o.state,
                     o.in_flight) for o in orders)
        if key != self._orders_key:
            self._orders_key = key
            self._render_orders(orders)
        fills = list(self._pump.fills)[-FILLS_SHOWN:][::-1]
        rows = "".join(
            f"<tr><td style='{_CELL}'>{_clock(f['t_ms'])}</td>"
            f"<td style='{_CELL};color:{theme.side_colour(f['side'])}'>"
            f"{'buy' if f['side'] > 0 else 'sell'}</td>"
            f"<td style='{_CELL}'>{f['price']:,.2f}</td><td style='{_CELL}'>{f['size']}</td>"
            f"<td style='{_CELL}'>{html.escape(f['liquidity'])}</td></tr>" for f in fills)
        head = "".join(f"<th style='{_CELL}'>{h}</th>" for h in
                       ("time", "side", "price", "lots", "liquidity"))
        self.fills.value = (f"<table style='font-size:12px'><tr>{head}</tr>{rows}</table>"
                            if fills else "<i>no fills yet</i>")

    def _render_orders(self, orders) -> None:
        """Fill the pool of rows (made once, reused: no widget is created per update)."""
        orders = sorted(orders, key=lambda o: -o.price_ticks)
        while len(self._rows) < len(orders):
            self._rows.append(_OrderRow(self.cancel))
        self.cancel_buttons = {}
        for row, o in zip(self._rows, orders):
            row.show(o, self.tick)
            self.cancel_buttons[o.order_id] = row.button
        shown = self._rows[:len(orders)]
        children = tuple(shown) if shown else (self._empty,)
        if self.orders.children != children:
            self.orders.children = children

    def cancel(self, order_id: int) -> None:
        """Cancel one of our orders (between two events)."""
        self.session.cancel(order_id)
        self.message.value = f"<small>cancel sent for #{order_id}</small>"


class _OrderRow(w.HBox):
    """One working order and its cancel button."""

    def __init__(self, cancel) -> None:
        self.order_id = 0
        self.text = w.HTML(layout=w.Layout(width="250px"))
        self.button = w.Button(description="cancel", layout=w.Layout(width="64px",
                                                                     height="24px"))
        self.button.add_class("wb-cancel")
        self.button.on_click(lambda _: cancel(self.order_id))
        super().__init__([self.text, self.button])
        self.add_class("wb-order-row")

    def show(self, o: Any, tick: float) -> None:
        self.order_id = o.order_id
        side = int(o.side)
        self.text.value = (
            f"<span style='font-size:12px;color:{theme.side_colour(side)}'>"
            f"{'buy' if side > 0 else 'sell'} {o.size_lots - o.filled_lots} @ "
            f"{o.price_ticks * tick:,.2f}</span> <small>#{o.order_id} "
            f"{html.escape(str(o.state))}"
            f"{' ' + html.escape(str(o.in_flight)) if o.in_flight else ''}</small>")


def _clock(t_ms: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(t_ms / 1e3, dt.UTC).strftime("%H:%M:%S.%f")[:-3]
