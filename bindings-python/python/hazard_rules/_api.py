"""The public API: :class:`Ruleset` and the evaluation functions."""

from __future__ import annotations

import datetime
import functools
import os
import threading
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple, Union

from . import _frame, _progress
from . import _hazard_rules as _native
from ._decision import Decision, RulesetRef
from ._errors import HazardRulesError, _from_core

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = [
    "Ruleset",
    "decision_schema",
    "evaluate",
    "evaluate_batches",
    "evaluate_list",
    "evaluate_many",
    "input_schema",
]

DateLike = Union[datetime.date, str, Any]
"""A ``datetime.date``, a ``datetime.datetime`` or ``pandas.Timestamp`` (its
date is used), a ``numpy.datetime64``, or ISO text ``YYYY-MM-DD``."""

SECTIONS = (
    "classification",
    "rectification",
    "responsibility",
    "response",
    "risk",
    "standardisation",
    "targets",
)


def _as_of(value: Any) -> str:
    """The as-of date as ``YYYY-MM-DD`` text; the core parses and checks it."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime.date):
        try:
            return f"{int(value.year):04d}-{int(value.month):02d}-{int(value.day):02d}"
        except (TypeError, ValueError):  # pandas.NaT
            return str(value)
    if type(value).__name__ == "datetime64":
        return str(value)[:10]
    raise TypeError(
        f"as_of must be a date, a datetime, a pandas Timestamp or YYYY-MM-DD text, not {type(value).__name__}"
    )


def _check_errors(errors: str) -> None:
    if errors not in ("collect", "raise"):
        raise ValueError(f'errors must be "collect" or "raise", not {errors!r}')


OUTPUTS = ("pandas", "arrow", "polars")


def _check_output(output: str) -> None:
    if output not in OUTPUTS:
        raise ValueError(f'output must be "pandas", "arrow" or "polars", not {output!r}')


class Ruleset:
    """A loaded, compiled ruleset chain, ready to evaluate.

    Make one with :meth:`default`, :meth:`embedded`, :meth:`load` or
    :meth:`from_bundle`. A ruleset is immutable and safe to share between
    threads; loading is the expensive part, so load once and reuse it.
    """

    __slots__ = ("_chain", "_native", "_source")

    def __init__(self, native: Any, source: Tuple[str, Optional[str]] = ("default", None)) -> None:
        """Wraps a native ruleset; use the constructors instead. ``source``
        says how to make it again in another process (see ``__reduce__``)."""
        if not isinstance(native, _native.NativeRuleset):
            raise TypeError("use Ruleset.default(), Ruleset.embedded(), Ruleset.load() or Ruleset.from_bundle()")
        self._native = native
        self._source = source
        self._chain = tuple(RulesetRef(id=r["id"], version=r["version"]) for r in native.info()["chain"])

    def __reduce__(self) -> Tuple[Any, Tuple[str, Optional[str]]]:
        """Pickled as how it was made: the embedded name, or the bundle text
        (a directory is read into a bundle when it is loaded), so a ruleset
        can go to other processes (multiprocessing, Dask workers) that do not
        see its files. Unpickling in a process loads it once and reuses it."""
        return (_remade, self._source)

    _default: Optional[Ruleset] = None
    _default_lock = threading.Lock()

    @classmethod
    def default(cls) -> Ruleset:
        """The embedded default chain (national → zhejiang → jinhua), loaded once and shared."""
        with cls._default_lock:
            if cls._default is None:
                cls._default = cls(_native.NativeRuleset.default(), ("default", None))
            return cls._default

    @classmethod
    def embedded(cls, name: str) -> Ruleset:
        """An embedded ruleset chain by its leaf: ``national``, ``zhejiang``,
        ``zhejiang/jinhua`` or ``henan``. Raises :class:`RulesetError` for another name."""
        return cls(_native.NativeRuleset.embedded(name), ("embedded", name))

    @classmethod
    def load(
        cls, path: Union[str, os.PathLike[str]], *, root: Optional[Union[str, os.PathLike[str]]] = None
    ) -> Ruleset:
        """A ruleset directory (with the chain it ``extends``) or a bundle file
        made by ``hazard-rules bundle``. Raises :class:`RulesetError` with
        ``file``, ``line`` and ``column``.

        A directory is read as a closed world: no symbolic links, and
        ``extends`` stays within the directory above the ruleset's outermost
        ruleset directory, unless ``root`` names a wider one (an overlay kept
        elsewhere that extends a shipped ruleset)."""
        native_root = None if root is None else os.fspath(root)
        native = _native.NativeRuleset.load(os.fspath(path), native_root)
        return cls(native, ("bundle", _native.NativeRuleset.bundle(os.fspath(path), native_root)))

    @classmethod
    def from_bundle(cls, text: Union[str, bytes]) -> Ruleset:
        """A bundle's contents (JSON text or UTF-8 bytes)."""
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return cls(_native.NativeRuleset.from_bundle(text), ("bundle", text))

    def info(self) -> Dict[str, Any]:
        """The chain (id, version, title, description, effective_from of each
        ruleset, base first) and the tables after overlays (name and the ruleset
        each came from): ``{"chain": [...], "tables": [...]}``."""
        info: Dict[str, Any] = self._native.info()
        return info

    def vocabulary(self) -> Dict[str, Any]:
        """The codes a form offers, from this ruleset's tables:
        ``{"sectors", "listing_levels", "stages", "colours", "risk_methods"}``,
        each a list of ``{"id", "zh", "en"}`` (``id`` is what the input takes)."""
        vocabulary: Dict[str, Any] = self._native.vocabulary()
        return vocabulary

    def catalogue(self, *, sector: str, as_of: DateLike) -> List[Dict[str, Any]]:
        """The major-hazard catalogue items in force for ``sector`` on
        ``as_of`` (the version of each catalogue then in force, routed by the
        ``sectors`` table): dicts with ``id``, ``article``, ``item``,
        ``title`` (Chinese), ``verified``, ``standard``, ``sector``,
        ``catalogue`` and, where there is one, ``section`` and ``version``.
        Raises :class:`InputError` (``path`` ``sector`` or ``as_of``)."""
        items: List[Dict[str, Any]] = self._native.catalogue(sector, _as_of(as_of))
        return items

    def validate(self, record: Any, as_of: DateLike) -> Dict[str, Any]:
        """Every problem of one record at once: ``{"valid": bool, "problems":
        [...]}``, each problem ``{"path", "problem", "message", "message_zh"}``
        (the reason alone, in English and Chinese; ``problem`` is a stable
        code such as ``unknown_item``). The first problem is the error
        :meth:`evaluate` raises for the record."""
        answer: Dict[str, Any] = self._native.validate(record, _as_of(as_of))
        return answer

    @property
    def chain(self) -> Tuple[RulesetRef, ...]:
        """The ruleset chain, base first."""
        return self._chain

    def __repr__(self) -> str:
        return "Ruleset(" + " → ".join(f"{r.id}@{r.version}" for r in self.chain) + ")"

    def evaluate(self, record: Any, as_of: DateLike, *, section: Optional[str] = None, trace: str = "full") -> Decision:
        """Evaluates one record as of a date.

        Args:
            record: a dict shaped like the input JSON (``{"hazard": {...}}``;
                dates as ``datetime.date`` or ISO text), or a pandas Series whose
                index holds dotted names (a row of a DataFrame).
            as_of: the date to evaluate at (the library never reads the clock).
            section: only this section (``classification``, ``rectification``,
                ``responsibility``, ``response``, ``risk``, ``standardisation`` or
                ``targets``) and what it needs.
            trace: ``"full"`` (default): every trace entry with its Chinese and
                English sentences; ``"ids"``: the entries without sentences
                (cheaper); ``"off"``: no trace.

        Returns:
            the :class:`Decision`.

        Raises:
            InputError: the record is invalid (``.path`` names the field).
            RulesetError, LimitError: a rule failed or ran past a sandbox limit.
        """
        date = _as_of(as_of)
        if _frame.is_series(record):
            names, cells = _frame.series_cells(record)
            raw = self._native.evaluate_cells(names, cells, date, section, trace)
        else:
            raw = self._native.evaluate(record, date, section, trace)
        decision: Decision = Decision.from_dict(raw)
        return decision

    def evaluate_many(
        self,
        records: Any,
        as_of: DateLike,
        *,
        errors: str = "collect",
        trace: bool = False,
        output: str = "pandas",
        progress: bool = False,
    ) -> Any:
        """Evaluates many records on all cores and returns a pandas DataFrame
        (or, with ``output``, a pyarrow Table or a polars DataFrame).

        Args:
            records: a list (or any iterable) of dicts; a pandas DataFrame with
                flat columns, nested fields by dotted names
                (``hazard.listing.level``); or any Arrow table: an object with
                the Arrow PyCapsule interface (a pyarrow Table, RecordBatch or
                RecordBatchReader, a polars DataFrame, a DuckDB result), read
                in Rust without a Python object per cell (dotted names or
                struct columns). A pandas DataFrame is read the same way
                through pyarrow when pyarrow is installed and can type its
                columns, else cell by cell. In tables a missing cell (None,
                NaN, NaT, NA, empty text) is left out of the record, and a text
                cell is read by its field's type as the CLI reads CSV (``"3"``
                in a number column is 3, a list as JSON, text stays text); a
                number or boolean in a text column becomes its text.
            as_of: the date to evaluate at.
            errors: ``"collect"`` (default): a bad record gets its message in
                the ``error`` column and the batch goes on; ``"raise"``: the
                first bad record raises its error, with ``.row`` set.
            trace: add a ``trace`` column (a tuple of trace entries as dicts per row).
            output: ``"pandas"`` (default), ``"arrow"`` (a pyarrow Table) or
                ``"polars"`` (a polars DataFrame). The Arrow schema is the same
                for every batch: every decision column, present or not, with
                dates as ``date32``, whole numbers ``int64``, the decision's
                text (levels, statuses) dictionary-encoded, lists as list
                arrays (entries that are objects as structs), the ``error``
                columns, and ``as_of`` and ``ruleset`` in the schema's
                metadata. It comes out of Rust through the Arrow C stream
                interface.
            progress: show a progress bar (tqdm when installed, in notebooks
                and terminals: ``pip install 'hazard-rules[progress]'``; else a
                line on stderr).

        Returns:
            one row per record, in order (a DataFrame input keeps its index):
            ``id``; a column per decision field, dotted by section
            (``classification.level``, ``rectification.due``,
            ``responsibility.supervising_level``, ``risk.unit.colour``...) for
            every section at least one record has; then ``error``,
            ``error_kind`` and ``error_path``. Dates are ``datetime64``,
            whole numbers nullable ``Int64``, lists are tuples.
            ``frame.attrs`` holds ``as_of`` and ``ruleset``. The frame is
            made from the Arrow batches of ``output="arrow"`` (pyarrow is
            needed).

        The GIL is released while rules run, so other Python threads go on.
        """
        _check_errors(errors)
        _check_output(output)
        date = _as_of(as_of)
        if output == "pandas":
            _frame.need_pandas()
        decider = self._arrow_decider(date, errors, trace)
        bar = _progress.bar(progress, _progress.total(records))
        try:
            decided = _frame.decide(decider, records, 0, bar)
        finally:
            if bar is not None:
                bar.close()
        if output != "pandas":
            return _frame.to_output(decided, output)
        return _frame.to_pandas(decided, records.index if _frame.is_dataframe(records) else None)

    def evaluate_batches(
        self,
        batches: Any,
        as_of: DateLike,
        *,
        errors: str = "collect",
        trace: bool = False,
        output: str = "arrow",
        progress: bool = False,
    ) -> Iterator[Any]:
        """Decides a stream of batches lazily, one batch at a time, so memory
        stays that of a batch however long the stream: a 100-million-row
        Parquet dataset can be decided on a laptop.

        Args:
            batches: an Arrow stream (a pyarrow RecordBatchReader, such as
                ``pyarrow.dataset.dataset(path).scanner().to_reader()``; or
                anything with ``__arrow_c_stream__``), or any iterable of
                batches (Arrow objects, pandas DataFrames or lists of dicts).
            as_of, errors, trace: as for :meth:`evaluate_many`; with
                ``errors="raise"`` the error's ``.row`` counts from the
                stream's first row.
            output: ``"arrow"`` (default: pyarrow RecordBatches), ``"polars"``
                or ``"pandas"`` (a DataFrame per batch).
            progress: show a progress bar, as for :meth:`evaluate_many`
                (its total is known only for a table or a list).

        Yields:
            the decided batches, in order, a row per input row (the Arrow
            schema of :meth:`evaluate_many` with ``output="arrow"``).

        >>> import pyarrow.dataset as ds, pyarrow.parquet as pq  # doctest: +SKIP
        >>> reader = ds.dataset("register/").scanner().to_reader()  # doctest: +SKIP
        >>> decided = rules.evaluate_batches(reader, as_of="2024-06-30")  # doctest: +SKIP
        >>> first = next(decided)  # doctest: +SKIP
        >>> with pq.ParquetWriter("decided.parquet", first.schema) as out:  # doctest: +SKIP
        ...     out.write_batch(first)
        ...     for batch in decided:
        ...         out.write_batch(batch)
        """
        _check_errors(errors)
        _check_output(output)
        decider = self._arrow_decider(_as_of(as_of), errors, trace)
        bar = _progress.bar(progress, _progress.total(batches))
        return _frame.decide_stream(decider, batches, output, bar)

    def _arrow_decider(self, date: str, errors: str, trace: bool) -> Any:
        metadata = {"as_of": date, "ruleset": " → ".join(f"{r.id}@{r.version}" for r in self.chain)}
        return _native.ArrowDecider(self._native, date, errors, trace, metadata)

    def evaluate_list(
        self,
        records: Iterable[Mapping[str, Any]],
        as_of: DateLike,
        *,
        errors: str = "collect",
    ) -> List[Union[Decision, HazardRulesError]]:
        """Evaluates many dicts on all cores; no pandas needed.

        Returns one item per record, in order: its :class:`Decision`, or (with
        ``errors="collect"``) the :class:`HazardRulesError` it would raise, with
        ``.row`` set. With ``errors="raise"`` the first error is raised.
        """
        _check_errors(errors)
        date = _as_of(as_of)
        out: List[Union[Decision, HazardRulesError]] = []
        for chunk in _frame.chunks(records):
            for ok, value in self._native.evaluate_records(chunk, date):
                if ok:
                    out.append(Decision.from_dict(value))
                    continue
                error = _from_core(value, row=len(out))
                if errors == "raise":
                    raise error
                out.append(error)
        return out


