"""Exceptions, their attributes, error collection in batches, and messages
equal to the other bindings' (the CLI's JSON errors)."""

from __future__ import annotations

import json
import os
import pathlib
import pickle
import subprocess
from typing import Any, Dict, List

import hazard_rules as hr
import pandas as pd
import pytest

AS_OF = "2024-06-30"
GOOD: Dict[str, Any] = {"id": "g", "accident": {"deaths": 1}}
BAD_RECORDS: List[Dict[str, Any]] = [
    {"id": "date", "hazard": {"sector": "metallurgy", "found_on": "2024/03/05"}},
    {"id": "sector", "hazard": {"sector": "shipbuilding", "found_on": "2024-01-01"}},
    {"id": "field", "hazard": {"sector": "metallurgy", "found_on": "2024-01-01", "sectr": 1}},
    {"id": "negative", "accident": {"deaths": -1}},
    {
        "id": "order",
        "hazard": {
            "sector": "metallurgy",
            "found_on": "2024-01-05",
            "events": [{"stage": "found", "on": "2024-01-05"}, {"stage": "closed", "on": "2024-01-06"}],
        },
    },
    {"id": "lec", "risk": {"points": [{"method": "LEC", "l": 7, "e": 6, "c": 15}]}},
    {"id": "item", "hazard": {"sector": "metallurgy", "found_on": "2024-01-01", "items": ["GM-99-1"]}},
]
PATHS = [
    "hazard.found_on",
    "hazard.sector",
    "hazard.sectr",
    "accident.deaths",
    "hazard.events[1].stage",
    "risk.points[0].l",
    "hazard.items[0]",
]


def test_hierarchy() -> None:
    for cls in (hr.InputError, hr.RulesetError, hr.LimitError):
        assert issubclass(cls, hr.HazardRulesError)
    assert issubclass(hr.HazardRulesError, Exception)


@pytest.mark.parametrize("record,path", list(zip(BAD_RECORDS, PATHS)), ids=[r["id"] for r in BAD_RECORDS])
def test_input_errors_name_the_path(rules: hr.Ruleset, record: Dict[str, Any], path: str) -> None:
    with pytest.raises(hr.InputError) as info:
        rules.evaluate(record, AS_OF)
    e = info.value
    assert e.path == path
    assert e.kind == "input"
    assert str(e) == e.message == f"invalid input at `{path}`: {e.reason}"
    assert e.row is None


def test_messages_match_the_cli(rules: hr.Ruleset, cli: str, tmp_path: pathlib.Path) -> None:
    """The CLI (hazard_rules::ffi) and Python give the same error objects for the same records."""
    src = tmp_path / "bad.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [GOOD, *BAD_RECORDS]), encoding="utf-8")
    out = subprocess.run([cli, "eval", str(src), "--as-of", AS_OF], capture_output=True, text=True, check=False)
    assert out.returncode == 1, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert "decision" in lines[0]
    cli_errors = [line["error"] for line in lines[1:]]
    py_errors = []
    for r in BAD_RECORDS:
        with pytest.raises(hr.HazardRulesError) as info:
            rules.evaluate(r, AS_OF)
        d = info.value.to_dict()
        del d["reason"], d["reason_zh"]
        py_errors.append(d)
    assert py_errors == cli_errors
    # And the batch's error column holds the same messages.
    df = rules.evaluate_many([GOOD, *BAD_RECORDS], AS_OF)
    assert df["error"].tolist()[1:] == [e["message"] for e in cli_errors]
    # The decisions agree too.
    assert rules.evaluate(GOOD, AS_OF).to_dict() == lines[0]["decision"]


def test_collect_keeps_going(rules: hr.Ruleset) -> None:
    batch = [GOOD, *BAD_RECORDS, GOOD]
    df = rules.evaluate_many(batch, AS_OF)
    assert len(df) == len(batch)
    assert list(df["id"]) == [r["id"] for r in batch]  # ids shown on error rows too
    assert df["error"].isna().tolist() == [True] + [False] * len(BAD_RECORDS) + [True]
    assert df["error_kind"].tolist()[1:-1] == ["input"] * len(BAD_RECORDS)
    assert df["error_path"].tolist()[1:-1] == PATHS
    assert df["response.accident.grade"].tolist()[0] == df["response.accident.grade"].tolist()[-1] == "general"
    assert df["response.accident.grade"].iloc[1:-1].isna().all()


