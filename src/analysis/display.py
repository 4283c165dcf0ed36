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
* ``figure(fig)``: a matplotlib figure shown as its picture, drawn once at
  ``FIGURE_DPI``; ``export`` writes that same picture to the figure's file;
* ``files_note(paths, folder)``: the exported files, named relative to the
  briefing's folder; ``problems_note(problems)``: the unreadable files, or a
  sentence saying there were none.

The summaries come from ``analysis.overview`` (and the stages' own
``*_overview`` tables); the files from ``analysis.export``.
"""

from __future__ import annotations

import html
import re
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import config
from .errors import OptionError
from .fonts import use_cjk_font
from .tables import records

NOTE = "note"  # the key of DataFrame.attrs that holds what a limited table left out
LINE_BREAK_RE = re.compile(r"\s*[\r\n\u2028\u2029]+\s*")
LABELS_FILE = config.LABELS_FILE
_SECTIONS = ("columns", "values", "booleans", "parameters", "percent", "hidden", "files", "tables", "measure_words")


@lru_cache(maxsize=4)
def _labels(path: str) -> dict:
    from .errors import LexiconError
    from .lexicon import load_yaml

    data = load_yaml(path) or {}
    if not isinstance(data, dict):
        raise LexiconError(path, f"expected a mapping with the sections {', '.join(_SECTIONS)}")
    for section, body in data.items():
        if section not in _SECTIONS:
            raise LexiconError(path, f"unknown section {section!r} (known: {', '.join(_SECTIONS)})")
        if section in {"percent", "hidden"}:
            if not isinstance(body, list) or not all(isinstance(v, str) and v for v in body):
                raise LexiconError(path, f"{section!r} must be a list of column names")
            continue
        if section == "tables":
            if not isinstance(body, dict) or not all(
                isinstance(v, dict) and set(v) <= {"columns", "values", "percent"} for v in body.values()
            ):
                raise LexiconError(path, "'tables' must map a kind of table to columns, values and percent")
            pairs = [(f"tables.{k}.columns.{c}", t) for k, v in body.items() for c, t in (v.get("columns") or {}).items()]
            pairs += [
                (f"tables.{k}.values.{c}.{x}", t) for k, v in body.items() for c, m in (v.get("values") or {}).items() for x, t in m.items()
            ]
        elif section == "values":
            if not isinstance(body, dict) or not all(isinstance(v, dict) for v in body.values()):
                raise LexiconError(path, "'values' must map a column to {value: text}")
            pairs = [(f"values.{c}.{k}", v) for c, m in body.items() for k, v in m.items()]
        else:
            if not isinstance(body, dict):
                raise LexiconError(path, f"section {section!r} must be a mapping of name → text")
            pairs = [(f"{section}.{k}", v) for k, v in body.items()]
        for where, text in pairs:
            if not isinstance(text, str) or not text.strip():
                raise LexiconError(path, f"{where} has no text")
    indicator_names = {}
    if config.INDICATOR_LABELS_FILE.exists():  # the indicator keys are named there (read, not repeated)
        indicator_names = {str(k): str(v) for k, v in (load_yaml(config.INDICATOR_LABELS_FILE) or {}).items()}
    return {
        "columns": {str(k): v for k, v in (data.get("columns") or {}).items()},
        "values": {str(c): {str(k): v for k, v in m.items()} for c, m in (data.get("values") or {}).items()},
        "booleans": {str(k).lower(): v for k, v in (data.get("booleans") or {}).items()},
        "parameters": dict(data.get("parameters") or {}),
        "percent": frozenset(data.get("percent") or ()),
        "hidden": frozenset(data.get("hidden") or ()),
        "files": dict(data.get("files") or {}),
        "tables": {
            str(kind): {
                "columns": {str(c): t for c, t in (body.get("columns") or {}).items()},
                "values": {str(c): {str(k): t for k, t in m.items()} for c, m in (body.get("values") or {}).items()},
                "percent": frozenset(body.get("percent") or ()),
            }
            for kind, body in (data.get("tables") or {}).items()
        },
        "measure_words": dict(data.get("measure_words") or {}),
        "indicators": indicator_names,
    }


def labels(path: str | Path = LABELS_FILE) -> dict:
    """The reader's names (``data/lexicon/labels.yml`` and the indicator names of ``indicator_labels.yml``), validated."""
    return _labels(str(path))


