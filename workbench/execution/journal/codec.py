"""How a journal record is stored: one row of typed columns, the same in SQLite and Parquet.

Every row has ``seq`` (the sequence number), ``ts_ns`` (the record's event time),
``wall_ns`` (wall clock at the append) and ``kind`` (which record type, see
:data:`KINDS`). Every other dataclass field of a record is stored in the column of the
same name (``order_id``, ``price_ticks``, ``fee``, ...); a column the record type does
not have is NULL. Enums are stored by value (``side`` as +1/-1, ``tif``/``liquidity``/
``command``/``event`` as their strings), booleans as 0/1, a parameter value as JSON text
(``value_json``). Decoding rebuilds the same dataclass, field for field.

A field with a default that a row leaves NULL (the column was added after the row was
written) decodes to its default.

Limits of the encoding: integers must fit in 64 signed bits and a fee must not be NaN
(SQLite has no NaN); both are refused with :class:`ValidationError` when appended.
"""

from __future__ import annotations

import dataclasses
import operator
import typing
from enum import Enum
from typing import NamedTuple

from workbench.core.commands import (
    Accepted,
    Amend,
    Amended,
    Cancel,
    Canceled,
    Filled,
    Place,
    Rejected,
)
from workbench.core.errors import DataError, ValidationError
from workbench.execution.journal.records import (
    JournalEntry,
    ParamChange,
    PositionCorrected,
    Record,
    RiskEvent,
    SessionMarker,
)


class ColumnSpec(NamedTuple):
    """A stored column: its name, SQLite type and Arrow type alias (for Parquet)."""

    name: str
    sql_type: str
    arrow_type: str


#: The stored columns, in order.
RECORD_COLUMNS: tuple[ColumnSpec, ...] = tuple(ColumnSpec(*c) for c in (
    ("seq", "INTEGER", "int64"),
    ("ts_ns", "INTEGER", "int64"),
    ("wall_ns", "INTEGER", "int64"),
    ("kind", "TEXT", "string"),
    ("order_id", "INTEGER", "int64"),
    ("venue", "TEXT", "string"),
    ("symbol", "TEXT", "string"),
    ("side", "INTEGER", "int8"),
    ("price_ticks", "INTEGER", "int64"),
    ("size_lots", "INTEGER", "int64"),
    ("remaining_lots", "INTEGER", "int64"),
    ("previous_lots", "INTEGER", "int64"),
    ("fill_id", "INTEGER", "int64"),
    ("fee", "REAL", "float64"),
    ("liquidity", "TEXT", "string"),
    ("tif", "TEXT", "string"),
    ("command", "TEXT", "string"),
    ("event", "TEXT", "string"),
    ("transient", "INTEGER", "bool"),
    ("kept_priority", "INTEGER", "bool"),
    ("reason", "TEXT", "string"),
    ("name", "TEXT", "string"),
    ("value_json", "TEXT", "string"),
    ("mode", "TEXT", "string"),
    ("venue_order_id", "TEXT", "string"),
    ("code", "TEXT", "string"),
))

#: The ``kind`` stored for each record type.
KINDS: dict[type, str] = {
    Place: "place", Cancel: "cancel", Amend: "amend",
    Accepted: "accepted", Rejected: "rejected", Canceled: "canceled", Amended: "amended",
    Filled: "filled",
    ParamChange: "param", RiskEvent: "risk", SessionMarker: "session",
    PositionCorrected: "position",
}

_INDEX = {c.name: i for i, c in enumerate(RECORD_COLUMNS)}
_WIDTH = len(RECORD_COLUMNS)
_PLAIN = frozenset({int, float, str, bool, type(None)})


class _Layout(NamedTuple):
    cls: type
    kind: str
    get_fields: operator.attrgetter
    columns: tuple[int, ...]  # column index of each field, in field order
    converters: tuple[tuple[int, type], ...]  # (field position, enum or bool type)
    defaults: tuple[tuple[int, object], ...]  # (field position, default): NULL reads as it


def _layout(cls: type, kind: str) -> _Layout:
    fields = dataclasses.fields(cls)
    names = [f.name for f in fields]
    hints = typing.get_type_hints(cls)
    converters = tuple((pos, hints[name]) for pos, name in enumerate(names)
                       if isinstance(hints[name], type) and issubclass(hints[name], Enum | bool))
    defaults = tuple((pos, f.default) for pos, f in enumerate(fields)
                     if f.default is not dataclasses.MISSING and f.default is not None)
    return _Layout(cls, kind, operator.attrgetter(*names),
                   tuple(_INDEX[name] for name in names), converters, defaults)


_BY_CLASS = {cls: _layout(cls, kind) for cls, kind in KINDS.items()}
_BY_KIND = {layout.kind: layout for layout in _BY_CLASS.values()}


def encode(seq: int, wall_ns: int, record: Record) -> list:
    """The row of ``record``, in :data:`RECORD_COLUMNS` order.

    Raises
    ------
    ValidationError
        If ``record`` is not a journal record type, a field is not a plain ``int``,
        ``float``, ``str``, ``bool``, enum or None (a numpy scalar, say), or a fee is NaN.
    """
    layout = _BY_CLASS.get(type(record))
    if layout is None:
        raise ValidationError(f"not a journal record: {record!r}")
    row = [None] * _WIDTH
    row[0] = seq
    row[2] = wall_ns
    row[3] = layout.kind
    for column, value in zip(layout.columns, layout.get_fields(record)):
        if value.__class__ not in _PLAIN and not isinstance(value, Enum):
            raise ValidationError(f"{record!r}: cannot journal a {type(value).__name__}")
        if value != value:
            raise ValidationError(f"{record!r}: NaN cannot be journaled")
        row[column] = value
    return row


def decode(row: typing.Sequence) -> JournalEntry:
    """The entry stored in ``row`` (a sequence in :data:`RECORD_COLUMNS` order).

    Raises
    ------
    DataError
        If the row's kind is unknown or its values do not fit the record type.
    """
    layout = _BY_KIND.get(row[3])
    if layout is None:
        raise DataError(f"record seq={row[0]}: unknown kind {row[3]!r}")
    values = [row[column] for column in layout.columns]
    for pos, default in layout.defaults:  # a field added after the row was written
        if values[pos] is None:
            values[pos] = default
    try:
        for pos, convert in layout.converters:
            values[pos] = convert(values[pos])
        record = layout.cls(*values)
    except (ValueError, TypeError) as exc:
        raise DataError(f"record seq={row[0]} ({layout.kind}): {exc}") from exc
    return JournalEntry(row[0], row[2], record)
