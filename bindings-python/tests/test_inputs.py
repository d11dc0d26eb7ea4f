"""Input forms (dict, list, generator, DataFrame, Arrow), dates, and the
shape of the result DataFrame."""

from __future__ import annotations

import datetime
import io
import json
from typing import Any, Dict, List

import hazard_rules as hr
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from helpers import plain

AS_OF = "2021-09-20"
HAZARD: Dict[str, Any] = {
    "id": "H-1",
    "hazard": {
        "sector": "light_industry",
        "items": ["GM17-1-1"],
        "found_on": "2021-09-01",
        "listing": {"level": "county", "listed_on": "2021-09-01"},
        "enterprise": {"name": "某木制品厂", "principal": {"name": "赵永强", "backup": "钱海", "absent": True}},
        "events": [{"stage": "found", "on": "2021-09-01"}, {"stage": "assigned", "on": "2021-09-02"}],
    },
}
ACCIDENT: Dict[str, Any] = {"id": "A-1", "accident": {"deaths": 3, "direct_loss_cny": 5_000_000}}
BAD: Dict[str, Any] = {"id": "B-1", "hazard": {"sector": "metallurgy", "found_on": "2024/03/05"}}


def test_evaluate_a_dict(rules: hr.Ruleset) -> None:
    d = rules.evaluate(HAZARD, AS_OF)
    assert isinstance(d, hr.Decision)
    assert d.id == "H-1"
    assert d.as_of == datetime.date(2021, 9, 20)
    assert d.classification is not None and d.classification.level == "major"
    assert d.classification.basis[0].id == "GM17-1-1"
    assert d.rectification is not None
    assert d.rectification.due == datetime.date(2021, 10, 8)  # National Day: next working day
    assert d.rectification.status == "not_due"
    assert d.responsibility is not None
    lead = d.responsibility.assignments[0]
    assert (lead.role, lead.person, lead.acting_for) == ("rectification_lead", "钱海", "赵永强")
    assert [r.id for r in d.ruleset] == ["national", "zhejiang", "jinhua"]
    assert "civil_code_201_203" in d.fired()
    assert d.response is None and d.risk is None


def test_module_level_functions_use_the_default_ruleset() -> None:
    assert hr.evaluate(HAZARD, AS_OF) == hr.Ruleset.default().evaluate(HAZARD, AS_OF)
    assert hr.Ruleset.default() is hr.Ruleset.default()
    national = hr.Ruleset.embedded("national")
    d = hr.evaluate(HAZARD, AS_OF, ruleset=national)
    assert d.rectification is not None and d.rectification.period_days == 60  # national county period
    with pytest.raises(TypeError):
        hr.evaluate(HAZARD, AS_OF, ruleset="national")  # type: ignore[arg-type]


def test_one_section(rules: hr.Ruleset) -> None:
    d = rules.evaluate({**HAZARD, **ACCIDENT, "id": "X"}, AS_OF, section="response")
    assert d.classification is None and d.rectification is None
    assert d.response is not None and d.response.accident is not None
    assert d.response.accident.grade == "large"
    with pytest.raises(hr.InputError) as e:
        rules.evaluate(HAZARD, AS_OF, section="colour")
    assert e.value.path == "section"


def test_to_dict_round_trips_and_is_json(rules: hr.Ruleset) -> None:
    d = rules.evaluate(HAZARD, AS_OF)
    data = d.to_dict()
    assert data["rectification"]["due"] == "2021-10-08"
    assert hr.Decision.from_dict(data) == d
    assert json.loads(d.to_json()) == data
    with pytest.raises(TypeError):
        hr.Decision.from_dict({**data, "surprise": 1})


