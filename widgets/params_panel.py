"""The parameter panel: one control per field of the strategy's typed parameters.

The controls come from the :class:`~workbench.strategies.maker.MakerParams` dataclasses
themselves (their fields, types and current values); units come from the fields' names
(``_lots``, ``_ticks``, ``_bps``, ``_per_s``, ``_per_price`` in the quoted instrument's
currency) and the slider ranges from the documented domains (scores in [0, 1], fractions
in (0, 1], the rest a range around the default). Each number has a slider and a text box;
a change goes to the running session through its validated ``set_param``: a refused value
shows the engine's message and the control returns to the value the engine holds. Load
and save read and write parameter files (``workbench.params/1``, those the calibration
notebook writes included).
"""

from __future__ import annotations

import dataclasses
import html
import math
from pathlib import Path
from typing import Any

import ipywidgets as w

import workbench
from widgets import theme
from widgets.pump import View, pump_for

#: Fields in [0, 1] (scores and thresholds of the guard, the skew cap).
_UNIT_INTERVAL = ("widen_on", "widen_off", "pull_on", "pull_off", "join_on", "join_off",
                  "join_flow", "cap_fraction")
#: Choices of the string fields.
_CHOICES = {"model": ("glft", "as"), "as_params.mode": ("stationary", "finite"),
            "inventory.skew_mode": ("model", "capped")}
#: Sections of the panel, in order: the model's own, then the policies.
_SECTIONS = (("model", ""), ("glft", "glft_params."), ("as", "as_params."),
             ("inventory", "inventory."), ("ladder", "ladder."), ("guard", "guard."))
_SKIP = ("session_end_ns",)  # set by a finite-horizon session, not by hand


def unit_of(path: str, currency: str = "USD") -> str:
    """The unit a dotted parameter path carries by its name."""
    name = path.rsplit(".", 1)[-1]
    if name == "gamma":
        return f"1/({currency}·unit)"
    if name.endswith("_price_per_sqrt_s"):
        return f"{currency}/√s"
    if name.endswith("_price_per_s"):
        return f"{currency}/s"
    for suffix, unit in (("_per_price", f"1/{currency}"), ("_per_s", "/s"),
                         ("_lots", "lots"), ("_ticks", "ticks"), ("_bps", "bps"),
                         ("_ns", "ns"), ("_units", "units"), ("_s", "s"),
                         ("_base", "coin")):
        if name.endswith(suffix):
            return unit
    return "score" if name in _UNIT_INTERVAL[:-1] else ""


def bounds_of(path: str, default: float) -> tuple[float, float, bool]:
    """``(low, high, log)``: the slider's range for a field (values beyond it can still be
    typed; the engine decides)."""
    name = path.rsplit(".", 1)[-1]
    if name in _UNIT_INTERVAL:
        return 0.0, 1.0, False
    if name.endswith("_ns"):
        return 0.0, max(4 * default, 1e9), False
    if isinstance(default, int):
        return (0.0 if name in ("target_lots", "dead_band_lots") or default == 0 else 1.0,
                max(4.0 * default, 10.0), False)
    if default > 0:
        return default / 100, default * 100, True
    return -10.0, 10.0, False


class ParamField(w.HBox):
    """A slider and a text box for one numeric parameter (dotted ``path``)."""

    def __init__(self, path: str, value: float, unit: str, on_value) -> None:
        self.path = path
        self.kind = int if isinstance(value, int) else float
        low, high, log = bounds_of(path, value)

        label = path.rsplit(".", 1)[-1]
        name = w.HTML(f"<span title='{html.escape(path)}'>{html.escape(label)}</span>",
                      layout=w.Layout(width="120px"))
        if log:
            self.slider = w.FloatLogSlider(value=value, base=10, min=math.log10(low),
                                           max=math.log10(high), step=0.01,
                                           readout=False, continuous_update=False,
                                           layout=w.Layout(width="110px"))
        elif self.kind is int:
            self.slider = w.IntSlider(value=value, min=int(low), max=int(high),
                                      readout=False, continuous_update=False,
                                      layout=w.Layout(width="110px"))
        else:
            self.slider = w.FloatSlider(value=value, min=low, max=high,
                                        step=(high - low) / 200, readout=False,
                                        continuous_update=False,
                                        layout=w.Layout(width="110px"))
        self.text = w.Text(value=_fmt(value), continuous_update=False,
                           layout=w.Layout(width="78px"))
        css = "wb-param-" + path.replace(".", "-").replace("_", "-")
        self.text.add_class(css)
        self.slider.add_class(css + "-slider")
        self._on_value = on_value
        self._quiet = False
        self.slider.observe(self._slid, names="value")
        self.text.observe(self._typed, names="value")
        super().__init__([name, self.slider, self.text,
                          w.HTML(f"<small>{html.escape(unit)}</small>")])

    def show(self, value: float) -> None:
        """Show ``value`` without sending it."""
        self._quiet = True
        try:
            self.text.value = _fmt(value)
            self.slider.value = min(max(value, self.slider.min), self.slider.max)
        finally:
            self._quiet = False

    def _slid(self, change: dict) -> None:
        if self._quiet or self._within_a_step(change["old"], change["new"]):
            return  # a browser snapping the value to its grid is not a change
        value = change["new"]
        self._on_value(self, self.kind(round(value)) if self.kind is int
                       else float(f"{value:.6g}"))

    def _within_a_step(self, old: float, new: float) -> bool:
        step = self.slider.step
        if isinstance(self.slider, w.FloatLogSlider):
            if old <= 0 or new <= 0:
                return False
            return abs(math.log10(new) - math.log10(old)) < step / 2
        return self.kind is float and abs(new - old) < step / 2

    def _typed(self, change: dict) -> None:
        if self._quiet:
            return
        text = change["new"].strip()
        try:
            value = float(text)
        except ValueError:
            self._on_value(self, text)  # the panel refuses it with a message
            return
        self._on_value(self, int(value) if self.kind is int and value.is_integer() else value)


