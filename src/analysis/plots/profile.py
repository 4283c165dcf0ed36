"""Figures of a town's briefing (``notebooks/04_town_profile.ipynb``).

ratio_chart  each figure the town states against the corpus median (``profile.versus_median``)

The briefing's term bars and keyness bars are ``plots.terms_bar`` and ``plots.keyness_bar``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from .style import BAR_COLOR, LINE_COLOR, LOW_COLOR, no_data, use_cjk_font


def ratio_chart(table: pd.DataFrame, *, top: int | None = 20, title: str = "本镇数字与同年度其他乡镇中位数之比") -> Figure:
    """Bars of ``versus_median``'s ratio (1 = the median), on a log scale, one per comparable figure.

    At most *top* bars (None: every one): the figures furthest from the
    median either way, in the table's order; the title then says how many of
    how many are drawn (the table beside the chart lists them all).
    """
    use_cjk_font()
    shown = table[table["ratio"].notna() & (table["reports"] >= 1)]  # reports: the other reports compared with
    if top is not None and len(shown) > top:
        distance = np.abs(np.log(shown["ratio"].clip(lower=0.01).to_numpy()))
        furthest = np.sort(np.argsort(-distance, kind="stable")[:top])  # ties: the earlier row
        title = f"{title}\n（画出与中位数相差最大的 {top} 项，共 {len(shown)} 项）"
        shown = shown.iloc[furthest]
    fig, ax = plt.subplots(figsize=(8, 0.38 * max(len(shown), 3) + 1.4))
    if shown.empty:
        return no_data("没有可与其他报告比较的数字", ax=ax)
    shown = shown.iloc[::-1]
    labels = [f"{r.label}（{int(r.year)}）" if shown["year"].nunique() > 1 else r.label for r in shown.itertuples()]
    ratios = shown["ratio"].clip(lower=0.01).to_numpy()
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
