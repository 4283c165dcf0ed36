"""Figures of word frequency (``notebooks/01_word_frequency.ipynb``, the town briefing).

terms_bar         the top terms of a ``frequency.counts`` table
terms_bar_html    the same, drawn by the browser (an HTML chart, as in the town briefing)
terms_facets      the top terms of each group, a small panel each
terms_facets_html the same, drawn by the browser (the word-frequency briefing)
keyness_bar       diverging bars of a ``keyness.keyness`` table
keyness_bar_html  the same, drawn by the browser
keyness_facets    one keyness panel per group of a ``keyness.keyness_by`` table
keyness_facets_html the same, drawn by the browser

Word clouds are drawn by ``analysis.wordclouds``.
"""

from __future__ import annotations

from dataclasses import replace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .html import BarChart, ChartGrid, bar_rows
from .style import BAR_COLOR, LINE_COLOR, REFERENCE_COLOR, group_parts, no_data, panels, pick_groups, shown_of, use_cjk_font

TERM_COLOR = BAR_COLOR
KEYNESS_LABELS = {"chi2": "χ²", "g2": "G²"}
KEYNESS_OUTLIER = 3.0  # a bar more than this many times the next one on its side is cut at the axis edge
NO_TERMS = "没有可显示的词语"
NO_KEY_TERMS = "没有关键词"
VALUE_LABELS = {"count": "次数", "rate": "每万词次数", "tfidf": "TF-IDF"}


def terms_drawn(counts: pd.DataFrame, *, top: int, value: str) -> pd.DataFrame:
    """The *top* rows of a counts table by *value*, the largest first (ties by term): the bars of a terms chart."""
    return counts.sort_values([value, "token"], ascending=[False, True], kind="mergesort").head(top)


def _draw_terms(ax: Axes, counts: pd.DataFrame, *, top: int, value: str, title: str | None) -> None:
    rows = terms_drawn(counts, top=top, value=value)
    if rows.empty:
        no_data(NO_TERMS, ax=ax)
    else:
        rows = rows.iloc[::-1]
        ax.barh(rows["token"], rows[value], color=TERM_COLOR)
        ax.set_xlabel(VALUE_LABELS.get(value, value))
        ax.tick_params(axis="y", labelsize=9)
        for y, number in enumerate(rows[value]):
            ax.text(number, y, f" {number:g}", va="center", fontsize=8)
        ax.margins(x=0.12)
    if title:
        ax.set_title(title, fontsize=11)


def terms_bar(counts: pd.DataFrame, *, top: int = 20, value: str = "count", title: str | None = "高频词", ax: Axes | None = None) -> Figure:
    """Horizontal bars of the *top* terms of a ``frequency.counts`` table, the largest on top."""
    use_cjk_font()
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 0.28 * max(min(top, len(counts)), 4) + 1.2))
    _draw_terms(ax, counts, top=top, value=value, title=title)
    if fig is not None:
        fig.tight_layout()
    return ax.figure


def terms_bar_html(counts: pd.DataFrame, *, top: int = 20, value: str = "count", title: str | None = "高频词") -> BarChart:
    """``terms_bar`` drawn by the browser: the same *top* terms, largest first, as an HTML chart."""
    rows = terms_drawn(counts, top=top, value=value)
    values = rows[value].to_numpy(dtype=float)
    widest = float(values.max()) if len(values) and values.max() > 0 else 1.0
    bars = bar_rows(
        [
            {"label": t, "value": v, "share": v / widest, "side": "right", "color": TERM_COLOR, "text": f"{v:g}", "cut": False}
            for t, v in zip(rows["token"].tolist(), values)
        ]
    )
    return BarChart(bars, title=title, label_header="词", value_header=VALUE_LABELS.get(value, value), empty=NO_TERMS)


def terms_facets(
    counts: pd.DataFrame,
    *,
    by: str = "town",
    groups: list | None = None,
    top: int = 10,
    value: str = "count",
    max_panels: int = 12,
    ncols: int = 3,
) -> Figure:
    """Top terms of each group of a ``counts(..., by=by)`` table, one small panel each.

    At most *max_panels* panels (the groups with the most counted tokens, or
    *groups* in the order given); the title says how many were left out.
    """
    use_cjk_font()
    chosen, available = pick_groups(counts, by, groups, max_panels, "count")
    if not chosen:
        return no_data(NO_TERMS, figsize=(6, 2.5))
    fig, axes = panels(len(chosen), ncols, 4.2, 0.26 * top + 1.2)
    for ax, group in zip(axes, chosen):
        _draw_terms(ax, counts[counts[by] == group], top=top, value=value, title=str(group))
    if available > len(chosen):
        fig.suptitle(shown_of(len(chosen), available, "（按词数最多者）"), fontsize=11)
    fig.tight_layout()
    return fig


