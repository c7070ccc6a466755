"""Fair mid from several venues: led by the quoted venue, other venues weighted by what
they tell about its next moves, basis-corrected; a freshness-weighted average as fall-back.

Each stream's top of book (bbo events) gives a source price (mid, microprice or Stoikov
micro-price). A source is *fresh* while its last valid quote is younger than
``stale_s``; a crossed, one-sided or non-positive quote makes it invalid until the next
valid one. A fresh source is an *outlier* when its log price differs by more than
``max_deviation_bps`` from a strict majority of the other fresh sources (raw prices, so
the threshold must exceed any real basis; with two fresh sources that disagree both are
outliers, and the estimate holds).

The basis of source ``i`` to the reference is a decayed mean (half-life
``basis_half_life_s``) of ``log p_i - log p_ref``, sampled on each quote of ``i`` while
both are fresh and not outliers.

**Led by the reference** (while the reference is usable). The fair mid is the
reference's mid moved by what the other venues and its own book say about its next
moves (Hasbrouck's price discovery read as a forecast: a leader's gap to the quoted mid
closes partly on the quoted venue):

    ln fair = ln mid_ref + 1e-4 (c_imb I_ref + sum_{i != ref} w_i f_i g_i),
    g_i = (ln p_i - basis_i - ln mid_ref) * 1e4          (the gap, bps)
    f_i = 1 - age_i / stale                               (staleness fade)

with ``I_ref = (q_b - q_a) / (q_b + q_a)`` the reference's top imbalance. The weights
``w_i`` (``lead_weights``) and ``c_imb`` (``imbalance_bps``) are regression
coefficients of the reference's mid change over the scoring horizons on these terms,
fitted by :func:`~workbench.estimators.calibrate_fair_mid` on recorded data. An unlisted
venue's gap has weight 0. The defaults are the mean of the four fits of the scorecard
(``workbench.analytics.scorecard``: USD-M quoted, BTC and ETH, each half of 2024-08-08
fitted): ``c_imb`` 0.126, 0.163 (BTC), 0.151, 0.160 (ETH) → 0.15 bps; spot's gap 0.081,
0.030, 0.051, 0.050 → 0.05; COIN-M's -0.029, 0.070, -0.007, -0.012 → 0 (it lags). Each
fit, scored on the other half, beats the quoted venue's own mid, size-weighted mid and
micro-price and the equal-weight fusion at +100 ms, +1 s and +5 s on both assets.

**Fall-back average** (the reference stale, invalid or an outlier; or
``reference_led=False``):

    fair = sum_i w_i p_i exp(-basis_i) / sum_i w_i,
    w_i = (1 - age_i / stale) / (spread_i^2 + floor^2)        (relative spreads)

over fresh, non-outlier sources with a basis (the reference needs none). The age factor
fades a silent source to zero over its staleness limit, so losing a venue moves the
estimate smoothly. With no usable source the last value is held and ``ok`` is False.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.core.events import BestBidOffer, EventKind, MarketEvent
from workbench.estimators.arrays import EventArrays, StreamSet
from workbench.estimators.decay import NS_PER_S, decay_rate_per_ns, decayed_cumsum, last_index
from workbench.estimators.microprice import PRICE_KINDS, StoikovTable

#: Source states reported by :meth:`FairMidFusion.source_states`.
SOURCE_STATES = ("ok", "no_quote", "invalid", "stale", "outlier", "no_basis")


@dataclass(frozen=True)
class FairMidParams:
    """Parameters of :class:`FairMidFusion`.

    Parameters
    ----------
    reference : str, optional
        Venue whose price units the fair mid is in (default: the first stream).
    price_kind : str
        Source price: ``"mid"``, ``"micro"`` (size-weighted) or ``"stoikov"``: the price
        of the other venues' gaps and of the fall-back average (the led value starts from
        the reference's mid and adds its imbalance term).
    stoikov : tuple of StoikovTable, optional
        One table per stream, for ``price_kind="stoikov"``.
    basis_half_life_s : float
        Half-life of the basis decayed mean, seconds.
    stale_s : float
        Age at which a source stops contributing, seconds.
    max_deviation_bps : float
        Disagreement that makes a source an outlier, basis points of price.
    spread_floor_bps : float
        Added in quadrature to each source's relative spread in the fall-back weight.
    reference_led : bool
        Lead with the reference's mid while it is usable (see the module docstring);
        False gives the fall-back average at all times.
    lead_weights : tuple of (venue, weight), optional
        Weight of each other venue's gap to the reference mid (unlisted venues: 0).
    imbalance_bps : float
        Move of the fair mid per unit of the reference's top imbalance, bps.
    """

    reference: str | None = None
    price_kind: str = "micro"
    stoikov: tuple[StoikovTable, ...] | None = None
    basis_half_life_s: float = 30.0
    stale_s: float = 5.0
    max_deviation_bps: float = 100.0
    spread_floor_bps: float = 0.5
    reference_led: bool = True
    lead_weights: tuple[tuple[str, float], ...] = (("binance-spot", 0.05),)
    imbalance_bps: float = 0.15

    def weights_for(self, streams: StreamSet) -> list[float]:
        """Lead weight of each stream (0 for the reference and unlisted venues)."""
        w = dict(self.lead_weights)
        ref = self.reference_index(streams)
        return [0.0 if i == ref else float(w.get(n, 0.0)) for i, n in enumerate(streams.names)]

    def __post_init__(self) -> None:
        if self.price_kind not in PRICE_KINDS:
            raise ValueError(f"price_kind must be one of {PRICE_KINDS}")
        if self.price_kind == "stoikov" and not self.stoikov:
            raise ValueError("price_kind='stoikov' needs one StoikovTable per stream")
        if not (self.stale_s > 0 and self.max_deviation_bps > 0 and self.spread_floor_bps > 0):
            raise ValueError("stale_s, max_deviation_bps and spread_floor_bps must be > 0")

    def reference_index(self, streams: StreamSet) -> int:
        """Stream number of the reference venue."""
        if self.reference is None:
            return 0
        names = streams.names
        if self.reference not in names:
            raise ValueError(f"reference {self.reference!r} not among {names}")
        return names.index(self.reference)


class FairMidFusion:
    """Streaming fused fair mid over several venues (see the module docstring).

    Parameters
    ----------
    streams : StreamSet
        The venues to fuse.
    params : FairMidParams
        Weights, staleness, outlier and basis settings.

    Attributes
    ----------
    value : float
        Fair mid in the reference's quote currency (0.0 before the first estimate).
    ok : bool
        True when at least one source contributed at the last event.
    mask : int
        Bit ``i`` set when stream ``i`` contributed at the last event.
    """

    __slots__ = (
        "_adj",
        "_basis",
        "_c_imb",
        "_dev",
        "_far",
        "_floor2",
        "_fresh",
        "_good",
        "_has_basis",
        "_imb",
        "_index",
        "_kind",
        "_last_ts",
        "_lead",
        "_led",
        "_logmid",
        "_logp",
        "_n",
        "_ok",
        "_price",
        "_qts",
        "_range",
        "_rate",
        "_ref",
        "_s1",
        "_s2",
        "_sources",
        "_stale_ns",
        "_sts",
        "_sx",
        "_tables",
        "_tick",
        "mask",
        "names",
        "ok",
        "out_of_order",
        "value",
    )

    def __init__(self, streams: StreamSet, params: FairMidParams | None = None) -> None:
        p = params or FairMidParams()
        n = len(streams)
        self._n = n
        self._index = streams.index()
        self.names = streams.names
        self._ref = p.reference_index(streams)
        self._kind = PRICE_KINDS.index(p.price_kind)
        self._tables = ([t.adjust_ticks.tolist() for t in p.stoikov] if p.stoikov else None)
        self._tick = list(streams.tick_sizes)
        self._rate = decay_rate_per_ns(p.basis_half_life_s)
        self._stale_ns = int(p.stale_s * NS_PER_S)
        self._dev = p.max_deviation_bps * 1e-4
        self._floor2 = (p.spread_floor_bps * 1e-4) ** 2
        self._price = [0.0] * n
        self._logp = [0.0] * n
        self._s2 = [0.0] * n
        self._qts = [0] * n
        self._ok = [False] * n
        self._range = range(n)
        self._far = [0] * n  # bit j of _far[i]: streams i and j disagree
        self._fresh = self._good = 0
        self._sx = [0.0] * n
        self._s1 = [0.0] * n
        self._sts = [0] * n
        self._basis = [0.0] * n
        self._has_basis = [i == self._ref for i in range(n)]
        self._adj = [0.0] * n
        self._led = p.reference_led
        self._lead = [(i, w) for i, w in enumerate(p.weights_for(streams)) if w != 0.0]
        self._c_imb = p.imbalance_bps
        self._logmid = 0.0
        self._imb = 0.0
        self._sources = tuple(tuple(self.names[i] for i in range(n) if m >> i & 1)
                              for m in range(1 << n))
        self._last_ts = -(1 << 62)
        self.value = 0.0
        self.ok = False
        self.mask = 0
        self.out_of_order = 0

    # -- streaming -----------------------------------------------------------------------
    def update(self, event: MarketEvent) -> float:
        """Take any event (bbo events move sources, every event ages them); the value."""
        t = event.local_ts_ns
        if t < self._last_ts:
            self.out_of_order += 1
            t = self._last_ts
        if type(event) is BestBidOffer:
            i = self._index.get((event.venue, event.symbol))
            if i is not None:
                self.on_quote(i, t, event.bid_ticks, event.bid_lots, event.ask_ticks,
                              event.ask_lots)
                return self.value
        self.on_time(t)
        return self.value

    def on_quote(self, i: int, t: int, bid_ticks: int, bid_lots: int, ask_ticks: int,
                 ask_lots: int) -> None:
        """A new top of book of stream ``i`` at time ``t`` (ns, not before the last)."""
        self._last_ts = t
        if bid_ticks > 0 and ask_ticks > bid_ticks and bid_lots > 0 and ask_lots > 0:
            kind = self._kind
            if kind == 0:
                px = (bid_ticks + ask_ticks) * 0.5
            elif kind == 1:
                px = (bid_ticks * ask_lots + ask_ticks * bid_lots) / (bid_lots + ask_lots)
            else:
                px = self._stoikov(i, bid_ticks, bid_lots, ask_ticks, ask_lots)
            tick = self._tick[i]
            price = px * tick
            rel = (ask_ticks - bid_ticks) * tick / price
            self._price[i] = price
            logp = math.log(price)
            self._logp[i] = logp
            self._update_far(i, logp)
            self._s2[i] = rel * rel
            if i == self._ref:  # the led value's anchor: the reference's mid and imbalance
                self._logmid = (logp if kind == 0
                                else math.log((bid_ticks + ask_ticks) * 0.5 * tick))
                self._imb = (bid_lots - ask_lots) / (bid_lots + ask_lots)
            self._qts[i] = t
            self._ok[i] = True
            self._adj[i] = price * math.exp(-self._basis[i]) if self._has_basis[i] else price
            self._time(t, i)
        else:
            self._ok[i] = False
            self._time(t, -1)

    def on_time(self, t: int) -> None:
        """Age the sources to time ``t`` (ns) and recompute the fused value."""
        self._last_ts = t
        self._time(t, -1)

    def _stoikov(self, i: int, b: int, qb: int, a: int, qa: int) -> float:
        table = self._tables[i]
        spread = min(max(a - b, 1), len(table))
        row = table[spread - 1]
        bucket = min(int(qb / (qb + qa) * len(row)), len(row) - 1)
        return min(max((b + a) * 0.5 + row[bucket], b), a)  # clamped inside the spread

    def _time(self, t: int, quoted: int) -> None:
        ok, qts, stale = self._ok, self._qts, self._stale_ns
        fresh = 0
        for i in self._range:
            if ok[i] and t - qts[i] < stale:
                fresh |= 1 << i
        if quoted >= 0 or fresh != self._fresh:
            self._fresh = fresh
            self._good = good = self._outliers(fresh)
        else:
            good = self._good
        ref = self._ref
        if quoted >= 0 and quoted != ref and good >> quoted & 1 and good >> ref & 1:
            self._sample_basis(quoted, t)
        if self._led and good >> ref & 1:  # led by the reference (module docstring)
            m = self._logmid
            x = self._c_imb * self._imb
            mask = 1 << ref
            has_basis = self._has_basis
            for i, w in self._lead:
                if good >> i & 1 and has_basis[i]:
                    x += w * (1.0 - (t - qts[i]) / stale) * (
                        (self._logp[i] - self._basis[i] - m) * 1e4)
                    mask |= 1 << i
            self.mask = mask
            self.value = math.exp(m + x * 1e-4)
            self.ok = True
            return
        num = den = 0.0
        mask = 0
        has_basis, s2, adj, floor2 = self._has_basis, self._s2, self._adj, self._floor2
        for i in self._range:
            if good >> i & 1 and has_basis[i]:
                w = (1.0 - (t - qts[i]) / stale) / (s2[i] + floor2)
                num += w * adj[i]
                den += w
                mask |= 1 << i
        self.mask = mask
        if den > 0.0:
            self.value = num / den
            self.ok = True
        else:
            self.ok = False

    def _outliers(self, fresh: int) -> int:
        """Fresh sources that agree with at least half of the other fresh sources."""
        if fresh & (fresh - 1) == 0:  # zero or one fresh source: nothing to compare
            return fresh
        others = fresh.bit_count() - 1
        far = self._far
        good = fresh
        for i in self._range:
            if fresh >> i & 1 and 2 * (far[i] & fresh).bit_count() > others:
                good &= ~(1 << i)
        return good

    def _update_far(self, i: int, log_price: float) -> None:
        """Refresh which sources stream ``i`` disagrees with."""
        logp, far, dev = self._logp, self._far, self._dev
        bit = 1 << i
        mine = 0
        for j in self._range:
            if j != i:
                if abs(log_price - logp[j]) > dev:
                    mine |= 1 << j
                    far[j] |= bit
                else:
                    far[j] &= ~bit
        far[i] = mine

    def _sample_basis(self, i: int, t: int) -> None:
        f = math.exp((self._sts[i] - t) * self._rate) if self._has_basis[i] else 0.0
        sx = self._sx[i] * f + (self._logp[i] - self._logp[self._ref])
        s1 = self._s1[i] * f + 1.0
        self._sx[i], self._s1[i], self._sts[i] = sx, s1, t
        basis = sx / s1
        self._basis[i] = basis
        self._has_basis[i] = True
        self._adj[i] = self._price[i] * math.exp(-basis)

    # -- state ---------------------------------------------------------------------------
    @property
    def sources(self) -> tuple[str, ...]:
        """Venues that contributed at the last event."""
        return self._sources[self.mask]

    def basis(self) -> dict[str, float]:
        """Current log basis of each venue to the reference (0 for the reference)."""
        return dict(zip(self.names, self._basis))

    def source_states(self) -> dict[str, str]:
        """Each venue's state at the last event: one of :data:`SOURCE_STATES`."""
        out = {}
        for i, name in enumerate(self.names):
            bit = 1 << i
            if not self._qts[i] and not self._ok[i]:
                state = "no_quote"
            elif not self._ok[i]:
                state = "invalid"
            elif not self._fresh & bit:
                state = "stale"
            elif not self._good & bit:
                state = "outlier"
            elif not self._has_basis[i]:
                state = "no_basis"
            else:
                state = "ok"
            out[name] = state
        return out


