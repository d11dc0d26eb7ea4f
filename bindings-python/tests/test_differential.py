"""The differential test: the records scripts/differential-inputs.sh generated
(proptest strategies, core/tests/common/inputs.rs) evaluated here must give
what the CLI gave for them, decision for decision (the whole decision JSON,
trace included) and error for error (the whole error object). The files are
made by the test command; without them this test fails, it does not skip."""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any, Dict, List

import hazard_rules as hr

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = pathlib.Path(os.environ.get("HAZARD_RULES_DIFFERENTIAL", ROOT / "target" / "differential"))


def read_jsonl(path: pathlib.Path) -> List[Any]:
    assert path.is_file(), f"{path} is missing: run `bash scripts/differential-inputs.sh` (the test command does)"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def answer(rules: hr.Ruleset, record: Any, as_of: str) -> Dict[str, Any]:
    """What the CLI writes for a record: `{"decision": ...}` or `{"error": ...}`."""
    try:
        return {"decision": rules.evaluate(record, as_of).to_dict()}
    except hr.HazardRulesError as e:
        error = e.to_dict()
        error.pop("reason", None)
        error.pop("reason_zh", None)
        return {"error": error}


def test_python_decides_as_the_cli(rules: hr.Ruleset) -> None:
    meta = json.loads((DATA / "meta.json").read_text(encoding="utf-8")) if (DATA / "meta.json").is_file() else {}
    inputs = read_jsonl(DATA / "inputs.jsonl")
    cli = read_jsonl(DATA / "rust.jsonl")
    assert len(inputs) == len(cli) > 0
    as_of = meta.get("as_of", "2024-06-30")
    decided = 0
    for n, (record, line) in enumerate(zip(inputs, cli), start=1):
        assert line["record"] == n
        want = {k: v for k, v in line.items() if k in ("decision", "error")}
        got = answer(rules, record, as_of)
        shown = [json.dumps(x, ensure_ascii=False)[:2000] for x in (record, want, got)]
        assert got == want, (
            f"record {n} (seed {meta.get('seed')}) differs:\n  input:  {shown[0]}"
            f"\n  cli:    {shown[1]}\n  python: {shown[2]}"
        )
        decided += "decision" in got
    print(f"{len(inputs)} records (seed {meta.get('seed')}): {decided} decisions, {len(inputs) - decided} errors")
    assert 0 < decided < len(inputs), "the generated records should give both decisions and errors"
