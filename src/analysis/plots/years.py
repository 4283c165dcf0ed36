"""Figures of the panel of years: follow-through of plans, indicator trends, carried-over wording, citations."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from .style import BAR_COLOR, LOW_COLOR, REFERENCE_COLOR, SECOND_COLOR, no_data, use_cjk_font

__all__ = ["fulfilment_chart", "trend_chart", "carried_chart", "citations_chart"]

STATUS_COLORS = {"done": SECOND_COLOR, "mentioned": "#FFD54F", "no_evidence": LOW_COLOR}
STATUS_NAMES = {"done": "已落实", "mentioned": "有提及", "no_evidence": "未见成效"}


def _label(town: object, county: object, year: object) -> str:
    place = f"{county}{town}" if isinstance(county, str) and county else str(town)
    return f"{place} {year}" if pd.notna(year) else place


def fulfilment_chart(table: pd.DataFrame, *, max_rows: int = 30, title: str = "上年计划的落实情况") -> Figure:
    """Stacked bars per town and plan year: plan items done, mentioned, without evidence (lowest rates first)."""
    use_cjk_font()
    if table.empty:
        return no_data("没有相邻年份的报告，无法比较计划落实")
    table = table.sort_values(["rate", "plans", "town"], ascending=[True, False, True])
    note = f"（落实率最低的{max_rows}个，共{len(table)}个）" if len(table) > max_rows else ""
    table = table.head(max_rows).iloc[::-1]
    labels = [_label(t, c, y) for t, c, y in zip(table["town"].tolist(), table["county"].tolist(), table["year"].tolist())]
    fig, ax = plt.subplots(figsize=(8, 1.0 + 0.35 * len(table)))
    left = pd.Series(0.0, index=table.index)
    for status in ("done", "mentioned", "no_evidence"):
        ax.barh(labels, table[status], left=left, color=STATUS_COLORS[status], label=STATUS_NAMES[status])
        left = left + table[status]
    ax.set_xlabel("计划条数")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title + note, fontsize=11)
    fig.tight_layout()
    return fig


def trend_chart(trends: pd.DataFrame, *, indicator: str, max_towns: int = 12, title: str | None = None) -> Figure:
    """One indicator per year, a line per town (the towns with most years first, at most *max_towns*)."""
    use_cjk_font()
    part = trends[(trends["indicator"] == indicator) & trends["value"].notna()]
    if part.empty:
        return no_data("没有这一指标的逐年数字")
    part = part.assign(
        place=[f"{c}{t}" if isinstance(c, str) and c else str(t) for t, c in zip(part["town"].tolist(), part["county"].tolist())]
    )
    years = part.groupby("place")["year"].nunique().sort_index().sort_values(ascending=False, kind="stable")
    shown = years.index[:max_towns]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for place in shown:
        line = part[part["place"] == place].sort_values("year")
        ax.plot(line["year"].astype(int), line["value"], marker="o", label=place)
    units = "、".join(sorted({u for u in part["unit"].dropna() if u}))
    label = part["label"].iloc[0]
    ax.set_ylabel(f"{label}（{units}）" if units else label)
    ax.set_xlabel("报告年度")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=8, ncol=2)
    note = f"（仅显示年份最多的{max_towns}个，共{len(years)}个）" if len(years) > max_towns else ""
    ax.set_title((title or f"{label}：逐年变化") + note, fontsize=11)
    fig.tight_layout()
    return fig


def carried_chart(shares: pd.DataFrame, *, max_bars: int = 30, title: str = "沿用上年报告原文的比例") -> Figure:
    """Bars per town and year: the share of the report's text taken from the year before (highest first)."""
    use_cjk_font()
    if shares.empty:
        return no_data("没有相邻年份的报告")
    table = shares.sort_values(["share", "town"], ascending=[False, True])
    note = f"（最高的{max_bars}个，共{len(table)}个）" if len(table) > max_bars else ""
    table = table.head(max_bars).iloc[::-1]
    labels = [_label(t, c, y) for t, c, y in zip(table["town"].tolist(), table["county"].tolist(), table["year"].tolist())]
    fig, ax = plt.subplots(figsize=(8, 1.0 + 0.32 * len(table)))
    ax.barh(labels, table["share"], color=BAR_COLOR)
    ax.set_xlim(0, 1)
    ax.set_xlabel("占本年报告字数的比例")
    ax.set_title(title + note, fontsize=11)
    fig.tight_layout()
    return fig


def citations_chart(table: pd.DataFrame, *, title: str = "各年度引用的法律法规和文件（按类别）") -> Figure:
    """Stacked bars per year: citations by kind (the table of ``citations.by_kind_and_year``)."""
    use_cjk_font()
    if table.empty:
        return no_data("没有引用")
    kinds = [c for c in table.columns if c != "year"]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    bottom = pd.Series(0.0, index=table.index)
    colors = [BAR_COLOR, SECOND_COLOR, LOW_COLOR, "#8172B3", "#937860", "#64B5CD", REFERENCE_COLOR]
    labels = [str(int(y)) if pd.notna(y) else "年份不详" for y in table["year"]]
    for kind, color in zip(kinds, colors):
        ax.bar(labels, table[kind], bottom=bottom, color=color, label=kind)
        bottom = bottom + table[kind]
    ax.set_ylabel("引用次数")
    ax.set_xlabel("报告年度")
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=11)
    fig.tight_layout()
    return fig
