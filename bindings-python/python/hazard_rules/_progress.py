"""Progress of long batches (``progress=True``): a tqdm bar when tqdm is
installed (``tqdm.auto``: a widget in notebooks, a bar in terminals; the
``progress`` extra), else one line on stderr, rewritten at most twice a
second."""

from __future__ import annotations

import sys
import time
from typing import Any, Optional


class _Line:
    """The bar without tqdm: ``decided 12,288 of 100,000 records (12%)``."""

    def __init__(self, total: Optional[int]) -> None:
        self.total = total
        self.done = 0
        self.shown = 0.0

    def update(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.shown >= 0.5:
            self.shown = now
            self._show()

    def _show(self) -> None:
        text = f"decided {self.done:,} records"
        if self.total:
            text = f"decided {self.done:,} of {self.total:,} records ({100 * self.done // self.total}%)"
        sys.stderr.write(f"\r{text}")
        sys.stderr.flush()

    def close(self) -> None:
        self._show()
        sys.stderr.write("\n")
        sys.stderr.flush()


def bar(enabled: bool, total: Optional[int]) -> Optional[Any]:
    """A progress bar with ``update(n)`` and ``close()``, or ``None`` when not asked for."""
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _Line(total)
    return tqdm(total=total, unit=" records", desc="hazard-rules")


def total(records: Any) -> Optional[int]:
    """How many records there are, when that is known up front."""
    if hasattr(records, "num_rows"):
        return int(records.num_rows)
    try:
        return len(records)
    except TypeError:
        return None
