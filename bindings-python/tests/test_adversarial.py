"""The adversarial suite (tests/adversarial/, described in its README) through
the Python binding: the error's kind and path (or a ruleset error's file and
line) or the decision the case expects, within its CPU time and a memory
bound. Cases that Python cannot express name the runners they are for and
why; they are listed, not skipped."""

from __future__ import annotations

import json
import os
import pathlib
import resource
import shutil
import time
from typing import Any, Dict, List

import hazard_rules as hr
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SUITE = ROOT / "tests" / "adversarial"
RUNNER = "python"
MAX_RSS_MB = 512


def load_cases() -> List[Dict[str, Any]]:
    cases = []
    for path in sorted((SUITE / "cases").glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        assert case["name"] == path.stem, path
        cases.append(case)
    return cases


CASES = load_cases()
MINE = [c for c in CASES if RUNNER in c.get("runners", [RUNNER])]


def built(parts: List[List[Any]]) -> str:
    return "".join(text * count for text, count in parts)


def record(case: Dict[str, Any]) -> Any:
    if "input" in case:
        return case["input"]
    if "input_text" in case:
        return json.loads(case["input_text"])
    if "input_built" in case:
        return json.loads(built(case["input_built"]))
    raise AssertionError(f"{case['name']}: no input Python can read (add `runners`)")


def ruleset_dir(spec: Dict[str, Any], scratch: pathlib.Path) -> pathlib.Path:
    """The repository's rulesets/national and the case's directory side by side
    in `scratch`, with the case's setup applied to the copy (as the CLI runner)."""
    shutil.copytree(ROOT / "rulesets" / "national", scratch / "national")
    src = SUITE / spec["dir"]
    d = scratch / src.name
    shutil.copytree(src, d)
    for step in spec.get("setup", []):
        if "write" in step:
            (d / step["write"]).parent.mkdir(parents=True, exist_ok=True)
            (d / step["write"]).write_text(built(step["built"]), encoding="utf-8")
        elif "symlink" in step:
            path = d / step["symlink"]
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir():
                shutil.rmtree(path)
            os.symlink(step["to"], path)
        elif "fifo" in step:
            path = d / step["fifo"]
            path.unlink(missing_ok=True)
            os.mkfifo(path)
        else:
            raise AssertionError(f"unknown setup step {step}")
    return d


def matches(actual: Any, fragment: Any) -> bool:
    if isinstance(fragment, dict):
        return isinstance(actual, dict) and all(k in actual and matches(actual[k], v) for k, v in fragment.items())
    return bool(actual == fragment)


def check_error(error: hr.HazardRulesError, want: Dict[str, Any]) -> None:
    got = error.to_dict()
    for key, value in want.items():
        if key == "message_contains":
            assert value in got["message"], got
        elif key == "file":
            assert str(got.get("file", "")).endswith(value), got
        else:
            assert got.get(key) == value, (key, got)


def expectation(case: Dict[str, Any]) -> Dict[str, Any]:
    want = case.get(f"expect_{RUNNER}", case["expect"])
    assert isinstance(want, dict), f"{case['name']}: one record a case in Python"
    return want


def current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_every_case_is_run_here_or_says_why_not() -> None:
    assert len(CASES) >= 40
    for case in CASES:
        if case not in MINE:
            assert case.get("runners_why"), case["name"]
            print(f"not for Python: {case['name']} ({case['runners_why']})")


@pytest.mark.parametrize("case", MINE, ids=[c["name"] for c in MINE])
def test_adversarial_case(case: Dict[str, Any], tmp_path: pathlib.Path) -> None:
    want = expectation(case)
    spec = case.get("ruleset")
    rss_before = current_rss_mb()
    cpu = time.process_time()
    try:
        if spec is None:
            rules = hr.Ruleset.default()
        elif "dir" in spec:
            rules = hr.Ruleset.load(ruleset_dir(spec, tmp_path))
        else:
            rules = hr.Ruleset.load(SUITE / spec["bundle"])
        if "load_error" in want:
            pytest.fail(f"the ruleset loaded; expected {want['load_error']}")
        if "decision" in want:
            decision = rules.evaluate(record(case), case["as_of"])
            assert matches(decision.to_dict(), want["decision"]), decision.to_dict()
        else:
            with pytest.raises(hr.HazardRulesError) as info:
                rules.evaluate(record(case), case["as_of"])
            check_error(info.value, want["error"])
    except hr.RulesetError as e:
        if "load_error" not in want:
            raise
        check_error(e, want["load_error"])
    used = time.process_time() - cpu
    assert used <= case.get("max_cpu_seconds", 1), f"{used:.2f} s of CPU"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert peak - rss_before <= case.get("max_rss_mb", MAX_RSS_MB), f"peak {peak:.0f} MB from {rss_before:.0f} MB"
