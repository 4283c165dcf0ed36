"""The corpus overview: small tables of the reports, their outline and their items, whole or summarised.

The tables of ``notebooks/00_corpus_overview.ipynb`` (and of the summaries
other briefings show at scale).  While the corpus is small a briefing lists
every report; at scale (more reports than the notebook's ``max_reports``) a
table with a row per report or per town is replaced by summaries — counts per
year, county and level, the longest and shortest reports, distributions —
(``display.show`` makes that choice) and the whole table goes to a CSV next
to the briefing (``export.export``).

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

from collections.abc import Sequence

import pandas as pd

from .structure import ROLES

OVERVIEW_COLUMNS = ["doc_id", "town", "level", "county", "year", "title", "n_chars", "encoding"]
MISSING = "（未写明）"  # a report whose title names no county (or level, or year)
MAX_ITEMS = 15  # item_distribution puts every report with this many items or more in one row "15+"


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
    roles = [r for r in ROLES if r in per_role.index] + sorted(set(per_role.index) - set(ROLES))
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
