"""The package surface: rulesets, typed results against the schema,
Jupyter HTML, docstrings, and the GIL being released during batch work."""

from __future__ import annotations

import dataclasses
import inspect
import json
import os
import pathlib
import subprocess
import threading
import time
import typing
from typing import Any, Dict, List

import hazard_rules as hr
import pytest
from hazard_rules import _decision, _hazard_rules

AS_OF = "2024-06-30"


def test_version_and_threads() -> None:
    assert hr.__version__ == "0.1.0"
    # rayon uses the CPUs this process may run on (affinity, cgroup quota).
    threads = _hazard_rules.threads()
    if os.environ.get("RAYON_NUM_THREADS"):
        assert threads == int(os.environ["RAYON_NUM_THREADS"])
    else:
        assert 1 <= threads <= len(os.sched_getaffinity(0))


def test_rulesets(repo: pathlib.Path, tmp_path: pathlib.Path, cli: str) -> None:
    default = hr.Ruleset.default()
    assert [(r.id, r.version) for r in default.chain] == [
        ("national", "2026.1.0"),
        ("zhejiang", "2026.1.0"),
        ("jinhua", "2026.1.0"),
    ]
    assert repr(default) == "Ruleset(national@2026.1.0 → zhejiang@2026.1.0 → jinhua@2026.1.0)"
    info = default.info()
    assert info["chain"][2]["id"] == "jinhua" and info["chain"][2]["effective_from"] == "2021-02-26"
    tables = {t["name"]: t["ruleset"] for t in info["tables"]}
    assert tables["listing_periods"] == "jinhua@2026.1.0"
    assert tables["sectors"] == "national@2026.1.0"
    for name in ("national", "zhejiang", "zhejiang/jinhua"):
        assert hr.Ruleset.embedded(name).chain[-1].id == name.split("/")[-1]

    # A directory and a bundle give the embedded chain's decisions.
    record = {
        "hazard": {
            "sector": "metallurgy",
            "found_on": "2024-03-01",
            "listing": {"level": "city", "listed_on": "2024-03-04"},
        }
    }
    want = default.evaluate(record, AS_OF)
    from_dir = hr.Ruleset.load(repo / "rulesets" / "zhejiang" / "jinhua")
    assert from_dir.evaluate(record, AS_OF) == want
    bundle = tmp_path / "jinhua.bundle.json"
    subprocess.run([cli, "bundle", str(repo / "rulesets/zhejiang/jinhua"), "-o", str(bundle)], check=True)
    assert hr.Ruleset.load(bundle).evaluate(record, AS_OF) == want
    assert hr.Ruleset.load(str(bundle)).evaluate(record, AS_OF) == want
    assert hr.Ruleset.from_bundle(bundle.read_text(encoding="utf-8")).evaluate(record, AS_OF) == want
    assert hr.Ruleset.from_bundle(bundle.read_bytes()).evaluate(record, AS_OF) == want
    with pytest.raises(TypeError):
        hr.Ruleset("national")


def test_national_and_jinhua_differ_on_listed_hazards() -> None:
    record = {
        "hazard": {
            "sector": "metallurgy",
            "found_on": "2024-03-01",
            "listing": {"level": "county", "listed_on": "2024-03-04"},
        }
    }
    national = hr.Ruleset.embedded("national").evaluate(record, AS_OF)
    jinhua = hr.Ruleset.default().evaluate(record, AS_OF)
    assert national.rectification and jinhua.rectification
    assert (national.rectification.period_days, jinhua.rectification.period_days) == (60, 30)


# --- typed results against the schema ---------------------------------------------


def resolve(schema: Dict[str, Any], node: Dict[str, Any]) -> Dict[str, Any]:
    if "$ref" in node:
        return resolve(schema, schema["$defs"][node["$ref"].rsplit("/", 1)[-1]])
    for alt in node.get("anyOf", []):
        if alt.get("type") != "null":
            return resolve(schema, alt)
    return node


def ref_name(node: Dict[str, Any]) -> Any:
    for n in [node, *node.get("anyOf", [])]:
        if "$ref" in n:
            return n["$ref"].rsplit("/", 1)[-1]
    return None


def expected_python_type(schema: Dict[str, Any], prop: Dict[str, Any]) -> Any:
    if ref_name(prop):
        return ref_name(prop)
    node = resolve(schema, prop)
    kinds = node.get("type")
    kind = next(k for k in kinds if k != "null") if isinstance(kinds, list) else kinds
    if kind == "array":
        return ("tuple", expected_python_type(schema, node["items"]))
    if kind == "string":
        return "date" if node.get("format") == "date" else str
    if kind == "integer":
        return int
    if kind == "number":
        return float
    if kind == "boolean":
        return bool
    return "object"


