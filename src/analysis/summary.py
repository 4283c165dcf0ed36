"""Corpus summaries for the overview briefing: small tables built from the stage tables."""

from __future__ import annotations

import pandas as pd

OVERVIEW_COLUMNS = ["doc_id", "town", "level", "county", "year", "title", "n_chars", "encoding"]


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


def overview(reports: pd.DataFrame) -> pd.DataFrame:
    """The reports table without text, path and hash, sorted by town and year."""
    return reports[OVERVIEW_COLUMNS].sort_values(["town", "year", "doc_id"]).reset_index(drop=True)


def problems_note(problems: pd.DataFrame):
    """The problems table, or a sentence saying there were none."""
    if problems.empty:
        return say("所有文件均已正常读取，没有问题文件。")
    return problems.reset_index(drop=True)[["file", "problem", "action"]]


def outline(sections: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """Top-level headings of each report with their role, in report order."""
    top = sections[sections["level"] == 1].merge(reports[["doc_id", "town", "year"]], on="doc_id")
    top = top.assign(heading=top["marker"] + top["heading"])
    return top[["town", "year", "doc_id", "heading", "role"]].sort_values(["town", "year", "doc_id"], kind="stable").reset_index(drop=True)


def item_counts(items: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """Number of problem and plan items per report (0 where a report has none)."""
    counts = items.groupby(["doc_id", "role"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=["problems", "plans"], fill_value=0)
    table = reports[["doc_id", "town", "year"]].merge(counts, left_on="doc_id", right_index=True, how="left")
    table[["problems", "plans"]] = table[["problems", "plans"]].fillna(0).astype(int)
    return table.sort_values(["town", "year", "doc_id"]).reset_index(drop=True)
