"""``hazard_rules.spark`` on a local Spark (``local[2]``, Java from Debian's
openjdk-17-jre-headless): a few thousand rows decided with ``mapInArrow``
give ``evaluate_many``'s decisions, row for row."""

from __future__ import annotations

import os
import sys
from typing import Any, Dict, Iterator, List

import hazard_rules as hr
import pyarrow as pa
import pytest
from hazard_rules.spark import evaluate, output_schema
from helpers import arrow_table
from pyspark.sql import SparkSession

AS_OF = "2024-06-30"


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    # The Python workers run this interpreter (with hazard_rules and pyarrow).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("hazard-rules-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield session
    session.stop()


def test_spark_decides_as_evaluate_many(spark: SparkSession, register: List[Dict[str, Any]]) -> None:
    table = arrow_table(register)
    expected = hr.evaluate_many(table, AS_OF, output="arrow").cast(output_schema())
    frame = spark.createDataFrame(table).repartition(4)
    # repartition shuffles: the ids say which row is which.
    got = evaluate(frame, AS_OF).toArrow()
    assert got.num_rows == table.num_rows
    assert got.schema.names == expected.schema.names
    by_id = {r["id"]: r for r in got.to_pylist()}
    assert len(by_id) == len(register)
    for want in expected.to_pylist():
        assert by_id[want["id"]] == want, want["id"]


def test_spark_keeps_errors_per_row(spark: SparkSession) -> None:
    # Struct columns: Spark reads a dot in a column name as a field access.
    table = pa.table(
        {
            "id": ["a", "b", "c"],
            "hazard": [{"sector": s, "found_on": "2024-03-01"} for s in ("metallurgy", "metalurgy", "machinery")],
        }
    )
    got = evaluate(spark.createDataFrame(table).coalesce(1), AS_OF).toArrow().to_pylist()
    assert [r["id"] for r in got] == ["a", "b", "c"]
    assert [r["error_path"] for r in got] == [None, "hazard.sector", None]
    assert got[0]["classification.level"] == "general"