def label(column: str) -> str:
    """The Chinese name of a column: ``town`` → ``乡镇``, ``county`` → ``县区``; an indicator key → its name; others unchanged."""
    names = labels()
    return names["columns"].get(str(column)) or names["indicators"].get(str(column)) or str(column)


def unit(column: str) -> str:
    """The measure word for the groups of *column*: ``份`` for reports, else ``个``."""
    return labels()["measure_words"].get(str(column), "个")


def parameter_label(name: str) -> str:
    """What a notebook parameter sets, in Chinese (``top_n`` → ``显示的条数``); the name itself when not listed."""
    return labels()["parameters"].get(str(name), str(name))


def value_label(column: str, value: object) -> object:
    """A cell as the reader reads it: a role, qualifier, status … in Chinese, an indicator key by its name,
    True/False as 是/否, a missing value as empty text; anything else unchanged."""
    names = labels()
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return names["booleans"]["true" if value else "false"]
    if isinstance(value, str):
        mapped = names["values"].get(str(column), {}).get(value)
        if mapped is not None:
            return mapped
        if column in {"indicator", "measure", "key"} or value in names["indicators"]:
            return names["indicators"].get(value, value)
    return value


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
        out[column] = out[column].map(_on_one_line)
    return out


def _on_one_line(value: object) -> object:
    """A text cell with each line break (and the spaces around it) as one space; any other value as it is."""
    return LINE_BREAK_RE.sub(" ", value).strip() if isinstance(value, str) else value


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


# ------------------------------------------------------------ tables for the reader


def most_reported(
    table: pd.DataFrame, *, max_columns: int = 8, min_share: float = 0.5, what: str = "指标", who: str = "行"
) -> pd.DataFrame:
    """The columns of a wide table (towns × indicators) that most rows fill, and the rows that fill any of them.

    A column is kept when at least *min_share* of the rows (and at least two) have a value in it, the
    most filled first, at most *max_columns*, in their original order; rows left empty by the cut are
    dropped.  The note (``note(result)``) says how many columns and which rows were left out."""
    filled = table.notna() & table.astype(str).ne("")
    counts = filled.sum()
    need = max(2, int(np.ceil(min_share * len(table))))
    ranked = [c for c in sorted(table.columns, key=lambda c: (-int(counts[c]), list(table.columns).index(c))) if counts[c] >= need]
    kept = [c for c in table.columns if c in set(ranked[:max_columns])]
    rows = filled[kept].any(axis=1) if kept else pd.Series(False, index=table.index)
    out = table.loc[rows, kept].copy()
    dropped = [v if isinstance(v, str) and v else "（未识别乡镇）" for v in table.index[~rows.to_numpy()]]
    text = f"共 {table.shape[1]} 个{what}，下表列出至少 {need} {who}（一半以上）都有数字的 {len(kept)} 个"
    text += f"；没有这些{what}数字的：{'、'.join(dropped)}。" if dropped else "。"
    return with_note(out, text)


def _number(column: str, value: object, percent: frozenset) -> object:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        return value
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float) and value != value:
        return ""
    if column in {"year", "item_no", "problem_no", "plan_no", "section_no", "rank"}:
        return str(int(value)) if float(value).is_integer() else str(value)
    if column in percent:
        return f"{value:.1%}" if abs(value) < 0.1 and value != 0 else f"{value:.0%}"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    if column in {"p_value", "chi2_p", "g2_p"}:
        return "<0.001" if value < 0.001 else f"{value:.3f}"
    return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.1f}"


_LIST_RE = re.compile(r"\s*[;；]\s*")


def _named(value: str, names: Mapping[str, str]) -> str:
    """*value* by its name in *names*; a list of identifiers (``P1_…; P3_…``) name by name, joined with 、."""
    if value in names:
        return names[value]
    parts = _LIST_RE.split(value)
    if len(parts) > 1 and all(p in names for p in parts if p):
        return "、".join(names[p] for p in parts if p)
    return value


