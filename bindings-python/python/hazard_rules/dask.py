"""Deciding a Dask DataFrame: each partition decided on its worker with
:meth:`Ruleset.evaluate_many`, the ruleset shipped to the workers once per
process (it pickles as its bundle text, or the name of an embedded one).

>>> import dask.dataframe as dd  # doctest: +SKIP
>>> from hazard_rules.dask import evaluate
>>> decided = evaluate(dd.read_parquet("register/"), as_of="2024-06-30")  # doctest: +SKIP
>>> decided.to_parquet("decided/")  # doctest: +SKIP

Dask turns columns of Python objects into text when it makes a DataFrame
from pandas (``dataframe.convert-string``), so a list column such as
``hazard.items`` becomes its ``repr``, which is not a list: build such frames
under ``dask.config.set({"dataframe.convert-string": False})``, or read them
from Parquet, where lists stay lists.

The result has one row per input row, with the partition's index, and every
decision column (not only the sections the partition has, so that all
partitions agree with ``meta``): the columns and dtypes of
``evaluate_many``'s pandas frame. With ``dtype_backend="pyarrow"`` every
column is a pyarrow-backed dtype instead (``pd.ArrowDtype``: lists as
``list<struct<...>>``, dates as ``date32``), so that ``meta`` says what a
list column holds and ``to_parquet`` writes it as such (a column of Python
objects in ``meta`` cannot say that, and pyarrow refuses it):

>>> decided = evaluate(register, as_of="2024-06-30", dtype_backend="pyarrow")  # doctest: +SKIP
>>> decided.to_parquet("decided/")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Optional

from . import _frame
from ._api import DateLike, Ruleset, _as_of, _check_errors, _rules

__all__ = ["evaluate"]


DTYPE_BACKENDS = ("numpy_nullable", "pyarrow")


def _decide(part: Any, rules: Ruleset, as_of: str, errors: str, trace: bool, dtype_backend: str) -> Any:
    """One partition (a pandas DataFrame) decided, as a pandas frame with every column."""
    decider = rules._arrow_decider(as_of, errors, trace)
    decided = _frame.decide(decider, part)
    if dtype_backend == "pyarrow":
        return _frame.to_pandas_arrow(decided, part.index)
    return _frame.to_pandas(decided, part.index, every_column=True)


def evaluate(
    frame: Any,
    as_of: DateLike,
    *,
    ruleset: Optional[Ruleset] = None,
    errors: str = "collect",
    trace: bool = False,
    dtype_backend: str = "numpy_nullable",
) -> Any:
    """Decides a Dask DataFrame (columns as for :meth:`Ruleset.evaluate_many`:
    dotted names or dict columns) lazily, partition by partition
    (``map_partitions`` with the result's ``meta``); ``ruleset`` defaults to
    :meth:`Ruleset.default`. Returns a Dask DataFrame; ``errors="raise"``
    raises the first error of a partition when it is computed.
    ``dtype_backend``: ``"numpy_nullable"`` (the dtypes of
    ``evaluate_many``) or ``"pyarrow"`` (``pd.ArrowDtype`` columns, for
    ``to_parquet``)."""
    _check_errors(errors)
    if dtype_backend not in DTYPE_BACKENDS:
        raise ValueError(f'dtype_backend must be "numpy_nullable" or "pyarrow", not {dtype_backend!r}')
    _frame.need_pandas()
    rules = _rules(ruleset)
    date = _as_of(as_of)
    meta = _decide(frame._meta, rules, date, errors, trace, dtype_backend)
    return frame.map_partitions(_decide, rules, date, errors, trace, dtype_backend, meta=meta)