@pytest.mark.parametrize(
    "found_on",
    [
        "2021-09-01",
        datetime.date(2021, 9, 1),
        datetime.datetime(2021, 9, 1, 14, 30),
        pd.Timestamp("2021-09-01 08:00"),
        pd.Timestamp("2021-09-01", tz="Asia/Shanghai"),
        np.datetime64("2021-09-01"),
    ],
    ids=["iso", "date", "datetime", "timestamp", "timestamp-tz", "datetime64"],
)
def test_dates_in_records(rules: hr.Ruleset, found_on: Any) -> None:
    record = {"hazard": {"sector": "metallurgy", "found_on": found_on}}
    d = rules.evaluate(record, AS_OF)
    assert d.rectification is not None and d.rectification.start == datetime.date(2021, 9, 1)


@pytest.mark.parametrize(
    "as_of",
    [
        "2021-09-20",
        datetime.date(2021, 9, 20),
        datetime.datetime(2021, 9, 20, 23, 59),
        pd.Timestamp("2021-09-20"),
        np.datetime64("2021-09-20"),
    ],
    ids=["iso", "date", "datetime", "timestamp", "datetime64"],
)
def test_as_of_forms(rules: hr.Ruleset, as_of: Any) -> None:
    assert rules.evaluate(HAZARD, as_of).as_of == datetime.date(2021, 9, 20)


def test_bad_as_of(rules: hr.Ruleset) -> None:
    with pytest.raises(hr.InputError) as e:
        rules.evaluate(HAZARD, "2021-02-30")
    assert e.value.path == "as_of"
    assert str(e.value).startswith("invalid input at `as_of`: `2021-02-30` is not a date (YYYY-MM-DD)")
    with pytest.raises(hr.InputError):
        rules.evaluate(HAZARD, pd.NaT)
    with pytest.raises(TypeError):
        rules.evaluate(HAZARD, 20210920)
    with pytest.raises(hr.InputError):
        rules.evaluate_many([HAZARD], "soon")


def test_python_values_convert_like_json(rules: hr.Ruleset) -> None:
    as_json = rules.evaluate(ACCIDENT, AS_OF)
    # numpy numbers, whole floats, tuples for lists.
    tweaked = {"id": "A-1", "accident": {"deaths": np.int64(3), "direct_loss_cny": np.float64(5e6)}}
    assert rules.evaluate(tweaked, AS_OF) == as_json
    tweaked = {"id": "A-1", "accident": {"deaths": 3.0, "direct_loss_cny": 5000000}}
    assert rules.evaluate(tweaked, AS_OF) == as_json
    h = json.loads(json.dumps(HAZARD))
    h["hazard"]["items"] = ("GM17-1-1",)
    assert rules.evaluate(h, AS_OF) == rules.evaluate(HAZARD, AS_OF)


def test_unconvertible_values_are_input_errors_with_a_path(rules: hr.Ruleset) -> None:
    record = {"hazard": {"sector": "metallurgy", "found_on": "2021-09-01", "items": [object()]}}
    with pytest.raises(hr.InputError) as e:
        rules.evaluate(record, AS_OF)
    assert e.value.path == "hazard.items[0]"
    assert "object" in e.value.reason
    with pytest.raises(hr.InputError) as e:
        rules.evaluate({"accident": {"direct_loss_cny": float("inf")}}, AS_OF)
    assert e.value.path == "accident.direct_loss_cny"
    with pytest.raises(hr.InputError) as e:
        rules.evaluate({"accident": {"deaths": 2**70}}, AS_OF)
    assert e.value.path == "accident.deaths"
    with pytest.raises(hr.InputError) as e:
        rules.evaluate({1: {}}, AS_OF)
    with pytest.raises(hr.InputError):
        rules.evaluate(["not", "a", "record"], AS_OF)


def test_a_dataframe_row_as_a_record(rules: hr.Ruleset) -> None:
    df = pd.json_normalize([HAZARD, ACCIDENT], sep=".")
    assert rules.evaluate(df.iloc[0], AS_OF) == rules.evaluate(HAZARD, AS_OF)
    assert rules.evaluate(df.iloc[1], AS_OF) == rules.evaluate(ACCIDENT, AS_OF)