def actual_python_type(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin is typing.Union:
        (tp,) = [a for a in typing.get_args(tp) if a is not type(None)]
        return actual_python_type(tp)
    if origin is tuple:
        return ("tuple", actual_python_type(typing.get_args(tp)[0]))
    if tp.__name__ == "date":
        return "date"
    if dataclasses.is_dataclass(tp):
        return tp.__name__
    return tp


def test_result_classes_mirror_the_decision_schema() -> None:
    """Every class has exactly the schema's fields, of the schema's types; a
    field that may be absent or null is Optional."""
    schema = hr.decision_schema()
    checked = []

    def check(cls: Any, node: Dict[str, Any]) -> None:
        props = node["properties"]
        fields = {f.name: f for f in dataclasses.fields(cls)}
        assert set(fields) == set(props), cls.__name__
        hints = typing.get_type_hints(cls)
        for name, prop in props.items():
            want = expected_python_type(schema, prop)
            assert actual_python_type(hints[name]) == want, f"{cls.__name__}.{name}"
            nullable = "null" in json.dumps(prop.get("type", "")) or any(
                a.get("type") == "null" for a in prop.get("anyOf", [])
            )
            is_optional = typing.get_origin(hints[name]) is typing.Union
            assert nullable == is_optional, f"{cls.__name__}.{name}"
            node = resolve(schema, prop)
            name = ref_name(node["items"]) if node.get("type") == "array" else ref_name(prop)
            if name:
                check(getattr(_decision, name), schema["$defs"][name])
        checked.append(cls.__name__)

    check(hr.Decision, schema)
    assert sorted(set(checked)) == sorted(_decision.__all__)


def test_batch_columns_cover_the_schema() -> None:
    names = [name for name, _ in _hazard_rules.decision_columns()]
    assert names[0] == "id"
    for expected in (
        "classification.level",
        "rectification.due",
        "responsibility.staffing.ok",
        "response.accident.grade",
        "response.warning.level",
        "risk.unit.colour",
        "risk.region.colour",
    ):
        assert expected in names
    kinds = dict(_hazard_rules.decision_columns())
    assert kinds["rectification.due"] == "Date32" and kinds["rectification.days_left"] == "Int64"
    assert kinds["risk.points"].startswith("List(Struct(") and kinds["responsibility.staffing.ok"] == "Boolean"
    assert kinds["classification.level"] == "Dictionary(Int32, Utf8)" and kinds["id"] == "Utf8"
    assert list(kinds)[-3:] == ["error", "error_kind", "error_path"]


def test_html_shows_the_decision_and_its_trace() -> None:
    record = {
        "id": "H<1>",
        "hazard": {
            "sector": "light_industry",
            "items": ["GM17-1-1"],
            "found_on": "2021-09-01",
            "listing": {"level": "county", "listed_on": "2021-09-01"},
        },
    }
    d = hr.evaluate(record, "2021-09-20")
    page = d._repr_html_()
    assert "H&lt;1&gt;" in page and "H<1>" not in page  # escaped
    assert "classification.level" in page and "major" in page
    assert "rectification.due" in page and "2021-10-08" in page
    assert f"trace ({len(d.trace)} steps)" in page
    for t in d.trace:
        assert t.id in page
    assert "顺延至2021-10-08" in page


# --- docstrings -------------------------------------------------------------------


def public_members(obj: Any) -> List[Any]:
    out = []
    for name, member in vars(obj).items():
        if name.startswith("_"):
            continue
        if isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        if isinstance(member, property):
            member = member.fget
        if callable(member):
            out.append((f"{obj.__name__}.{name}", member))
    return out


def test_every_public_name_has_a_docstring() -> None:
    missing = []
    assert hr.__doc__
    for name in hr.__all__:
        obj = getattr(hr, name)
        if not (obj.__doc__ or "").strip() or (dataclasses.is_dataclass(obj) and obj.__doc__.startswith(name + "(")):
            missing.append(name)
        if inspect.isclass(obj):
            for qual, member in public_members(obj):
                if not (getattr(member, "__doc__", None) or "").strip():
                    missing.append(qual)
    for name in ("to_dict", "from_dict", "to_json"):
        assert getattr(hr.Decision, name).__doc__
    assert missing == []


# --- the GIL ----------------------------------------------------------------------


def test_batch_work_releases_the_gil(register: List[Dict[str, Any]]) -> None:
    """A second Python thread makes progress while a batch runs. The batch is
    fed straight to the extension: if it held the GIL, the counter could not
    move until the native calls returned."""
    rules = hr.Ruleset.default()
    decider = _hazard_rules.ArrowDecider(rules._native, AS_OF)
    chunk = register[:1500]
    counter = [0]
    stop = threading.Event()

    def count() -> None:
        while not stop.is_set():
            counter[0] += 1

    t = threading.Thread(target=count)
    t.start()
    try:
        time.sleep(0.05)
        start = counter[0]
        began = time.perf_counter()
        rows = len(decider.decide_records(chunk))  # converted, then decided without the GIL
        took = time.perf_counter() - began
        during = counter[0] - start
    finally:
        stop.set()
        t.join()
    assert rows == len(chunk)
    assert took > 0.05, "the batch was too quick to tell"
    assert during > 10_000, f"the other thread counted only {during} in {took:.2f}s"


def test_single_evaluations_release_the_gil_and_are_thread_safe(register: List[Dict[str, Any]]) -> None:
    rules = hr.Ruleset.default()
    expected = [rules.evaluate(r, AS_OF) for r in register[:200]]
    results: Dict[int, List[Any]] = {}

    def work(k: int) -> None:
        results[k] = [rules.evaluate(r, AS_OF) for r in register[:200]]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[k] == expected for k in range(4))


