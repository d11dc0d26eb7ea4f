"""Batch input and output: reading dicts, pandas DataFrames and Arrow tables
in chunks, and building the result DataFrame from the extension's column
buffers. No rule logic here: cells are handed over as they are."""

from __future__ import annotations

import itertools
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from . import _hazard_rules as _native

# Rows per chunk: enough to keep every core busy, few enough that a chunk's
# intermediate results stay a few megabytes (they are most of the memory a
# batch needs beyond its result).
CHUNK = 256 * max(2, _native.threads())


def _module(obj: Any) -> str:
    return type(obj).__module__.split(".")[0]


def is_dataframe(obj: Any) -> bool:
    """A pandas DataFrame (without importing pandas)."""
    return _module(obj) == "pandas" and hasattr(obj, "iloc") and hasattr(obj, "columns")


def is_series(obj: Any) -> bool:
    """A pandas Series (one row of a DataFrame, say)."""
    return _module(obj) == "pandas" and hasattr(obj, "index") and hasattr(obj, "tolist") and not hasattr(obj, "columns")


def is_arrow(obj: Any) -> bool:
    """A pyarrow Table or RecordBatch."""
    return _module(obj) == "pyarrow" and hasattr(obj, "column_names") and hasattr(obj, "slice")


def column_name(col: Any) -> str:
    """A DataFrame column label as a dotted input path (MultiIndex levels joined by dots)."""
    if isinstance(col, tuple):
        # MultiIndex levels; shorter labels are padded with "" or NaN.
        return ".".join(str(c) for c in col if c is not None and c == c and str(c) != "")
    return str(col)


def row_count(records: Any) -> int:
    """The number of records when it is known up front (0 if not)."""
    if is_dataframe(records):
        return len(records)
    if is_arrow(records):
        return int(records.num_rows)
    if isinstance(records, (list, tuple)):
        return len(records)
    return 0


def feed(batch: Any, records: Any) -> Optional[Any]:
    """Feeds ``records`` to the native batch in chunks; returns the index of the
    result (the DataFrame's own index, or ``None`` for a range)."""
    if is_dataframe(records):
        names = [column_name(c) for c in records.columns]
        # Column by column: slicing rows of the frame itself could make pandas
        # consolidate (copy) the caller's frame.
        columns = [records.iloc[:, j] for j in range(len(names))]
        for start in range(0, len(records), CHUNK):
            batch.add_columns(names, [c.iloc[start : start + CHUNK].tolist() for c in columns])
        return records.index
    if not is_arrow(records) and hasattr(records, "__arrow_c_stream__"):
        # polars, DuckDB and others that speak the Arrow PyCapsule interface.
        try:
            import pyarrow as pa
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("reading this table needs pyarrow: pip install 'hazard-rules[arrow]'") from e
        records = pa.table(records)
    if is_arrow(records):
        names = list(records.column_names)
        for start in range(0, records.num_rows, CHUNK):
            part = records.slice(start, CHUNK)
            batch.add_columns(names, [c.to_pylist() for c in part.columns])
        return None
    if isinstance(records, (str, bytes)) or hasattr(records, "keys"):
        raise TypeError(
            "evaluate_many takes many records (a list of dicts, a DataFrame or an Arrow table); "
            "use evaluate() for one record"
        )
    it = iter(records)
    while True:
        chunk = list(itertools.islice(it, CHUNK))
        if not chunk:
            break
        batch.add_records(chunk)
    return None


def chunks(records: Iterable[Any]) -> Iterable[List[Any]]:
    """A list or iterable of dicts in chunks."""
    if isinstance(records, (str, bytes)) or hasattr(records, "keys"):
        raise TypeError("evaluate_list takes many records (a list of dicts); use evaluate() for one record")
    it = iter(records)
    while True:
        chunk = list(itertools.islice(it, CHUNK))
        if not chunk:
            return
        yield chunk


def series_cells(row: Any) -> Tuple[List[str], List[Any]]:
    """A pandas Series (dotted index) as names and cells."""
    return [column_name(k) for k in row.index], row.tolist()


def _object_array(np: Any, values: Sequence[Any]) -> Any:
    # fromiter keeps tuples whole (np.array would make a 2-D array of them).
    return np.fromiter(values, dtype=object, count=len(values))


def _text_dtype(pd: Any) -> Any:
    return "str" if int(pd.__version__.split(".")[0]) >= 3 else object


def build_frame(columns: List[Tuple[str, str, Any, Any]], rows: int, index: Any, attrs: Dict[str, Any]) -> Any:
    """The result DataFrame from ``(name, kind, data, missing)`` column buffers
    (emptied on the way)."""
    try:
        import numpy as np
        import pandas as pd
    except ImportError as e:
        raise ImportError(
            "evaluate_many returns a pandas DataFrame: pip install 'hazard-rules[pandas]' "
            "(or use evaluate_list for a list of decisions)"
        ) from e
    data: Dict[str, Any] = {}
    # Each buffer is dropped as soon as its column is made, so the batch's
    # data is not held twice over (the caller must not keep `columns`).
    columns.reverse()
    while columns:
        name, kind, values, missing = columns.pop()
        if kind == "int":
            arr: Any = pd.arrays.IntegerArray(
                np.frombuffer(values, dtype="<i8"), np.frombuffer(missing, dtype=np.bool_)
            )
        elif kind == "float":
            arr = np.frombuffer(values, dtype="<f8")
        elif kind == "bool":
            arr = pd.arrays.BooleanArray(np.frombuffer(values, dtype=np.bool_), np.frombuffer(missing, dtype=np.bool_))
        elif kind == "date":
            arr = np.frombuffer(values, dtype="<i8").view("datetime64[s]")
        elif kind == "missing":
            # A text column with no values (error columns of a batch without errors).
            arr = pd.array(np.full(rows, None, dtype=object), dtype=_text_dtype(pd))
        elif kind == "str":
            # pandas' own text dtype: `str` from pandas 3 on, object before.
            arr = pd.array(_object_array(np, values), dtype=_text_dtype(pd))
        else:
            arr = _object_array(np, values)
        data[name] = arr
        del values, missing
    if index is None:
        index = pd.RangeIndex(rows)
    # copy=False: the columns are not consolidated into 2-D blocks (a copy).
    frame = pd.DataFrame(data, index=index, copy=False)
    frame.attrs.update(attrs)
    return frame
