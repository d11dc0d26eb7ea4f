"""hazard_rules: work-safety hazard rules for grassroots emergency management
in China — classification (general or major), rectification deadlines,
responsibility, response levels, risk colours, standardisation checklists and
yearly targets — from the same Rust engine
and rulesets as the ``hazard-rules`` CLI.

>>> import hazard_rules as hr
>>> d = hr.evaluate({"hazard": {"sector": "light_industry", "items": ["GM17-1-1"],
...     "found_on": "2021-09-01", "listing": {"level": "county", "listed_on": "2021-09-01"}}},
...     as_of="2021-09-20")
>>> d.classification.level, str(d.rectification.due)
('major', '2021-10-08')

Batches: :func:`evaluate_many` (a pandas DataFrame out; dicts, DataFrames
or Arrow tables in) and :func:`evaluate_list` (decisions out, no pandas
needed). Both run on all cores with the GIL released.
"""

from . import _hazard_rules
from ._api import (
    Ruleset,
    decision_schema,
    diff,
    evaluate,
    evaluate_batches,
    evaluate_list,
    evaluate_many,
    input_schema,
)
from ._decision import (
    AccidentResponse,
    Applied,
    Assignment,
    Basis,
    ChecklistItem,
    Classification,
    Decision,
    PlanResponse,
    PointRisk,
    Rectification,
    RegionRisk,
    Report,
    Response,
    Responsibility,
    Risk,
    RulesetRef,
    Staffing,
    Standardisation,
    TargetResult,
    Targets,
    TraceEntry,
    UnitRisk,
    WarningResponse,
)
from ._errors import HazardRulesError, InputError, LimitError, RulesetError

__version__: str = _hazard_rules.__version__
"""The package version (the Rust crates' version)."""

__all__ = [
    "AccidentResponse",
    "Applied",
    "Assignment",
    "Basis",
    "ChecklistItem",
    "Classification",
    "Decision",
    "HazardRulesError",
    "InputError",
    "LimitError",
    "PlanResponse",
    "PointRisk",
    "Rectification",
    "RegionRisk",
    "Report",
    "Response",
    "Responsibility",
    "Risk",
    "Ruleset",
    "RulesetError",
    "RulesetRef",
    "Staffing",
    "Standardisation",
    "TargetResult",
    "Targets",
    "TraceEntry",
    "UnitRisk",
    "WarningResponse",
    "decision_schema",
    "diff",
    "evaluate",
    "evaluate_batches",
    "evaluate_list",
    "evaluate_many",
    "input_schema",
]