@functools.lru_cache(maxsize=8)
def _remade(kind: str, value: Optional[str]) -> Ruleset:
    """A pickled ruleset made again (once per process and source)."""
    if kind == "default":
        return Ruleset.default()
    if kind == "embedded" and value is not None:
        return Ruleset.embedded(value)
    if kind == "bundle" and value is not None:
        return Ruleset.from_bundle(value)
    raise ValueError(f"cannot make a ruleset from {kind!r}")


def _rules(ruleset: Optional[Ruleset]) -> Ruleset:
    if ruleset is None:
        return Ruleset.default()
    if not isinstance(ruleset, Ruleset):
        raise TypeError(f"ruleset must be a hazard_rules.Ruleset, not {type(ruleset).__name__}")
    return ruleset


def evaluate(
    record: Any,
    as_of: DateLike,
    *,
    ruleset: Optional[Ruleset] = None,
    section: Optional[str] = None,
    trace: str = "full",
) -> Decision:
    """Evaluates one record with ``ruleset`` (default: :meth:`Ruleset.default`).
    See :meth:`Ruleset.evaluate`."""
    return _rules(ruleset).evaluate(record, as_of, section=section, trace=trace)


def evaluate_many(
    records: Any,
    as_of: DateLike,
    *,
    ruleset: Optional[Ruleset] = None,
    errors: str = "collect",
    trace: bool = False,
    output: str = "pandas",
    progress: bool = False,
) -> Any:
    """Evaluates many records into a DataFrame with ``ruleset`` (default:
    :meth:`Ruleset.default`). See :meth:`Ruleset.evaluate_many`."""
    return _rules(ruleset).evaluate_many(records, as_of, errors=errors, trace=trace, output=output, progress=progress)


