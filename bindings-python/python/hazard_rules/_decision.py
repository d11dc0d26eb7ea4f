"""The decision as typed, read-only objects.

The classes mirror the core's output types (``core/src/decision.rs``); a test
checks them field by field against the decision's JSON Schema, so they cannot
drift. Dates are :class:`datetime.date`, lists are tuples. ``to_dict()`` gives
back exactly the JSON the core produces (ISO dates, lists).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import typing
from typing import Any, Callable, Dict, List, Optional, Tuple

__all__ = [
    "AccidentResponse",
    "Applied",
    "Assignment",
    "Basis",
    "ChecklistItem",
    "Classification",
    "Decision",
    "PlanResponse",
    "PointRisk",
    "Rectification",
    "RegionRisk",
    "Report",
    "Response",
    "Responsibility",
    "Risk",
    "RulesetRef",
    "Staffing",
    "Standardisation",
    "TargetResult",
    "Targets",
    "TraceEntry",
    "UnitRisk",
    "WarningResponse",
]


class _Model:
    """Shared behaviour: ``from_dict`` / ``to_dict`` / ``to_json``."""

    __slots__ = ()
    # Set by _prepare: field names, defaults, required names, and a converter
    # for each field whose JSON form is not already its Python value.
    _fields: typing.ClassVar[Tuple[str, ...]]
    _defaults: typing.ClassVar[Dict[str, Any]]
    _required: typing.ClassVar[frozenset]  # type: ignore[type-arg]
    _convert: typing.ClassVar[List[Tuple[str, Callable[[Any], Any]]]]
    _omit_none: typing.ClassVar[Tuple[str, ...]] = ()

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> Any:
        """Builds the object from the core's JSON form (as ``json.loads`` gives it)."""
        values = {**cls._defaults, **data}
        if len(values) != len(cls._fields):
            unknown = set(data).difference(cls._fields)
            raise TypeError(f"{cls.__name__} has no field(s) {sorted(unknown)}")
        if not cls._required.issubset(data):
            raise TypeError(f"{cls.__name__} needs field(s) {sorted(cls._required.difference(data))}")
        for name, convert in cls._convert:
            value = values[name]
            if value is not None:
                values[name] = convert(value)
        # Frozen dataclasses set each field through object.__setattr__, which
        # costs more than the rules themselves for a decision with its trace;
        # the values are complete and converted, so fill the instance directly.
        obj = object.__new__(cls)
        obj.__dict__.update(values)
        return obj

    def to_dict(self) -> Dict[str, Any]:
        """The core's JSON form: dates as ``YYYY-MM-DD`` text, lists as lists."""
        out: Dict[str, Any] = {}
        for name in self._fields:
            value = getattr(self, name)
            if value is None and name in self._omit_none:
                continue
            out[name] = _dump(value)
        return out

    def to_json(self, **kwargs: Any) -> str:
        """``to_dict()`` as JSON text (``ensure_ascii=False`` unless given)."""
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(), **kwargs)


