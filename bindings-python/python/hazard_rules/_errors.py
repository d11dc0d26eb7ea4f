"""Exceptions. ``str(error)`` is the core's message, the same text the CLI,
the Rust library and the other bindings give for the same problem."""

from __future__ import annotations

from typing import Any, Dict, Optional

__all__ = ["HazardRulesError", "InputError", "LimitError", "RulesetError"]


class HazardRulesError(Exception):
    """Base class of every error the rules engine reports.

    Attributes:
        kind: ``"input"``, ``"ruleset"`` or ``"limit"`` (the same code in every binding).
        message: the full message in English, as ``str(error)``.
        message_zh: the full message in Chinese.
        reason: the message without its location (path, file or rule).
        reason_zh: the Chinese message without its location.
        row: in a batch, the position of the record that failed; else ``None``.
    """

    kind: str = ""

    def __init__(
        self,
        message: str,
        *,
        reason: Optional[str] = None,
        row: Optional[int] = None,
        message_zh: Optional[str] = None,
        reason_zh: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason if reason is not None else message
        self.row = row
        self.message_zh = message_zh if message_zh is not None else message
        self.reason_zh = reason_zh if reason_zh is not None else self.message_zh

    def _fields(self) -> Dict[str, Any]:
        return {}

    def to_dict(self) -> Dict[str, Any]:
        """The error as the core's JSON error object: ``kind``, ``message``,
        ``message_zh``, the location fields, and ``reason`` and ``reason_zh``
        (plus ``row`` in a batch)."""
        out: Dict[str, Any] = {
            "kind": self.kind,
            "message": self.message,
            "message_zh": self.message_zh,
            **self._fields(),
            "reason": self.reason,
            "reason_zh": self.reason_zh,
        }
        if self.row is not None:
            out["row"] = self.row
        return out

    def __reduce__(self) -> Any:
        # Keyword attributes survive pickling (multiprocessing, joblib).
        return (_from_core, (self.to_dict(), self.row))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class InputError(HazardRulesError):
    """The input is malformed or inconsistent.

    Attributes:
        path: the JSON path of the field at fault, e.g. ``hazard.events[2].on``
            (``as_of`` for a bad date; for a batch of table rows, the dotted column).
        problem: a stable code for the reason, e.g. ``unknown_item``, ``not_a_date``.
    """

    kind = "input"

    def __init__(
        self,
        message: str,
        path: str,
        *,
        reason: Optional[str] = None,
        row: Optional[int] = None,
        problem: str = "invalid",
        message_zh: Optional[str] = None,
        reason_zh: Optional[str] = None,
    ) -> None:
        super().__init__(message, reason=reason, row=row, message_zh=message_zh, reason_zh=reason_zh)
        self.path = path
        self.problem = problem

    def _fields(self) -> Dict[str, Any]:
        return {"path": self.path, "problem": self.problem}


class RulesetError(HazardRulesError):
    """A ruleset could not be loaded, or one of its rules misbehaved.

    Attributes:
        file: the ruleset file, e.g. ``rulesets/henan/tables/listing_periods.toml``.
        line: 1-based line, or 0 when the problem concerns the whole file.
        column: 1-based column, or 0 when not known.
    """

    kind = "ruleset"

    def __init__(
        self,
        message: str,
        file: str,
        line: int = 0,
        column: int = 0,
        *,
        reason: Optional[str] = None,
        row: Optional[int] = None,
        message_zh: Optional[str] = None,
        reason_zh: Optional[str] = None,
    ) -> None:
        super().__init__(message, reason=reason, row=row, message_zh=message_zh, reason_zh=reason_zh)
        self.file = file
        self.line = line
        self.column = column

    def _fields(self) -> Dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column}


class LimitError(HazardRulesError):
    """A rule ran past a sandbox limit (operations, call depth, sizes).

    Attributes:
        rule: the entry function that was running, e.g. ``classify``.
        limit: which limit, e.g. ``too many operations``.
        file, line, column: where the rule stopped (0 where not known).
    """

    kind = "limit"

    def __init__(
        self,
        message: str,
        rule: str,
        limit: str,
        file: str = "",
        line: int = 0,
        column: int = 0,
        *,
        reason: Optional[str] = None,
        row: Optional[int] = None,
        message_zh: Optional[str] = None,
        reason_zh: Optional[str] = None,
    ) -> None:
        super().__init__(message, reason=reason, row=row, message_zh=message_zh, reason_zh=reason_zh)
        self.rule = rule
        self.limit = limit
        self.file = file
        self.line = line
        self.column = column

    def _fields(self) -> Dict[str, Any]:
        return {"rule": self.rule, "limit": self.limit, "file": self.file, "line": self.line, "column": self.column}


def _from_core(error: Dict[str, Any], row: Optional[int] = None) -> HazardRulesError:
    """Builds the exception for a core error object (called by the extension)."""
    kind = error.get("kind")
    message = str(error.get("message", ""))
    reason = error.get("reason")
    zh = {"message_zh": error.get("message_zh"), "reason_zh": error.get("reason_zh")}
    if kind == "input":
        return InputError(
            message,
            str(error.get("path", "")),
            reason=reason,
            row=row,
            problem=str(error.get("problem", "invalid")),
            **zh,
        )
    if kind == "ruleset":
        return RulesetError(
            message,
            str(error.get("file", "")),
            int(error.get("line", 0)),
            int(error.get("column", 0)),
            reason=reason,
            row=row,
            **zh,
        )
    if kind == "limit":
        return LimitError(
            message,
            str(error.get("rule", "")),
            str(error.get("limit", "")),
            str(error.get("file", "")),
            int(error.get("line", 0)),
            int(error.get("column", 0)),
            reason=reason,
            row=row,
            **zh,
        )
    return HazardRulesError(message, reason=reason, row=row, **zh)