def terms_facets_html(
    counts: pd.DataFrame, *, by: str = "town", groups: list | None = None, top: int = 10, value: str = "count", max_panels: int = 12
) -> ChartGrid:
    """``terms_facets`` drawn by the browser: the same groups and bars, one ``terms_bar_html`` each, side by side."""
    chosen, available = pick_groups(counts, by, groups, max_panels, "count")
    charts = [terms_bar_html(part, top=top, value=value, title=str(group)) for group, part in group_parts(counts, by, chosen)]
    title = shown_of(len(chosen), available, "（按词数最多者）") if available > len(chosen) else None
    return ChartGrid(charts, title=title, empty=NO_TERMS)


def _keyness_edge(magnitudes: np.ndarray) -> float:
    """Where the axis ends on one side: the largest bar, or a little past the second when the largest dwarfs it."""
    ordered = np.sort(magnitudes)[::-1]
    if len(ordered) == 0:
        return 0.0
    if len(ordered) >= 2 and ordered[1] > 0 and ordered[0] > KEYNESS_OUTLIER * ordered[1]:
        return float(ordered[1]) * 1.3
    return float(ordered[0])


def keyness_drawn(table: pd.DataFrame, *, top: int, measure: str) -> pd.DataFrame:
    """The bars of a keyness chart, top to bottom: the *top* terms the target uses more, then the *top* it uses less.

    Largest *measure* first on each side (ties by term), so the most
    under-used term comes last.
    """
    ordered = table.sort_values([measure, "token"], ascending=[False, True], kind="mergesort")
    return pd.concat([ordered[ordered[measure] > 0].head(top), ordered[ordered[measure] < 0].tail(top)])


def keyness_extent(values: np.ndarray) -> tuple[np.ndarray, float, float]:
    """The bar lengths of keyness *values* (cut where one dwarfs the rest) and the edges right and left of zero."""
    right, left = _keyness_edge(values[values > 0]), _keyness_edge(-values[values < 0])
    return np.clip(values, -left, right), right, left


def keyness_text(value: float) -> str:
    """A keyness value as written beside its bar."""
    return f"{value:.1f}" if abs(value) < 1000 else f"{value:,.0f}"


def _draw_keyness(ax: Axes, table: pd.DataFrame, *, top: int, measure: str, title: str | None) -> None:
    rows = keyness_drawn(table, top=top, measure=measure).iloc[::-1]
    if rows.empty:
        no_data(NO_KEY_TERMS, ax=ax)
    else:
        values = rows[measure].to_numpy(dtype=float)
        shown, right, left = keyness_extent(values)
        cut = shown != values
        colors = [TERM_COLOR if v > 0 else REFERENCE_COLOR for v in values]
        bars = ax.barh(range(len(rows)), shown, color=colors)
        for bar, is_cut in zip(bars, cut):
            if is_cut:
                bar.set_hatch("//")
                bar.set_edgecolor("white")
        ax.set_yticks(range(len(rows)), rows["token"], fontsize=9)
        ax.axvline(0, color=LINE_COLOR, linewidth=0.8)
        span = max(right, left) or 1.0
        for y, (value, x, is_cut) in enumerate(zip(values, shown, cut)):
            ax.text(
                x,
                y,
                f" {keyness_text(value)} ",
                va="center",
                ha="left" if value > 0 else "right",
                fontsize=7,
                fontweight="bold" if is_cut else "normal",
            )
        ax.set_xlim(-(left + 0.3 * span) if left else -0.05 * span, right + 0.3 * span if right else 0.05 * span)
        label = f"{KEYNESS_LABELS.get(measure, measure)}（正 = 目标多用，负 = 其余多用）"
        if cut.any():
            label += "\n斜线条过长被截断，数值见标注"
        ax.set_xlabel(label, fontsize=9)
    if title:
        ax.set_title(title, fontsize=11)