def fair_mid_frame(arrays: EventArrays, params: FairMidParams | None = None) -> pd.DataFrame:
    """Vectorised twin of :class:`FairMidFusion`: the fused mid after every event.

    Parameters
    ----------
    arrays : EventArrays
        Events in replay order.
    params : FairMidParams, optional

    Returns
    -------
    pandas.DataFrame
        ``ts_ns, fair_mid, ok, mask`` (contributing streams as bits) and
        ``basis_<venue>``, one row per event.
    """
    p = params or FairMidParams()
    src = _source_state(arrays, p)
    streams, n_src, ref = arrays.streams, len(arrays.streams), src["ref"]
    ts, good, use, age = src["ts"], src["good"], src["use"], src["age"]
    stale_ns = int(p.stale_s * NS_PER_S)
    w = np.where(use, (1.0 - age / stale_ns) / (src["s2"] + (p.spread_floor_bps * 1e-4) ** 2),
                 0.0)
    num = (w * src["price"] * np.exp(-src["basis"])).sum(axis=1)
    den = w.sum(axis=1)
    avg = num / np.where(den > 0.0, den, 1.0)
    bits = 1 << np.arange(n_src)
    mask = (use * bits).sum(axis=1)
    if p.reference_led:
        led = good[:, ref]
        feats = _lead_terms(src, p)
        lead = np.array([p.imbalance_bps] + [x for i, x in enumerate(p.weights_for(streams))
                                              if i != ref])
        x = feats @ lead
        avg = np.where(led, np.exp(src["logmid"][:, ref] + x * 1e-4), avg)
        contrib = use & (np.array(p.weights_for(streams)) != 0.0)[None, :]
        mask = np.where(led, (contrib * bits).sum(axis=1) | (1 << ref), mask)
    ok = den > 0.0
    last_ok = last_index(ok)
    fair = np.where(last_ok >= 0, avg[np.maximum(last_ok, 0)], 0.0)
    out = pd.DataFrame({"ts_ns": ts, "fair_mid": fair, "ok": ok, "mask": mask})
    for i, name in enumerate(streams.names):
        out[f"basis_{name}"] = src["basis"][:, i]
    return out


