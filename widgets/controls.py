"""The control panel: start, pause, resume, stop, replay speed, the kill switch, status.

Every button sends the session a command and nothing else: the panel keeps no trading
state and shows what the session's snapshot says. A command the session refuses (start
twice, stop while stopped, a bad speed) is shown in the panel's message line, never
raised into the notebook. The kill switch is always visible and trips at once (while
paused too); it re-arms only when the re-arm button is pressed. A live session needs an
arm step first: the venue and the account typed in must match the session's.
"""

from __future__ import annotations

import html
import math
from typing import Any

import ipywidgets as w

from widgets import theme
from widgets.pump import View, pump_for

#: Replay speeds offered (event seconds per wall second).
SPEEDS = (("1×", 1.0), ("2×", 2.0), ("5×", 5.0), ("10×", 10.0), ("50×", 50.0),
          ("max", math.inf))
_RUNNING, _PAUSED, _CREATED = "running", "paused", "created"
_ENDED = ("stopping", "stopped", "failed")


def _button(label: str, css: str, style: str = "", tooltip: str = "") -> w.Button:
    button = w.Button(description=label, button_style=style, tooltip=tooltip,
                      layout=w.Layout(width="auto", min_width="72px"))
    button.add_class(css)
    return button


class ControlPanel(w.VBox):
    """Controls and status of one session.

    Parameters
    ----------
    session : Session
        A session built by :func:`workbench.session`.
    """

    def __init__(self, session: Any, **kwargs: Any) -> None:
        self.session = session
        spec = session.spec
        self.kill_button = _button("KILL", "wb-kill", "danger",
                                   "Cancel every order and refuse new ones until re-armed")
        self.kill_button.layout = w.Layout(width="100%", height="44px")
        self.kill_button.style.font_weight = "bold"
        self.rearm_button = _button("re-arm", "wb-rearm", "warning",
                                    "Allow trading again after the kill switch")
        self.rearm_button.disabled = True
        self.start_button = _button("start", "wb-start", "success")
        self.pause_button = _button("pause", "wb-pause")
        self.resume_button = _button("resume", "wb-resume")
        self.stop_button = _button("stop", "wb-stop")
        speed = getattr(session.source, "speed", 1.0)
        options = SPEEDS if any(v == speed for _, v in SPEEDS) else tuple(sorted(
            (*SPEEDS, (f"{speed:g}×", speed)), key=lambda kv: kv[1]))
        self.speed = w.Dropdown(options=options, value=speed if spec.mode == "replay"
                                else 1.0,
                                description="speed", layout=w.Layout(width="160px"),
                                disabled=spec.mode != "replay")
        self.speed.add_class("wb-speed")
        self.mode = w.HTML(self._mode_html())
        self.status = w.HTML()
        self.status.add_class("wb-status")
        self.message = w.HTML()
        self.message.add_class("wb-message")
        self.armed = spec.mode != "live"
        arm_box = self._arm_box() if spec.mode == "live" else w.VBox()
        self.kill_button.on_click(self._kill)
        self.rearm_button.on_click(self._rearm)
        self.start_button.on_click(self._start)
        self.pause_button.on_click(self._pause)
        self.resume_button.on_click(self._resume)
        self.stop_button.on_click(self._stop)
        self.speed.observe(self._speed, names="value")
        buttons = w.HBox([self.start_button, self.pause_button, self.resume_button,
                          self.stop_button], layout=w.Layout(flex_flow="row wrap"))
        super().__init__([self.kill_button, self.mode, arm_box, buttons,
                          w.HBox([self.speed, self.rearm_button]), self.message, self.status],
                         **kwargs)
        self.add_class("wb-controls")
        self._update_buttons(session.state.value, False)
        pump_for(session).listen(self.update)

    # -- commands ------------------------------------------------------------------------
    def _say(self, text: str, ok: bool = False) -> None:
        colour = theme.OK if ok else theme.DANGER
        self.message.value = (f"<span style='color:{colour}'>{html.escape(text)}</span>"
                              if text else "")

    def _start(self, _: Any = None) -> None:
        if not self.armed:
            self._say("live trading is not armed: name the venue and the account first")
            return
        try:
            self.session.start()
        except RuntimeError as exc:  # no running loop (a script, not a notebook)
            self._say(f"cannot start here: {exc}")
            return
        except Exception as exc:  # started twice, ended: the session says why
            self._say(str(exc))
            return
        self._say("started", ok=True)
        pump_for(self.session).ensure_running()

    def _pause(self, _: Any = None) -> None:
        state = self.session.state.value
        if state != _RUNNING:
            self._say(f"cannot pause: the session is {state}")
            return
        self.session.pause()
        self._say("paused: quotes pulled", ok=True)

    def _resume(self, _: Any = None) -> None:
        state = self.session.state.value
        if state != _PAUSED:
            self._say(f"cannot resume: the session is {state}")
            return
        self.session.resume()
        self._say("quoting again", ok=True)

    def _stop(self, _: Any = None) -> None:
        state = self.session.state.value
        if state not in (_RUNNING, _PAUSED):
            self._say(f"nothing to stop: the session is {state}")
            return
        self.session.request_stop()
        self._say("stopping: cancelling every order", ok=True)

    def _kill(self, _: Any = None) -> None:
        self.session.kill("manual: kill switch pressed")
        pump_for(self.session).soon()
        self._say("kill switch tripped: every order cancelled, none sent until re-armed")
        self.rearm_button.disabled = False

    def _rearm(self, _: Any = None) -> None:
        self.session.rearm()
        self._say("re-armed: trading allowed again", ok=True)

    def _speed(self, change: dict) -> None:
        try:
            self.session.set_speed(change["new"])
        except Exception as exc:
            self._say(str(exc))
            return
        label = next(k for k, v in self.speed.options if v == change["new"])
        self._say(f"replay speed {label}", ok=True)

    # -- live arming ---------------------------------------------------------------------
    def _arm_box(self) -> w.VBox:
        self.arm_venue = w.Text(description="venue", placeholder="the venue's id")
        self.arm_account = w.Text(description="account", placeholder="the account")
        self.arm_button = _button("arm live trading", "wb-arm", "danger")
        self.arm_button.on_click(self._arm)
        return w.VBox([w.HTML("<b>live: arm first</b>"), self.arm_venue, self.arm_account,
                       self.arm_button])

    def _arm(self, _: Any = None) -> None:
        spec = self.session.spec
        if self.arm_venue.value.strip() != spec.venue or \
                self.arm_account.value.strip() != (spec.account or ""):
            self.armed = False
            self._say("not armed: the venue and the account must be this session's")
            return
        self.armed = True
        self._say(f"armed: live on {spec.venue}, account {spec.account}", ok=True)

    # -- status --------------------------------------------------------------------------
    def _mode_html(self) -> str:
        spec = self.session.spec
        venue, symbol = spec.quote
        return (f"<div><b>{html.escape(spec.mode)}</b> · {html.escape(symbol)} on "
                f"{html.escape(venue)} · {html.escape(spec.strategy.upper())}<br>"
                f"<small>{html.escape(spec.data)}</small></div>")

    def update(self, view: View) -> None:
        """Show one snapshot."""
        snap, engine = view.session, view.engine
        halted = engine is not None and engine.kill_switch.halted
        self._update_buttons(snap.state.value, halted)
        self.status.value = status_html(snap, engine)

    def _update_buttons(self, state: str, halted: bool) -> None:
        self.start_button.disabled = state != _CREATED
        self.pause_button.disabled = state != _RUNNING
        self.resume_button.disabled = state != _PAUSED
        self.stop_button.disabled = state not in (_RUNNING, _PAUSED)
        self.rearm_button.disabled = not halted


