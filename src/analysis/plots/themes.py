"""Figures of problem themes, compliance and shared wording (``notebooks/03_problem_themes.ipynb``).

theme_heatmap     group × theme counts or shares (``themes.theme_table``)
residual_heatmap  adjusted standardised residuals (``themes.chi_square``)
coverage_heatmap  report × Outline area hits per 1,000 characters (``compliance.coverage_table``)
*_heatmap_html    the same maps drawn by the browser (``html.HeatTable``: the numbers on coloured cells)
checklist_chart   report × required element statuses (``compliance.checklist``)
shares_chart      per report, the share of wording shared with other reports (``boilerplate.shares``)
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from ..display import label, value_label
from .html import HeatTable, heat_table
from .style import BAR_COLOR, no_data, use_cjk_font

STATUS_COLORS = {"section": "#2E7D32", "subsection": "#81C784", "mentioned": "#FFD54F", "absent": "#E57373"}
SHARE_COLOR = BAR_COLOR
NO_REPORTS = "没有可显示的报告"


def _top_rows(table: pd.DataFrame, max_rows: int) -> tuple[pd.DataFrame, str]:
    """The *max_rows* rows with the largest totals (kept in their order), and a note when rows were dropped."""
    if len(table) <= max_rows:
        return table, ""
    totals = table.abs().sum(axis=1, numeric_only=True).sort_values(ascending=False, kind="stable")
    kept = table.loc[[i for i in table.index if i in set(totals.index[:max_rows])]]
    return kept, f"（仅显示合计最大的 {max_rows} 行，共 {len(table)} 行）"


def _heatmap(
    table: pd.DataFrame,
    *,
    title: str,
    cmap: str,
    vmin: float | None,
    vmax: float | None,
    fmt: str,
    colorbar: str,
    max_rows: int,
    ax: Axes | None = None,
) -> Figure:
    use_cjk_font()
    shown, note = _top_rows(table, max_rows)
    n_rows, n_cols = max(len(shown), 1), max(len(shown.columns), 1)
    if ax is None:
        fig, ax = plt.subplots(figsize=(min(2.2 + 0.75 * n_cols, 18), min(1.8 + 0.38 * n_rows, 24)))
    else:
        fig = ax.figure
    if shown.empty or shown.columns.empty:
        no_data(ax=ax)
        ax.set_title(title)
        return fig
    values = shown.to_numpy(dtype=float)
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    ax.set_xticks(range(len(shown.columns)), [str(c) for c in shown.columns], rotation=45, ha="right", fontsize=9)
    ax.set_yticks(range(len(shown)), [str(i) for i in shown.index], fontsize=9)
    if n_rows * n_cols <= 600:
        finite = np.abs(values[np.isfinite(values)])
        high = finite.max() if finite.size else 0
        for (row, col), value in np.ndenumerate(values):
            if np.isfinite(value):
                dark = high and abs(value) > 0.6 * high
                ax.text(col, row, format(value, fmt), ha="center", va="center", fontsize=8, color="white" if dark else "black")
    fig.colorbar(image, ax=ax, label=colorbar, shrink=0.8)
    ax.set_title(title + note)
    fig.tight_layout()
    return fig


def _group_label(table: pd.DataFrame) -> str:
    """The Chinese name of the groups in the rows of *table* (its index name: town → 乡镇)."""
    return label(str(table.index.name)) if table.index.name is not None else "乡镇"


def _theme_spec(table: pd.DataFrame, title: str | None, share: bool) -> dict:
    """How a group × theme map is drawn: its title, colours, numbers and scale."""
    if title is None:
        title = f"各{_group_label(table)}问题主题" + ("占比" if share else "（条目数）")
    return {
        "title": title,
        "cmap": "Blues",
        "vmin": 0,
        "vmax": None,
        "fmt": ".0%" if share else ".0f",
        "colorbar": "占比" if share else "条目数",
    }


def _residual_spec(residuals: pd.DataFrame, title: str | None) -> dict:
    if title is None:
        title = f"调整后标准化残差（{_group_label(residuals)} × 主题）"
    return {"title": title, "cmap": "RdBu_r", "vmin": -3, "vmax": 3, "fmt": ".1f", "colorbar": "残差（±2 约为显著）"}


def _coverage_spec(title: str) -> dict:
    return {"title": title, "cmap": "YlGn", "vmin": 0, "vmax": None, "fmt": ".1f", "colorbar": "每千字命中数"}


COVERAGE_TITLE = "纲要任务领域覆盖（每千字命中数）"


def theme_heatmap(
    table: pd.DataFrame, *, title: str | None = None, max_rows: int = 40, share: bool = False, ax: Axes | None = None
) -> Figure:
    """Group × theme counts (or shares) from ``themes.theme_table`` as a heat map.

    The default title names the groups in Chinese: ``各乡镇问题主题（条目数）``, ``各县区问题主题占比``.
    """
    return _heatmap(table, **_theme_spec(table, title, share), max_rows=max_rows, ax=ax)


def theme_heatmap_html(table: pd.DataFrame, *, title: str | None = None, max_rows: int = 40, share: bool = False) -> HeatTable:
    """``theme_heatmap`` drawn by the browser: a table of the same rows, colours and numbers."""
    return _heat_table(table, **_theme_spec(table, title, share), max_rows=max_rows)


def residual_heatmap(residuals: pd.DataFrame, *, title: str | None = None, max_rows: int = 40, ax: Axes | None = None) -> Figure:
    """Adjusted standardised residuals from ``themes.chi_square``: red = more often than expected, blue = less.

    The default title names the groups in Chinese: ``调整后标准化残差（县区 × 主题）``.
    """
    return _heatmap(residuals, **_residual_spec(residuals, title), max_rows=max_rows, ax=ax)


def residual_heatmap_html(residuals: pd.DataFrame, *, title: str | None = None, max_rows: int = 40) -> HeatTable:
    """``residual_heatmap`` drawn by the browser."""
    return _heat_table(residuals, **_residual_spec(residuals, title), max_rows=max_rows)


def coverage_heatmap(table: pd.DataFrame, *, title: str = COVERAGE_TITLE, max_rows: int = 40, ax: Axes | None = None) -> Figure:
    """Report × Outline area table from ``compliance.coverage_table`` as a heat map."""
    return _heatmap(table, **_coverage_spec(title), max_rows=max_rows, ax=ax)


def coverage_heatmap_html(table: pd.DataFrame, *, title: str = COVERAGE_TITLE, max_rows: int = 40) -> HeatTable:
    """``coverage_heatmap`` drawn by the browser."""
    return _heat_table(table, **_coverage_spec(title), max_rows=max_rows)


def _heat_table(
    table: pd.DataFrame, *, title: str, cmap: str, vmin: float | None, vmax: float | None, fmt: str, colorbar: str, max_rows: int
) -> HeatTable:
    shown, note = _top_rows(table, max_rows)
    return heat_table(shown, title=title + note, cmap=cmap, vmin=vmin, vmax=vmax, fmt=fmt, key_label=colorbar, corner=_group_label(table))


def checklist_chart(checklist: pd.DataFrame, *, max_rows: int = 40, title: str = "年度报告必备内容（E1–E5）") -> Figure:
    """Compliance statuses: report × element coloured cells, or stacked bars of counts for a large corpus."""
    use_cjk_font()
    order = list(STATUS_COLORS)
    elements = sorted(checklist["element"].unique(), key=lambda e: int("".join(ch for ch in e if ch.isdigit()) or 0))
    handles = [Patch(color=STATUS_COLORS[s], label=value_label("status", s)) for s in order]
    reports = checklist[["doc_id", "town"]].drop_duplicates()
    if checklist.empty:
        return no_data(NO_REPORTS, figsize=(6, 2))
    if len(reports) <= max_rows:
        table = checklist.pivot(index="doc_id", columns="element", values="status").reindex(columns=elements)
        labels = reports.set_index("doc_id")["town"].reindex(table.index).fillna("").astype(str)
        codes = table.apply(lambda col: col.map({s: i for i, s in enumerate(order)})).to_numpy(dtype=float)
        fig, ax = plt.subplots(figsize=(2.5 + 0.9 * len(elements), 1.5 + 0.38 * len(table)))
        ax.imshow(codes, cmap=ListedColormap([STATUS_COLORS[s] for s in order]), vmin=-0.5, vmax=len(order) - 0.5, aspect="auto")
        ax.set_xticks(range(len(elements)), elements)
        ax.set_yticks(range(len(table)), list(labels))
    else:
        counts = pd.crosstab(checklist["element"], checklist["status"]).reindex(index=elements, columns=order, fill_value=0)
        fig, ax = plt.subplots(figsize=(8, 0.5 * len(elements) + 2))
        left = np.zeros(len(counts))
        for status in order:
            ax.barh(counts.index, counts[status], left=left, color=STATUS_COLORS[status])
            left += counts[status].to_numpy()
        ax.invert_yaxis()
        ax.set_xlabel("报告数")
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def shares_chart(shares: pd.DataFrame, *, max_bars: int = 40, title: str = "与其他报告雷同的措辞占比") -> Figure:
    """Per report, the share of shared wording (``boilerplate.shares``); a histogram for a large corpus."""
    use_cjk_font()
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(shares) + 1.5 if len(shares) <= max_bars else 4.5))
    if shares.empty:
        return no_data(NO_REPORTS, ax=ax)
    if len(shares) <= max_bars:
        order = shares.sort_values(["share", "town"])
        ax.barh(order["town"].astype(str), order["share"], color=SHARE_COLOR)
        ax.xaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=None))  # as many decimals as the ticks need: no 0%, 0%, 1%, 1%
    else:
        ax.hist(shares["share"], bins=30, color=SHARE_COLOR)
        ax.xaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=None))  # as many decimals as the ticks need: no 0%, 0%, 1%, 1%
        ax.set_ylabel("报告数")
    ax.set_xlabel("雷同措辞占比")
    ax.set_title(title)
    fig.tight_layout()
    return fig
