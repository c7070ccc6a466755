"""``widgets.dashboard(session)``: controls and parameters left, charts right, blotter below.

Each part also works alone (:class:`ControlPanel`, :class:`ParamPanel`,
:func:`~widgets.plots.charts`, :class:`Blotter`); all of them read one shared pump of
the session's snapshots, and the session runs the same with none of them.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from widgets import theme
from widgets.blotter import Blotter
from widgets.controls import ControlPanel
from widgets.params_panel import ParamPanel
from widgets.plots import Charts


class Dashboard(w.VBox):
    """The whole panel of one session; its parts are attributes.

    Attributes
    ----------
    controls : ControlPanel
    params : ParamPanel
    charts : Charts
    blotter : Blotter
    """

    def __init__(self, session: Any, **kwargs: Any) -> None:
        self.session = session
        self.controls = ControlPanel(session)
        self.params = ParamPanel(session)
        self.charts = Charts(session)
        self.blotter = Blotter(session)
        left = w.VBox([self.controls, self.params],
                      layout=w.Layout(width=theme.SIDEBAR_WIDTH, min_width="300px",
                                      flex="0 0 auto", padding="0 8px 0 0"))
        right = w.VBox([self.charts.widget], layout=w.Layout(flex="1 1 0", min_width="0"))
        super().__init__([w.HBox([left, right], layout=w.Layout(width="100%")),
                          self.blotter], layout=w.Layout(width="100%"), **kwargs)
        self.add_class("wb-dashboard")


def dashboard(session: Any) -> Dashboard:
    """The dashboard of ``session`` (built by :func:`workbench.session`).

    Parameters
    ----------
    session : Session

    Returns
    -------
    Dashboard
        An ipywidgets box: display it (the last expression of a cell).
    """
    return Dashboard(session)
