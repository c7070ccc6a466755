"""VPIN with bulk volume classification against a hand computation of its definition."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.core.events import EventKind
from workbench.estimators import EventArrays, StreamSet, Vpin, VpinParams, vpin_frame

COINM = ("binance-coinm", "BTCUSD_PERP")  # 100 USD a contract: notional = 100 * lots


def _hand_vpin(sizes_usd, log_prices, v, n, half_life):
    """ELO 2012 / BVC 2016 written out bucket by bucket, one contract at a time."""
    lam = 2.0 ** (-1.0 / half_life)
    filled, start, dps, imbs = 0.0, log_prices[0], [], []
    for size, lp in zip(sizes_usd, log_prices):
        for _ in range(int(size // 100)):  # one 100 USD contract at a time
            filled += 100.0
            if filled >= v:
                dp = lp - start
                start = lp
                if dps:
                    weights = [lam ** (len(dps) - 1 - j) for j in range(len(dps))]
                    var = sum(w * d * d for w, d in zip(weights, dps)) / sum(weights)
                    buy = v * 0.5 * (1 + math.erf(dp / math.sqrt(var) / math.sqrt(2)))
                else:
                    buy = v / 2
                imbs.append(buy - (v - buy))
                dps.append(dp)
                filled = 0.0
    last = imbs[-n:]
    return (sum(x for x in last if x > 0) / (n * v), -sum(x for x in last if x < 0) / (n * v),
            len(imbs))


def _trades(seed: int, n: int):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 40, n) * 100.0
    log_prices = np.log(60_000.0) + np.cumsum(rng.normal(0, 2e-5, n))
    return sizes, log_prices


def test_bvc_vpin_matches_the_hand_computation():
    v, n, hl = 10_000.0, 20, 8.0
    sizes, lps = _trades(5, 3000)
    p = VpinParams(bucket_notional=v, n_buckets=n, sigma_half_life_buckets=hl)
    vpin = Vpin(p)
    for q, lp in zip(sizes.tolist(), lps.tolist()):
        vpin.on_trade(q, lp)
    buy, sell, done = _hand_vpin(sizes, lps, v, n, hl)
    assert vpin.buckets == done > n
    assert vpin.buy == pytest.approx(buy, rel=1e-9)
    assert vpin.sell == pytest.approx(sell, rel=1e-9)
    m = len(sizes)
    arrays = EventArrays(
        StreamSet.of([COINM]), np.arange(m, dtype=np.int64) * 1000, np.zeros(m, np.int64),
        np.full(m, EventKind.TRADE, np.uint8), *(np.zeros(m, np.int64) for _ in range(4)),
        np.full(m, 600_000, np.int64), (sizes / 100).astype(np.int64), np.ones(m, np.int64))
    frame = vpin_frame(arrays, lps, p)
    assert frame["vpin_buy"].iloc[-1] == pytest.approx(buy, rel=1e-9)
    assert frame["vpin_sell"].iloc[-1] == pytest.approx(sell, rel=1e-9)
    assert frame["buckets"].iloc[-1] == done


def test_bucket_split_is_the_normal_cdf_of_the_standardised_price_change():
    """Each trade fills one bucket: B_k - S_k = V (2 Phi(dP_k / sigma_{k-1}) - 1), with
    sigma^2 the bias-corrected EWMA of the earlier dP^2 and Phi from scipy."""
    from scipy.stats import norm

    from workbench.estimators.vpin import bucket_imbalances

    v, hl = 1000.0, 2.0
    lps = np.log(60_000.0) + np.array([0.0, 1e-4, -5e-5, 3e-4, 2e-4, -4e-4])
    imb, _, _ = bucket_imbalances(np.full(len(lps), v), lps,
                                  VpinParams(bucket_notional=v, n_buckets=3,
                                             sigma_half_life_buckets=hl))
    lam = 0.5 ** (1.0 / hl)
    dps = np.diff(np.concatenate(([lps[0]], lps)))
    want = []
    for k in range(len(dps)):
        w = lam ** np.arange(k - 1, -1, -1)
        sigma = np.sqrt(np.sum(w * dps[:k] ** 2) / np.sum(w)) if k else 0.0
        # no variance yet (the first bucket opens at its own price): split evenly
        want.append(v * (2.0 * norm.cdf(dps[k] / sigma) - 1.0) if sigma > 0 else 0.0)
    assert len(imb) == len(lps)
    np.testing.assert_allclose(imb, want, rtol=1e-12, atol=1e-9)
    assert imb[3] > 0.9 * v and imb[5] < -0.9 * v  # the big moves classify nearly all


def test_classification_uses_prices_not_aggressor_flags():
    """Flat prices: every bucket splits evenly whatever the prints' sides; a steady rise
    classifies most volume as buying."""
    p = VpinParams(bucket_notional=1000.0, n_buckets=4, sigma_half_life_buckets=4)
    flat, rising = Vpin(p), Vpin(p)
    rng = np.random.default_rng(7)
    lp = 0.0
    for _ in range(80):
        flat.on_trade(250.0, 0.0)
        lp += abs(rng.normal(1e-4, 2e-5))
        rising.on_trade(250.0, lp)
    assert flat.value == 0.0 and flat.buckets == 20
    assert rising.buy > 0.5 and rising.sell == 0.0


def test_bucket_size_from_traded_volume():
    p = VpinParams.from_volume(290_000.0, bucket_s=5.0, n_buckets=30)
    assert p.bucket_notional == pytest.approx(1_450_000.0)
    assert p.sigma_half_life_buckets == 30.0
    with pytest.raises(ValueError):
        VpinParams(bucket_notional=0.0)