# --- evaluate_many: forms ---------------------------------------------------


def records() -> List[Dict[str, Any]]:
    return [HAZARD, ACCIDENT, BAD, {"id": "R-1", "risk": {"points": [{"method": "LS", "l": 4, "s": 5}]}}]


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for col in a.columns:
        assert [plain(x) for x in a[col]] == [plain(x) for x in b[col]], col


def test_evaluate_many_forms_agree(rules: hr.Ruleset) -> None:
    base = rules.evaluate_many(records(), AS_OF)
    assert list(base["id"]) == ["H-1", "A-1", "B-1", "R-1"]
    same(base, rules.evaluate_many(iter(records()), AS_OF))
    same(base, rules.evaluate_many(tuple(records()), AS_OF))
    frame = pd.json_normalize(records(), sep=".")
    same(base, rules.evaluate_many(frame, AS_OF))
    table = pa.Table.from_pandas(frame, preserve_index=False)
    same(base, rules.evaluate_many(table, AS_OF))
    same(base, rules.evaluate_many(table.to_batches()[0], AS_OF))
    structs = pa.Table.from_batches([pa.RecordBatch.from_struct_array(pa.array(records()))])
    same(base, rules.evaluate_many(structs, AS_OF))


def test_decisions_in_rows_match_evaluate(rules: hr.Ruleset) -> None:
    df = rules.evaluate_many(records(), AS_OF)
    row = df.iloc[0]
    d = rules.evaluate(HAZARD, AS_OF)
    assert row["classification.level"] == "major"
    assert row["rectification.due"] == pd.Timestamp("2021-10-08")
    assert row["rectification.days_left"] == d.rectification.days_left  # type: ignore[union-attr]
    assert row["responsibility.assignments"][0]["person"] == "钱海"
    assert row["response.accident.grade"] is pd.NA or pd.isna(row["response.accident.grade"])
    assert df.iloc[1]["response.accident.grade"] == "large"
    assert df.iloc[3]["risk.points"][0]["colour"] == "red"


def test_result_columns_and_types(rules: hr.Ruleset) -> None:
    df = rules.evaluate_many(records(), AS_OF)
    assert df.columns[0] == "id"
    assert list(df.columns[-3:]) == ["error", "error_kind", "error_path"]
    assert str(df["rectification.due"].dtype).startswith("datetime64")
    assert str(df["rectification.days_left"].dtype) == "Int64"
    assert df["risk.points"].dtype == object
    # Text columns have pandas' text dtype, even when every value is missing.
    text = "str" if int(pd.__version__.split(".")[0]) >= 3 else "object"
    for col in ("id", "classification.level", "error", "error_kind", "error_path"):
        assert str(df[col].dtype) == text, col
    assert str(rules.evaluate_many([ACCIDENT], AS_OF)["error"].dtype) == text
    assert df.attrs["as_of"] == AS_OF
    assert df.attrs["ruleset"] == "national@2026.1.0 → zhejiang@2026.1.0 → jinhua@2026.1.0"
    # Sections no record has are left out; a section one record has is there for all.
    assert not any(c.startswith("response.warning") for c in df.columns)
    assert not any(c.startswith("responsibility.staffing") for c in df.columns)
    assert "risk.unit.colour" not in df.columns
    # The columns can be written out as they are.
    df.to_csv(io.StringIO())
    df.drop(columns=[c for c in df.columns if df[c].dtype == object]).to_parquet(io.BytesIO())


def test_boolean_and_float_columns(rules: hr.Ruleset) -> None:
    township = {"name": "城北街道", "industrial_enterprises": 120, "safety_staff": 1, "certified_officers": 2}
    df = rules.evaluate_many([{"township": township}, {"risk": {"points": [{"method": "LS", "l": 2, "s": 2}]}}], AS_OF)
    assert str(df["responsibility.staffing.ok"].dtype) == "boolean"
    assert df["responsibility.staffing.ok"].iloc[0] is np.False_ or df["responsibility.staffing.ok"].iloc[0] == False  # noqa: E712
    assert pd.isna(df["responsibility.staffing.ok"].iloc[1])
    assert str(df["responsibility.staffing.required_staff"].dtype) == "Int64"


