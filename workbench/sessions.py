"""``workbench.session``: one call to a session ready to start, in replay, paper or live mode.

A notebook, a dashboard and the command line all build sessions the same way: a mode, the
data (replay) or the venue (paper), the symbol to quote and the other streams that feed
the fair mid, a strategy by name, an optional parameter file and risk limits. What comes
back is a :class:`~workbench.engine.session.Session` in state ``created``: start it with
``session.start()`` on the running loop (Jupyter's own), stop it with ``await
session.stop()``; its :attr:`~workbench.engine.session.Session.spec` says what it trades.

* ``replay`` plays recorded data (the bundled sample by default, no network) through the
  engine and the simulated exchange on event time, paced at ``speed`` on the wall clock
  (:meth:`Session.set_speed` changes it while running); the fills are a backtest's.
* ``paper`` streams a venue's live feeds (Binance's native protocol) into the engine,
  the simulated exchange matching our orders (:func:`workbench.connectors.paper
  .paper_session`). No order leaves the machine.
* ``live`` is refused for now: live order entry arrives with its own change, and nothing
  here sends a real order.

Defaults are the demo's (``make demo``): the GLFT maker calibrated on the recorded BTCUSDT
data with a 20-lot inventory limit, two levels a side of 2 lots, 5 ms latency each way,
2/5 bps fees, quoting Binance USD-M BTCUSDT with spot and COIN-M feeding the fair mid.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.core.clock import SimulatedClock
from workbench.core.errors import ValidationError, WorkbenchError
from workbench.core.events import MarketEvent
from workbench.core.instruments import Instrument
from workbench.data.binance.feed import group_streams, replay_streams
from workbench.data.binance.instruments import SYNC_RULES, USDM, binance_instrument
from workbench.data.sample import sample_paths
from workbench.engine.attribution import StrategyRecorder
from workbench.engine.backtest import BacktestResult, default_risk_limits
from workbench.engine.config import EngineConfig
from workbench.engine.core import Engine
from workbench.engine.demo import DEMO_FEES, DEMO_MAKER, DEMO_ORDERS
from workbench.engine.params import replace_path
from workbench.engine.params_file import read_params_file
from workbench.engine.replay_source import ReplaySource, check_speed
from workbench.engine.session import Session
from workbench.estimators.stack import StackParams
from workbench.execution.journal import SqliteJournal
from workbench.execution.risk import RiskLimits
from workbench.execution.sim import ConservativeQueue, ConstantLatency, SimExchange
from workbench.strategies.maker import MODELS, MakerParams

#: The modes :func:`session` knows.
MODES = ("replay", "paper", "live")
#: Fields of the quoted instrument's :class:`InstrumentLimits` a ``risk`` mapping may set.
_INSTRUMENT_LIMITS = ("max_position_lots", "max_notional_quote", "max_order_lots",
                      "price_band_bps", "max_open_orders")


@dataclass(frozen=True)
class SessionSpec:
    """What a session trades and how it was built (read by panels, never by the engine).

    Attributes
    ----------
    mode : {"replay", "paper", "live"}
    quote : (venue, symbol)
        The quoted instrument.
    instruments : tuple of Instrument
        Every stream (they feed the fair mid), the quoted one included.
    strategy : str
        The quoting model (``"glft"`` or ``"as"``).
    maker : MakerParams
        The parameters the session started with.
    data : str
        Where the events come from: files (replay) or the venue (paper).
    venue : str
        The venue orders go to: ``"sim"`` (replay), ``"paper"`` or a live venue's id.
    account : str or None
        The live account (None in replay and paper).
    params_path : str or None
        The parameter file applied, if any.
    recorder : StrategyRecorder
        Fills and sampled series of the run, as in a backtest.
    """

    mode: str
    quote: tuple[str, str]
    instruments: tuple[Instrument, ...]
    strategy: str
    maker: MakerParams
    data: str
    venue: str
    account: str | None
    params_path: str | None
    recorder: StrategyRecorder

    @property
    def quoted(self) -> Instrument:
        """The quoted instrument."""
        return next(i for i in self.instruments if i.key == self.quote)


def session(mode: str = "replay", *, data: str | Path | Sequence[str | Path] | None = None,
            venue: str | None = None, symbol: str | None = None, also: Sequence[str] = (),
            strategy: str = "glft", params: str | Path | None = None,
            risk: RiskLimits | Mapping[str, float] | None = None, speed: float = 1.0,
            max_events: int | None = None, seed: int = 7,
            journal_path: str | Path | None = None, account: str | None = None) -> Session:
    """A session ready to start: ``session.start()`` on the running loop.

    Parameters
    ----------
    mode : {"replay", "paper", "live"}
        Recorded data through the simulated exchange; live data through it; live orders
        (refused for now).
    data : path, paths or None
        Replay: raw feed files, or a folder of them (``*.gz``, searched recursively);
        None for the bundled 150 s BTC sample (spot, USD-M, COIN-M).
    venue : str, optional
        Replay: the quoted stream's venue in the data (default ``"binance-usdm"``).
        Paper: a Binance ccxt id (``"binanceusdm"``, ``"binance"``, ``"binancecoinm"``).
    symbol : str, optional
        The symbol to quote (default ``"BTCUSDT"`` in replay; required in paper).
    also : sequence of "venue:symbol"
        Paper: other streams for the fair mid. Replay uses every stream of the data.
    strategy : {"glft", "as"}
        The quoting model of the maker.
    params : path, optional
        A parameter file (``workbench.params/1`` or dotted paths, see
        :func:`workbench.read_params_file`) applied over the defaults; its own
        ``strategy`` wins over ``strategy``.
    risk : RiskLimits or mapping, optional
        The limits, or overrides of the defaults (:func:`default_risk_limits`): any of
        ``max_loss_quote``, ``max_drawdown_quote``, ``max_total_notional_quote``,
        ``orders_per_s``, ``order_burst``, ``stale_after_ns``, and for the quoted
        instrument ``max_position_lots``, ``max_notional_quote``, ``max_order_lots``,
        ``price_band_bps``, ``max_open_orders``.
    speed : float
        Replay speed, event seconds per wall second (``math.inf``: as fast as the engine
        goes); change it while running with :meth:`Session.set_speed`.
    max_events : int, optional
        Replay only the first events.
    seed : int
        Seed of the simulated exchange's random draws (same data, seed and parameters
        give the same fills).
    journal_path : path, optional
        The session's journal (SQLite).
    account : str, optional
        Live mode: the account to trade (named again when the panel arms live trading).

    Returns
    -------
    Session
        In state ``created``, with :attr:`Session.spec` a :class:`SessionSpec`.

    Raises
    ------
    ValidationError
        On an unknown mode or strategy, a bad speed, a parameter file or risk override
        the engine refuses, or a quoted stream not in the data.
    WorkbenchError
        For ``mode="live"`` (not available yet).
    FileNotFoundError
        If the data or the parameter file does not exist.

    Examples
    --------
    >>> s = workbench.session("replay", speed=10)  # doctest: +SKIP
    >>> s.start()  # inside Jupyter's running loop  # doctest: +SKIP
    """
    if mode not in MODES:
        raise ValidationError(f"mode must be one of {MODES}, got {mode!r}")
    if mode == "live":
        raise WorkbenchError(
            "live mode is not available yet: live order entry arrives with its own change "
            "and no code here sends a real order; use mode='paper' for live data")
    if strategy not in MODELS:
        raise ValidationError(f"strategy must be one of {MODELS}, got {strategy!r}")
    check_speed(speed)
    maker = replace_path(DEMO_MAKER, "model", strategy)
    if params is not None:
        maker = read_params_file(params).apply(maker)
    if mode == "replay":
        return _replay(data, venue or USDM, symbol or "BTCUSDT", maker, risk, speed,
                       max_events, seed, journal_path, params)
    return _paper(venue, symbol, also, maker, risk, seed, journal_path, params)


def replay_events(data: str | Path | Sequence[str | Path] | None = None,
                  max_events: int | None = None) -> tuple[Iterator[MarketEvent],
                                                          list[Instrument]]:
    """Recorded events (lazily, in local-time order) and their instruments, for
    :func:`workbench.backtest`.

    Parameters
    ----------
    data : path, paths or None
        Raw feed files, or a folder of them; None for the bundled sample.
    max_events : int, optional
        Only the first events.

    Returns
    -------
    events : iterator of MarketEvent
    instruments : list of Instrument
        Every stream's instrument.
    """
    files = _files(data)
    return _events(files, max_events), list(_instruments(files))


def session_summary(session: Session) -> dict[str, Any]:
    """Key figures of a session built by :func:`session`: its state, events, errors and
    the backtest summary of what it did (orders, fills, PnL, compute time).

    Returns
    -------
    dict
        ``state``, ``error``, ``errors``, ``mode`` and the keys of
        :meth:`BacktestResult.summary`.
    """
    spec = session.spec
    if not isinstance(spec, SessionSpec):
        raise WorkbenchError("session_summary needs a session built by workbench.session")
    rec = spec.recorder
    result = BacktestResult(rec.fills_frame(), rec.series(), session.engine, rec,
                            session.stats.events, None)
    out: dict[str, Any] = {"mode": spec.mode, "state": session.state.value,
                           "error": session.error, "errors": list(session.stats.errors)}
    out.update(result.summary())
    return out


def _limits(quoted: Instrument, maker: MakerParams,
            risk: RiskLimits | Mapping[str, float] | None) -> RiskLimits:
    if isinstance(risk, RiskLimits):
        return risk
    base = default_risk_limits(quoted, maker)
    if not risk:
        return base
    top = {f.name for f in dataclasses.fields(RiskLimits)} - {"instruments"}
    unknown = set(risk) - top - set(_INSTRUMENT_LIMITS)
    if unknown:
        raise ValidationError(f"unknown risk limits {sorted(unknown)}; known: "
                              f"{sorted(top | set(_INSTRUMENT_LIMITS))}")
    per = dict(base.instruments)
    mine = {k: v for k, v in risk.items() if k in _INSTRUMENT_LIMITS}
    try:
        if mine:
            per[quoted.key] = dataclasses.replace(per[quoted.key], **mine)
        return dataclasses.replace(base, instruments=per,
                                   **{k: v for k, v in risk.items() if k in top})
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"risk limits refused: {exc}") from None


def _files(data: str | Path | Sequence[str | Path] | None) -> list[Path]:
    if data is None:
        return sample_paths()
    if isinstance(data, (str, Path)):
        path = Path(data)
        if path.is_dir():
            files = sorted(path.rglob("*.gz"))
            if not files:
                raise FileNotFoundError(f"no raw feed files (*.gz) under {path}")
            return files
        data = [path]
    files = [Path(p) for p in data]
    missing = [str(p) for p in files if not p.exists()]
    if missing:
        raise FileNotFoundError(f"data files missing: {missing}")
    return files


def _events(files: list[Path], max_events: int | None) -> Iterator[MarketEvent]:
    events = replay_streams(files)
    return events if max_events is None else itertools.islice(events, max_events)


def _instruments(files: list[Path]) -> tuple[Instrument, ...]:
    return tuple(binance_instrument(*key) for key in group_streams(files))


def _replay(data, venue: str, symbol: str, maker: MakerParams, risk, speed: float,
            max_events: int | None, seed: int, journal_path, params) -> Session:
    files = _files(data)
    instruments = _instruments(files)
    quote = (venue, symbol)
    quoted = next((i for i in instruments if i.key == quote), None)
    if quoted is None:
        raise ValidationError(f"{quote} is not among the data's streams "
                              f"{[i.key for i in instruments]}")
    limits = _limits(quoted, maker, risk)
    config = EngineConfig(instruments, quote, maker, limits, SYNC_RULES, StackParams(),
                          DEMO_ORDERS)
    recorder = StrategyRecorder(quoted, instruments=instruments)
    journal = SqliteJournal(journal_path, synchronous="NORMAL") if journal_path else None
    engine = Engine(config, journal, recorder)
    venue_sim = SimExchange(instruments, {i.key: DEMO_FEES for i in instruments},
                            ConstantLatency(5_000_000, 5_000_000), ConservativeQueue(),
                            SYNC_RULES, seed, books=engine.syncs)
    spec = SessionSpec("replay", quote, instruments, maker.model, maker,
                       ", ".join(p.name for p in files), "sim", None,
                       str(params) if params is not None else None, recorder)
    return Session(engine, venue_sim, ReplaySource(_events(files, max_events), speed),
                   clock=SimulatedClock(), mode="replay",
                   timer_interval_s=config.timer_interval_ns / 1e9, spec=spec)


def _paper(venue: str | None, symbol: str | None, also: Sequence[str], maker: MakerParams,
           risk, seed: int, journal_path, params) -> Session:
    from workbench.connectors import build
    from workbench.connectors.clock import ReceiveClock
    from workbench.connectors.live import LiveSource
    from workbench.connectors.paper import paper_session

    if not venue or not symbol:
        raise ValidationError("paper mode needs venue= (a Binance ccxt id such as "
                              "'binanceusdm') and symbol=")
    keys = [(venue, symbol)]
    for term in also:
        v, sep, s = term.partition(":")
        if not sep or not v or not s:
            raise ValidationError(f"also= takes 'venue:symbol', got {term!r}")
        keys.append((v, s))
    clock = ReceiveClock()
    feeds = [build.native_feed(v, [s], clock) for v, s in keys]
    instruments = [binance_instrument(f.venue, f.symbols[0]) for f in feeds]
    quoted = instruments[0]
    limits = _limits(quoted, maker, risk)
    run = paper_session(LiveSource([build.group(feeds)], clock), instruments, quoted.key,
                        maker, fees={i.key: DEMO_FEES for i in instruments},
                        orders=DEMO_ORDERS, risk=limits, seed=seed,
                        journal_path=journal_path)
    # the recorder that also keeps each order's reason, for the summary's PnL by origin
    recorder = StrategyRecorder(quoted, instruments=tuple(instruments))
    run.engine.recorder = recorder
    run.session.spec = SessionSpec("paper", quoted.key, tuple(instruments), maker.model,
                                   maker, f"{venue} live feeds", "paper", None,
                                   str(params) if params is not None else None, recorder)
    return run.session