def fair_mid_terms(arrays: EventArrays, params: FairMidParams | None = None) -> pd.DataFrame:
    """The reference-led fair mid's terms after every event, for calibration.

    Returns
    -------
    pandas.DataFrame
        ``ts_ns``, ``log_mid`` (the reference's), ``led`` (the reference usable),
        ``imbalance`` (its top imbalance) and ``gap_<venue>`` (each other venue's faded
        gap ``f_i g_i`` in bps, 0 where it is not usable), one row per event.
    """
    p = params or FairMidParams()
    src = _source_state(arrays, p)
    feats = _lead_terms(src, p)
    ref = src["ref"]
    out = pd.DataFrame({"ts_ns": src["ts"], "log_mid": src["logmid"][:, ref],
                        "led": src["good"][:, ref], "imbalance": feats[:, 0]})
    others = [n for i, n in enumerate(arrays.streams.names) if i != ref]
    for j, name in enumerate(others):
        out[f"gap_{name}"] = feats[:, 1 + j]
    return out


def _lead_terms(src: dict, p: FairMidParams) -> np.ndarray:
    """Columns ``[I_ref, f_i g_i for each other stream]`` (bps), 0 where not usable."""
    ref, use = src["ref"], src["use"]
    stale_ns = int(p.stale_s * NS_PER_S)
    logmid = src["logmid"][:, ref]
    cols = [src["imb"][:, ref]]
    for i in range(use.shape[1]):
        if i == ref:
            continue
        gap = (src["logp"][:, i] - src["basis"][:, i] - logmid) * 1e4
        cols.append(np.where(use[:, i], (1.0 - src["age"][:, i] / stale_ns) * gap, 0.0))
    return np.column_stack(cols)