def readable(
    table: pd.DataFrame,
    *,
    reports: pd.DataFrame | None = None,
    columns: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    percent: bool = False,
    kind: str | None = None,
) -> pd.DataFrame:
    """A copy of *table* as a reader reads it: Chinese headers, values in words, no row index, no identifiers.

    * a named index (the towns of a pivot) becomes the first column; a plain row number is dropped;
    * ``doc_id`` is dropped when the table has a town, else replaced by the report's town and year
      (from *reports*);
    * *kind* names a kind of table of ``labels.yml`` ``tables`` (``panel``, ``citations``, ``talk``) whose
      headers, values and share columns come first;
    * headers and values come from ``labels.yml`` (indicator keys from ``indicator_labels.yml``);
      *columns* overrides a header, *names* names other identifiers (theme ids, say) wherever they
      stand, as header or as value;
    * missing values are blank, True/False 是/否, shares percentages, numbers with thousands separators;
    * text cells are put on one line.

    The input is not changed; the API and the CSV files keep the English columns.
    """
    headers, cells, rows = _readable_cells(table, reports=reports, columns=columns, names=names, percent=percent, kind=kind)
    return _frame(headers, cells, rows)


def _frame(headers: list[str], cells: list[list[object]], rows: int) -> pd.DataFrame:
    # each column's type inferred from its cells (text as str), as mapping a column cell by cell gives it; an empty table's columns stay object
    return pd.DataFrame(dict(zip(headers, cells, strict=True)), columns=headers, dtype=None if rows else object)


def _readable_cells(
    table: pd.DataFrame,
    *,
    reports: pd.DataFrame | None,
    columns: Mapping[str, str] | None,
    names: Mapping[str, str] | None,
    percent: bool,
    kind: str | None,
) -> tuple[list[str], list[list[object]], int]:
    """``readable``'s headers, its cells column by column, and its number of rows."""
    names = dict(names or {})
    info = labels()
    if kind is not None and kind not in info["tables"]:
        raise OptionError(f"no kind of table {kind!r} in {LABELS_FILE.name} (the kinds: {', '.join(sorted(info['tables']))})")
    own = info["tables"].get(kind, {"columns": {}, "values": {}, "percent": frozenset()})
    columns = {**own["columns"], **dict(columns or {})}
    out = table.copy(deep=False)  # a frame of its own to rename the columns of; the cells are only read, never changed
    if not isinstance(out.index, pd.RangeIndex) or out.index.name is not None:
        index_names = [n if n is not None else "" for n in out.index.names]
        if any(index_names):
            out = out.reset_index()
        else:
            out = out.reset_index(drop=True)
    out.columns = [str(c) for c in out.columns]
    twice = pd.Index(out.columns).duplicated()
    if twice.any():
        out = out.loc[:, ~twice]
    hidden = [c for c in out.columns if c in info["hidden"] and c not in names]
    if hidden:  # each selection copies the table's blocks: only when a column goes
        out = out.drop(columns=hidden)
    if "doc_id" in out.columns:
        if "town" in out.columns:
            out = out.drop(columns=[c for c in ("doc_id", "doc_ids") if c in out.columns])
        elif reports is not None and {"doc_id", "town"} <= set(reports.columns):
            who = {
                r.doc_id: " ".join(str(x) for x in (r.town, "" if pd.isna(r.year) else f"{int(r.year)}年") if isinstance(x, str) and x)
                for r in records(reports[["doc_id", "town", "year"]])
            }
            out["doc_id"] = out["doc_id"].map(lambda d: who.get(d) or "（未识别乡镇）")
    data = {}
    for column in out.columns:  # each cell named, put in words, written as a number, put on one line: one pass over plain values
        words = own["values"].get(column, {})
        shares = info["percent"] | own["percent"] | ({column} if percent and column not in {"town", "year"} else set())
        cells = []
        for v in out[column].tolist():
            if isinstance(v, str) and names:
                v = _named(v, names)
            v = _number(column, words[v] if isinstance(v, str) and v in words else value_label(column, v), shares)
            cells.append(_on_one_line(v))
        data[column] = cells
    header = {**{c: names.get(c) or label(c) for c in out.columns}, **dict(columns or {})}
    return [header.get(c, c) for c in data], list(data.values()), len(out)


def _link(file: str, folder_label: str | None = None) -> str:
    stem = Path(file).stem
    kind = {".csv": "CSV", ".xlsx": "Excel", ".png": "图片"}.get(Path(file).suffix.lower(), Path(file).suffix.lstrip("."))
    name = folder_label or labels()["files"].get(stem) or stem
    return f'<a href="{html.escape(file)}">{html.escape(name)}（{kind}）</a>'


