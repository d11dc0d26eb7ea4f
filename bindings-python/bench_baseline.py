"""The default (Jinhua) rules for hazards and risk, hand-written in plain
Python: the baseline an analyst would write instead of using hazard_rules.
Used only by ``bench.py``, which checks that it gives the engine's answers
on every benchmark record before comparing speed.

It covers what the generated register calls for — classification,
rectification (Civil Code counting with the holiday calendar, the closed
loop, escalation), responsibility (AB posts, tenants, territorial posts) and
risk (LEC/LS points, unit colour, inspection cap) — without the
explanations (trace), input checks or overlays the engine provides. Tables
are read once from the ruleset TOML files, as an analyst would paste them.
"""

from __future__ import annotations

import datetime
import pathlib
from typing import Any, Dict, List, Optional, Tuple

import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1] / "rulesets"
DAY = datetime.timedelta(days=1)


def _load(name: str) -> Dict[str, Any]:
    for directory in ("zhejiang/jinhua", "zhejiang", "national"):
        path = ROOT / directory / "tables" / f"{name}.toml"
        if path.exists():
            with open(path, "rb") as f:
                return tomllib.load(f)
    raise FileNotFoundError(name)


def _rows(name: str, key: str) -> Dict[str, Dict[str, Any]]:
    return {str(r[key]): r for r in _load(name)["rows"]}


