"""The Arrow path: any object with the Arrow PyCapsule interface read in
Rust (pyarrow, polars, pandas through pyarrow), decisions built as Arrow
record batches (``output="arrow" | "polars"``), and ``evaluate_batches``
streaming batch by batch."""

from __future__ import annotations

import datetime
import json
import pathlib
from typing import Any, Dict, Iterator, List

import hazard_rules as hr
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from conftest import CASES
from helpers import arrow_table, at, plain

ROOT = pathlib.Path(__file__).resolve().parents[2]
AS_OF = "2024-06-30"


@pytest.fixture(scope="module")
def register() -> List[Dict[str, Any]]:
    """The sample hazards, accidents, warnings and risk records."""
    lines = (ROOT / "examples" / "hazards.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


class ArrayOnly:
    """An object that offers only ``__arrow_c_array__`` (one struct array)."""

    def __init__(self, batch: pa.RecordBatch) -> None:
        self.batch = batch

    def __arrow_c_array__(self, requested_schema: Any = None) -> Any:
        return self.batch.__arrow_c_array__(requested_schema)


def test_every_arrow_producer_decides_as_the_dicts(rules: hr.Ruleset, register: List[Dict[str, Any]]) -> None:
    expected = rules.evaluate_many(register, AS_OF)
    table = arrow_table(register)
    producers = {
        "pyarrow Table": table,
        "pyarrow RecordBatch": table.combine_chunks().to_batches()[0],
        "RecordBatchReader": table.to_reader(max_chunksize=4),
        "__arrow_c_array__ only": ArrayOnly(table.combine_chunks().to_batches()[0]),
        "polars DataFrame": pl.from_arrow(table),
        "pandas DataFrame (via pyarrow)": pd.json_normalize(register, sep="."),
    }
    for name, source in producers.items():
        got = rules.evaluate_many(source, AS_OF)
        pd.testing.assert_frame_equal(got, expected, obj=name)


def test_struct_columns_and_dotted_names_are_the_same(rules: hr.Ruleset, register: List[Dict[str, Any]]) -> None:
    nested = arrow_table(register)
    dotted = pa.Table.from_pandas(pd.json_normalize(register, sep="."), preserve_index=False)
    assert any("." in n for n in dotted.column_names)
    a = rules.evaluate_many(nested, AS_OF, output="arrow")
    b = rules.evaluate_many(dotted, AS_OF, output="arrow")
    assert a.equals(b)


def _lists_as(table: pa.Table, make: Any) -> pa.Table:
    """``table`` with each list column cast to ``make(value_type)``."""
    for i, field in enumerate(table.schema):
        if pa.types.is_list(field.type):
            # pa.array, not cast: pyarrow cannot cast a list to a list view.
            cast = pa.array(table.column(i).to_pylist(), type=make(field.type.value_type))
            table = table.set_column(i, field.name, cast)
    return table


def test_every_arrow_list_type_and_a_sliced_table(rules: hr.Ruleset, register: List[Dict[str, Any]]) -> None:
    """A list cell is a range of its column's values, read in place: large
    lists, list views, fixed-size lists and a table that starts at an offset
    give what plain lists give."""
    dotted = pa.Table.from_pandas(pd.json_normalize(register, sep="."), preserve_index=False)
    assert any(pa.types.is_list(f.type) for f in dotted.schema)
    expected = rules.evaluate_many(dotted, AS_OF, output="arrow")
    for name, make in {"large_list": pa.large_list, "list_view": pa.list_view}.items():
        got = rules.evaluate_many(_lists_as(dotted, make), AS_OF, output="arrow")
        assert got.equals(expected), name
    # Sliced: the list columns' offsets no longer start at 0.
    got = rules.evaluate_many(dotted.slice(3), AS_OF, output="arrow")
    # (as values: the slice keeps the whole dictionaries of the text columns)
    assert got.to_pylist() == expected.slice(3).to_pylist()
    # Fixed-size lists: the records with exactly one catalogue item.
    one = [r for r in register if len(r.get("hazard", {}).get("items") or []) == 1]
    assert one, "the sample register has hazards with one item"
    table = pa.Table.from_pandas(pd.json_normalize(one, sep="."), preserve_index=False)
    items = table.schema.get_field_index("hazard.items")
    fixed = table.set_column(
        items, "hazard.items", table.column(items).cast(pa.list_(table.schema.field(items).type.value_type, 1))
    )
    assert fixed.equals(table) is False
    got = rules.evaluate_many(fixed, AS_OF, output="arrow")
    assert got.equals(rules.evaluate_many(table, AS_OF, output="arrow"))


def test_cells_are_read_by_their_type(rules: hr.Ruleset) -> None:
    """Arrow types become the core's cells: ids as numbers become text, dates
    their day, dictionary, large and view strings text, nulls and NaN
    missing, text in a number column a number (as in a CSV)."""
    table = pa.table(
        {
            "id": pa.array([101, 102, 103], pa.int32()),
            "accident.deaths": pa.array(["3", None, "12"], pa.large_string()),
            "accident.serious_injuries": pa.array([0.0, float("nan"), 2.0]),
            "accident.occurred_on": pa.array([datetime.date(2024, 6, 1)] * 3, pa.date32()),
            "accident.kind": pa.array(["production", "production", "road_traffic"]).dictionary_encode(),
        }
    )
    # polars exports text as string views.
    polars_frame = pl.from_arrow(table).with_columns(pl.col("accident.kind").cast(pl.String))
    want = [
        {
            "id": "101",
            "accident": {"deaths": 3, "serious_injuries": 0, "occurred_on": "2024-06-01", "kind": "production"},
        },
        {"id": "102", "accident": {"occurred_on": "2024-06-01", "kind": "production"}},
        {
            "id": "103",
            "accident": {"deaths": 12, "serious_injuries": 2, "occurred_on": "2024-06-01", "kind": "road_traffic"},
        },
    ]
    expected = rules.evaluate_many(want, AS_OF, output="arrow")
    for source in (table, polars_frame):
        got = rules.evaluate_many(source, AS_OF, output="arrow")
        assert got.equals(expected), got.to_pylist()
    assert expected.column("response.accident.grade").to_pylist()[2] == "major"


def test_timestamps_give_their_day(rules: hr.Ruleset) -> None:
    stamps = [datetime.datetime(2024, 3, 8, 23, 30), datetime.datetime(2024, 3, 8, 0, 0)]
    base = {"hazard.sector": ["light_industry"] * 2, "hazard.items": [["GM-11-1"]] * 2}
    naive = pa.table({**base, "hazard.found_on": pa.array(stamps, pa.timestamp("ns"))})
    # 2024-03-08 16:00 UTC is 2024-03-09 00:00 in China.
    utc = [datetime.datetime(2024, 3, 8, 16, 0, tzinfo=datetime.timezone.utc)] * 2
    zoned = pa.table({**base, "hazard.found_on": pa.array(utc, pa.timestamp("us", tz="+08:00"))})
    got = rules.evaluate_many(naive, AS_OF, output="arrow").column("rectification.start").to_pylist()
    assert got == [datetime.date(2024, 3, 8)] * 2
    got = rules.evaluate_many(zoned, AS_OF, output="arrow").column("rectification.start").to_pylist()
    assert got == [datetime.date(2024, 3, 9)] * 2


def test_a_bad_cell_is_its_rows_error_and_the_rest_decide(rules: hr.Ruleset) -> None:
    table = pa.table(
        {
            "id": ["A", "B", "C", "D"],
            "accident.deaths": ["3", "three", None, "1"],
            "accident.kind": ["production"] * 4,
            "accident.occurred_on": ["2024-06-01"] * 4,
        }
    )
    for output in ("pandas", "arrow"):
        got = rules.evaluate_many(table, AS_OF, output=output)
        rows = got.to_dict("records") if output == "pandas" else got.to_pylist()
        assert len(rows) == 4 and [rows[i]["id"] for i in (0, 2, 3)] == ["A", "C", "D"]
        assert plain(rows[1]["error_path"]) == "accident.deaths"
        assert plain(rows[1]["error_kind"]) == "input"
        assert "three" in rows[1]["error"] and "is not a number" in rows[1]["error"]
        assert plain(rows[1]["response.accident.grade"]) is None
        for i in (0, 2, 3):
            assert plain(rows[i]["error"]) is None, rows[i]["error"]
    # A type the input cannot use is the error of each row that has a value there.
    binary = pa.table({"id": ["A", "B"], "hazard.sector": pa.array([b"metallurgy", None], pa.binary())})
    rows = rules.evaluate_many(binary, AS_OF, output="arrow").to_pylist()
    assert rows[0]["error_path"] == "hazard.sector" and "bytes" in rows[0]["error"]
    assert rows[1]["error_path"] != "hazard.sector"


def test_raise_gives_the_row(rules: hr.Ruleset) -> None:
    table = pa.table({"id": ["A", "B"], "accident.deaths": ["1", "many"], "accident.kind": ["production"] * 2})
    for output in ("pandas", "arrow"):
        with pytest.raises(hr.InputError) as e:
            rules.evaluate_many(table, AS_OF, errors="raise", output=output)
        assert e.value.row == 1 and e.value.path == "accident.deaths"


def test_columns_that_overlap_as_struct_and_dotted(rules: hr.Ruleset) -> None:
    table = pa.table({"hazard": [{"sector": "metallurgy"}], "hazard.found_on": ["2021-09-01"]})
    with pytest.raises(ValueError, match="overlap"):
        rules.evaluate_many(table, AS_OF, output="arrow")


def test_arrow_output_is_typed(rules: hr.Ruleset, register: List[Dict[str, Any]]) -> None:
    out = rules.evaluate_many(register, AS_OF, output="arrow")
    assert isinstance(out, pa.Table) and out.num_rows == len(register)
    schema = out.schema
    assert schema.field("rectification.due").type == pa.date32()
    assert schema.field("rectification.overdue_days").type == pa.int64()
    assert schema.field("responsibility.staffing.ok").type == pa.bool_()
    assert schema.field("id").type == pa.string()
    level = schema.field("classification.level").type
    assert pa.types.is_dictionary(level) and level.value_type == pa.string()
    assert schema.field("rectification.escalation").type == pa.list_(pa.string())
    assignments = schema.field("responsibility.assignments").type
    assert pa.types.is_list(assignments) and pa.types.is_struct(assignments.value_type)
    assert {f.name for f in assignments.value_type} >= {"post", "person", "role", "acting_for"}
    assert schema.names[-3:] == ["error", "error_kind", "error_path"]
    assert schema.metadata[b"as_of"] == AS_OF.encode()
    assert b"jinhua" in schema.metadata[b"ruleset"]
    # The same decisions as the pandas frame, column for column.
    frame = rules.evaluate_many(register, AS_OF)
    rows = out.to_pylist()
    for col in frame.columns:
        for i in range(len(frame)):
            want, got = plain(frame[col].iloc[i]), plain(rows[i][col])
            if isinstance(want, list) and want and isinstance(want[0], dict):
                # Struct entries carry every field; the frame's dicts only those set.
                got = [{k: v for k, v in g.items() if v is not None or k in w} for g, w in zip(got, want)]
            assert got == want, (col, i)


def test_polars_output(rules: hr.Ruleset, register: List[Dict[str, Any]]) -> None:
    out = rules.evaluate_many(pl.from_arrow(arrow_table(register)), AS_OF, output="polars")
    assert isinstance(out, pl.DataFrame)
    assert out["id"].to_list() == [r.get("id") for r in register]
    assert out.schema["rectification.due"] == pl.Date
    assert out.schema["classification.level"] == pl.Categorical


def test_trace_as_a_list_of_structs(rules: hr.Ruleset) -> None:
    case = next(c for c in CASES if not c.get("ruleset") and "kind" not in c["decision"])
    out = rules.evaluate_many([case["input"]], case["as_of"], trace=True, output="arrow")
    trace = out.column("trace").to_pylist()[0]
    want = case["decision"]["trace"]
    assert [(t["id"], t["kind"], t["ruleset"]) for t in trace] == [(t["id"], t["kind"], t["ruleset"]) for t in want]
    assert trace[0]["zh"] == want[0]["zh"]


def test_unknown_output() -> None:
    with pytest.raises(ValueError, match="output must be"):
        hr.evaluate_many([], AS_OF, output="csv")


def test_evaluate_batches_streams_in_order(rules: hr.Ruleset, register: List[Dict[str, Any]]) -> None:
    table = arrow_table(register)
    whole = rules.evaluate_many(table, AS_OF, output="arrow")
    batches = list(rules.evaluate_batches(table.to_reader(max_chunksize=5), AS_OF))
    assert all(isinstance(b, pa.RecordBatch) for b in batches)
    assert len(batches) == -(-len(register) // 5)
    assert pa.Table.from_batches(batches).to_pylist() == whole.to_pylist()
    # An iterable of batches of any kind, and pandas out.
    parts = [register[:10], pd.json_normalize(register[10:20], sep="."), arrow_table(register[20:])]
    frames = list(rules.evaluate_batches(iter(parts), AS_OF, output="pandas"))
    assert [len(f) for f in frames] == [10, 10, len(register) - 20]
    assert [i for f in frames for i in f["id"].tolist()] == whole.column("id").to_pylist()


def test_evaluate_batches_is_lazy(rules: hr.Ruleset, register: List[Dict[str, Any]]) -> None:
    """A batch is read only when the one before has been taken."""
    table = arrow_table(register)
    read: List[int] = []

    def source() -> Iterator[pa.RecordBatch]:
        for i, b in enumerate(table.to_batches(max_chunksize=5)):
            read.append(i)
            yield b

    reader = pa.RecordBatchReader.from_batches(table.schema, source())
    decided = rules.evaluate_batches(reader, AS_OF)
    first = next(decided)
    assert first.num_rows == 5
    assert len(read) <= 2, read  # the stream may read one ahead, never the whole
    assert sum(b.num_rows for b in decided) == len(register) - 5


def test_evaluate_batches_raise_counts_rows_across_batches(rules: hr.Ruleset) -> None:
    table = pa.table({"id": [str(i) for i in range(12)], "accident.deaths": ["1"] * 9 + ["x"] + ["1"] * 2})
    with pytest.raises(hr.InputError) as e:
        for _ in rules.evaluate_batches(table.to_reader(max_chunksize=4), AS_OF, errors="raise"):
            pass
    assert e.value.row == 9


def test_parquet_in_parquet_out(rules: hr.Ruleset, register: List[Dict[str, Any]], tmp_path: pathlib.Path) -> None:
    """The documented way to decide a register larger than memory."""
    pq.write_table(arrow_table(register * 4), tmp_path / "register.parquet", row_group_size=16)
    reader = ds.dataset(tmp_path / "register.parquet").scanner(batch_size=16).to_reader()
    decided = rules.evaluate_batches(reader, AS_OF)
    first = next(decided)
    with pq.ParquetWriter(tmp_path / "decided.parquet", first.schema) as out:
        out.write_batch(first)
        for batch in decided:
            out.write_batch(batch)
    back = pq.read_table(tmp_path / "decided.parquet")
    assert back.num_rows == len(register) * 4
    assert back.column("id").to_pylist() == [r.get("id") for r in register] * 4
    assert back.schema.field("rectification.due").type == pa.date32()


def test_conformance_cases_through_arrow_output() -> None:
    """Every default-ruleset case decided as Arrow gives the golden decision."""
    cases = [c for c in CASES if not c.get("ruleset") and "kind" not in c["decision"]]
    assert len(cases) >= 10
    for case in cases:
        out = hr.Ruleset.default().evaluate_many([case["input"]], case["as_of"], output="arrow").to_pylist()[0]
        assert out["error"] is None, (case["file"], out["error"])
        for col, value in out.items():
            if col.startswith("error"):
                continue
            want = at(case["decision"], col)
            got = plain(value)
            if isinstance(got, list) and got and isinstance(got[0], dict):
                got = [{k: v for k, v in g.items() if v is not None or k in w} for g, w in zip(got, want or [])]
            if want == [] and got is None:
                continue
            assert got == plain(want), (case["file"], col)


def test_progress_bar_with_tqdm(rules: hr.Ruleset, register: List[Dict[str, Any]], capfd: Any) -> None:
    capfd.readouterr()
    table = arrow_table(register)
    got = rules.evaluate_many(table, AS_OF, output="arrow", progress=True)
    assert got.num_rows == len(register)
    err = capfd.readouterr().err
    assert "hazard-rules" in err and f"{len(register)}/{len(register)}" in err, err
    list(rules.evaluate_batches(table.to_reader(max_chunksize=10), AS_OF, progress=True))
    err = capfd.readouterr().err
    assert f"{len(register)}" in err and "records" in err, err


def test_progress_without_tqdm(
    rules: hr.Ruleset, register: List[Dict[str, Any]], capfd: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now fails
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    capfd.readouterr()
    frame = rules.evaluate_many(register, AS_OF, progress=True)
    assert len(frame) == len(register)
    err = capfd.readouterr().err
    assert f"decided {len(register)} of {len(register)} records (100%)" in err, err
    # Without progress=True, nothing is written.
    rules.evaluate_many(register, AS_OF)
    assert capfd.readouterr().err == ""


def test_duckdb_results_decide_as_pyarrow(rules: hr.Ruleset, register: List[Dict[str, Any]]) -> None:
    """A DuckDB query's result, as the relation itself (``__arrow_c_stream__``)
    and as its Arrow reader and table, decides as the pyarrow table it was
    read from: DuckDB's own types (its struct columns, VARCHAR as string
    views, dates) go through the same Arrow path."""
    import duckdb

    table = arrow_table(register)
    table = table.append_column("row", pa.array(range(len(register)), pa.int64()))
    expected = rules.evaluate_many(table.drop_columns(["row"]), AS_OF, output="arrow")
    con = duckdb.connect()
    con.register("register", table)
    query = "SELECT * EXCLUDE (row) FROM register ORDER BY row"
    results = {
        "relation (__arrow_c_stream__)": lambda: con.sql(query),
        "reader (.arrow())": lambda: con.sql(query).arrow(),
        "table (.to_arrow_table())": lambda: con.sql(query).to_arrow_table(),
        # Dates as DuckDB DATE (Arrow date32), not text.
        "with DATE columns": lambda: con.sql(
            "SELECT * EXCLUDE (row) REPLACE "
            "(struct_update(hazard, found_on := TRY_CAST(hazard.found_on AS DATE)) AS hazard) "
            "FROM register ORDER BY row"
        ),
    }
    assert hasattr(con.sql(query), "__arrow_c_stream__")
    for name, result in results.items():
        got = rules.evaluate_many(result(), AS_OF, output="arrow")
        assert got.num_rows == len(register), name
        assert got.equals(expected), name
    # A bad value in DuckDB's types is that row's error, as in pyarrow's.
    bad = con.sql("SELECT 'x' AS id, {'deaths': -1} AS accident")
    got = rules.evaluate_many(bad, AS_OF).iloc[0]
    assert got["error_path"] == "accident.deaths", got["error"]
