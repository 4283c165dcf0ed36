"""Figures of a town's briefing (``notebooks/04_town_profile.ipynb``).

ratio_chart       each figure the town states against the corpus median (``profile.versus_median``)
ratio_chart_html  the same, drawn by the browser (an HTML chart: the town briefing shows this one)

The briefing's term bars and keyness bars are ``plots.terms_bar_html`` and ``plots.keyness_bar_html``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from .html import BarChart, bar_rows
from .style import BAR_COLOR, LINE_COLOR, LOW_COLOR, no_data, use_cjk_font

RATIO_TITLE = "本镇数字与同年度其他乡镇中位数之比"
NOTHING_TO_COMPARE = "没有可与其他报告比较的数字"
RATIO_FLOOR = 0.01  # a ratio below this (a figure of 0) is drawn as this


def ratios_drawn(table: pd.DataFrame, *, top: int | None) -> tuple[pd.DataFrame, str]:
    """The rows of ``versus_median`` a ratio chart draws, in the table's order, and the note for its title.

    The comparable figures (a ratio, at least one other report); at most
    *top* of them (None: every one), those furthest from the median either
    way (ties: the earlier row).  The note says how many of how many are
    drawn, or is empty when every one is.
    """
    shown = table[table["ratio"].notna() & (table["reports"] >= 1)]  # reports: the other reports compared with
    if top is None or len(shown) <= top:
        return shown, ""
    distance = np.abs(np.log(shown["ratio"].clip(lower=RATIO_FLOOR).to_numpy()))
    furthest = np.sort(np.argsort(-distance, kind="stable")[:top])
    return shown.iloc[furthest], f"（画出与中位数相差最大的 {top} 项，共 {len(shown)} 项）"


def _ratio_labels(shown: pd.DataFrame) -> list[str]:
    several_years = shown["year"].nunique() > 1
    return [f"{r.label}（{int(r.year)}）" if several_years else str(r.label) for r in shown.itertuples()]


def ratio_chart(table: pd.DataFrame, *, top: int | None = 20, title: str = RATIO_TITLE) -> Figure:
    """Bars of ``versus_median``'s ratio (1 = the median), on a log scale, one per comparable figure.

    At most *top* bars (None: every one): the figures furthest from the
    median either way, in the table's order; the title then says how many of
    how many are drawn (the table beside the chart lists them all).
    """
    use_cjk_font()
    shown, note = ratios_drawn(table, top=top)
    if note:
        title = f"{title}\n{note}"
    fig, ax = plt.subplots(figsize=(8, 0.38 * max(len(shown), 3) + 1.4))
    if shown.empty:
        return no_data(NOTHING_TO_COMPARE, ax=ax)
    shown = shown.iloc[::-1]
    labels = _ratio_labels(shown)
    ratios = shown["ratio"].clip(lower=RATIO_FLOOR).to_numpy()
    colors = np.where(ratios >= 1, BAR_COLOR, LOW_COLOR)
    ax.barh(labels, ratios - 1, left=1, color=colors)  # from the median to the figure
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))  # 0.5, 1, 2, 4 rather than powers of two
    ax.axvline(1, color=LINE_COLOR, linewidth=0.8)
    for y, (ratio, r) in enumerate(zip(ratios, shown.itertuples(), strict=True)):
        ax.text(max(ratio, 1), y, f" {r.figure} / 中位数 {r.median}", va="center", fontsize=8)  # right of the median line
    ax.set_xlabel("与中位数之比（对数刻度，1 = 中位数）")
    ax.set_title(title)
    ax.margins(x=0.35)
    low, high = min(float(ratios.min()), 0.5), max(float(ratios.max()), 2.0)
    ax.set_xlim(low / 1.5, high * 2.5)  # every ratio 1 would otherwise leave no width (room right for the labels)
    fig.tight_layout()
    return fig


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}" if ratio >= 10 else f"{ratio:.2g}"


def ratio_chart_html(table: pd.DataFrame, *, top: int | None = 20, title: str = RATIO_TITLE) -> BarChart:
    """``ratio_chart`` drawn by the browser: the same figures, top to bottom in the table's order.

    Each bar goes from the median line to the figure on a log scale: right
    (blue) above the median, left (orange) below; the longest side fills its
    half, and a chart whose figures are all within a factor of two keeps the
    scale of a factor of two.  Beside each bar: the town's figure, the
    median and their ratio.
    """
    shown, note = ratios_drawn(table, top=top)
    ratios = shown["ratio"].clip(lower=RATIO_FLOOR).to_numpy(dtype=float)
    logs = np.log2(ratios)
    widest = max(float(np.abs(logs).max()) if len(logs) else 0.0, 1.0)
    bars = bar_rows(
        [
            {
                "label": label,
                "value": ratio,
                "share": abs(log) / widest,
                "side": "right" if ratio >= 1 else "left",
                "color": BAR_COLOR if ratio >= 1 else LOW_COLOR,
                "text": f"{r.figure} / 中位数 {r.median}（{_times(float(r.ratio))} 倍）",
                "cut": False,
            }
            for label, ratio, log, r in zip(_ratio_labels(shown), ratios, logs, shown.itertuples(), strict=True)
        ]
    )
    return BarChart(
        bars,
        title=f"{title}\n{note}" if note else title,
        note="竖线是中位数：右边（蓝）高于中位数，左边（橙）低于中位数；条长按对数刻度，2 倍与 1/2 倍的条一样长",
        label_header="指标",
        value_header="本镇 / 中位数",
        diverging=True,
        empty=NOTHING_TO_COMPARE,
    )