def _date(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


class Rules:
    """The rules, with their tables loaded."""

    def __init__(self) -> None:
        self.sectors = _rows("sectors", "code")
        self.items = {
            **_rows("catalogue_gongmao", "id"),
            **_rows("catalogue_gongmao_2017", "id"),
            **_rows("catalogue_chemicals", "id"),
        }
        self.departments = _rows("departments", "code")
        self.listing = _rows("listing_periods", "level")
        self.settings = _load("rectification")["values"]
        self.stages = _rows("stages", "code")
        self.escalation = _rows("escalation", "level")
        self.supervising = _rows("supervising_levels", "level")
        self.leads = _rows("rectification_leads", "level")
        self.colours = _rows("colours", "colour")
        self.by_rank = {r["rank"]: r for r in self.colours.values()}
        self.lec_grades = _load("lec_grades")["rows"]
        self.lec_colours = _load("lec_colours")["rows"]
        self.ls_colours = _load("ls_colours")["rows"]
        self.unit_signals = _load("unit_signals")["rows"]
        self.inspections = _rows("inspection_frequency", "sector_group")
        self.holidays: set = set()
        self.workdays: set = set()
        for year in range(2020, 2027):
            cal = _load(f"calendar_{year}")
            for h in cal.get("holidays", []):
                d = _date(h["from"])
                while d <= _date(h["to"]):
                    self.holidays.add(d)
                    d += DAY
            self.workdays.update(_date(w) for w in cal.get("workdays", []))

    # --- calendar -----------------------------------------------------------

    def working(self, d: datetime.date) -> bool:
        if d in self.holidays:
            return False
        return d.weekday() < 5 or d in self.workdays

    def deadline(self, start: datetime.date, days: int) -> datetime.date:
        due = start + datetime.timedelta(days=days)
        while not self.working(due):
            due += DAY
        return due

    # --- sections -------------------------------------------------------------

    def decide(self, record: Dict[str, Any], as_of: datetime.date) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        h = record.get("hazard")
        if h:
            level, basis = self.classify(h)
            out["classification.level"] = level
            out["classification.basis"] = basis
            out.update(self.rectify(h, level, as_of))
            out.update(self.assign(h, level))
        if record.get("risk"):
            out.update(self.risk(record["risk"]))
        return out

    def classify(self, h: Dict[str, Any]) -> Tuple[str, List[str]]:
        sector = self.sectors[h["sector"]]
        basis = [i for i in h.get("items", []) if self.items[i]["sector"] in sector["item_sectors"]]
        facts = h.get("facts") or {}
        basis += [f for f in ("needs_suspension", "cannot_self_remove") if facts.get(f)]
        return ("major" if basis else "general"), basis

    def supervising_level(self, h: Dict[str, Any], level: str) -> str:
        listing = h.get("listing")
        return listing["level"] if listing else self.supervising[level]["supervisor"]

    def rectify(self, h: Dict[str, Any], level: str, as_of: datetime.date) -> Dict[str, Any]:
        stage, closed_on, extensions = "found", None, []
        for i, e in enumerate(h.get("events", [])):
            if e["stage"] == "extended":
                extensions.append(e["extension_days"])
            elif not (i == 0 and e["stage"] == "found"):
                stage = e["stage"]
                if stage == "closed":
                    closed_on = _date(e["on"])
        out: Dict[str, Any] = {
            "rectification.stage": stage,
            "rectification.start": _date(h["found_on"]),
            "rectification.period_days": None,
            "rectification.due": None,
            "rectification.days_left": None,
            "rectification.overdue_days": None,
            "rectification.closed_on": closed_on,
            "rectification.escalation": [],
        }
        if (h.get("facts") or {}).get("fixed_on_spot") and level == "general":
            out["rectification.status"] = "fixed_on_spot"
            return out
        listing = h.get("listing")
        if listing:
            out["rectification.start"] = _date(listing["listed_on"])
            period = self.listing[listing["level"]]["days"]
        elif level == "major":
            period = self.settings["major_period_days"]
        else:
            period = self.settings["general_period_days"]
        out["rectification.period_days"] = period
        due = self.deadline(out["rectification.start"], period)
        for days in extensions:
            due = self.deadline(due, days)
        out["rectification.due"] = due
        if stage == "closed":
            late = (closed_on - due).days  # type: ignore[operator]
            if late > 0:
                out["rectification.status"] = "closed_late"
                out["rectification.overdue_days"] = late
            else:
                out["rectification.status"] = "closed_on_time"
            return out
        left = (due - as_of).days
        if left < 0:
            out["rectification.status"] = "overdue"
            out["rectification.overdue_days"] = -left
            out["rectification.escalation"] = self.escalation[self.supervising_level(h, level)]["actions"]
        else:
            out["rectification.days_left"] = left
            out["rectification.status"] = "due_soon" if left <= self.settings["due_soon_days"] else "not_due"
        return out

    @staticmethod
    def holder(role: str, post_name: str, post: Optional[Dict[str, Any]]) -> Tuple[str, str, Any, Any]:
        if not post:
            return (role, post_name, None, None)
        if not post.get("absent"):
            return (role, post_name, post["name"], None)
        return (role, post_name, post.get("backup"), post["name"])

    def assign(self, h: Dict[str, Any], level: str) -> Dict[str, Any]:
        out = []
        lead = self.leads[level]
        e = h.get("enterprise")
        if e:
            out.append(self.holder("rectification_lead", f"{e['name']}{lead['zh']}", e.get(lead["post"])))
            t = e.get("tenant_of")
            if t:
                kind_zh = "园区" if t["kind"] == "park" else "出租方"
                out.append(self.holder("coordinator", f"{t['name']}（{kind_zh}）", t.get("contact")))
        else:
            out.append(("rectification_lead", lead["zh"], None, None))
        regulator = self.sectors[h["sector"]]["regulator"]
        out.append(("sector_regulator", self.departments[regulator]["zh"], None, None))
        loc = h.get("location")
        if loc:
            out.append(self.holder("township", f"{loc['township']}应急管理中心", loc.get("township_lead")))
            if loc.get("village"):
                out.append(self.holder("village_head", f"{loc['village']}负责人", loc.get("village_head")))
            if loc.get("grid") or loc.get("grid_member"):
                out.append(self.holder("grid_member", f"{loc.get('grid') or '网格'}网格员", loc.get("grid_member")))
        return {
            "responsibility.assignments": out,
            "responsibility.supervising_level": self.supervising_level(h, level),
        }

    @staticmethod
    def band(rows: List[Dict[str, Any]], v: float) -> Dict[str, Any]:
        for r in rows:
            if (
                ("gte" not in r or v >= r["gte"])
                and ("gt" not in r or v > r["gt"])
                and ("lt" not in r or v < r["lt"])
                and ("lte" not in r or v <= r["lte"])
            ):
                return r
        raise ValueError(v)

    def risk(self, risk: Dict[str, Any]) -> Dict[str, Any]:
        points = []
        worst = 0
        for p in risk.get("points", []):
            if p["method"] == "LEC":
                score = float(p["l"] * p["e"] * p["c"])
                grade = self.band(self.lec_grades, score)["grade"]
                colour = self.band(self.lec_colours, score)["colour"]
            else:
                score = float(p["l"] * p["s"])
                row = self.band(self.ls_colours, score)
                grade, colour = row["grade"], row["colour"]
            worst = max(worst, self.colours[colour]["rank"])
            points.append((score, grade, colour))
        out: Dict[str, Any] = {"risk.points": points}
        u = risk.get("unit")
        if u:
            rank = worst or 1
            signals = {
                "open_major_hazards": u.get("open_major_hazards", 0),
                "overdue_hazards": u.get("overdue_hazards", 0),
                "recent_accidents": u.get("recent_accidents", 0),
                "ungraded": 1 if u.get("standardisation_grade") is None else 0,
            }
            for s in self.unit_signals:
                if signals[s["signal"]] >= s["gte"]:
                    rank = max(rank, self.colours[s["colour"]]["rank"])
            c = self.by_rank[rank]
            f = self.inspections[u["sector_group"]]
            g = u.get("standardisation_grade")
            out["risk.unit.colour"] = c["colour"]
            out["risk.unit.level"] = c["risk_en"]
            out["risk.unit.inspections_per_year"] = f["none"] if g is None else f[f"grade_{g}"]
        return out


def engine_fields(row: Dict[str, Any]) -> Dict[str, Any]:
    """The same fields from a row of ``evaluate_many`` (cells as plain Python)."""
    out: Dict[str, Any] = {}
    if row.get("classification.level") is not None:
        out["classification.level"] = row["classification.level"]
        out["classification.basis"] = [b["id"] for b in row["classification.basis"]]
        for k in ("stage", "start", "period_days", "due", "days_left", "overdue_days", "closed_on", "status"):
            out[f"rectification.{k}"] = row[f"rectification.{k}"]
        out["rectification.escalation"] = list(row["rectification.escalation"])
        out["responsibility.assignments"] = [
            (a["role"], a["post"], a["person"], a["acting_for"]) for a in row["responsibility.assignments"]
        ]
        out["responsibility.supervising_level"] = row["responsibility.supervising_level"]
    if row.get("risk.points") is not None:
        out["risk.points"] = [(float(p["score"]), p["grade"], p["colour"]) for p in row["risk.points"]]
        if row.get("risk.unit.colour") is not None:
            for k in ("colour", "level", "inspections_per_year"):
                out[f"risk.unit.{k}"] = row[f"risk.unit.{k}"]
    return out