def table_html(
    table: pd.DataFrame,
    *,
    limit: int | None = None,
    file: str | None = None,
    note: str = "",
    reports: pd.DataFrame | None = None,
    columns: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    empty: str = "没有可列出的内容。",
    what: str = "行",
    percent: bool = False,
    kind: str | None = None,
) -> str:
    """*table* as the HTML a briefing shows: ``readable`` cells, no index, at most *limit* rows.

    When rows are left out a sentence says how many and links the exported *file* that holds them;
    an empty table becomes the sentence *empty*."""
    if table.empty:
        return f'<p class="analysis-note">{html.escape(empty)}</p>'
    shown_rows = table if limit is None or len(table) <= limit else table.head(limit)
    sentences = [html.escape(note)] if note else []  # HTML from here on: text escaped, links built here
    if len(shown_rows) < len(table):
        rest = f"完整的表见导出文件 {_link(file)}。" if file else ""
        sentences.append(f"共 {len(table):,} {html.escape(what)}，下表列出前 {len(shown_rows):,} {html.escape(what)}。{rest}")
    elif file:
        sentences.append(f"也可下载：{_link(file)}。")
    headers, cells, rows = _readable_cells(shown_rows, reports=reports, columns=columns, names=names, percent=percent, kind=kind)
    if (
        headers
        and len(set(headers)) == len(headers)
        and all(isinstance(v, str) for v in headers)
        and all(isinstance(v, str) for c in cells for v in c)
    ):
        body = _text_table(headers, cells)
    else:  # numbers left as numbers, a header given twice: pandas lays them out
        body = _frame(headers, cells, rows).to_html(index=False, escape=True, border=0, classes="analysis-table", na_rep="", justify="left")
    head = "".join(f'<p class="analysis-note">{text}</p>' for text in sentences)
    return head + body


def _text_table(headers: list[str], cells: list[list[str]]) -> str:
    """The HTML ``DataFrame.to_html(index=False, escape=True, border=0, classes="analysis-table", justify="left")``
    writes for a table of text, written directly (``table_html`` of three tables of data/raw: 18 → 6–7.5 ms).

    As pandas writes each cell: a tab or line break in a value shown as ``\\t``, ``\\n``; ``&<>`` escaped;
    leading and trailing blanks dropped; two spaces kept as ``&nbsp;&nbsp;``.
    """

    def cell(kind: str, text: str) -> str:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").strip().replace("  ", "&nbsp;&nbsp;")
        return f"      <{kind}>{text}</{kind}>"

    def value(text: str) -> str:
        return text.replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")

    lines = ['<table class="dataframe analysis-table">', "  <thead>", '    <tr style="text-align: left;">']
    lines += [cell("th", h) for h in headers]
    lines += ["    </tr>", "  </thead>", "  <tbody>"]
    for row in zip(*cells, strict=True):
        lines += ["    <tr>", *(cell("td", value(v)) for v in row), "    </tr>"]
    lines += ["  </tbody>", "</table>"]
    return "\n".join(lines)


def table(table: pd.DataFrame, **options):
    """Display *table* in a notebook as ``table_html`` writes it (options as there)."""
    from IPython.display import HTML

    return HTML(table_html(table, **options))


def now(*shown_objects) -> None:
    """Display each of *shown_objects* (a ``sentence``, a ``table`` …) where it stands in a cell, not only at its end."""
    from IPython.display import display

    for item in shown_objects:
        display(item)


def line(text: str) -> None:
    """Show a sentence for the reader where it stands in a cell (instead of ``print``, which shows code-style text)."""
    now(sentence(text))


def sentence(text: str):
    """A plain sentence for the reader (HTML, escaped)."""
    from IPython.display import HTML

    return HTML(f'<p class="analysis-note">{html.escape(text)}</p>')


# ------------------------------------------------------------ a figure as its picture

FIGURE_DPI = 150  # a figure's picture, shown and written to a file (``export``): sharp on paper and in Word


@dataclass(frozen=True, repr=False)
class Picture:
    """A figure's PNG (drawn at ``FIGURE_DPI``), shown at the size the figure was laid out for."""

    png: bytes
    width: int
    height: int

    def _repr_png_(self) -> tuple[bytes, dict]:
        return self.png, {"width": self.width, "height": self.height}

    def __repr__(self) -> str:  # the notebook's plain-text fallback: no bytes
        return "图"


_PICTURES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # figure -> (dpi, PNG) while it is unchanged


