"""Comparing batch rows with golden decisions."""

from __future__ import annotations

import datetime
import math
from typing import Any, Dict, List

import pandas as pd
import pyarrow as pa


def plain(v: Any) -> Any:
    """A DataFrame cell as JSON-like Python (None for every kind of missing)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (pd.Timestamp, datetime.date)):
        return v.date().isoformat() if isinstance(v, datetime.datetime) else v.isoformat()
    if isinstance(v, (tuple, list)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if hasattr(v, "item"):  # numpy scalar
        return v.item()
    return v


def at(decision: Dict[str, Any], dotted: str) -> Any:
    node: Any = decision
    for part in dotted.split("."):
        if not isinstance(node, dict) or node.get(part) is None:
            return None
        node = node[part]
    return node


DECISION_COLUMNS_SKIP = {"error", "error_kind", "error_path", "trace"}


def row_matches(row: pd.Series, golden: Dict[str, Any]) -> List[str]:
    """Differences between a result row and the golden decision (or error)."""
    diffs = []
    if "kind" in golden and "as_of" not in golden:  # an error
        expected = {"error": golden["message"], "error_kind": golden["kind"], "error_path": golden.get("path")}
        for col, want in expected.items():
            if plain(row[col]) != want:
                diffs.append(f"{col}: {plain(row[col])!r} != {want!r}")
        for col in row.index:
            if col not in DECISION_COLUMNS_SKIP and plain(row[col]) is not None:
                diffs.append(f"{col} is set on an error row")
        return diffs
    if plain(row["error"]) is not None:
        return [f"unexpected error {row['error']!r}"]
    for col in row.index:
        if col in DECISION_COLUMNS_SKIP:
            continue
        if plain(row[col]) != at(golden, col):
            diffs.append(f"{col}: {plain(row[col])!r} != {at(golden, col)!r}")
    return diffs


def arrow_table(records: List[Dict[str, Any]]) -> pa.Table:
    """Records as an Arrow table of struct columns (or dotted columns when
    Arrow cannot type the nesting, e.g. an empty object)."""
    try:
        # pa.array unifies the keys of all rows (Table.from_pylist looks at the first only).
        return pa.Table.from_batches([pa.RecordBatch.from_struct_array(pa.array(records))])
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return pa.Table.from_pandas(pd.json_normalize(records, sep="."), preserve_index=False)
