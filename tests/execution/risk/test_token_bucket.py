"""Token bucket: exact in integer nanoseconds, equal to a plain leaky-bucket reference."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.core import ValidationError
from workbench.execution.risk import TokenBucket

MS = 1_000_000


def test_burst_then_one_token_per_interval_to_the_nanosecond():
    bucket = TokenBucket(10.0, 5)  # one token every 100 ms, five at most
    assert bucket.interval_ns == 100 * MS and bucket.tokens(0) == 5
    assert [bucket.try_take(0) for _ in range(6)] == [True] * 5 + [False]
    assert bucket.tokens(0) == 0 and bucket.wait_ns(0) == 100 * MS
    assert not bucket.try_take(100 * MS - 1)
    assert bucket.try_take(100 * MS) and not bucket.try_take(100 * MS)
    assert bucket.tokens(250 * MS) == 1 and bucket.wait_ns(250 * MS) == 0
    assert bucket.tokens(10_000 * MS) == 5  # never more than the burst


def test_rounding_of_the_interval_and_validation():
    assert TokenBucket(3.0, 1).interval_ns == 333_333_333
    for rate, burst in ((0.0, 1), (-1.0, 1), (1.0, 0), (float("nan"), 1), (2e9, 1)):
        with pytest.raises(ValidationError):
            TokenBucket(rate, burst)


class LeakyReference:
    """A bucket of ``burst * interval`` ns of credit, refilled one ns per ns."""

    def __init__(self, interval_ns: int, burst: int) -> None:
        self.interval, self.capacity = interval_ns, interval_ns * burst
        self.credit, self.last = self.capacity, 0

    def _refill(self, now_ns: int) -> None:
        self.credit = min(self.capacity, self.credit + now_ns - self.last)
        self.last = now_ns

    def tokens(self, now_ns: int) -> int:
        self._refill(now_ns)
        return self.credit // self.interval

    def take(self, now_ns: int) -> bool:
        self._refill(now_ns)
        if self.credit >= self.interval:
            self.credit -= self.interval
            return True
        return False


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.integers(1, 1000), st.integers(1, 20),
       st.lists(st.integers(0, 400 * MS), min_size=1, max_size=60))
def test_matches_the_reference_on_any_schedule(rate, burst, gaps):
    bucket = TokenBucket(float(rate), burst)
    ref = LeakyReference(bucket.interval_ns, burst)
    now = 0
    for gap in gaps:
        now += gap
        assert bucket.tokens(now) == ref.tokens(now)
        assert bucket.try_take(now) == ref.take(now)