def figure(fig, *, dpi: int = FIGURE_DPI) -> Picture:
    """Show the matplotlib figure *fig* as its picture, drawn once: ``export`` writes the same PNG to its file.

    A figure shown as a cell's result is drawn by the notebook (at the
    figure's own 100 dpi), and drawn again when it is exported (at
    ``FIGURE_DPI``): laying out a figure of a dozen panels takes 0.2–0.8 s
    each time.  Here it is drawn once at *dpi*, shown at the size it was laid
    out for (sharper on paper), and closed, so that the notebook does not show
    it a second time; the picture is kept with the figure until anything on
    the figure changes (``drawn_png``).
    """
    import io

    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    png = buffer.getvalue()
    plt.close(fig)
    _PICTURES[fig] = (dpi, png)
    before = fig.stale_callback

    def changed(artist, stale: bool) -> None:  # any change to the figure or what it holds reaches it as stale
        _PICTURES.pop(fig, None)
        fig.stale_callback = before
        if before is not None:
            before(artist, stale)

    fig.stale_callback = changed
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")  # the PNG's IHDR
    scale = float(fig.dpi) / dpi
    return Picture(png, round(width * scale), round(height * scale))


def drawn_png(fig, *, dpi: int) -> bytes | None:
    """The PNG ``figure`` drew of *fig* at *dpi*, if nothing on it changed since; else None."""
    kept = _PICTURES.get(fig)
    return kept[1] if kept is not None and kept[0] == dpi else None


# ------------------------------------------------------------ in a notebook


def setup_notebook(*, max_rows: int = 200) -> None:
    """Notebook display defaults: the CJK font for figures, whole cell texts in tables."""
    use_cjk_font()
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_rows", max_rows)
    pd.set_option("display.width", 200)


MARKDOWN_SPECIAL_RE = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$^=])")


def markdown_text(text: object) -> str:
    """Report text to put into Markdown for the reader: shown as written, never live.

    HTML is escaped (``<script>`` shows as text) and every Markdown and LaTeX
    character is backslash-escaped, so ``[点我](javascript:…)`` is no link,
    ``![t](http://…)`` loads no image and ``$x$`` is no formula.
    """
    return MARKDOWN_SPECIAL_RE.sub(r"\\\1", html.escape(str(text), quote=False))


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
    where = f"完整的表见导出文件 {_link(file)}" if file else "完整的表未显示"
    parts: list[tuple[str, object]] = [("note", f"共 {len(table):,} 行，逐行列出不便阅读；{where}，下面是汇总。")]
    for title, summary in summaries.items():
        if title:
            parts.append(("title", title))
        parts.append(("table", summary))
    return parts


def show(
    table: pd.DataFrame,
    summaries: Mapping[str, pd.DataFrame] | None = None,
    *,
    at_scale: bool,
    file: str | None = None,
    reports: pd.DataFrame | None = None,
    names: Mapping[str, str] | None = None,
    limit: int | None = None,
) -> None:
    """Display *table* (``readable``, at most *limit* rows), or at scale its *summaries* (title → table)
    after a note linking the exported *file* with every row."""
    from IPython.display import HTML, display

    for kind, content in shown(table, summaries, at_scale=at_scale, file=file):
        if kind == "table":
            display(HTML(table_html(content, reports=reports, names=names, limit=limit, file=file if not at_scale else None)))
        elif kind == "title":
            display(HTML(f"<p><strong>{html.escape(str(content))}</strong></p>"))
        else:
            display(HTML(f'<p class="analysis-note">{content}</p>'))


def files_note(written: Sequence[str | Path], folder: str | Path):
    """The exported files as links, named in Chinese (``labels.yml`` ``files``) and relative to *folder*
    (so the briefing does not depend on where it was built)."""
    from IPython.display import HTML

    base = config.resolve_path(folder).resolve()
    names = []
    for path in written:
        path = Path(path).resolve()
        names.append(path.relative_to(base).as_posix() if path.is_relative_to(base) else path.name)
    if not names:
        return say("没有导出文件。")
    items = "".join(f"<li>{_link(name)}</li>" for name in names)
    return HTML(f'<p class="analysis-note">已导出到本简报所在的文件夹，点击即可打开：</p><ul class="analysis-files">{items}</ul>')


def problems_note(problems: pd.DataFrame):
    """The problems table, or a sentence saying there were none."""
    if problems.empty:
        return say("所有文件均已正常读取，没有问题文件。")
    return table(problems.reset_index(drop=True)[["file", "problem", "action"]])
