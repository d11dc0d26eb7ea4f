"""Shared fixtures. The suite never skips: a test that cannot run fails (the
session fails if anything was skipped), so a missing dependency is seen."""

from __future__ import annotations

import json
import os
import pathlib
import sys
from typing import Any, Dict, List

import hazard_rules as hr
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONFORMANCE = ROOT / "tests" / "conformance"
EXAMPLES = ROOT / "bindings-python" / "examples"
sys.path.insert(0, str(EXAMPLES))


def load_cases() -> List[Dict[str, Any]]:
    cases = []
    for path in sorted(CONFORMANCE.glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        case["file"] = path.name
        cases.append(case)
    return cases


CASES = load_cases()


@pytest.fixture(scope="session")
def rules() -> hr.Ruleset:
    return hr.Ruleset.default()


@pytest.fixture(scope="session")
def repo() -> pathlib.Path:
    return ROOT


@pytest.fixture(scope="session")
def register() -> List[Dict[str, Any]]:
    """2,000 generated register records (clean)."""
    import generate_register

    return generate_register.generate(2000, seed=7)


@pytest.fixture(scope="session")
def cli() -> str:
    """The CLI binary, built by scripts/test-python.sh (HAZARD_RULES_CLI)."""
    path = os.environ.get("HAZARD_RULES_CLI", str(ROOT / "target" / "release" / "hazard-rules"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"the CLI is not built at {path}: run `cargo build --release -p hazard-rules-cli`")
    return path


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and exitstatus == 0:
        session.exitstatus = 1
        if reporter:
            reporter.write_line(f"FAILED: {skipped} test(s) skipped; this suite must not skip", red=True)
