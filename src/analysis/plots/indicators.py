"""Figures of the indicator tables (``notebooks/02_indicator_tables.ipynb``).

shared_keys_chart       a small bar chart per key that several towns report (``indicators.shared_keys``)
key_distribution_chart  every figure of those keys: a box and a dot per report, log axis
specificity_chart       quantities per 1,000 characters and share of sentences with a number (``indicators.specificity``)

``indicators.plot_shared_keys``, ``plot_key_distribution`` and
``plot_specificity`` are the same functions under their first names.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from .. import config
from ..display import label
from ..indicators import display as figure_text
from ..indicators import key_position, shared_keys
from .style import BAR_COLOR, LINE_COLOR, SECOND_COLOR, no_data, panels, town_labels, use_cjk_font

MEDIAN_COLOR = "#C44E52"


def _none_shared(min_towns: int) -> Figure:
    return no_data(f"没有至少 {min_towns} 个乡镇都报告的指标")


def shared_keys_chart(
    rows: pd.DataFrame,
    reports: pd.DataFrame,
    *,
    keys: Sequence[str] | None = None,
    min_towns: int = 2,
    ncols: int = 3,
    top: int = 10,
    max_panels: int = 12,
    summary_table: pd.DataFrame | None = None,
) -> Figure:
    """One small bar chart per key that several towns report, a bar per town labelled ``50+次``.

    A panel has at most *top* bars: when more reports state a key, the panel
    shows the *top* largest figures as horizontal bars (its title says out of
    how many; ``key_distribution_chart`` shows them all).  Each bar has its
    figure written on it, so no axis of numbers is drawn beside them (a
    quarter to a third of the figure's cost at five reports).  At most
    *max_panels* panels, the keys stated in the most towns first; the figure
    title says how many were left out.  *summary_table* is
    ``indicators.summary(rows, reports)`` when already made.
    """
    use_cjk_font()
    table = shared_keys(rows, reports, keys=keys, min_towns=min_towns, summary_table=summary_table)
    keyed = list(dict.fromkeys(zip(table["indicator"].tolist(), table["unit"].tolist())))
    if not keyed:
        return _none_shared(min_towns)
    if len(keyed) > max_panels:
        towns = table.groupby(["indicator", "unit"])["town"].nunique()
        chosen = set(sorted(keyed, key=lambda p: -towns[p])[:max_panels])  # stable: ties keep the key order
        shown = [p for p in keyed if p in chosen]
    else:
        shown = keyed
    labels = dict(zip(table.index, town_labels(table, "\n")))
    sizes = table.groupby(["indicator", "unit"]).size()
    many = any(sizes[p] > top for p in shown)
    height = 0.26 * min(top, int(sizes.max())) + 1.2 if many else 2.8
    fig, axes = panels(len(shown), ncols, 4.2, height)
    for ax, (key, unit) in zip(axes, shown):
        part = table[(table["indicator"] == key) & (table["unit"] == unit)]
        if many:
            best = part.sort_values(["value", "town", "year"], ascending=[False, True, True], kind="stable").head(top).iloc[::-1]
            names = [labels[i].replace("\n", " ") for i in best.index]
            ax.barh(range(len(best)), best["value"], color=BAR_COLOR)
            ax.set_yticks(range(len(best)), names, fontsize=8)
            for y, (value, text) in enumerate(zip(best["value"].tolist(), best["display"].tolist())):
                ax.text(value, y, " " + text, va="center", fontsize=7)
            ax.margins(x=0.3)
            ax.xaxis.set_visible(False)  # each bar's figure is written beside it
            note = f"，前 {len(best)} / {len(part)} 份" if len(part) > len(best) else ""
            ax.set_title(f"{label(key)}（{unit}）{note}", fontsize=9)
        else:
            ax.bar(range(len(part)), part["value"], color=BAR_COLOR)
            ax.set_xticks(range(len(part)), [labels[i] for i in part.index], fontsize=9)
            for x, (value, text) in enumerate(zip(part["value"].tolist(), part["display"].tolist())):
                ax.text(x, value, text, ha="center", va="bottom", fontsize=8)
            ax.set_title(f"{label(key)}（{unit}）", fontsize=10)
            ax.margins(y=0.2)
            ax.yaxis.set_visible(False)  # each bar's figure is written on it
    if len(shown) < len(keyed):
        fig.suptitle(f"显示 {len(shown)} / {len(keyed)} 个指标（报告乡镇最多者）；各指标的全部数字见分布图", fontsize=11)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / fig.get_figheight()))
    else:
        fig.tight_layout()
    return fig


def key_distribution_chart(
    rows: pd.DataFrame,
    reports: pd.DataFrame,
    *,
    keys: Sequence[str] | None = None,
    min_towns: int = 2,
    max_keys: int = 40,
    summary_table: pd.DataFrame | None = None,
) -> Figure:
    """Every figure of the keys several towns report, one row per key and unit: a box (quartiles) and a dot per report.

    The axis is logarithmic (0 allowed), so keys counted in tens and in
    thousands share it; the median is written at the right.  At most
    *max_keys* rows, the keys stated in the most reports first.
    *summary_table* is ``indicators.summary(rows, reports)`` when already made.
    """
    use_cjk_font()
    table = shared_keys(rows, reports, keys=keys, min_towns=min_towns, summary_table=summary_table)
    if table.empty:
        return _none_shared(min_towns)
    groups = table.groupby(["indicator", "unit"], sort=False)["value"]
    sizes = groups.size()
    place = dict(zip(sizes.index, key_position([key for key, _ in sizes.index])))
    keyed = sorted(sizes.index, key=lambda p: (-sizes[p], place[p], p[1]))
    shown = keyed[:max_keys][::-1]  # the most reported on top
    values = [groups.get_group(p).to_numpy(dtype=float) for p in shown]
    fig, ax = plt.subplots(figsize=(9, 0.34 * len(shown) + 1.6))
    box = {"widths": 0.6, "showfliers": False, "medianprops": {"color": MEDIAN_COLOR}, "whis": (0, 100)}
    try:
        ax.boxplot(values, orientation="horizontal", **box)
    except TypeError:  # matplotlib before 3.10
        ax.boxplot(values, vert=False, **box)
    rng = np.random.default_rng(config.RANDOM_SEED)
    for y, v in enumerate(values, start=1):
        few = len(v) <= 50  # a few dots drawn larger and darker, many small and light
        ax.scatter(v, y + rng.uniform(-0.22, 0.22, len(v)), s=16 if few else 6, alpha=0.8 if few else 0.35, color=BAR_COLOR, linewidths=0)
    ax.set_yticks(range(1, len(shown) + 1), [f"{label(k)}（{u}）{sizes[(k, u)]} 份" for k, u in shown], fontsize=8)
    ax.set_xscale("symlog", linthresh=1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))  # 1, 10, 100 as numbers: mathtext is off
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(0, 2 * max(float(v.max()) for v in values) + 1)
    for y, ((_, unit), v) in enumerate(zip(shown, values), start=1):
        median = figure_text(float(np.median(v)), None, unit, "exact")
        ax.text(1.01, y, f"中位数 {median}", transform=ax.get_yaxis_transform(), va="center", fontsize=7)
    ax.set_xlabel("数值（对数刻度；箱体为四分位，须线为最小至最大，点为各报告）")
    title = "各指标数字的分布"
    if len(shown) < len(keyed):
        title += f"（显示报告最多的 {len(shown)} / {len(keyed)} 个指标）"
    ax.set_title(title, fontsize=11)
    fig.tight_layout()
    return fig


def specificity_chart(table: pd.DataFrame, *, max_bars: int = 40) -> Figure:
    """A ``specificity`` table as two charts: quantities per 1,000 characters, share of sentences with a number.

    A bar per report for up to *max_bars* reports; for more, two histograms
    with the median marked (``overview.extremes`` lists the most and least
    specific reports).
    """
    use_cjk_font()
    if len(table) > max_bars:
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
        for ax, values, label, color, fmt in (
            (left, table["per_1000_chars"], "每千字的数量表述", BAR_COLOR, "{:.1f}"),
            (right, 100 * table["share_sentences_with_number"], "含数字的句子占比（%）", SECOND_COLOR, "{:.0f}%"),
        ):
            ax.hist(values, bins=30, color=color)
            median = float(values.median())
            ax.axvline(median, color=LINE_COLOR, linestyle="--", linewidth=1, label=f"中位数 {fmt.format(median)}")
            ax.legend(loc="upper right", fontsize=8, frameon=False)
            ax.set_xlabel(label)
            ax.set_ylabel("报告数")
        fig.suptitle(f"{len(table)} 份报告的具体程度", fontsize=11)
        fig.tight_layout()
        return fig
    table = table.sort_values(["per_1000_chars", "doc_id"])
    labels = town_labels(table, " ")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 0.45 * max(len(table), 3) + 1.2))
    left.barh(labels, table["per_1000_chars"], color=BAR_COLOR)
    left.set_xlabel("每千字的数量表述")
    right.barh(labels, 100 * table["share_sentences_with_number"], color=SECOND_COLOR)
    right.set_xlabel("含数字的句子占比（%）")
    for ax, values, fmt in ((left, table["per_1000_chars"], "{:.1f}"), (right, 100 * table["share_sentences_with_number"], "{:.0f}%")):
        for y, v in enumerate(values):
            ax.text(v, y, " " + fmt.format(v), va="center", fontsize=8)
        ax.margins(x=0.15)
    right.tick_params(axis="y", labelleft=False)
    fig.tight_layout()
    return fig
