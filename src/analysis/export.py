"""Tables and figures as files for the reader: CSV for Excel, one workbook, PNG figures.

``export(tables, folder, stem="corpus")`` writes ``corpus_<name>.csv`` per
table (UTF-8 with BOM, so Excel reads the Chinese), every table as a sheet of
``corpus.xlsx`` (a Chinese header row above the columns' own), and ``corpus_<name>.png`` per figure (at
``display.FIGURE_DPI``: the picture ``display.figure`` showed, when the figure has not changed since, else drawn
now); each file is written whole or not at all (``output.atomic_path``).  ``display.files_note`` names
the written files for the reader of a briefing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pandas as pd

from . import config, xlsx
from .display import FIGURE_DPI, drawn_png, label, labels
from .output import atomic_path
from .tables import records

__all__ = ["export"]

_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")


def export(
    tables: Mapping[str, pd.DataFrame],
    folder: str | Path,
    *,
    stem: str,
    figures: Mapping | None = None,
    headers: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write each table as ``{stem}_{name}.csv`` (UTF-8 with BOM, for Excel), all of them as
    sheets of ``{stem}.xlsx``, and each figure as ``{stem}_{name}.png``; returns the paths.

    A sheet is named in Chinese where ``labels.yml`` ``files`` names ``{stem}_{name}``;
    its Chinese header row names a column from *headers* when it is there, else from ``labels.yml``."""
    folder = config.resolve_path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, figure in (figures or {}).items():
        path = folder / f"{stem}_{name}.png"
        shown = drawn_png(figure, dpi=FIGURE_DPI)  # the picture display.figure showed, when the figure is unchanged
        with atomic_path(path, suffix=".png") as tmp:
            if shown is not None:
                tmp.write_bytes(shown)
            else:
                figure.savefig(tmp, format="png", dpi=FIGURE_DPI, bbox_inches="tight")
        written.append(path)
    for name, table in tables.items():
        path = folder / f"{stem}_{name}.csv"
        with atomic_path(path, suffix=".csv") as tmp:
            table.to_csv(tmp, index=not isinstance(table.index, pd.RangeIndex), encoding="utf-8-sig", lineterminator="\n")
        written.append(path)
    workbook = folder / f"{stem}.xlsx"
    with atomic_path(workbook, suffix=".xlsx") as tmp:
        _write_workbook(tables, tmp, stem=stem, headers=headers)
    written.append(workbook)
    return written


def _cell(value: object) -> object:
    """A table cell as a plain value for the workbook (``xlsx.write``): None for a missing value, plain Python
    numbers and True/False, text as it is; anything else as its text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item"):  # numpy scalars
        return _cell(value.item())
    return str(value)


def _sheet_names(names: list[str], stem: str) -> list[str]:
    """A sheet name per table: its Chinese name (``labels.yml`` ``files``, ``{stem}_{name}``) or the table's own,
    cut to Excel's 31 characters without the characters Excel refuses, each name once."""
    files = labels()["files"]
    chosen: list[str] = []
    for name in names:
        title = _NOT_IN_SHEET_NAMES.sub("", files.get(f"{stem}_{name}") or str(name))[:31] or "表"
        base, n = title, 2
        while title in chosen:
            suffix = f"（{n}）"
            title, n = base[: 31 - len(suffix)] + suffix, n + 1
        chosen.append(title)
    return chosen


def _write_workbook(tables: Mapping[str, pd.DataFrame], path: Path, *, stem: str = "", headers: Mapping[str, str] | None = None) -> None:
    """Every table as a sheet (the index as leading columns unless it is a plain row number) under two header
    rows, the Chinese names of the columns then the columns themselves, each row written as it is read
    (``xlsx.write``)."""

    def rows(table: pd.DataFrame) -> Iterator[list[object]]:
        frame = table.reset_index(allow_duplicates=True) if not isinstance(table.index, pd.RangeIndex) else table
        yield [_cell((headers or {}).get(str(c)) or label(str(c))) for c in frame.columns]  # the reader's header
        yield [str(c) for c in frame.columns]  # the contract's columns, as in the CSV
        for record in records(frame, name=None):
            yield [_cell(v) for v in record]

    xlsx.write(path, [(title, rows(table)) for title, table in zip(_sheet_names(list(tables), stem), tables.values(), strict=True)])
