"""Type stubs of the extension module. Use the package ``hazard_rules``;
these are its internals."""

from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple, final

__all__ = [
    "ArrowDecider",
    "DecidedBatches",
    "DecidedStream",
    "DiffBatch",
    "NativeRuleset",
    "__version__",
    "decision_columns",
    "decision_schema",
    "input_schema",
    "threads",
]
__version__: str

@final
class NativeRuleset:
    """A loaded ruleset chain (wrapped by ``hazard_rules.Ruleset``)."""

    @staticmethod
    def default() -> NativeRuleset: ...
    @staticmethod
    def embedded(leaf: str) -> NativeRuleset: ...
    @staticmethod
    def load(path: str, root: Optional[str] = None) -> NativeRuleset: ...
    @staticmethod
    def bundle(path: str, root: Optional[str] = None) -> str: ...
    @staticmethod
    def from_bundle(text: str) -> NativeRuleset: ...
    def info(self) -> Dict[str, Any]: ...
    def evaluate(
        self, record: Any, as_of_date: str, section: Optional[str] = None, trace: str = "full"
    ) -> Dict[str, Any]: ...
    def evaluate_cells(
        self,
        names: List[str],
        cells: List[Any],
        as_of_date: str,
        section: Optional[str] = None,
        trace: str = "full",
    ) -> Dict[str, Any]: ...
    def evaluate_records(self, records: Iterable[Any], as_of_date: str) -> List[Tuple[bool, Dict[str, Any]]]: ...

@final
class DiffBatch:
    """Records decided by two rulesets and compared."""

    def __new__(cls, base: NativeRuleset, head: NativeRuleset, as_of_date: str) -> DiffBatch: ...
    def add_records(self, records: Iterable[Any]) -> None: ...
    def add_columns(self, names: List[str], columns: List[List[Any]]) -> None: ...
    def add_arrow(self, data: Any, chunk: int) -> None: ...
    def finish(self) -> Dict[str, Any]: ...

@final
class DecidedBatches:
    """Decided record batches, read through ``__arrow_c_stream__``."""

    def __arrow_c_stream__(self, requested_schema: Optional[Any] = None) -> Any: ...
    def present_columns(self) -> List[str]: ...
    def __len__(self) -> int: ...

@final
class DecidedStream:
    """An Arrow stream being decided batch by batch."""

    def __iter__(self) -> Iterator[DecidedBatches]: ...
    def __next__(self) -> DecidedBatches: ...

@final
class ArrowDecider:
    """Decides records into Arrow record batches."""

    def __new__(
        cls,
        ruleset: NativeRuleset,
        as_of_date: str,
        errors: str = "collect",
        trace: bool = False,
        metadata: Dict[str, str] = ...,
    ) -> ArrowDecider: ...
    def decide_arrow(
        self, data: Any, chunk: int, start: int = 0, progress: Optional[Callable[[int], Any]] = None
    ) -> DecidedBatches: ...
    def decide_records(self, records: Iterable[Any], start: int = 0, chunk: Optional[int] = None) -> DecidedBatches: ...
    def decide_columns(
        self, names: List[str], columns: List[List[Any]], start: int = 0, chunk: Optional[int] = None
    ) -> DecidedBatches: ...
    def join(self, parts: List[DecidedBatches]) -> DecidedBatches: ...
    def stream(self, data: Any, chunk: int) -> DecidedStream: ...

def input_schema() -> Dict[str, Any]: ...
def decision_schema() -> Dict[str, Any]: ...
def decision_columns() -> List[Tuple[str, str]]: ...
def threads() -> int: ...
