"""Batch input and output: reading dicts, pandas DataFrames and Arrow tables
in chunks, and building the result DataFrame from the extension's column
buffers. No rule logic here: cells are handed over as they are."""

from __future__ import annotations

import itertools
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

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


def speaks_arrow(obj: Any) -> bool:
    """An object with the Arrow PyCapsule interface (pyarrow, polars, DuckDB...)."""
    return hasattr(obj, "__arrow_c_stream__") or hasattr(obj, "__arrow_c_array__")


def pandas_as_arrow(frame: Any) -> Optional[Any]:
    """A pandas DataFrame as a pyarrow Table (columns named by their dotted
    paths), or ``None`` when pyarrow is not installed or cannot type a column
    (one mixing numbers and text, say): such a frame is read cell by cell."""
    try:
        import pyarrow as pa
    except ImportError:
        return None
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.lib.ArrowException, TypeError, ValueError):
        return None
    return table.rename_columns([column_name(c) for c in frame.columns])


def feed(batch: Any, records: Any) -> Optional[Any]:
    """Feeds ``records`` to the native batch in chunks; returns the index of the
    result (the DataFrame's own index, or ``None`` for a range)."""
    if is_dataframe(records):
        table = pandas_as_arrow(records)
        if table is not None:
            batch.add_arrow(table, CHUNK)
            return records.index
        names = [column_name(c) for c in records.columns]
        # Column by column: slicing rows of the frame itself could make pandas
        # consolidate (copy) the caller's frame.
        columns = [records.iloc[:, j] for j in range(len(names))]
        for start in range(0, len(records), CHUNK):
            batch.add_columns(names, [c.iloc[start : start + CHUNK].tolist() for c in columns])
        return records.index
    if speaks_arrow(records):
        # Read in Rust through the Arrow C stream interface: no Python object per cell.
        batch.add_arrow(records, CHUNK)
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


def decide(decider: Any, records: Any, start: int = 0) -> Any:
    """All of ``records`` decided into Arrow batches (a native ``DecidedBatches``)."""
    if is_dataframe(records):
        table = pandas_as_arrow(records)
        if table is not None:
            return decider.decide_arrow(table, CHUNK, start)
        names = [column_name(c) for c in records.columns]
        columns = [records.iloc[:, j] for j in range(len(names))]
        parts = [
            decider.decide_columns(names, [c.iloc[i : i + CHUNK].tolist() for c in columns], start + i)
            for i in range(0, len(records), CHUNK)
        ]
        return decider.join(parts)
    if speaks_arrow(records):
        return decider.decide_arrow(records, CHUNK, start)
    parts = []
    row = start
    for chunk in chunks(records):
        parts.append(decider.decide_records(chunk, row))
        row += len(chunk)
    return decider.join(parts)


def to_output(decided: Any, output: str) -> Any:
    """Decided Arrow batches as a pyarrow Table, a polars or a pandas DataFrame."""
    if output == "polars":
        try:
            import polars as pl
        except ImportError as e:
            raise ImportError('output="polars" needs polars: pip install polars') from e
        return pl.DataFrame(decided)
    try:
        import pyarrow as pa
    except ImportError as e:
        raise ImportError(f"output={output!r} needs pyarrow: pip install 'hazard-rules[arrow]'") from e
    table = pa.table(decided)
    return table if output == "arrow" else table.to_pandas()


def decide_stream(decider: Any, batches: Any, output: str) -> Iterator[Any]:
    """Decides a stream lazily, batch by batch (see ``Ruleset.evaluate_batches``)."""
    if hasattr(batches, "__arrow_c_stream__") and not is_dataframe(batches):
        parts: Iterable[Any] = decider.stream(batches, CHUNK)
    else:
        if isinstance(batches, (str, bytes)) or hasattr(batches, "keys"):
            raise TypeError("evaluate_batches takes a stream or an iterable of batches; use evaluate() for one record")

        def each() -> Iterator[Any]:
            row = 0
            for batch in batches:
                decided = decide(decider, batch, row)
                row += len(decided)
                yield decided

        parts = each()
    for decided in parts:
        if output == "arrow":
            import pyarrow as pa

            yield from pa.RecordBatchReader.from_stream(decided)
        else:
            yield to_output(decided, output)


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