def evaluate_batches(
    batches: Any,
    as_of: DateLike,
    *,
    ruleset: Optional[Ruleset] = None,
    errors: str = "collect",
    trace: bool = False,
    output: str = "arrow",
    progress: bool = False,
) -> Iterator[Any]:
    """Decides a stream of batches lazily with ``ruleset`` (default:
    :meth:`Ruleset.default`). See :meth:`Ruleset.evaluate_batches`."""
    return _rules(ruleset).evaluate_batches(
        batches, as_of, errors=errors, trace=trace, output=output, progress=progress
    )


def evaluate_list(
    records: Iterable[Mapping[str, Any]],
    as_of: DateLike,
    *,
    ruleset: Optional[Ruleset] = None,
    errors: str = "collect",
) -> List[Union[Decision, HazardRulesError]]:
    """Evaluates many dicts into a list of decisions (and errors) with
    ``ruleset`` (default: :meth:`Ruleset.default`). See :meth:`Ruleset.evaluate_list`."""
    return _rules(ruleset).evaluate_list(records, as_of, errors=errors)


def diff(records: Any, base: Ruleset, head: Ruleset, as_of: DateLike) -> pandas.DataFrame:
    """What a ruleset change does to real decisions: ``records`` (as
    :meth:`Ruleset.evaluate_many` takes them) decided by ``base`` and by
    ``head``, compared field by field, as ``hazard-rules diff`` does.

    Returns one row per decision field that changes (``rectification.due``,
    ``error.kind``...): ``changed`` (records), for dates ``moved``,
    ``median_days``, ``min_days``, ``max_days``; for numbers ``median_delta``,
    ``min_delta``, ``max_delta`` (head minus base); ``transitions``, the other
    changes as ``(from, to, count)`` tuples, most frequent first (``"—"`` for
    no value); and ``examples``, the first records' ids. ``frame.attrs`` holds
    ``records`` and ``changed`` (records with any change).
    """
    import pandas as pd

    for name, r in (("base", base), ("head", head)):
        if not isinstance(r, Ruleset):
            raise TypeError(f"{name} must be a hazard_rules.Ruleset, not {type(r).__name__}")
    batch = _native.DiffBatch(base._native, head._native, _as_of(as_of))
    _frame.feed(batch, records)
    summary = batch.finish()
    rows = []
    for f in summary["fields"]:
        days = f.get("days") or {}
        delta = f.get("delta") or {}
        rows.append(
            {
                "field": f["field"],
                "changed": f["changed"],
                "moved": days.get("count", 0),
                "median_days": days.get("median"),
                "min_days": days.get("min"),
                "max_days": days.get("max"),
                "median_delta": delta.get("median"),
                "min_delta": delta.get("min"),
                "max_delta": delta.get("max"),
                "transitions": tuple((t["from"], t["to"], t["count"]) for t in f["transitions"]),
                "examples": tuple(f["examples"]),
            }
        )
    columns = ["field", "changed", "moved", "median_days", "min_days", "max_days"]
    columns += ["median_delta", "min_delta", "max_delta", "transitions", "examples"]
    frame = pd.DataFrame(rows, columns=columns)
    for c in ("median_days", "min_days", "max_days"):
        frame[c] = frame[c].astype("Int64")
    frame.attrs = {"records": summary["records"], "changed": summary["changed"]}
    return frame


def input_schema() -> Dict[str, Any]:
    """The JSON Schema of an input record (the same as ``hazard-rules schema``)."""
    schema: Dict[str, Any] = _native.input_schema()
    return schema


def decision_schema() -> Dict[str, Any]:
    """The JSON Schema of a decision (the same as ``hazard-rules schema --decision``)."""
    schema: Dict[str, Any] = _native.decision_schema()
    return schema
