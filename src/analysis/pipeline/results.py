"""What a run gives back: the reports, the problems met, one table per stage, the corpus counts, timings.

``Results`` is indexable by stage name (``results["tokens"]``) and by
attribute (``results.tokens``); a large table (tokens, per-report counts) is
read from the cache only when first asked for (``Tables``).  A table whose
cache files were lost since the run is computed again for those reports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from .. import cache as cache_mod
from ..errors import AnalysisError
from .stages import STAGES, Context
from .tasks import _stage_task


class Tables(Mapping[str, pd.DataFrame]):
    """The stage tables of a run; a lazy table is read from the cache when first asked for."""

    def __init__(self) -> None:
        self._order: list[str] = []
        self._tables: dict[str, pd.DataFrame] = {}
        self._loaders: dict[str, Callable[[], pd.DataFrame]] = {}

    def _set(self, name: str, table: pd.DataFrame) -> None:
        self._order.append(name)
        self._tables[name] = table

    def _lazy(self, name: str, loader: Callable[[], pd.DataFrame]) -> None:
        self._order.append(name)
        self._loaders[name] = loader

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._tables and name in self._loaders:
            self._tables[name] = self._loaders.pop(name)()
        return self._tables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, name: object) -> bool:  # whether the run has the table, without reading a lazy one
        return name in self._order

    def loaded(self, name: str) -> bool:
        return name in self._tables


@dataclass
class Results:
    """What ``run`` returns: the reports, the problems met, one table per stage, corpus counts, timings."""

    reports: pd.DataFrame
    problems: pd.DataFrame
    tables: Tables
    counts: pd.DataFrame | None
    timings: pd.DataFrame
    cache_dir: Path | None = None
    entries: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name == "counts" and self.counts is not None:
            return self.counts
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(f"no table {name!r}; this run has: {', '.join(self.tables)}") from None

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_") or name in ("tables", "reports", "problems", "counts", "timings", "cache_dir", "entries"):
            raise AttributeError(name)
        try:
            return self.tables[name]
        except KeyError:
            raise AttributeError(f"no table {name!r}; this run has: {', '.join(self.tables)}") from None

    def __repr__(self) -> str:
        return f"Results({len(self.reports)} reports; tables: {', '.join(self.tables)})"


def _loader(store: cache_mod.TableStore, entries: list[str], reports: pd.DataFrame, root: Path, keys: dict[str, str]):
    """A function giving the stage's table for *entries*, re-processing what the cache lost."""

    def load() -> pd.DataFrame:
        return _frame(_read_complete(store, entries, reports, root, keys))

    return load


def _read_complete(
    store: cache_mod.TableStore, entries: list[str], reports: pd.DataFrame, root: Path, keys: dict[str, str], columns=None
) -> pa.Table:
    if not entries:
        table = STAGES[store.table].compute(reports.drop(columns="_entry").iloc[:0], Context())
        return pa.Table.from_pandas(table, preserve_index=False)
    for _ in range(3):
        table, missing = store.read(entries, columns=columns)
        if not missing:
            return table
        # lost since the run (deleted, corrupt): compute again in this process
        _stage_task(reports[reports["_entry"].isin(set(missing))].reset_index(drop=True), {store.table: missing}, str(root), keys)
    raise AnalysisError(f"the cache under {store.folder} keeps losing files; run with cache=False or clear it")


def _frame(table: pa.Table) -> pd.DataFrame:
    frame = table.to_pandas()
    return frame.reset_index(drop=True)