def _dump(value: Any) -> Any:
    if isinstance(value, _Model):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_dump(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _converter(tp: Any) -> Optional[Callable[[Any], Any]]:
    """How a field's JSON value becomes its Python value; None if it already is."""
    origin = typing.get_origin(tp)
    if origin is typing.Union:
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        return _converter(inner)  # None stays None (from_dict checks)
    if origin is tuple:
        item = _converter(typing.get_args(tp)[0])
        if item is None:
            return tuple
        return lambda v: tuple(map(item, v))
    if tp is datetime.date:
        return datetime.date.fromisoformat
    if isinstance(tp, type) and issubclass(tp, _Model):
        return tp.from_dict
    if tp is float:
        return float
    return None


def _prepare(cls: Any) -> None:
    """Precomputes the field tables of a result class."""
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    cls._fields = tuple(f.name for f in fields)
    cls._defaults = {f.name: f.default for f in fields if f.default is not dataclasses.MISSING}
    cls._required = frozenset(f.name for f in fields if f.default is dataclasses.MISSING)
    cls._convert = [(f.name, c) for f in fields if (c := _converter(hints[f.name])) is not None]


@dataclasses.dataclass(frozen=True)
class RulesetRef(_Model):
    """One ruleset of the chain that decided."""

    id: str
    version: str


@dataclasses.dataclass(frozen=True)
class Applied(_Model):
    """A version of a dated table the rules applied, and the day that chose it."""

    table: str
    version: str
    on: datetime.date
    field: str
    """The input field the day came from (``hazard.found_on``, ``as_of`` …)."""
    valid_from: Optional[datetime.date] = None
    valid_to: Optional[datetime.date] = None
    source: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class TraceEntry(_Model):
    """One step of the explanation: a rule that said why, a table row used, or the calendar."""

    kind: str
    """``rule``, ``table`` or ``calendar``."""
    id: str
    """Rule id (e.g. ``classification.catalogue_item``) or table name."""
    ruleset: str
    """``id@version`` of the ruleset whose rule or table this is."""
    zh: str
    en: str
    row: Optional[str] = None
    """For tables: the key or index of the row used."""

    _omit_none = ("row",)


@dataclasses.dataclass(frozen=True)
class Basis(_Model):
    """A legal reason with its source."""

    id: str
    title: str
    source: str
    standard: Optional[str] = None
    """For a catalogue item: the version of its standard (``MEM-10-2023``, ``SAWS-129-2017``)."""
    verified: Optional[bool] = None
    """For a catalogue item: whether its wording was checked against a published copy."""


@dataclasses.dataclass(frozen=True)
class Classification(_Model):
    """General or major, and why."""

    level: str
    """``general`` or ``major``."""
    basis: Tuple[Basis, ...] = ()
    """Items and facts that made it major (empty for general)."""
    not_applicable: Tuple[Basis, ...] = ()
    """Matched items that do not apply to the hazard's sector, with why."""
    duties: Tuple[Basis, ...] = ()
    """Duties that follow from the level."""


@dataclasses.dataclass(frozen=True)
class Report(_Model):
    """A periodic report a unit owes, with the next due date on or after the as-of date."""

    id: str
    """The reporting table's row, e.g. ``quarterly``, ``yearly``."""
    title: str
    covers: str
    """The period the report covers, e.g. ``2024-Q1`` or ``2023``."""
    due: datetime.date
    """The last day to hand it in."""
    source: str


@dataclasses.dataclass(frozen=True)
class Rectification(_Model):
    """The deadline and where the closed loop stands."""

    stage: str
    """The current stage of the closed loop."""
    start: datetime.date
    """The day the period counts from (listing date, else found date)."""
    status: str
    """``fixed_on_spot``, ``not_due``, ``due_soon``, ``overdue``, ``closed_on_time``, ``closed_late``."""
    next_stages: Tuple[str, ...] = ()
    period_days: Optional[int] = None
    due: Optional[datetime.date] = None
    """Due date after Civil Code counting and any extensions."""
    days_left: Optional[int] = None
    overdue_days: Optional[int] = None
    closed_on: Optional[datetime.date] = None
    extensions: Tuple[int, ...] = ()
    escalation: Tuple[str, ...] = ()
    """What happens because the hazard is overdue."""
    provisional: bool = False
    """``True`` when counting the due date reached a year with no holiday notice in the ruleset."""
    provisional_note: Optional[str] = None
    """Why the due date is provisional, naming the year without a notice."""
    reports: Tuple[Report, ...] = ()
    """The periodic statistics the hazard's unit owes (Order 16 Art. 14), each with its next due date."""


@dataclasses.dataclass(frozen=True)
class Assignment(_Model):
    """A role and who fills it."""

    role: str
    post: str
    person: Optional[str] = None
    """The person who acts (the backup when the primary is absent)."""
    acting_for: Optional[str] = None
    """Set when the backup acts for an absent primary (AB post)."""


@dataclasses.dataclass(frozen=True)
class Staffing(_Model):
    """The township staffing-ratio check."""

    required_staff: int
    actual_staff: int
    required_officers: int
    actual_officers: int
    ok: bool
    shortfalls: Tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Responsibility(_Model):
    """Who is responsible, and which level supervises."""

    assignments: Tuple[Assignment, ...] = ()
    supervising_level: Optional[str] = None
    """``township``, ``county``, ``city`` or ``province``."""
    staffing: Optional[Staffing] = None


@dataclasses.dataclass(frozen=True)
class AccidentResponse(_Model):
    """An accident's grade, investigating level and reporting chain."""

    grade: str
    """``especially_major``, ``major``, ``large``, ``general``."""
    grade_zh: str
    investigated_by: str
    reported_up_to: str
    unit_report_hours: int
    per_level_hours: int
    supplement_days: int
    investigation_days: int
    investigation_extension_days: int
    criteria: Tuple[str, ...] = ()
    supplement_until: Optional[datetime.date] = None
    investigation_due: Optional[datetime.date] = None
    investigation_latest: Optional[datetime.date] = None
    provisional: bool = False
    """``True`` when counting the investigation dates reached a year with no holiday notice in the ruleset."""
    provisional_note: Optional[str] = None
    """Why the investigation dates are provisional, naming the year without a notice."""


@dataclasses.dataclass(frozen=True)
class PlanResponse(_Model):
    """One kind of response of a place's plan (e.g. Zhejiang's 防台风) and the level it reached."""

    kind: str
    """``flood``, ``typhoon``, ``sea_typhoon``, …."""
    zh: str
    level: str
    """``I``–``IV``."""
    triggers: Tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class WarningResponse(_Model):
    """A warning's response level and actions."""

    level: Optional[str] = None
    """Response level ``I``–``IV``, ``None`` if no trigger is reached."""
    typhoon_signal: Optional[str] = None
    colour: Optional[str] = None
    triggers: Tuple[str, ...] = ()
    actions: Tuple[str, ...] = ()
    notify: Tuple[str, ...] = ()
    responses: Tuple[PlanResponse, ...] = ()
    """The separate responses a place's plan runs, each with its own level (empty for one combined response)."""


@dataclasses.dataclass(frozen=True)
class Response(_Model):
    """Response to an accident and/or a warning."""

    accident: Optional[AccidentResponse] = None
    warning: Optional[WarningResponse] = None


@dataclasses.dataclass(frozen=True)
class PointRisk(_Model):
    """A scored risk point."""

    method: str
    score: float
    grade: str
    colour: str
    id: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class UnitRisk(_Model):
    """A unit's colour, level and inspection cap."""

    colour: str
    level: str
    reasons: Tuple[str, ...] = ()
    inspections_per_year: Optional[int] = None


@dataclasses.dataclass(frozen=True)
class RegionRisk(_Model):
    """A region's colour and the rule that gave it."""

    colour: str
    rule: str


@dataclasses.dataclass(frozen=True)
class Risk(_Model):
    """Risk colours of points, a unit and a region."""

    points: Tuple[PointRisk, ...] = ()
    unit: Optional[UnitRisk] = None
    region: Optional[RegionRisk] = None


@dataclasses.dataclass(frozen=True)
class ChecklistItem(_Model):
    """One item of a checklist and where the subject stands on it."""

    id: str
    zh: str
    en: str
    mandatory: bool
    status: str
    """``done``, ``missing`` or ``stale`` (given, evidence too old or undated)."""
    evidence_on: Optional[datetime.date] = None
    fresh_days: Optional[int] = None
    """For an item that needs recent evidence: how old its evidence may be, in days."""


@dataclasses.dataclass(frozen=True)
class Standardisation(_Model):
    """A subject measured against a checklist (六个有, 七个一, 3+4+X, 五有, 15+5)."""

    checklist: str
    zh: str
    en: str
    subject: str
    complete: bool
    share_done: float
    """Mandatory items done out of all mandatory items, 0–1."""
    mandatory_done: int
    mandatory_total: int
    missing: Tuple[str, ...]
    stale: Tuple[str, ...]
    items: Tuple[ChecklistItem, ...]
    source: str


@dataclasses.dataclass(frozen=True)
class TargetResult(_Model):
    """One target: the year's value, the limit, the margin and whether it is met."""

    id: str
    zh: str
    en: str
    comparison: str
    """``at_most`` or ``at_least``."""
    limit: float
    met: bool
    source: str
    value: Optional[float] = None
    base: Optional[float] = None
    """For targets against the previous years: the mean of their values."""
    margin: Optional[float] = None


@dataclasses.dataclass(frozen=True)
class Targets(_Model):
    """A region's year against the ruleset's targets."""

    region: str
    year: int
    all_met: bool
    met: int
    results: Tuple[TargetResult, ...]


@dataclasses.dataclass(frozen=True)
class Decision(_Model):
    """What the rules decided for one input, with the reasons.

    Sections the input did not call for are ``None``. ``trace`` lists every
    rule and table row that fired, in order. In Jupyter the decision shows as
    a table of its sections and its trace.
    """

    as_of: datetime.date
    ruleset: Tuple[RulesetRef, ...]
    """The ruleset chain, base first."""
    in_force: Tuple[Applied, ...] = ()
    """The versions of dated tables applied (the law in force on the day that governs each part)."""
    id: Optional[str] = None
    """The input's ``id``, if it had one."""
    classification: Optional[Classification] = None
    rectification: Optional[Rectification] = None
    responsibility: Optional[Responsibility] = None
    response: Optional[Response] = None
    risk: Optional[Risk] = None
    standardisation: Optional[Standardisation] = None
    targets: Optional[Targets] = None
    trace: Tuple[TraceEntry, ...] = ()

    def fired(self) -> List[str]:
        """Ids of the rules and tables in the trace, in order (duplicates kept)."""
        return [t.id for t in self.trace]

    def _repr_html_(self) -> str:
        from ._html import decision_html

        return decision_html(self)


for _cls in (
    RulesetRef,
    Applied,
    TraceEntry,
    Basis,
    Classification,
    Report,
    Rectification,
    Assignment,
    Staffing,
    Responsibility,
    AccidentResponse,
    PlanResponse,
    WarningResponse,
    Response,
    PointRisk,
    UnitRisk,
    RegionRisk,
    Risk,
    ChecklistItem,
    Standardisation,
    TargetResult,
    Targets,
    Decision,
):
    _prepare(_cls)