def test_collect_with_dataframe_and_arrow(rules: hr.Ruleset) -> None:
    import pyarrow as pa

    frame = pd.json_normalize([GOOD, *BAD_RECORDS], sep=".")
    for source in (frame, pa.Table.from_pandas(frame, preserve_index=False)):
        df = rules.evaluate_many(source, AS_OF)
        assert df["error_path"].tolist()[1:] == PATHS


def test_raise_stops_at_the_first_bad_record(rules: hr.Ruleset) -> None:
    with pytest.raises(hr.InputError) as info:
        rules.evaluate_many([GOOD, GOOD, *BAD_RECORDS], AS_OF, errors="raise")
    assert info.value.row == 2
    assert info.value.path == "hazard.found_on"
    frame = pd.json_normalize([GOOD, BAD_RECORDS[3]], sep=".")
    with pytest.raises(hr.InputError) as info:
        rules.evaluate_many(frame, AS_OF, errors="raise")
    assert info.value.row == 1 and info.value.path == "accident.deaths"
    # No error: the frame as with "collect".
    assert len(rules.evaluate_many([GOOD], AS_OF, errors="raise")) == 1
    with pytest.raises(ValueError):
        rules.evaluate_many([GOOD], AS_OF, errors="ignore")


def test_unreadable_cells_are_that_row_s_error(rules: hr.Ruleset) -> None:
    frame = pd.DataFrame({"accident.deaths": [1, object(), 2]})
    df = rules.evaluate_many(frame, AS_OF)
    assert df["error"].isna().tolist() == [True, False, True]
    assert df["error_path"].iloc[1] == "accident.deaths"
    assert "cannot use a value of type object" in df["error"].iloc[1]


def overlay(
    tmp_path: pathlib.Path, repo: pathlib.Path, files: Dict[str, str], manifest_extra: str = ""
) -> pathlib.Path:
    """A ruleset `demo` extending the national one, with extra files."""
    demo = tmp_path / "demo"
    demo.mkdir()
    national = os.path.relpath(repo / "rulesets" / "national", demo)
    (demo / "ruleset.toml").write_text(
        f'id = "demo"\nversion = "0.1"\ntitle = "demo"\nextends = "{national}"\n'
        f'effective_from = "2020-01-01"\n{manifest_extra}',
        encoding="utf-8",
    )
    for name, text in files.items():
        (demo / name).parent.mkdir(parents=True, exist_ok=True)
        (demo / name).write_text(text, encoding="utf-8")
    return demo


def test_ruleset_errors_name_file_line_column(tmp_path: pathlib.Path, repo: pathlib.Path) -> None:
    demo = overlay(tmp_path, repo, {"rules/bad.rhai": "fn f(x) {\n    let y = x +;\n}\n"})
    with pytest.raises(hr.RulesetError) as info:
        hr.Ruleset.load(demo, root="/")
    e = info.value
    assert e.file.endswith("demo/rules/bad.rhai")
    assert e.line == 2 and e.column > 0
    assert str(e).startswith(f"{e.file}:2:{e.column}: ")
    assert e.kind == "ruleset"

    # The overlay extends a ruleset outside its own tree: allowed only when
    # the caller names a root that holds both.
    with pytest.raises(hr.RulesetError) as info:
        hr.Ruleset.load(demo)
    assert "leaves" in info.value.message and info.value.file.endswith("demo/ruleset.toml")
    assert info.value.line == 4

    with pytest.raises(hr.RulesetError) as info:
        hr.Ruleset.load(tmp_path / "nowhere")
    assert info.value.file.endswith("nowhere") and info.value.line == 0
    assert "cannot read" in str(info.value)

    with pytest.raises(hr.RulesetError) as info:
        hr.Ruleset.embedded("atlantis")
    assert info.value.file == "atlantis/ruleset.toml"

    with pytest.raises(hr.RulesetError) as info:
        hr.Ruleset.from_bundle('{"format": "hazard-rules-bundle/9", "leaf": "x", "files": {}}')
    assert info.value.file == "<bundle>"


