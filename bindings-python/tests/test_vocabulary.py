"""Vocabularies, catalogues, collected validation and Chinese messages from Python."""

from __future__ import annotations

import datetime

import hazard_rules as hr
import pytest


@pytest.fixture(scope="module")
def rules() -> hr.Ruleset:
    return hr.Ruleset.default()


def test_vocabulary_has_both_labels(rules: hr.Ruleset) -> None:
    v = rules.vocabulary()
    assert set(v) == {"sectors", "listing_levels", "stages", "colours", "risk_methods"}
    assert v["stages"][0] == {"id": "found", "zh": "发现", "en": "Found"}
    assert all(t["zh"] and t["en"] for terms in v.values() for t in terms)


def test_catalogue_follows_the_day(rules: hr.Ruleset) -> None:
    old = rules.catalogue(sector="metallurgy", as_of=datetime.date(2023, 5, 14))
    new = rules.catalogue(sector="metallurgy", as_of="2023-05-15")
    assert old and all(i["id"].startswith("GM17-") for i in old)
    assert new and all(i["id"].startswith("GM-") for i in new)
    assert new[0]["title"].startswith("未对承包单位")
    with pytest.raises(hr.InputError) as info:
        rules.catalogue(sector="shipyard", as_of="2024-01-01")
    assert info.value.path == "sector"
    assert info.value.problem == "unknown_sector"
    assert info.value.message_zh == "输入有误（sector）：行业“shipyard”不在行业表（sectors）中"


def test_validate_reports_every_problem(rules: hr.Ruleset) -> None:
    answer = rules.validate(
        {
            "hazard": {"sector": "metallurgy", "items": ["GM-4-77"], "found_on": "2024-03-01"},
            "accident": {"deaths": "three"},
            "warning": {"rainfall_1h_mm": -1},
        },
        "2024-04-01",
    )
    assert answer["valid"] is False
    assert [(p["path"], p["problem"]) for p in answer["problems"]] == [
        ("accident.deaths", "wrong_type"),
        ("warning.rainfall_1h_mm", "negative"),
        ("hazard.items[0]", "unknown_item"),
    ]
    assert rules.validate({"accident": {"deaths": 1}}, "2024-04-01") == {"valid": True, "problems": []}


def test_errors_carry_chinese(rules: hr.Ruleset) -> None:
    with pytest.raises(hr.InputError) as info:
        rules.evaluate({"hazard": {"sector": "shipyard", "found_on": "2024-03-01"}}, "2024-04-01")
    e = info.value
    assert e.problem == "unknown_sector"
    assert e.reason_zh == "行业“shipyard”不在行业表（sectors）中"
    assert e.message_zh.startswith("输入有误（hazard.sector）")
    assert e.to_dict()["message_zh"] == e.message_zh


def test_validate_reports_a_value_python_cannot_convert(rules: hr.Ruleset) -> None:
    # A set is not a list: the converter's problem, reported like the core's.
    answer = rules.validate({"hazard": {"sector": "metallurgy", "items": {"GM-4-1"}}}, "2024-04-01")
    assert answer["valid"] is False
    [problem] = answer["problems"]
    assert (problem["path"], problem["problem"]) == ("hazard.items", "wrong_type")
    assert problem["message_zh"] == "不能使用 set 类型的值（应为文本、数字、布尔值、日期、列表或字典）"
    # evaluate raises it, with the same code and both wordings.
    with pytest.raises(hr.InputError) as info:
        rules.evaluate({"hazard": {"sector": "metallurgy", "items": {"GM-4-1"}}}, "2024-04-01")
    assert (info.value.path, info.value.problem) == ("hazard.items", "wrong_type")
    assert info.value.reason_zh == problem["message_zh"]