def _fmt(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


class ParamPanel(w.VBox):
    """The maker's parameters of one running session, applied through ``set_param``.

    Parameters
    ----------
    session : Session
        A session built by :func:`workbench.session`.
    """

    def __init__(self, session: Any, **kwargs: Any) -> None:
        self.session = session
        self.currency = session.spec.quoted.quote
        self.fields: dict[str, ParamField] = {}
        self.choices: dict[str, w.Dropdown] = {}
        self.message = w.HTML()
        self.message.add_class("wb-param-message")
        self._shown = session.engine.params
        leaves = _leaves(self._shown)
        children = []
        titles = []
        for title, prefix in _SECTIONS:
            rows = []
            for path, value in leaves.items():
                section = path[:len(prefix)] == prefix and (prefix or "." not in path)
                if not section or path in _SKIP:
                    continue
                if path in _CHOICES:
                    rows.append(self._choice(path, value))
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    field = ParamField(path, value, unit_of(path, self.currency), self._apply)
                    self.fields[path] = field
                    rows.append(field)
            if rows:
                children.append(w.VBox(rows))
                titles.append(title)
        self.sections = w.Accordion(children=children, titles=tuple(titles))
        self.sections.selected_index = 1 if self._shown.model == "glft" else 2
        self.path = w.Text(value="params.yaml", description="file",
                           layout=w.Layout(width="220px"))
        self.path.add_class("wb-param-path")
        self.load_button = w.Button(description="load", layout=w.Layout(width="60px"))
        self.save_button = w.Button(description="save", layout=w.Layout(width="60px"))
        self.load_button.add_class("wb-param-load")
        self.save_button.add_class("wb-param-save")
        self.load_button.on_click(self.load)
        self.save_button.on_click(self.save)
        super().__init__([w.HTML("<b>parameters</b>"), self.sections,
                          w.HBox([self.path, self.load_button, self.save_button]),
                          self.message], **kwargs)
        self.add_class("wb-params")
        pump_for(session).listen(self.update)

    def _choice(self, path: str, value: str) -> w.Dropdown:
        drop = w.Dropdown(options=_CHOICES[path], value=value,
                          description=path.rsplit(".", 1)[-1],
                          layout=w.Layout(width="240px"))
        drop.observe(lambda change: self._apply_choice(path, change["new"]), names="value")
        self.choices[path] = drop
        return drop

    def _say(self, text: str, ok: bool = False) -> None:
        colour = theme.OK if ok else theme.DANGER
        self.message.value = f"<span style='color:{colour}'>{html.escape(text)}</span>"

    def _apply(self, field: ParamField, value: Any) -> None:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            self._say(f"{field.path}: not a number: {value!r}")
            field.show(_get(self.session.engine.params, field.path))
            return
        try:
            self.session.set_param(field.path, value)
        except Exception as exc:  # the engine's own message says why
            self._say(f"refused: {exc}")
            field.show(_get(self.session.engine.params, field.path))
            return
        field.show(value)
        pump_for(self.session).soon()
        self._say(f"{field.path} = {value:g} {unit_of(field.path, self.currency)}", ok=True)

    def _apply_choice(self, path: str, value: str) -> None:
        try:
            self.session.set_param(path, value)
        except Exception as exc:
            self._say(f"refused: {exc}")
            return
        self._say(f"{path} = {value}", ok=True)

    def load(self, _: Any = None, path: str | Path | None = None) -> None:
        """Apply a parameter file (the text box's path by default) to the session."""
        path = Path(path or self.path.value)
        try:
            pf = workbench.read_params_file(path)
            pf.apply(self.session.engine.params)  # the whole file is checked first
        except Exception as exc:
            self._say(f"not loaded: {exc}")
            return
        if pf.strategy is not None:
            self.session.set_param("model", pf.strategy)
        for key, value in pf.params.items():
            self.session.set_param(key, value)
        for key, value in pf.params.items():
            if key in self.fields:
                self.fields[key].show(value)
        self._say(f"loaded {len(pf.params)} parameters from {path}", ok=True)

    def save(self, _: Any = None, path: str | Path | None = None) -> Path | None:
        """Write the session's current parameters to a parameter file."""
        path = Path(path or self.path.value)
        params = self.session.engine.params
        leaves = {k: v for k, v in _leaves(params).items()
                  if isinstance(v, (bool, int, float, str)) and k != "model"
                  and k not in _SKIP}
        units = {k: u for k in leaves if (u := unit_of(k, self.currency))}
        try:
            workbench.write_params_file(path, leaves, strategy=params.model, units=units,
                                        meta={"source": "workbench dashboard"})
        except Exception as exc:
            self._say(f"not saved: {exc}")
            return None
        self._say(f"saved {len(leaves)} parameters to {path}", ok=True)
        return path

    def update(self, view: View) -> None:
        """Show the engine's values where they changed (a file loaded, another panel)."""
        params = view.engine.params if view.engine is not None else None
        if params is None or params is self._shown:
            return
        old, new = _leaves(self._shown), _leaves(params)
        self._shown = params
        for path, value in new.items():
            if old.get(path) != value:
                if path in self.fields:
                    self.fields[path].show(value)
                elif path in self.choices:
                    self.choices[path].value = value


def _leaves(params: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            out.update(_leaves(value, f"{prefix}{f.name}."))
        else:
            out[prefix + f.name] = value
    return out


def _get(params: Any, path: str) -> Any:
    for part in path.split("."):
        params = getattr(params, part)
    return params
