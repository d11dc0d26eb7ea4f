"""The shared conformance cases (tests/conformance/*.json): the Python
binding must give the golden decision of the Rust suite, field for field,
through every entry point and every input form."""

from __future__ import annotations

import datetime
from typing import Any, Dict, List, Tuple

import hazard_rules as hr
import pandas as pd
import polars as pl
import pytest
from conftest import CASES
from helpers import arrow_table, row_matches

LEAF = "zhejiang/jinhua"


def ruleset_of(case: Dict[str, Any]) -> hr.Ruleset:
    return hr.Ruleset.embedded(case.get("ruleset") or LEAF)


def outcome(rules: hr.Ruleset, record: Any, as_of: Any) -> Dict[str, Any]:
    """The decision as JSON, or the error object as the Rust suite writes it."""
    try:
        return rules.evaluate(record, as_of).to_dict()
    except hr.HazardRulesError as e:
        d = e.to_dict()
        del d["reason"], d["reason_zh"]
        return d


def test_there_are_cases() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_evaluate_gives_the_golden_decision(case: Dict[str, Any]) -> None:
    assert outcome(ruleset_of(case), case["input"], case["as_of"]) == case["decision"]


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_as_of_as_a_date_object(case: Dict[str, Any]) -> None:
    as_of = datetime.date.fromisoformat(case["as_of"])
    assert outcome(ruleset_of(case), case["input"], as_of) == case["decision"]


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_expected_subset_and_fired_rules(case: Dict[str, Any]) -> None:
    """The case's own `expect`, `fired` and `error`, as `hazard-rules test` checks them."""
    rules = ruleset_of(case)
    if case.get("error"):
        with pytest.raises(hr.HazardRulesError) as info:
            rules.evaluate(case["input"], case["as_of"])
        got = info.value.to_dict()
        assert {k: got.get(k) for k in case["error"]} == case["error"]
        return
    d = rules.evaluate(case["input"], case["as_of"])
    actual = d.to_dict()
    assert subset_diff(case.get("expect") or {}, actual) == []
    for name in case.get("fired", []):
        assert any(names(t, name) for t in d.trace), f"{name} did not fire"
    for name in case.get("not_fired", []):
        assert not any(names(t, name) for t in d.trace), f"{name} fired"
    for path in case.get("expect_null", []):
        present, value = lookup(actual, path)
        assert present and value is None, f"{path}: expected null, got {value!r}"


def names(entry: hr.TraceEntry, name: str) -> bool:
    """As the core's case runner: a rule id, a table, or one row as `table[row]`."""
    if name.endswith("]") and "[" in name:
        table, row = name[:-1].split("[", 1)
        return entry.id == table and entry.row == row
    return entry.id == name


def lookup(value: Any, path: str) -> Tuple[bool, Any]:
    """The value at a dotted path with indices (`a.b[0].c`), and whether it is there."""
    for part in path.split("."):
        field, _, rest = part.partition("[")
        if not isinstance(value, dict) or field not in value:
            return False, None
        value = value[field]
        for index in filter(None, rest.replace("]", "").split("[")):
            if not isinstance(value, list) or int(index) >= len(value):
                return False, None
            value = value[int(index)]
    return True, value


def subset_diff(expect: Any, actual: Any, path: str = "") -> List[str]:
    """As the core's case runner: objects match key by key, recursively;
    arrays element by element and of the same length."""
    if isinstance(expect, dict):
        if not isinstance(actual, dict):
            return [f"{path}: {actual!r} is not an object"]
        return [d for k, v in expect.items() for d in subset_diff(v, actual.get(k), f"{path}.{k}")]
    if isinstance(expect, list):
        if not isinstance(actual, list) or len(actual) != len(expect):
            return [f"{path}: {actual!r} differs in length from {expect!r}"]
        return [d for i, (e, a) in enumerate(zip(expect, actual)) for d in subset_diff(e, a, f"{path}[{i}]")]
    return [] if expect == actual else [f"{path}: {actual!r} != {expect!r}"]


def by_ruleset() -> Dict[str, List[Dict[str, Any]]]:
    groups: Dict[str, List[Dict[str, Any]]] = {}
    for c in CASES:
        groups.setdefault(c.get("ruleset") or LEAF, []).append(c)
    return groups


@pytest.mark.parametrize("leaf", sorted(by_ruleset()))
def test_evaluate_list_gives_the_golden_decisions(leaf: str) -> None:
    rules = hr.Ruleset.embedded(leaf)
    for as_of in sorted({c["as_of"] for c in by_ruleset()[leaf]}):
        cases = [c for c in by_ruleset()[leaf] if c["as_of"] == as_of]
        results = rules.evaluate_list([c["input"] for c in cases], as_of)
        assert len(results) == len(cases)
        for i, (case, r) in enumerate(zip(cases, results)):
            if isinstance(r, hr.HazardRulesError):
                assert r.row == i
                d = r.to_dict()
                del d["reason"], d["reason_zh"], d["row"]
                assert d == case["decision"], case["file"]
            else:
                assert r.to_dict() == case["decision"], case["file"]


def frames(records: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The same records in every input form evaluate_many takes."""
    return {
        "dicts": records,
        "generator": (r for r in records),
        "dataframe": pd.json_normalize(records, sep="."),
        "arrow": arrow_table(records),
        "polars": pl.from_arrow(arrow_table(records)),
        "reader": arrow_table(records).to_reader(max_chunksize=2),
    }


@pytest.mark.parametrize("form", ["dicts", "generator", "dataframe", "arrow", "polars", "reader"])
@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_evaluate_many_rows_match_the_golden_decision(case: Dict[str, Any], form: str) -> None:
    records = frames([case["input"]])[form]
    df = ruleset_of(case).evaluate_many(records, case["as_of"])
    assert len(df) == 1
    assert row_matches(df.iloc[0], case["decision"]) == []


@pytest.mark.parametrize("form", ["dicts", "dataframe", "arrow", "polars", "reader"])
def test_evaluate_many_over_all_cases_at_once(form: str) -> None:
    """One batch with every default-ruleset case of one as-of date: rows in order."""
    cases = [c for c in by_ruleset()[LEAF] if c["as_of"] == "2024-06-30"]
    assert len(cases) >= 5
    records = [c["input"] for c in cases]
    try:
        source = frames(records)[form]
    except Exception as e:  # pragma: no cover - shown if Arrow cannot type the mix
        pytest.fail(f"cannot build the {form} input: {e}")
    df = hr.Ruleset.embedded(LEAF).evaluate_many(source, "2024-06-30")
    assert len(df) == len(cases)
    for i, case in enumerate(cases):
        assert row_matches(df.iloc[i], case["decision"]) == [], case["file"]
