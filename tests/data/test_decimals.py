"""The live feed's compiled decimal reader: float()'s doubles, or a fall back."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.data.binance import decimals
from workbench.data.binance.parse import parse_file, parse_lines, read_lines
from workbench.data.sample import sample_paths

pytestmark = pytest.mark.skipif(not decimals.load(), reason="numba is not installed")


def test_every_decimal_is_the_double_float_gives():
    rng = np.random.default_rng(5)
    mantissa = rng.integers(0, 2**53, 100_000, dtype=np.int64).tolist()
    places = rng.integers(0, 16, 100_000).tolist()
    signs = rng.random(100_000) < 0.1
    text = [("-" if neg else "") + (str(m) if not d else f"{m // 10**d}.{m % 10**d:0{d}d}")
            for m, d, neg in zip(mantissa, places, signs, strict=True)]
    text += ["9007199254740991", "0.000000000000001", "0.1", "-0", "00012.500"]
    got = decimals.read_decimals(",".join(text).encode(), len(text))
    assert got is not None
    assert got.tolist() == [float(t) for t in text]
    assert np.signbit(got[-2])  # "-0" is float("-0"), the negative zero


def test_brackets_and_quotes_around_the_levels_are_read_past():
    got = decimals.read_decimals(b'["61496.50","0.010"],["61510.90","0.000"]]', 4)
    assert got.tolist() == [61496.5, 0.01, 61510.9, 0.0]


@pytest.mark.parametrize(("blob", "expected"), [
    (b"1.", 1), (b".5", 1), (b"+1", 1), (b"1e5", 1), (b"1_0", 1), (b" 1", 1), (b"1 ", 1),
    (b"", 1), (b"1,,2", 3), (b"1-2", 1), (b"--1", 1), (b"-", 1), (b"1.2.3", 1), (b"nan", 1),
    (b"inf", 1), (b"9007199254740992", 1), (b"0.30000000000000004", 1),
    (b"1234567890123456789", 1), (b"1,2,3", 2), (b"1,2", 3)])
def test_forms_it_does_not_read_fall_back(blob, expected):
    assert decimals.read_decimals(blob, expected) is None


def test_compiled_numbers_parse_the_sample_as_the_default_reader_does():
    for path in sample_paths():
        lines = read_lines(path)
        default, _ = parse_file(path)
        compiled, _ = parse_lines(lines, str(path), default[0].venue, compiled_numbers=True)
        assert len(compiled) == len(default)
        for a, b in zip(default, compiled, strict=True):
            for col in a.messages:
                np.testing.assert_array_equal(a.messages[col], b.messages[col])
            for col in a.rows:
                np.testing.assert_array_equal(a.rows[col], b.rows[col])
