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

And what a notebook shows, in one place:

* ``setup_notebook()``: the CJK font for figures, whole cell texts in tables;
* ``say(text)``: a sentence for the reader (Markdown);
* ``show(table, summaries, at_scale=..., file=...)``: the whole table, or at
  scale its summaries after a note naming the exported file with every row
  (``shown`` gives the same as data, for tests);
* ``files_note(paths, folder)``: the exported files, named relative to the
  briefing's folder; ``problems_note(problems)``: the unreadable files, or a
  sentence saying there were none.

The summaries come from ``analysis.overview`` (and the stages' own
``*_overview`` tables); the files from ``analysis.export``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from . import config
from .fonts import use_cjk_font

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
    """*table* with *text* as its note (``note(table)``): a shallow copy, so *table* keeps its own attrs."""
    out = table.copy(deep=False)
    out.attrs = {**table.attrs, NOTE: text}
    return out


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


# ------------------------------------------------------------ in a notebook


def setup_notebook(*, max_rows: int = 200) -> None:
    """Notebook display defaults: the CJK font for figures, whole cell texts in tables."""
    use_cjk_font()
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_rows", max_rows)
    pd.set_option("display.width", 200)


def say(text: str):
    """A sentence for the reader, rendered as Markdown in a notebook."""
    from IPython.display import Markdown  # imported on use: the table stages import this module too

    return Markdown(text)


def shown(
    table: pd.DataFrame, summaries: Mapping[str, pd.DataFrame] | None = None, *, at_scale: bool, file: str | None = None
) -> list[tuple[str, object]]:
    """What ``show`` displays, as (kind, content) pairs: ``("note", text)``, ``("title", text)``, ``("table", DataFrame)``.

    The whole *table* when not *at_scale* (or when there are no summaries);
    otherwise a note saying how many rows the table has and which exported
    *file* holds them, then each summary under its title.
    """
    if not at_scale or not summaries:
        return [("table", table)]
    where = f"完整的表见导出文件 `{file}`" if file else "完整的表未显示"
    parts: list[tuple[str, object]] = [("note", f"共 {len(table):,} 行，逐行列出不便阅读；{where}，下面是汇总。")]
    for title, summary in summaries.items():
        if title:
            parts.append(("title", title))
        parts.append(("table", summary))
    return parts


def show(table: pd.DataFrame, summaries: Mapping[str, pd.DataFrame] | None = None, *, at_scale: bool, file: str | None = None) -> None:
    """Display *table*, or at scale its *summaries* (title → table) after a note naming the *file* with every row."""
    from IPython.display import display

    for kind, content in shown(table, summaries, at_scale=at_scale, file=file):
        if kind == "table":
            display(content)
        else:
            display(say(f"**{content}**" if kind == "title" else str(content)))


def files_note(written: Sequence[str | Path], folder: str | Path):
    """The exported files as a Markdown list, named relative to *folder* (so the briefing does not depend on where it was built)."""
    base = config.resolve_path(folder).resolve()
    names = []
    for path in written:
        path = Path(path).resolve()
        names.append(path.relative_to(base).as_posix() if path.is_relative_to(base) else path.name)
    if not names:
        return say("没有导出文件。")
    return say("已导出到输出文件夹（与本简报同一文件夹）：\n\n" + "\n".join(f"- `{name}`" for name in names))


def problems_note(problems: pd.DataFrame):
    """The problems table, or a sentence saying there were none."""
    if problems.empty:
        return say("所有文件均已正常读取，没有问题文件。")
    return problems.reset_index(drop=True)[["file", "problem", "action"]]
