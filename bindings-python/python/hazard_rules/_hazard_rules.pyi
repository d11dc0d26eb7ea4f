"""Type stubs of the extension module. Use the package ``hazard_rules``;
these are its internals."""

from typing import Any, Dict, Iterable, List, Optional, Tuple, final

__all__ = [
    "Batch",
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
class Batch:
    """A batch being evaluated into columns."""

    def __new__(
        cls, ruleset: NativeRuleset, as_of_date: str, errors: str = "collect", trace: bool = False, rows: int = 0
    ) -> Batch: ...
    def add_records(self, records: Iterable[Any]) -> None: ...
    def add_columns(self, names: List[str], columns: List[List[Any]]) -> None: ...
    def finish(self) -> Tuple[int, List[Tuple[str, str, Any, Any]]]: ...

@final
class DiffBatch:
    """Records decided by two rulesets and compared."""

    def __new__(cls, base: NativeRuleset, head: NativeRuleset, as_of_date: str) -> DiffBatch: ...
    def add_records(self, records: Iterable[Any]) -> None: ...
    def add_columns(self, names: List[str], columns: List[List[Any]]) -> None: ...
    def finish(self) -> Dict[str, Any]: ...

def input_schema() -> Dict[str, Any]: ...
def decision_schema() -> Dict[str, Any]: ...
def decision_columns() -> List[Tuple[str, str]]: ...
def threads() -> int: ...
