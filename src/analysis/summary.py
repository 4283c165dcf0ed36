"""Corpus summaries for the briefings: small tables built from the stage tables, and how to show them.

A briefing lists every report while the corpus is small.  At scale (more
reports than the notebook's ``max_reports``) a table with a row per report
or per town is replaced by summaries — counts per year, county and level,
the longest and shortest reports, distributions — and the whole table goes
to a CSV next to the briefing (``export``).  ``show(table, summaries,
at_scale=...)`` makes that choice in the notebook.

overview        doc_id, town, level, county, year, title, n_chars, encoding — a row per report
counts          <column>, reports, towns — reports per year, county or level
extremes        the *n* rows with the largest and the smallest value of a column
corpus_summary  the overview at scale: counts per year / level / county, longest and shortest reports
outline         town, year, doc_id, heading, role — the top-level headings of each report
outline_summary role coverage (reports, share) and the most common top-level headings
item_counts     doc_id, town, year, problems, plans — items per report
item_distribution  items → number of reports with that many problem / plan items
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from . import config

OVERVIEW_COLUMNS = ["doc_id", "town", "level", "county", "year", "title", "n_chars", "encoding"]
ROLE_ORDER = ("achievements", "responsibility", "problems", "plans", "other")
MISSING = "（未写明）"  # a report whose title names no county (or level, or year)
MAX_ITEMS = 15  # item_distribution puts every report with this many items or more in one row "15+"


def setup_notebook(*, max_rows: int = 200) -> None:
    """Notebook display defaults: the CJK font for figures, whole cell texts in tables."""
    from .plots import use_cjk_font

    use_cjk_font()
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_rows", max_rows)
    pd.set_option("display.width", 200)


def say(text: str):
    """A sentence for the reader, rendered as Markdown in a notebook."""
    from IPython.display import Markdown

    return Markdown(text)


# ---------------------------------------------------------------- showing tables


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


def export(tables: Mapping[str, pd.DataFrame], folder: str | Path, *, stem: str, figures: Mapping | None = None) -> list[Path]:
    """Write each table as ``{stem}_{name}.csv`` (UTF-8 with BOM, for Excel), all of them as
    sheets of ``{stem}.xlsx``, and each figure as ``{stem}_{name}.png``; returns the paths."""
    folder = config.resolve_path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, figure in (figures or {}).items():
        path = folder / f"{stem}_{name}.png"
        figure.savefig(path, dpi=150, bbox_inches="tight")
        written.append(path)
    for name, table in tables.items():
        path = folder / f"{stem}_{name}.csv"
        table.to_csv(path, index=not isinstance(table.index, pd.RangeIndex), encoding="utf-8-sig", lineterminator="\n")
        written.append(path)
    workbook = folder / f"{stem}.xlsx"
    _write_workbook(tables, workbook)
    written.append(workbook)
    return written


def _cell(value: object) -> object:
    """A table cell as openpyxl writes it: None for a missing value, plain Python numbers, text without control characters."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if hasattr(value, "item"):  # numpy scalars
        return _cell(value.item())
    if isinstance(value, (int, float, bool)):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _write_workbook(tables: Mapping[str, pd.DataFrame], path: Path) -> None:
    """Every table as a sheet (the index as leading columns unless it is a plain row number), streamed:
    openpyxl's write-only mode takes a third of the time ``DataFrame.to_excel`` takes on 50,000 rows."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name, table in tables.items():
        sheet = book.create_sheet(name[:31])
        with_index = not isinstance(table.index, pd.RangeIndex)
        frame = table.reset_index(allow_duplicates=True) if with_index else table
        sheet.append([_cell(str(c)) for c in frame.columns])
        for record in frame.itertuples(index=False, name=None):
            sheet.append([_cell(v) for v in record])
    book.save(path)


# ------------------------------------------------------------------- the reports


def overview(reports: pd.DataFrame) -> pd.DataFrame:
    """The reports table without text, path and hash, sorted by town and year."""
    return reports[OVERVIEW_COLUMNS].sort_values(["town", "year", "doc_id"]).reset_index(drop=True)


def counts(reports: pd.DataFrame, by: str, *, top: int | None = None) -> pd.DataFrame:
    """Reports and towns per value of *by* (year, county, level): columns *by*, reports, towns.

    Years are listed in order; other values by the number of reports (most
    first), at most *top* of them.  A missing value is shown as ``（未写明）``.
    """
    values = reports[by].astype("object").where(reports[by].notna(), MISSING)
    table = (
        pd.DataFrame({by: values, "town": reports["town"]})
        .groupby(by, sort=False)
        .agg(reports=("town", "size"), towns=("town", "nunique"))
        .reset_index()
    )
    if by == "year":
        table = table.sort_values(by, key=lambda s: s.map(lambda v: (v == MISSING, str(v))), kind="stable")
    else:
        table = table.sort_values(["reports", by], ascending=[False, True], key=lambda s: s if s.name == "reports" else s.astype(str))
    table = table.head(top) if top is not None else table
    return table.reset_index(drop=True)


def extremes(table: pd.DataFrame, column: str, *, n: int = 10, columns: Sequence[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The *n* rows with the largest *column* (largest first) and the *n* with the smallest (smallest first); ties by doc_id."""
    tie = ["doc_id"] if "doc_id" in table.columns and column != "doc_id" else []
    keep = list(columns) if columns is not None else list(table.columns)
    largest = table.sort_values([column, *tie], ascending=[False, *[True] * len(tie)], kind="stable").head(n)
    smallest = table.sort_values([column, *tie], kind="stable").head(n)
    return largest[keep].reset_index(drop=True), smallest[keep].reset_index(drop=True)


