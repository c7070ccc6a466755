"""An append-only record of what a run did: orders, cancels, rejects, fills, pulls."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

#: Columns of a journal record.
JOURNAL_COLUMNS = ("ts_ns", "action", "order_id", "venue", "symbol", "side", "price_ticks",
                   "size_lots", "fee", "reason")


@dataclass
class Journal:
    """Records appended in order; written to Parquet for analysis."""

    records: list[tuple] = field(default_factory=list)

    def append(self, ts_ns: int, action: str, order_id: int = -1, venue: str = "",
               symbol: str = "", side: int = 0, price_ticks: int = 0, size_lots: int = 0,
               fee: float = 0.0, reason: str = "") -> None:
        """Append one record (``action``: place, cancel, reject, fill, pull)."""
        self.records.append((ts_ns, action, order_id, venue, symbol, side, price_ticks,
                             size_lots, fee, reason))

    def to_frame(self) -> pd.DataFrame:
        """The records as a DataFrame with :data:`JOURNAL_COLUMNS`."""
        return pd.DataFrame.from_records(self.records, columns=list(JOURNAL_COLUMNS))

    def write_parquet(self, path: str | Path) -> Path:
        """Write the journal; returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.to_frame().to_parquet(path, index=False)
        return path
