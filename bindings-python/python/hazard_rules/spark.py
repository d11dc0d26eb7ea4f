"""Deciding a Spark DataFrame: ``mapInArrow`` hands each task's rows to
:meth:`Ruleset.evaluate_many`'s Arrow path as record batches, and the
decisions come back as record batches with a declared schema. The ruleset
travels in the task's closure as how it was made (the name of an embedded
one, or its bundle text) and is loaded once per Python worker process.

>>> from hazard_rules.spark import evaluate  # doctest: +SKIP
>>> decided = evaluate(spark.read.parquet("register/"), as_of="2024-06-30")  # doctest: +SKIP
>>> decided.write.parquet("decided/")  # doctest: +SKIP

The result has a row per input row and every decision column of
``evaluate_many(..., output="arrow")``, the decision's text as plain strings
(Spark has no dictionary type). Input columns are as for ``evaluate_many``;
prefer struct columns (``hazard`` with a field ``sector``): Spark reads a dot in
a column name as a field access unless it is quoted.
"""

from __future__ import annotations

from typing import Any, Iterator, Optional

from . import _frame
from ._api import DateLike, Ruleset, _as_of, _check_errors, _rules

__all__ = ["evaluate", "output_schema"]


def output_schema(trace: bool = False) -> Any:
    """The Arrow schema of the decided rows (a ``pyarrow.Schema``): the
    schema of ``output="arrow"``, dictionaries as their text."""
    import pyarrow as pa

    decider = Ruleset.default()._arrow_decider("2000-01-01", "collect", trace)
    schema = pa.table(decider.join([])).schema
    fields = [pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type) for f in schema]
    return pa.schema(fields)


def _decide(batches: Iterator[Any], rules: Ruleset, as_of: str, errors: str, trace: bool, schema: Any) -> Iterator[Any]:
    """A task's record batches decided (runs on the executors)."""
    import pyarrow as pa

    decider = rules._arrow_decider(as_of, errors, trace)
    for batch in batches:
        decided = pa.table(decider.decide_arrow(batch, _frame.CHUNK))
        yield from decided.cast(schema).to_batches()


def evaluate(
    frame: Any,
    as_of: DateLike,
    *,
    ruleset: Optional[Ruleset] = None,
    errors: str = "collect",
    trace: bool = False,
) -> Any:
    """Decides a Spark DataFrame with ``mapInArrow`` (lazily, as Spark does);
    ``ruleset`` defaults to :meth:`Ruleset.default`. Returns a Spark
    DataFrame; ``errors="raise"`` fails the job at the first bad record."""
    from pyspark.sql.pandas.types import from_arrow_schema

    _check_errors(errors)
    rules = _rules(ruleset)
    date = _as_of(as_of)
    schema = output_schema(trace)

    def decide(batches: Iterator[Any]) -> Iterator[Any]:
        return _decide(batches, rules, date, errors, trace, schema)

    return frame.mapInArrow(decide, from_arrow_schema(schema))