def test_a_dataframe_keeps_its_index(rules: hr.Ruleset) -> None:
    frame = pd.json_normalize(records(), sep=".")
    frame.index = pd.Index(["a", "b", "c", "d"], name="key")
    df = rules.evaluate_many(frame, AS_OF)
    assert list(df.index) == ["a", "b", "c", "d"]
    assert df.index.name == "key"
    joined = frame[["hazard.sector"]].join(df[["classification.level"]])
    assert joined.loc["a", "classification.level"] == "major"


def test_dataframe_cells_as_analysts_have_them(rules: hr.Ruleset) -> None:
    """Parsed dates, nullable integers, floats with NaN for whole numbers,
    missing values of every kind, categorical text, MultiIndex columns."""
    frame = pd.DataFrame(
        {
            "hazard.sector": pd.Categorical(["metallurgy", "machinery", None]),
            "hazard.found_on": pd.to_datetime(["2021-09-01", "2021-09-03", None]),
            "hazard.listing.level": ["county", np.nan, None],
            "hazard.listing.listed_on": [pd.Timestamp("2021-09-01"), pd.NaT, pd.NaT],
            "hazard.items": [["GM17-4-1"], [], None],
            "accident.deaths": [np.nan, 2.0, 3.0],
            "accident.serious_injuries": pd.array([None, 1, 0], dtype="Int64"),
            "id": pd.array(["a", pd.NA, "c"], dtype="string"),
        }
    )
    df = rules.evaluate_many(frame, AS_OF)
    assert df["error"].isna().all(), df["error"].tolist()
    assert list(df["rectification.period_days"]) == [30, 30, pd.NA]
    assert df["rectification.start"].iloc[0] == pd.Timestamp("2021-09-01")
    assert df["response.accident.grade"].iloc[2] == "large"
    assert df["response.accident.grade"].iloc[1] == "general"
    assert plain(df["id"].iloc[1]) is None
    multi = frame.copy()
    multi.columns = pd.MultiIndex.from_tuples([tuple(c.split(".", 1)) for c in frame.columns])
    same(df, rules.evaluate_many(multi, AS_OF))


def test_csv_written_by_the_cli_convention(rules: hr.Ruleset) -> None:
    """Lists as JSON text in cells and empty cells, as the CLI's CSV input."""
    text = (
        "id,hazard.sector,hazard.found_on,hazard.items,hazard.listing.level,hazard.listing.listed_on\n"
        'x,light_industry,2021-09-01,"[""GM17-1-1""]",county,2021-09-01\n'
        "y,metallurgy,2021-09-01,,,\n"
    )
    frame = pd.read_csv(io.StringIO(text))
    df = rules.evaluate_many(frame, AS_OF)
    assert list(df["classification.level"]) == ["major", "general"]
    assert plain(df["rectification.due"].iloc[0]) == "2021-10-08"


def test_a_csv_reads_as_the_cli_reads_it(rules: hr.Ruleset) -> None:
    """The same CSV text read by pandas, with its defaults or all as text,
    gives the record the CLI reads from it: a numeric id is text, a number
    given as text is a number, JSON in a text field stays text."""
    text = (
        "id,hazard.sector,hazard.found_on,hazard.description,accident.deaths,accident.occurred_on\n"
        '123,metallurgy,2021-09-01,"{""a"": 1}",3,2021-09-01\n'
    )
    for frame in (
        pd.read_csv(io.StringIO(text)),
        pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False),
    ):
        df = rules.evaluate_many(frame, AS_OF)
        assert df["error"].isna().all(), df["error"].tolist()
        assert plain(df["id"].iloc[0]) == "123"
        assert df["response.accident.grade"].iloc[0] == "large"
        assert df["classification.level"].iloc[0] == "general"
    bad = pd.DataFrame({"accident.deaths": ["three"], "accident.occurred_on": ["2021-09-01"]})
    error = rules.evaluate_many(bad, AS_OF)
    assert error["error_path"].iloc[0] == "accident.deaths", error.iloc[0].to_dict()
    assert "is not a number" in error["error"].iloc[0]