def test_trace_modes(rules: hr.Ruleset) -> None:
    record = {
        "accident": {"deaths": 3, "occurred_on": "2024-05-01"},
        "risk": {"points": [{"method": "LS", "l": 4, "s": 5}]},
    }
    full = rules.evaluate(record, AS_OF)
    ids = rules.evaluate(record, AS_OF, trace="ids")
    off = hr.evaluate(record, AS_OF, ruleset=rules, trace="off")
    assert [t.id for t in ids.trace] == [t.id for t in full.trace]
    assert all(t.zh == "" and t.en == "" for t in ids.trace)
    assert any(t.zh for t in full.trace)
    assert off.trace == ()
    assert off.response == full.response and off.risk == full.risk
    with pytest.raises(hr.InputError) as info:
        rules.evaluate(record, AS_OF, trace="some")
    assert info.value.path == "trace"


def test_diff_reports_what_a_ruleset_change_does() -> None:
    """Jinhua's overlay shortens the periods of listed hazards by 30 days
    (city 60, county 30, against national 90 and 60): diff says so."""
    import pandas as pd

    records = [
        {
            "id": "listed",
            "hazard": {
                "sector": "metallurgy",
                "found_on": "2024-01-02",
                "listing": {"level": "county", "listed_on": "2024-01-02"},
            },
        },
        {"id": "same", "hazard": {"sector": "metallurgy", "found_on": "2024-01-02"}},
        {"id": "bad", "hazard": {"sector": "metalurgy", "found_on": "2024-01-02"}},
    ]
    national = hr.Ruleset.embedded("national")
    jinhua = hr.Ruleset.embedded("zhejiang/jinhua")
    frame = hr.diff(records, national, jinhua, "2024-01-10")
    assert frame.attrs == {"records": 3, "changed": 1}
    period = frame.set_index("field").loc["rectification.period_days"]
    assert (period["changed"], period["median_delta"]) == (1, -30)
    assert period["examples"] == ("listed",)
    # National: 60 days from 2 January is Saturday 2 March, so Monday 4 March;
    # Jinhua: 30 days is Thursday 1 February.
    due = frame.set_index("field").loc["rectification.due"]
    assert (due["moved"], due["median_days"]) == (1, -32)
    # Nothing changes between a ruleset and itself, from a DataFrame too.
    same = hr.diff(pd.json_normalize(records[:2]), jinhua, jinhua, "2024-01-10")
    assert same.empty and same.attrs == {"records": 2, "changed": 0}
    with pytest.raises(TypeError, match="base must be"):
        hr.diff(records, "national", jinhua, "2024-01-10")  # type: ignore[arg-type]


def test_the_law_in_force_on_the_day_is_named() -> None:
    """A hazard found the day before MEM Order No. 10 took effect is judged by
    the 2017 standard, and the decision says which version applied and why."""
    import datetime

    d = hr.evaluate({"hazard": {"sector": "metallurgy", "items": ["GM17-4-1"], "found_on": "2023-05-14"}}, AS_OF)
    (v,) = d.in_force
    assert isinstance(v, hr.Applied)
    assert (v.table, v.version, v.field) == ("catalogue_gongmao", "SAWS-129-2017", "hazard.found_on")
    assert (v.on, v.valid_to) == (datetime.date(2023, 5, 14), datetime.date(2023, 5, 14))
    basis = d.classification.basis[0]
    assert (basis.standard, basis.verified) == ("SAWS-129-2017", True)
    assert d.to_dict()["in_force"][0]["on"] == "2023-05-14"
    after = hr.evaluate({"hazard": {"sector": "metallurgy", "items": ["GM-4-1"], "found_on": "2023-05-15"}}, AS_OF)
    assert after.in_force[0].version == "MEM-10-2023"
    with pytest.raises(hr.InputError) as info:
        hr.evaluate({"hazard": {"sector": "metallurgy", "items": ["GM17-4-1"], "found_on": "2017-11-29"}}, AS_OF)
    assert info.value.path == "hazard.found_on"
