"""A compiled reader of the level lists' decimals, for the live feed's batches.

The recorded files' parser reads its numbers with ``orjson`` (no compiler to load on a
command line that reads one file); a live feed reads many small batches for as long as
it runs, and there the numbers are most of the parse: this kernel (numba, compiled once
and cached on disk) reads them straight from the level lists' bytes, skipping their
brackets and quotes, in one pass.

A number is ``-?digits(.digits)?`` with at most 18 digits and a mantissa below 2**53; its
value is the mantissa divided by a power of ten, both exact doubles, so the quotient is
the correctly rounded decimal, the double ``float()`` gives. Anything else (another form,
another character, an empty field, more digits) makes the whole batch fall back to the
parser's own reader, which either reads it or says which line is bad.
"""

from __future__ import annotations

import numpy as np

_kernel = None
#: Mantissas from here on are not all exact doubles.
_EXACT = 2**53


def _compile():
    import numba

    @numba.njit(cache=True, nogil=True)
    def read(buf, out):  # pragma: no cover - compiled
        pow10 = np.empty(23, dtype=np.float64)
        p = 1.0
        for k in range(23):
            pow10[k] = p
            p *= 10.0
        n = 0
        mant = 0
        digits = 0
        places = -1  # -1: no point seen
        neg = False
        in_number = False
        for i in range(len(buf)):
            c = buf[i]
            if c == 44:  # ","
                if (not in_number or digits == 0 or places == 0 or n >= len(out)
                        or mant >= _EXACT):
                    return -1
                v = mant / pow10[places if places > 0 else 0]
                out[n] = -v if neg else v
                n += 1
                mant, digits, places, neg, in_number = 0, 0, -1, False, False
            elif 48 <= c <= 57:
                if digits == 18:
                    return -1
                mant = mant * 10 + (c - 48)
                digits += 1
                if places >= 0:
                    places += 1
                in_number = True
            elif c == 46:  # "."
                if places >= 0 or digits == 0:
                    return -1
                places = 0
            elif c == 45:  # "-"
                if in_number or neg:
                    return -1
                neg = True
                in_number = True
            elif c == 91 or c == 93 or c == 34:  # "[", "]", '"'
                continue
            else:
                return -1
        if not in_number or digits == 0 or places == 0 or n >= len(out) or mant >= _EXACT:
            return -1
        v = mant / pow10[places if places > 0 else 0]
        out[n] = -v if neg else v
        return n + 1

    return read


def load() -> bool:
    """Compile (or load from the cache) the kernel; False where numba is unavailable."""
    global _kernel
    if _kernel is None:
        try:
            _kernel = _compile()
            _kernel(np.frombuffer(b"1", dtype=np.uint8), np.empty(1))
        except ImportError:
            _kernel = False
    return _kernel is not False


def read_decimals(blob: bytes, expected: int) -> np.ndarray | None:
    """The ``expected`` comma-separated decimals of ``blob`` (brackets and quotes around
    them ignored) as float64, or None when any of them is not of the simple form or the
    count differs (:func:`load` first)."""
    out = np.empty(expected, dtype=np.float64)
    return out if _kernel(np.frombuffer(blob, dtype=np.uint8), out) == expected else None