def test_columns_that_clash(rules: hr.Ruleset) -> None:
    frame = pd.DataFrame({"hazard": [{"sector": "metallurgy"}], "hazard.found_on": ["2021-09-01"]})
    with pytest.raises(ValueError, match="overlap"):
        rules.evaluate_many(frame, AS_OF)
    with pytest.raises(ValueError, match="overlap"):
        rules.evaluate_many(frame[["hazard.found_on", "hazard"]], AS_OF)
    with pytest.raises(ValueError, match="empty part"):
        rules.evaluate_many(pd.DataFrame({"hazard..sector": ["x"]}), AS_OF)
    # A dict column for a whole part is fine.
    frame = pd.DataFrame({"hazard": [{"sector": "metallurgy", "found_on": datetime.date(2021, 9, 1)}]})
    assert rules.evaluate_many(frame, AS_OF)["classification.level"].iloc[0] == "general"


def test_empty_input(rules: hr.Ruleset) -> None:
    df = rules.evaluate_many([], AS_OF)
    assert len(df) == 0
    assert list(df.columns) == ["id", "error", "error_kind", "error_path"]
    assert len(rules.evaluate_many(pd.DataFrame({"id": []}), AS_OF)) == 0
    assert rules.evaluate_list([], AS_OF) == []


def test_one_record_is_not_a_batch(rules: hr.Ruleset) -> None:
    with pytest.raises(TypeError):
        rules.evaluate_many(HAZARD, AS_OF)
    with pytest.raises(TypeError):
        rules.evaluate_many("records.jsonl", AS_OF)
    with pytest.raises(TypeError):
        rules.evaluate_list(HAZARD, AS_OF)  # type: ignore[arg-type]


def test_trace_column(rules: hr.Ruleset) -> None:
    df = rules.evaluate_many(records(), AS_OF, trace=True)
    trace = df["trace"].iloc[0]
    assert [t["id"] for t in trace] == rules.evaluate(HAZARD, AS_OF).fired()
    assert df["trace"].iloc[2] is None  # the bad record
    assert "trace" not in rules.evaluate_many(records(), AS_OF).columns


def test_more_rows_than_a_chunk(rules: hr.Ruleset, register: List[Dict[str, Any]]) -> None:
    from hazard_rules import _frame

    many = (register * (1 + _frame.CHUNK // len(register)))[: _frame.CHUNK + 123]
    df = rules.evaluate_many(many, "2024-06-30")
    assert len(df) == len(many)
    assert list(df["id"]) == [r["id"] for r in many]
    sample = [0, _frame.CHUNK - 1, _frame.CHUNK, len(many) - 1]
    for i in sample:
        d = rules.evaluate(many[i], "2024-06-30")
        assert df["rectification.status"].iloc[i] == d.rectification.status  # type: ignore[union-attr]
    frame = pd.json_normalize(many, sep=".")
    same(df, rules.evaluate_many(frame, "2024-06-30"))


def test_evaluate_list(rules: hr.Ruleset) -> None:
    out = rules.evaluate_list(records(), AS_OF)
    assert [type(x).__name__ for x in out] == ["Decision", "Decision", "InputError", "Decision"]
    assert out[0] == rules.evaluate(HAZARD, AS_OF)
    err = out[2]
    assert isinstance(err, hr.InputError) and err.row == 2 and err.path == "hazard.found_on"
    with pytest.raises(hr.InputError) as e:
        rules.evaluate_list(records(), AS_OF, errors="raise")
    assert e.value.row == 2
