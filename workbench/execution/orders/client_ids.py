"""Client order ids that are unique across sessions and restarts.

Inside the engine an order is an integer id from the session's
:class:`~workbench.execution.orders.ids.OrderIdAllocator`. On a venue it goes by a client
order id string made of the session's *namespace* and that integer: ``"wb1k2f9xq-17"``.
The namespace is drawn once when a session starts and written to its journal (the
``namespace`` of its start marker), so a restart from the journal keeps it, and two
sessions on one account never share an id. A venue order whose client id is not in our
namespace is not ours (:meth:`ClientIds.order_id` returns None for it).

The format fits the strictest venue rules met so far: at most 36 characters of
``[A-Za-z0-9_-]`` (Binance's ``newClientOrderId``).
"""

from __future__ import annotations

import re
import secrets
import time

from workbench.core.errors import ValidationError

#: Longest client order id a venue takes (Binance: 36).
MAX_CLIENT_ID_CHARS = 36
_NAMESPACE = re.compile(r"[a-z0-9]{1,16}")
_ORDER_ID = re.compile(r"[1-9][0-9]{0,18}")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(value: int) -> str:
    out = ""
    while True:
        value, digit = divmod(value, 36)
        out = _DIGITS[digit] + out
        if not value:
            return out


def new_namespace(wall_ns: int | None = None) -> str:
    """A fresh namespace: ``"wb"``, the start second in base 36, and 3 random characters.

    Two sessions started in the same second differ by their random part (one in 46,656
    clashes); sessions started in different seconds never clash.
    """
    seconds = (time.time_ns() if wall_ns is None else wall_ns) // 1_000_000_000
    return "wb" + _base36(seconds) + "".join(secrets.choice(_DIGITS) for _ in range(3))


class ClientIds:
    """Maps our integer order ids to a venue's client order ids and back.

    Parameters
    ----------
    namespace : str
        1 to 16 lowercase letters or digits (see :func:`new_namespace`).

    Raises
    ------
    ValidationError
        If the namespace is not of that form.
    """

    __slots__ = ("_prefix", "namespace")

    def __init__(self, namespace: str) -> None:
        if not isinstance(namespace, str) or not _NAMESPACE.fullmatch(namespace):
            raise ValidationError(f"client id namespace must be 1-16 of [a-z0-9]: "
                                  f"{namespace!r}")
        self.namespace = namespace
        self._prefix = namespace + "-"

    def client_id(self, order_id: int) -> str:
        """The client order id of our ``order_id``.

        Raises
        ------
        ValidationError
            If ``order_id`` is not a positive int or the id would be too long for a venue.
        """
        if type(order_id) is not int or order_id <= 0:
            raise ValidationError(f"order id must be a positive int: {order_id!r}")
        text = self._prefix + str(order_id)
        if len(text) > MAX_CLIENT_ID_CHARS:
            raise ValidationError(f"client order id {text!r} is longer than "
                                  f"{MAX_CLIENT_ID_CHARS} characters")
        return text

    def order_id(self, client_id: str) -> int | None:
        """Our order id behind ``client_id``, or None if it is not of this namespace."""
        if not isinstance(client_id, str) or not client_id.startswith(self._prefix):
            return None
        tail = client_id[len(self._prefix):]
        return int(tail) if _ORDER_ID.fullmatch(tail) else None

    def __repr__(self) -> str:
        return f"ClientIds({self.namespace!r})"
