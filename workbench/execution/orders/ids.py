"""Order ids: one allocator per session, so ids never repeat within it."""

from __future__ import annotations

from workbench.core.errors import ValidationError


class OrderIdAllocator:
    """Hands out increasing integer order ids.

    Parameters
    ----------
    first_id : int
        The first id handed out (> 0). A live session should start above every id a
        previous session used on the same account, e.g. from the wall clock.
    """

    __slots__ = ("_next",)

    def __init__(self, first_id: int = 1) -> None:
        if first_id <= 0:
            raise ValidationError(f"first order id must be positive: {first_id}")
        self._next = first_id

    def next_id(self) -> int:
        """A fresh id."""
        oid = self._next
        self._next = oid + 1
        return oid

    def reserve(self, next_id: int) -> None:
        """Never hand out an id below ``next_id`` from now on (ids of an earlier session)."""
        if next_id > self._next:
            self._next = next_id