def _source_state(arrays: EventArrays, p: FairMidParams) -> dict:
    """Every source's last quote, freshness, outlier state and basis after every event."""
    streams = arrays.streams
    n_src, n = len(streams), len(arrays)
    ref = p.reference_index(streams)
    stale_ns = int(p.stale_s * NS_PER_S)
    ts = np.maximum.accumulate(arrays.ts_ns) if n else arrays.ts_ns
    is_bbo = arrays.kind == EventKind.BBO
    b, qb = arrays.bid_ticks, arrays.bid_lots
    a, qa = arrays.ask_ticks, arrays.ask_lots
    valid = (b > 0) & (a > b) & (qb > 0) & (qa > 0)
    den_lots = np.where(valid, qb + qa, 1)
    if p.price_kind == "mid":
        px = (b + a) * 0.5
    elif p.price_kind == "micro":
        px = (b * qa + a * qb) / den_lots
    else:
        px = np.zeros(n)
    imb_all = np.where(valid, (qb - qa) / den_lots, 0.0)
    price = np.zeros((n, n_src))
    okq = np.zeros((n, n_src), dtype=bool)
    qts = np.zeros((n, n_src), dtype=np.int64)
    s2 = np.zeros((n, n_src))
    logmid = np.zeros((n, n_src))
    imb = np.zeros((n, n_src))
    for i in range(n_src):
        sel = is_bbo & (arrays.stream == i)
        last = last_index(sel)
        has = last >= 0
        li = np.where(has, last, 0)
        pi = px
        if p.price_kind == "stoikov":
            pi = np.zeros(n)
            vi = np.flatnonzero(sel & valid)
            pi[vi] = p.stoikov[i].price_ticks(b[vi], qb[vi], a[vi], qa[vi])
        tick = streams.tick_sizes[i]
        pr = pi * tick
        rel = (a - b) * tick / np.where(valid, pr, 1.0)
        mid = np.log(np.where(valid, (b + a) * 0.5 * tick, 1.0))
        # the last quote's values where it was valid, the last valid ones' otherwise
        lv = last_index(sel & valid)
        lvi = np.maximum(lv, 0)
        price[:, i] = np.where(has, pr[li], 0.0)
        okq[:, i] = has & valid[li]
        qts[:, i] = np.where(has, ts[li], 0)
        s2[:, i] = np.where(has, (rel * rel)[li], 0.0)
        logmid[:, i] = np.where(lv >= 0, mid[lvi], 0.0)
        imb[:, i] = np.where(lv >= 0, imb_all[lvi], 0.0)
    age = ts[:, None] - qts
    fresh = okq & (age < stale_ns)
    logp = np.log(np.where(okq, price, 1.0))
    dev = p.max_deviation_bps * 1e-4
    far = (np.abs(logp[:, :, None] - logp[:, None, :]) > dev) & fresh[:, None, :]
    eye = np.eye(n_src, dtype=bool)[None]
    others = (fresh[:, None, :] & ~eye).sum(axis=2)
    good = fresh & ~(2 * (far & ~eye).sum(axis=2) > others)
    basis = np.zeros((n, n_src))
    has_basis = np.zeros((n, n_src), dtype=bool)
    has_basis[:, ref] = True
    for i in range(n_src):
        if i == ref:
            continue
        sample = is_bbo & (arrays.stream == i) & good[:, i] & good[:, ref]
        k = np.flatnonzero(sample)
        x = logp[k, i] - logp[k, ref]
        bk = decayed_cumsum(ts[k], x, p.basis_half_life_s) / decayed_cumsum(
            ts[k], np.ones(len(k)), p.basis_half_life_s)
        pos = np.cumsum(sample) - 1
        has_basis[:, i] = pos >= 0
        basis[:, i] = np.where(pos >= 0, bk[np.maximum(pos, 0)] if len(k) else 0.0, 0.0)
    return {"ref": ref, "ts": ts, "price": price, "logp": logp, "logmid": logmid, "imb": imb,
            "s2": s2, "age": age, "good": good, "use": good & has_basis, "basis": basis}
