"""Batch input and output: handing dicts, pandas DataFrames and Arrow
objects to the extension in chunks, and making pandas, pyarrow or polars
results of the Arrow batches it returns. No rule logic here: cells are
handed over as they are."""

from __future__ import annotations

import itertools
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from . import _hazard_rules as _native

# Rows per decided record batch: each is read, decided and written by one
# worker thread with its own evaluator and builders, so a batch's fixed costs
# (its builders, its dictionaries) are shared by this many rows.
CHUNK = 2048

# Rows handed to the extension at once when they come from Python objects
# (dicts, cells): enough batches of CHUNK rows for every core, decided in
# parallel, with the same batch boundaries as an Arrow table's.
GROUP = CHUNK * 4 * max(2, _native.threads())


def _module(obj: Any) -> str:
    return type(obj).__module__.split(".")[0]


def is_dataframe(obj: Any) -> bool:
    """A pandas DataFrame (without importing pandas)."""
    return _module(obj) == "pandas" and hasattr(obj, "iloc") and hasattr(obj, "columns")


def is_series(obj: Any) -> bool:
    """A pandas Series (one row of a DataFrame, say)."""
    return _module(obj) == "pandas" and hasattr(obj, "index") and hasattr(obj, "tolist") and not hasattr(obj, "columns")


def column_name(col: Any) -> str:
    """A DataFrame column label as a dotted input path (MultiIndex levels joined by dots)."""
    if isinstance(col, tuple):
        # MultiIndex levels; shorter labels are padded with "" or NaN.
        return ".".join(str(c) for c in col if c is not None and c == c and str(c) != "")
    return str(col)


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


def decide(decider: Any, records: Any, start: int = 0, progress: Optional[Any] = None) -> Any:
    """All of ``records`` decided into Arrow batches (a native
    ``DecidedBatches``); ``progress.update(n)`` after each chunk."""
    update = progress.update if progress is not None else None
    if is_dataframe(records):
        table = pandas_as_arrow(records)
        if table is not None:
            return decider.decide_arrow(table, CHUNK, start, update)
        names = [column_name(c) for c in records.columns]
        columns = [records.iloc[:, j] for j in range(len(names))]
        parts = []
        for i in range(0, len(records), GROUP):
            parts.append(
                decider.decide_columns(names, [c.iloc[i : i + GROUP].tolist() for c in columns], start + i, CHUNK)
            )
            if update:
                update(len(parts[-1]))
        return decider.join(parts)
    if speaks_arrow(records):
        return decider.decide_arrow(records, CHUNK, start, update)
    parts = []
    row = start
    for chunk in chunks(records, GROUP):
        parts.append(decider.decide_records(chunk, row, CHUNK))
        row += len(chunk)
        if update:
            update(len(chunk))
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
    return pa.table(decided) if output == "arrow" else to_pandas(decided, None)


def decide_stream(decider: Any, batches: Any, output: str, progress: Optional[Any] = None) -> Iterator[Any]:
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
    try:
        for decided in parts:
            if progress is not None:
                progress.update(len(decided))
            if output == "arrow":
                import pyarrow as pa

                yield from pa.RecordBatchReader.from_stream(decided)
            else:
                yield to_output(decided, output)
    finally:
        if progress is not None:
            progress.close()


def chunks(records: Iterable[Any], size: int = CHUNK) -> Iterable[List[Any]]:
    """A list or iterable of dicts in chunks of ``size``."""
    if isinstance(records, (str, bytes)) or hasattr(records, "keys"):
        raise TypeError("evaluate_list takes many records (a list of dicts); use evaluate() for one record")
    it = iter(records)
    while True:
        chunk = list(itertools.islice(it, size))
        if not chunk:
            return
        yield chunk


def series_cells(row: Any) -> Tuple[List[str], List[Any]]:
    """A pandas Series (dotted index) as names and cells."""
    return [column_name(k) for k in row.index], row.tolist()


def need_pandas() -> None:
    """Raises a helpful ImportError when the pandas frame cannot be made."""
    try:
        import pandas  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError as e:
        raise ImportError(
            "evaluate_many returns a pandas DataFrame, made from Arrow: pip install 'hazard-rules[pandas]' "
            "(pandas and pyarrow), or use evaluate_list for a list of decisions"
        ) from e


