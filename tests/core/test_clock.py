import pytest

from workbench.core import SimulatedClock, ValidationError, WallClock


def test_simulated_clock_moves_forward_only():
    clock = SimulatedClock(10)
    clock.advance_to(15)
    assert clock.now_ns() == 15
    with pytest.raises(ValidationError):
        clock.advance_to(14)


def test_wall_clock_is_monotone_enough():
    clock = WallClock()
    a = clock.now_ns()
    assert clock.now_ns() >= a > 1_600_000_000 * 10**9