def corpus_summary(reports: pd.DataFrame, *, top: int = 10) -> dict[str, pd.DataFrame]:
    """The overview at scale, title → table: reports per year, per level, the *top* counties, the longest and shortest reports."""
    listed = overview(reports).astype({"county": "object", "title": "object"}).fillna({"county": "", "title": ""})
    longest, shortest = extremes(listed, "n_chars", n=top, columns=["town", "county", "year", "title", "n_chars", "doc_id"])
    n_counties = reports["county"].nunique()
    return {
        "各年度的报告数": counts(reports, "year"),
        "各层级（镇、乡、街道）的报告数": counts(reports, "level"),
        f"报告最多的 {min(top, n_counties)} 个县区（共 {n_counties} 个县区）": counts(reports, "county", top=top),
        f"篇幅最长的 {len(longest)} 份报告": longest,
        f"篇幅最短的 {len(shortest)} 份报告": shortest,
    }


def problems_note(problems: pd.DataFrame):
    """The problems table, or a sentence saying there were none."""
    if problems.empty:
        return say("所有文件均已正常读取，没有问题文件。")
    return problems.reset_index(drop=True)[["file", "problem", "action"]]


# -------------------------------------------------------------------- the outline


def outline(sections: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """Top-level headings of each report with their role, in report order."""
    top = sections[sections["level"] == 1].merge(reports[["doc_id", "town", "year"]], on="doc_id")
    top = top.assign(heading=top["marker"] + top["heading"])
    return top[["town", "year", "doc_id", "heading", "role"]].sort_values(["town", "year", "doc_id"], kind="stable").reset_index(drop=True)


def outline_summary(sections: pd.DataFrame, reports: pd.DataFrame, *, top: int = 10) -> dict[str, pd.DataFrame]:
    """The outline at scale, title → table.

    - role, reports, share: how many reports have a top-level section of each role;
    - heading, role, reports: the *top* most common top-level headings (without their 一、 marker).
    """
    heads = sections[(sections["level"] == 1) & sections["doc_id"].isin(reports["doc_id"])]
    n = max(len(reports), 1)
    per_role = heads.groupby("role")["doc_id"].nunique()
    roles = [r for r in ROLE_ORDER if r in per_role.index] + sorted(set(per_role.index) - set(ROLE_ORDER))
    coverage = pd.DataFrame({"role": roles, "reports": [int(per_role[r]) for r in roles]})
    coverage["share"] = (coverage["reports"] / n).round(3)
    missing = len(reports) - heads["doc_id"].nunique()
    if missing:
        coverage = pd.concat([coverage, pd.DataFrame({"role": ["（无一级标题）"], "reports": [missing], "share": [round(missing / n, 3)]})])
    common = (
        heads.assign(heading=heads["heading"].str.strip())
        .groupby(["heading", "role"])["doc_id"]
        .nunique()
        .rename("reports")
        .reset_index()
        .sort_values(["reports", "heading"], ascending=[False, True], kind="stable")
        .head(top)
    )
    n_headings = heads["heading"].str.strip().nunique()
    return {
        "各部分出现在多少份报告中": coverage.reset_index(drop=True),
        f"最常见的 {len(common)} 个一级标题（共 {n_headings} 种写法）": common.reset_index(drop=True),
    }


def item_counts(items: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """Number of problem and plan items per report (0 where a report has none)."""
    counts = items.groupby(["doc_id", "role"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=["problems", "plans"], fill_value=0)
    table = reports[["doc_id", "town", "year"]].merge(counts, left_on="doc_id", right_index=True, how="left")
    table[["problems", "plans"]] = table[["problems", "plans"]].fillna(0).astype(int)
    return table.sort_values(["town", "year", "doc_id"]).reset_index(drop=True)


def item_distribution(items: pd.DataFrame, reports: pd.DataFrame, *, max_items: int = MAX_ITEMS) -> pd.DataFrame:
    """How many reports have 0, 1, 2 … problem items and plan items: columns items, problems, plans.

    Reports with *max_items* or more share the last row (``15+``).
    """
    table = item_counts(items, reports)
    if table.empty:
        return pd.DataFrame({"items": pd.Series(dtype="object"), "problems": pd.Series(dtype="int64"), "plans": pd.Series(dtype="int64")})
    highest = min(int(table[["problems", "plans"]].to_numpy().max()), max_items)
    labels = [str(k) for k in range(highest)] + [f"{highest}+" if highest == max_items else str(highest)]
    out = pd.DataFrame({"items": labels})
    for role in ("problems", "plans"):
        binned = table[role].clip(upper=highest).value_counts()
        out[role] = [int(binned.get(k, 0)) for k in range(highest + 1)]
    return out