# Equal list cells and list entries (a post, a basis item, an empty list)
# are one Python object, up to this many distinct ones per column: most
# cells of a register repeat, and a dict per entry per row would be most of
# the frame's memory.
SHARED = 100_000


def _share(v: Any, memo: Dict[Any, Any]) -> Any:
    """``v`` with lists as tuples (as ``Decision`` has them), equal tuples
    and dicts made one object through ``memo``."""
    if isinstance(v, list):
        t = tuple(_share(x, memo) for x in v)
        key: Any = ("t", tuple(id(x) if isinstance(x, (dict, tuple)) else x for x in t))
        made: Any = t
    elif isinstance(v, dict):
        made = {k: _share(x, memo) for k, x in v.items()}
        key = ("d", tuple((k, id(x) if isinstance(x, (dict, tuple)) else x) for k, x in made.items()))
    else:
        return v
    found = memo.get(key)
    if found is not None:
        return found
    if len(memo) < SHARED:
        memo[key] = made
    return made


def _object_column(column: Any, rows: int) -> Any:
    """A list column as an object array of tuples, a slice at a time (so the
    Python lists of the whole column never exist at once)."""
    import numpy as np

    out = np.empty(rows, dtype=object)
    memo: Dict[Any, Any] = {}
    at = 0
    for chunk in column.chunks:
        for start in range(0, len(chunk), 4096):
            for v in chunk.slice(start, 4096).to_pylist():
                out[at] = None if v is None else _share(v, memo)
                at += 1
    return out


def _list_column(decided: Any, column: Any, name: str, rows: int) -> Any:
    """A list column as an object array of tuples: one Python object per
    distinct cell (the extension finds which cells are equal), shared by
    the rows that have it."""
    import numpy as np
    import pyarrow as pa

    found = decided.distinct(name)
    if found is None:
        return _object_column(column, rows)
    keys, firsts = found
    memo: Dict[Any, Any] = {}
    distinct = np.empty(len(firsts), dtype=object)
    # A slice of the distinct cells at a time (their copy is Arrow memory,
    # which its allocator keeps once used).
    for start in range(0, len(firsts), 4096):
        rows = pa.array(firsts[start : start + 4096], pa.uint64())
        for k, v in enumerate(column.take(rows).to_pylist(), start):
            distinct[k] = None if v is None else _share(v, memo)
    return distinct[np.frombuffer(keys, dtype="<u4")]


def to_pandas(decided: Any, index: Any, every_column: bool = False) -> Any:
    """Decided Arrow batches as the pandas frame of ``evaluate_many``: the
    columns of the sections some row has (``every_column``: all, so that
    frames of different parts have the same columns), the decision's text as
    pandas text, dates as ``datetime64[s]``, whole numbers ``Int64``, flags
    ``boolean``, lists as tuples; ``as_of`` and ``ruleset`` in ``attrs``."""
    import pandas as pd
    import pyarrow as pa

    table = pa.table(decided)
    if not every_column:
        table = table.select(decided.present_columns())
    metadata = table.schema.metadata or {}
    dates, lists = [], []
    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(field.type.value_type))
        elif pa.types.is_date32(field.type):
            dates.append(field.name)
        elif pa.types.is_list(field.type):
            lists.append(field.name)
    plain = table.drop_columns(lists)
    mapper = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}.get
    frame = plain.to_pandas(types_mapper=mapper, date_as_object=False)
    del plain
    for name in dates:
        frame[name] = frame[name].astype("datetime64[s]")
    for name in lists:
        frame[name] = _list_column(decided, table.column(name), name, table.num_rows)
    frame = frame[table.column_names]
    if index is not None:
        frame.index = index
    frame.attrs.update({k.decode(): v.decode() for k, v in metadata.items()})
    return frame


def to_pandas_arrow(decided: Any, index: Any) -> Any:
    """Decided Arrow batches as a pandas frame of pyarrow-backed columns
    (``pd.ArrowDtype``): every decision column, typed as in Arrow (the
    decision's text as ``string``, not dictionaries), so that the frame
    says what its lists hold; ``as_of`` and ``ruleset`` in ``attrs``."""
    import pandas as pd
    import pyarrow as pa

    table = pa.table(decided)
    metadata = table.schema.metadata or {}
    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(field.type.value_type))
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    if index is not None:
        frame.index = index
    frame.attrs.update({k.decode(): v.decode() for k, v in metadata.items()})
    return frame
