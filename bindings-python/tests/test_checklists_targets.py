"""Standardisation checklists and yearly targets from Python: typed results,
the columns of evaluate_many (also from a flat DataFrame, as a county's
roll-up has them), and input errors naming the field."""

from __future__ import annotations

import datetime
from typing import Any, Dict, List

import hazard_rules as hr
import pandas as pd
import pytest

AS_OF = "2024-06-30"
SEVEN = ["grid_list", "evacuation_map", "monitoring_warning", "shelter", "emergency_supplies", "warning_signs", "drill"]


def village(name: str, items: List[str], drill: Any = None) -> Dict[str, Any]:
    checklist: Dict[str, Any] = {
        "id": "village_7",
        "subject": {"name": name, "kind": "village", "township": "城北街道"},
        "items": items,
    }
    if drill is not None:
        checklist["evidence"] = {"drill": drill}
    return {"id": name, "checklist": checklist}


COUNTY: Dict[str, Any] = {
    "id": "婺城区-2023",
    "targets": {
        "region": "婺城区",
        "year": 2023,
        "this_year": {
            "accidents": 21,
            "deaths": 6,
            "gdp_100m_cny": 742.6,
            "disaster_loss_100m_cny": 1.9,
            "fines_cny": 3_260_000,
            "non_accident_fines_cny": 2_850_000,
            "inspections": 1480,
            "inspections_with_penalty": 310,
            "forest_fires": 2,
            "forest_fires_found_30min": 2,
            "townships": 18,
            "township_stations_built": 17,
        },
        "last_year": {"accidents": 27, "deaths": 8, "gdp_100m_cny": 701.3},
        "year_before_last": {"accidents": 29, "deaths": 9, "gdp_100m_cny": 688.0},
    },
}


def test_a_village_a_township_an_enterprise_and_a_county(rules: hr.Ruleset) -> None:
    d = rules.evaluate(village("三江村", SEVEN, datetime.date(2023, 6, 30)), AS_OF)
    s = d.standardisation
    assert s is not None and not s.complete
    assert s.stale == ("drill",) and s.missing == ()
    assert (s.mandatory_done, s.mandatory_total, s.share_done) == (6, 7, 0.8571)
    assert s.items[6].status == "stale" and s.items[6].evidence_on == datetime.date(2023, 6, 30)
    assert "standardisation.stale" in d.fired()

    t = rules.evaluate(
        {"checklist": {"id": "township_6", "subject": {"name": "城北街道", "kind": "township"}, "items": ["team"]}},
        AS_OF,
    ).standardisation
    assert t is not None and t.missing[0] == "organisation" and t.share_done == round(1 / 6, 4)

    e = rules.evaluate(
        {"checklist": {"id": "enterprise_5", "subject": {"name": "某厂", "kind": "enterprise"}, "items": []}},
        AS_OF,
    ).standardisation
    assert e is not None and e.missing == ("someone_in_charge", "investment", "standards", "rules", "plans")

    c = rules.evaluate(COUNTY, AS_OF).targets
    assert c is not None and (c.region, c.year, c.met, c.all_met) == ("婺城区", 2023, 7, False)
    # Accidents: mean of 27 and 29 is 28, limit 28 × 0.8 = 22.4; 21 is 1.4 under.
    first = c.results[0]
    assert (first.id, first.base, first.limit, first.value, first.met) == ("accidents_down", 28.0, 22.4, 21.0, True)
    assert first.margin == pytest.approx(1.4)
    stations = c.results[-1]
    assert (stations.id, stations.met) == ("township_stations_built", False)
    assert stations.value == round(17 / 18, 9)


def test_evaluate_many_columns(rules: hr.Ruleset) -> None:
    records = [
        village("三江村", SEVEN, "2024-05-18"),
        village("青春村", SEVEN[:5]),
        COUNTY,
    ]
    df = rules.evaluate_many(records, AS_OF)
    assert list(df["standardisation.complete"].iloc[:2]) == [True, False]
    assert str(df["standardisation.complete"].dtype) == "boolean"
    assert str(df["standardisation.mandatory_done"].dtype) == "Int64"
    assert df["standardisation.share_done"].iloc[1] == pytest.approx(5 / 7, abs=1e-4)
    assert list(df["standardisation.missing"].iloc[1]) == ["warning_signs", "drill"]
    assert pd.isna(df["standardisation.complete"].iloc[2])
    assert df["targets.met"].iloc[2] == 7 and not df["targets.all_met"].iloc[2]
    assert df["targets.results"].iloc[2][0]["id"] == "accidents_down"
    # The same as one evaluation at a time.
    for i, record in enumerate(records):
        d = rules.evaluate(record, AS_OF)
        if d.standardisation is not None:
            assert df["standardisation.complete"].iloc[i] == d.standardisation.complete
            assert tuple(df["standardisation.missing"].iloc[i]) == d.standardisation.missing
        if d.targets is not None:
            assert df["targets.met"].iloc[i] == d.targets.met


def test_a_county_roll_up_from_a_flat_frame(rules: hr.Ruleset) -> None:
    """Dotted columns, as pandas.json_normalize or a spreadsheet gives them."""
    frame = pd.json_normalize([village("三江村", SEVEN, "2024-05-18"), village("环城村", SEVEN[:6])], sep=".")
    assert "checklist.evidence.drill" in frame.columns
    df = rules.evaluate_many(frame, AS_OF)
    assert list(df["standardisation.complete"]) == [True, False]
    targets = pd.json_normalize([COUNTY], sep=".")
    assert "targets.this_year.accidents" in targets.columns
    assert rules.evaluate_many(targets, AS_OF)["targets.met"].iloc[0] == 7


def test_errors_name_the_field(rules: hr.Ruleset) -> None:
    with pytest.raises(hr.InputError) as e:
        rules.evaluate(village("三江村", ["grid_list", "shelterr"]), AS_OF)
    assert e.value.path == "checklist.items[1]" and 'did you mean "shelter"?' in str(e.value)
    no_deaths = {"targets": {**COUNTY["targets"], "last_year": {"accidents": 27, "gdp_100m_cny": 701.3}}}
    with pytest.raises(hr.InputError) as e:
        rules.evaluate(no_deaths, AS_OF)
    assert e.value.path == "targets.last_year.deaths"
    df = rules.evaluate_many([no_deaths, COUNTY], AS_OF)
    assert df["error_path"].iloc[0] == "targets.last_year.deaths"
    assert df["targets.met"].iloc[1] == 7