def keyness_bar(table: pd.DataFrame, *, top: int = 10, measure: str = "chi2", title: str | None = None, ax: Axes | None = None) -> Figure:
    """Diverging bars of a ``keyness.keyness`` table, like quanteda's ``textplot_keyness``.

    The target's *top* key terms point right (blue), the terms the rest of
    the corpus uses more point left (grey).
    """
    use_cjk_font()
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 0.28 * 2 * top + 1.4))
    _draw_keyness(ax, table, top=top, measure=measure, title=title)
    if fig is not None:
        fig.tight_layout()
    return ax.figure


def keyness_bar_html(
    table: pd.DataFrame,
    *,
    top: int = 10,
    measure: str = "chi2",
    title: str | None = None,
    sides: tuple[str, str] = ("目标", "其余"),
) -> BarChart:
    """``keyness_bar`` drawn by the browser: the same bars, top to bottom.

    Right of the zero line (blue) the target's key terms, left (grey) the
    terms the rest uses more; the note names the two *sides* (the town
    briefing: 本镇 and 其他乡镇).  A bar that dwarfs the rest is cut, its end
    lighter.
    """
    rows = keyness_drawn(table, top=top, measure=measure)
    values = rows[measure].to_numpy(dtype=float)
    shown, right, left = keyness_extent(values)
    bars = bar_rows(
        [
            {
                "label": t,
                "value": v,
                "share": (s / right) if v > 0 else (-s / left),
                "side": "right" if v > 0 else "left",
                "color": TERM_COLOR if v > 0 else REFERENCE_COLOR,
                "text": keyness_text(v),
                "cut": bool(s != v),
            }
            for t, v, s in zip(rows["token"].tolist(), values, shown)
        ]
    )
    note = f"{KEYNESS_LABELS.get(measure, measure)}：竖线右边是{sides[0]}多用的词，左边是{sides[1]}多用的词"
    if bars["cut"].any():
        note += "；末端颜色变浅的条过长被截断，数值见右侧"
    return BarChart(
        bars,
        title=title,
        note=note,
        label_header="词",
        value_header=KEYNESS_LABELS.get(measure, measure),
        diverging=True,
        empty=NO_KEY_TERMS,
    )


def keyness_facets(
    table: pd.DataFrame,
    *,
    by: str = "town",
    groups: list | None = None,
    top: int = 8,
    measure: str = "chi2",
    max_panels: int = 12,
    ncols: int = 2,
) -> Figure:
    """One keyness panel per group of a ``keyness.keyness_by`` table (at most *max_panels*)."""
    use_cjk_font()
    chosen, available = pick_groups(table, by, groups, max_panels, None)
    if not chosen:
        return no_data(NO_KEY_TERMS, figsize=(6, 2.5))
    fig, axes = panels(len(chosen), ncols, 5.2, 0.26 * 2 * top + 1.4)
    for ax, group in zip(axes, chosen):
        _draw_keyness(ax, table[table[by] == group], top=top, measure=measure, title=f"{group} 对比其余")
    if available > len(chosen):
        fig.suptitle(shown_of(len(chosen), available), fontsize=11)
    fig.tight_layout()
    return fig


def keyness_facets_html(
    table: pd.DataFrame, *, by: str = "town", groups: list | None = None, top: int = 8, measure: str = "chi2", max_panels: int = 12
) -> ChartGrid:
    """``keyness_facets`` drawn by the browser: the same groups and bars, one ``keyness_bar_html`` each, side by side.

    What the two sides mean is said once, below the charts.
    """
    chosen, available = pick_groups(table, by, groups, max_panels, None)
    charts = [
        replace(keyness_bar_html(part, top=top, measure=measure, title=f"{group} 对比其余"), note=None)
        for group, part in group_parts(table, by, chosen)
    ]
    who = "乡镇" if by == "town" else "一组"
    note = f"{KEYNESS_LABELS.get(measure, measure)}：每幅图竖线右边是图上所写{who}多用的词，左边是其余报告多用的词"
    if any(chart.rows["cut"].any() for chart in charts):
        note += "；末端颜色变浅的条过长被截断，数值见右侧"
    title = shown_of(len(chosen), available) if available > len(chosen) else None
    return ChartGrid(charts, title=title, note=note if charts else None, empty=NO_KEY_TERMS)
