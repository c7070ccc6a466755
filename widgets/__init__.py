"""Jupyter panels and bokeh charts over a running workbench session.

``from widgets import dashboard`` then ``dashboard(session)`` shows a session built by
:func:`workbench.session`; the parts work alone too: ``ControlPanel``, ``ParamPanel``,
``charts``, ``Blotter``. Names are imported on first use.
"""

_LAZY = {
    "dashboard": "widgets.board",
    "Dashboard": "widgets.board",
    "ControlPanel": "widgets.controls",
    "ParamPanel": "widgets.params_panel",
    "charts": "widgets.plots",
    "Charts": "widgets.plots",
    "Blotter": "widgets.blotter",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is not None:
        import importlib

        return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module 'widgets' has no attribute {name!r}")