def test_a_rule_failing_at_run_time_is_a_ruleset_error(tmp_path: pathlib.Path, repo: pathlib.Path) -> None:
    demo = overlay(
        tmp_path, repo, {"rules/oops.rhai": 'fn score_risk(risk) {\n  let t = table("no_such_table");\n  t\n}\n'}
    )
    rules = hr.Ruleset.load(demo, root="/")
    with pytest.raises(hr.RulesetError) as info:
        rules.evaluate({"risk": {}}, AS_OF)
    assert info.value.file.endswith("demo/rules/oops.rhai") and info.value.line == 2
    df = rules.evaluate_many([{"risk": {}}, GOOD], AS_OF)
    assert df["error_kind"].tolist()[0] == "ruleset"
    assert pd.isna(df["error_path"].iloc[0])


def test_limit_errors(tmp_path: pathlib.Path, repo: pathlib.Path) -> None:
    demo = overlay(
        tmp_path, repo, {"rules/loop.rhai": "fn score_risk(risk) {\n    let n = 0;\n    loop { n += 1; }\n}\n"}
    )
    rules = hr.Ruleset.load(demo, root="/")
    with pytest.raises(hr.LimitError) as info:
        rules.evaluate({"risk": {"points": []}}, AS_OF)
    e = info.value
    assert e.rule == "score_risk"
    assert "operations" in e.limit
    assert e.file.endswith("demo/rules/loop.rhai")
    assert str(e) == f"rule `score_risk` stopped: too many operations (in {e.file})"
    df = rules.evaluate_many([GOOD, {"risk": {}}], AS_OF)
    assert df["error_kind"].tolist() == [None, "limit"] or list(df["error_kind"].fillna("-")) == ["-", "limit"]
    with pytest.raises(hr.LimitError) as info:
        rules.evaluate_many([GOOD, {"risk": {}}], AS_OF, errors="raise")
    assert info.value.row == 1


def test_errors_pickle_and_convert(rules: hr.Ruleset) -> None:
    with pytest.raises(hr.InputError) as info:
        rules.evaluate(BAD_RECORDS[0], AS_OF)
    e = info.value
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is hr.InputError
    assert (back.path, back.message, back.reason, str(back)) == (e.path, e.message, e.reason, str(e))
    assert (back.problem, back.message_zh, back.reason_zh) == (e.problem, e.message_zh, e.reason_zh)
    assert e.to_dict() == {
        "kind": "input",
        "message": str(e),
        "message_zh": e.message_zh,
        "path": "hazard.found_on",
        "problem": "not_a_date",
        "reason": e.reason,
        "reason_zh": e.reason_zh,
    }
    assert e.message_zh == "输入有误（hazard.found_on）：" + e.reason_zh
    r = hr.RulesetError("f.toml:3:1: bad", "f.toml", 3, 1, reason="bad")
    assert pickle.loads(pickle.dumps(r)).to_dict() == r.to_dict()
    lim = hr.LimitError("stopped", "classify", "too many operations", "x.rhai")
    assert pickle.loads(pickle.dumps(lim)).to_dict() == lim.to_dict()


def test_values_nested_without_end_are_input_errors(rules: hr.Ruleset) -> None:
    # A dict that contains itself, and one nested 100,000 levels deep: an
    # input error naming where, never a crash of the interpreter.
    looped: Dict[str, Any] = {"sector": "metallurgy"}
    looped["self"] = looped
    deep: Dict[str, Any] = {}
    node = deep
    for _ in range(100_000):
        node["x"] = {}
        node = node["x"]
    for record in ({"hazard": looped}, {"hazard": {"found_on": "2024-01-01", "x": deep}}):
        with pytest.raises(hr.InputError) as info:
            rules.evaluate(record, as_of=AS_OF)
        assert "nested deeper than 32 levels" in str(info.value)
        assert info.value.path.startswith("hazard.")
    results = rules.evaluate_list([GOOD, {"hazard": looped}, GOOD], as_of=AS_OF, errors="collect")
    assert isinstance(results[1], hr.InputError)
    assert not isinstance(results[0], Exception) and not isinstance(results[2], Exception)
