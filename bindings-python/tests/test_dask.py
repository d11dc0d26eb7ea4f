"""``hazard_rules.dask`` on a ``distributed.LocalCluster`` with 2 worker
processes: the ruleset travels pickled, each partition is decided on a
worker, and the result is ``evaluate_many``'s, row for row."""

from __future__ import annotations

import pickle
from typing import Any, Dict, Iterator, List

import dask
import dask.dataframe as dd
import hazard_rules as hr
import pandas as pd
import pytest
from distributed import Client, LocalCluster
from hazard_rules.dask import evaluate

AS_OF = "2024-06-30"


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as c:
            yield c


def test_a_ruleset_pickles_as_how_it_was_made(repo: Any) -> None:
    for rules in (
        hr.Ruleset.default(),
        hr.Ruleset.embedded("henan"),
        hr.Ruleset.load(repo / "rulesets" / "zhejiang" / "jinhua"),
    ):
        again = pickle.loads(pickle.dumps(rules))
        assert again.chain == rules.chain
        record = {"hazard": {"sector": "light_industry", "items": ["GM-11-1"], "found_on": "2024-03-01"}}
        assert again.evaluate(record, AS_OF).to_dict() == rules.evaluate(record, AS_OF).to_dict()
    # A directory travels as its bundle: the files are not needed to unpickle.
    blob = pickle.dumps(hr.Ruleset.load(repo / "rulesets" / "henan"))
    assert b"ruleset.toml" in blob


def test_dask_decides_as_evaluate_many(client: Client, register: List[Dict[str, Any]]) -> None:
    import generate_register

    frame = generate_register.to_frame(register)
    expected = hr.evaluate_many(frame, AS_OF)
    # Dask would make the list columns (objects) text: keep them lists.
    with dask.config.set({"dataframe.convert-string": False}):
        ddf = dd.from_pandas(frame, npartitions=4)
    decided = evaluate(ddf, AS_OF)
    got = decided.compute()
    assert len(got) == len(frame) and got.index.equals(frame.index)
    # Every column is there; the ones evaluate_many shows are equal, the rest empty.
    assert set(expected.columns) <= set(got.columns)
    pd.testing.assert_frame_equal(got[list(expected.columns)], expected, check_like=False)
    for col in set(got.columns) - set(expected.columns):
        assert got[col].isna().all(), col
    # The work was spread over both workers.
    assert len(client.scheduler_info()["workers"]) == 2


def test_dask_with_a_loaded_ruleset_and_errors(client: Client, repo: Any) -> None:
    rules = hr.Ruleset.load(repo / "rulesets" / "henan")
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "hazard.sector": ["metallurgy", "metalurgy", "machinery", "metallurgy"],
            "hazard.found_on": ["2024-03-01"] * 4,
        }
    )
    got = evaluate(dd.from_pandas(frame, npartitions=2), AS_OF, ruleset=rules).compute()
    expected = rules.evaluate_many(frame, AS_OF)
    assert got["error_path"].tolist()[1] == "hazard.sector"
    pd.testing.assert_frame_equal(got[list(expected.columns)], expected)
    with pytest.raises(hr.InputError):
        evaluate(dd.from_pandas(frame, npartitions=2), AS_OF, ruleset=rules, errors="raise").compute()