def status_html(snap: Any, engine: Any) -> str:
    """The status block: state, halt, quoting, rates, compute time, sources, errors."""
    state = snap.state.value
    colour = theme.DANGER if state == "failed" else theme.OK if state == "running" else "#555"
    rows = [("state", f"<b style='color:{colour}'>{state}</b>")]
    if snap.error:
        rows.append(("failed", f"<span style='color:{theme.DANGER}'>"
                               f"{html.escape(snap.error)}</span>"))
    if engine is not None:
        ks = engine.kill_switch
        rows.append(("halted", f"<b style='color:{theme.DANGER}'>yes: "
                               f"{html.escape(ks.reason)}</b>" if ks.halted else "no"))
        quoting = engine.quoting + (f" ({html.escape(engine.quoting_reason)})"
                                    if engine.quoting_reason else "")
        if engine.pull_reasons:
            quoting += f"; pulled: {html.escape('; '.join(engine.pull_reasons))}"
        rows.append(("quoting", quoting))
        p50, p99 = engine.compute_p50_ns, engine.compute_p99_ns
        rows.append(("compute", f"p50 {p50 / 1e3:.0f} µs, p99 {p99 / 1e3:.0f} µs per event"
                     if math.isfinite(p50) else "–"))
        rows.append(("orders", f"{len(engine.orders)} working, "
                               f"{len(engine.recent_fills)} recent fills"))
        books = ", ".join(f"{html.escape(k)} {'✓' if ok else '<b>✗</b>'}"
                          for k, ok in engine.books_synced.items())
        rows.append(("books", books))
    rows.append(("events", f"{snap.stats.events:,} ({snap.events_per_s:,.0f}/s)"))
    ages = ", ".join(f"{html.escape(k)} {a:.1f} s" for k, a in sorted(snap.last_event_age_s
                                                                      .items()))
    rows.append(("last event", ages or "–"))
    errors = list(snap.stats.errors)[-3:] + (list(engine.errors)[-2:] if engine else [])
    rows.append(("errors", "<br>".join(html.escape(e) for e in errors) if errors else "none"))
    body = "".join(f"<tr><td style='color:#666;padding-right:8px;vertical-align:top'>{k}"
                   f"</td><td>{v}</td></tr>" for k, v in rows)
    return f"<table style='font-size:12px;line-height:1.3'>{body}</table>"
