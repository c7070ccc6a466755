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
        rows = []
        self.cancel_buttons = {}
        for o in sorted(orders, key=lambda o: -o.price_ticks):
            side = int(o.side)
            button = w.Button(description="cancel", layout=w.Layout(width="64px",
                                                                     height="24px"))
            button.add_class("wb-cancel")
            button.on_click(lambda _, oid=o.order_id: self.cancel(oid))
            self.cancel_buttons[o.order_id] = button
            text = (f"<span style='font-size:12px;color:{theme.side_colour(side)}'>"
                    f"{'buy' if side > 0 else 'sell'} {o.size_lots - o.filled_lots} @ "
                    f"{o.price_ticks * self.tick:,.2f}</span> <small>#{o.order_id} "
                    f"{html.escape(str(o.state))}"
                    f"{' ' + html.escape(str(o.in_flight)) if o.in_flight else ''}</small>")
            row = w.HBox([w.HTML(text, layout=w.Layout(width="250px")), button])
            row.add_class("wb-order-row")
            rows.append(row)
        self.orders.children = rows or [w.HTML("<i>no working orders</i>")]

    def cancel(self, order_id: int) -> None:
        """Cancel one of our orders (between two events)."""
        self.session.cancel(order_id)
        self.message.value = f"<small>cancel sent for #{order_id}</small>"


def _clock(t_ms: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(t_ms / 1e3, dt.UTC).strftime("%H:%M:%S.%f")[:-3]
