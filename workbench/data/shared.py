"""Where the recorded data beside the checkout lives (``<checkout>/../shared/data``).

Notebooks run from the repository or from ``notebooks/``; a path relative to the working
directory means something else in each. :func:`shared_data` names the folder from the
package's own location instead (``WORKBENCH_SHARED_DATA`` overrides it).
"""

from __future__ import annotations

import os
from pathlib import Path


def shared_data(*parts: str) -> Path:
    """The recorded data folder (or a path inside it); it may not exist (CI has none)."""
    root = os.environ.get("WORKBENCH_SHARED_DATA")
    base = Path(root) if root else Path(__file__).resolve().parents[3] / "shared" / "data"
    return base.joinpath(*parts)
