"""Tables for the reader: Chinese names of report columns, text on one line, top-N with a note.

The briefings show pandas tables.  Three things keep them readable at a
thousand reports:

* ``label("town")`` → ``乡镇``: report columns named in Chinese in titles and
  sentences (``各乡镇问题主题占比``, not ``各town问题主题占比``);
* ``one_line(table)``: line breaks inside text cells become one space (pandas
  prints a line break in a cell as a literal ``\\n``);
* ``largest(table, n, ...)``: at most *n* rows or groups, the largest ones,
  with ``note(table)`` saying how many were left out
  (``共 322 个乡镇，下表显示问题条目最多的 30 个，另有 292 个未显示。``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

# Report columns (and a few others) as the reader calls them, with their measure word.
LABELS = {
    "town": ("乡镇", "个"),
    "county": ("县区", "个"),
    "year": ("年度", "个"),
    "level": ("层级", "个"),
    "doc_id": ("报告", "份"),
    "role": ("报告部分", "个"),
    "theme": ("主题", "个"),
    "title": ("标题", "个"),
}
NOTE = "note"  # the key of DataFrame.attrs that holds what a limited table left out
LINE_BREAK_RE = re.compile(r"\s*[\r\n\u2028\u2029]+\s*")


def label(column: str) -> str:
    """The Chinese name of a report column: ``town`` → ``乡镇``, ``county`` → ``县区``; other names unchanged."""
    return LABELS.get(column, (str(column), "个"))[0]


def unit(column: str) -> str:
    """The measure word for the groups of *column*: ``份`` for reports, else ``个``."""
    return LABELS.get(column, (str(column), "个"))[1]


def one_line(table: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A copy of *table* whose text cells hold no line break: each break (and the spaces around it) becomes one space.

    *columns* limits the change to those columns (default: every column of
    strings).  Numbers, the index and the input table are left as they are.
    """
    out = table.copy()
    chosen = (
        list(columns) if columns is not None else [c for c in out.columns if out[c].dtype == object or pd.api.types.is_string_dtype(out[c])]
    )
    for column in chosen:
        out[column] = out[column].map(lambda v: LINE_BREAK_RE.sub(" ", v).strip() if isinstance(v, str) else v)
    return out


def shown_note(shown: int, total: int, *, what: str, unit: str = "个", how: str = "") -> str:
    """``共 325 个乡镇，下表显示词数最多的 30 个，另有 295 个未显示。`` (or ``共 5 个乡镇，全部显示。``)."""
    if shown >= total:
        return f"共 {total} {unit}{what}，全部显示。"
    return f"共 {total} {unit}{what}，下表显示{how} {shown} {unit}，另有 {total - shown} {unit}未显示。"


def note(table: pd.DataFrame) -> str:
    """What a table limited by ``largest`` (or ``frequency.top_terms(..., limit=)``) left out; empty when nothing was limited."""
    return str(table.attrs.get(NOTE, ""))


def with_note(table: pd.DataFrame, text: str) -> pd.DataFrame:
    """*table* with *text* as its note (``note(table)``); the table itself is not copied."""
    table.attrs[NOTE] = text
    return table


def largest(
    table: pd.DataFrame,
    n: int | None,
    *,
    by: str | None = None,
    weight: str | None = None,
    what: str | None = None,
    how: str = "合计最大的",
) -> pd.DataFrame:
    """At most *n* rows (or groups of column *by*) of *table*: those with the largest total, in their original order.

    The total of a row is the sum of its numeric cells, or its *weight*
    column; the total of a group of *by* is the sum of *weight* over its rows
    (or its number of rows).  Ties go to the first in *table*.  The result
    carries a note (``note(result)``) naming how many were left out; *what*
    names the rows (default: the Chinese label of *by*, or of the index).
    """
    if by is None:
        column = str(table.index.name) if table.index.name is not None else ""
        totals = table[weight] if weight is not None else table.sum(axis=1, numeric_only=True)
        ranked = sorted(range(len(table)), key=lambda i: (-float(totals.iloc[i]), i))
        chosen = set(ranked[:n] if n is not None else ranked)
        out = table.iloc[sorted(chosen)].copy()
    else:
        column = by
        sizes = table.groupby(by, sort=False)[weight].sum() if weight is not None else table.groupby(by, sort=False).size()
        ranked = sorted(range(len(sizes)), key=lambda i: (-float(sizes.iloc[i]), i))
        chosen = {sizes.index[i] for i in (ranked[:n] if n is not None else ranked)}
        out = table[table[by].isin(chosen)].copy()
    name = what or (label(column) if column else "行")
    return with_note(out, shown_note(len(chosen), len(ranked), what=name, unit=unit(column), how=how))
