"""What every figure shares: the CJK font, the colours, the "no data" panel, grids of small panels.

A figure function of ``analysis.plots`` calls ``use_cjk_font()`` first, draws
``no_data(message)`` when its table is empty (one look for every empty
figure: the reason in grey at the centre, no axes), and lays out several
groups with ``pick_groups`` and ``panels``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..fonts import font_path, use_cjk_font

__all__ = ["font_path", "use_cjk_font", "no_data", "plain", "described", "pick_groups", "group_parts", "shown_of", "panels", "town_labels"]

BAR_COLOR = "#4C72B0"  # the one colour of a plain bar chart
SECOND_COLOR = "#55A868"  # the second measure of a pair of charts
LOW_COLOR = "#DD8452"  # below the reference (a ratio under 1)
REFERENCE_COLOR = "#A0A0A0"  # the rest of the corpus in a comparison
LINE_COLOR = "#333333"  # zero lines, medians
NO_DATA_COLOR = "#666666"
NO_DATA = "没有可显示的数据"


def plain(text: object) -> str:
    """*text* for a figure label, shown as written even where mathtext is on (``$`` escaped).

    ``use_cjk_font`` already turns mathtext off for every figure of the
    package; this is for a figure drawn with other settings.
    """
    return str(text).replace("$", r"\$")


def described(kind: str, title: str | None, count: int, unit: str) -> str:
    """A chart the browser draws, in one line of plain text: ``条形图「高频词」：20 项``.

    It is what a notebook keeps beside the chart's HTML (its plain-text
    representation): the chart's table written out instead cost a town page
    about 1.3 ms a chart, for text no page shows.
    """
    return f"{kind}「{title}」：{count} {unit}" if title else f"{kind}：{count} {unit}"


def no_data(message: str = NO_DATA, *, ax: Axes | None = None, figsize: tuple[float, float] = (6, 2)) -> Figure:
    """A panel that says why nothing is drawn: *message* in grey at its centre, no axes.

    Drawn on *ax* (a panel of a larger figure) when given, else on a new
    figure of *figsize*; returns the figure.
    """
    use_cjk_font()
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=11, color=NO_DATA_COLOR, transform=ax.transAxes)
    ax.set_axis_off()
    return ax.figure


def pick_groups(table: pd.DataFrame, by: str, groups, max_panels: int, weight: str | None) -> tuple[list, int]:
    """The groups of column *by* to draw, at most *max_panels*, and how many there were.

    *groups* in the order given (those present), else the groups with the
    largest total *weight* (ties by name), else the groups in table order.
    """
    if table.empty:
        return [], 0
    if groups is not None:
        present = set(table[by].tolist())
        chosen = [g for g in groups if g in present]
    elif weight is not None:
        totals = table.groupby(by, sort=False)[weight].sum()
        chosen = [g for g, _ in sorted(totals.items(), key=lambda kv: (-kv[1], str(kv[0])))]
    else:
        chosen = list(pd.unique(table[by]))
    return chosen[:max_panels], len(chosen)


def group_parts(table: pd.DataFrame, by: str, chosen: list) -> list[tuple[object, pd.DataFrame]]:
    """The rows of each *chosen* group of column *by*, in the order chosen (one pass over the table; a group with
    no row gets an empty table)."""
    if not chosen:
        return []
    parts = dict(tuple(table[table[by].isin(chosen)].groupby(by, sort=False, dropna=False)))
    return [(group, parts.get(group, table.iloc[0:0])) for group in chosen]


def shown_of(shown: int, available: int, how: str = "") -> str:
    """What a grid of panels says when it leaves groups out: ``显示 12 / 325 个（按词数最多者）``."""
    return f"显示 {shown} / {available} 个{how}"


def panels(n: int, ncols: int, width: float, height: float) -> tuple[Figure, list[Axes]]:
    """A figure of *n* panels of *width* × *height* inches, *ncols* a row; the unused cells are blank."""
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False)
    for ax in list(axes.flat)[n:]:
        ax.set_axis_off()
    return fig, list(axes.flat)[:n]


def town_labels(table: pd.DataFrame, sep: str) -> list[str]:
    """A label per row: the town, with the year after *sep* when some town has several years."""
    several_years = bool(table.groupby("town")["year"].nunique().gt(1).any()) if len(table) else False
    return [f"{t}{sep}{y}" if several_years else str(t) for t, y in zip(table["town"].tolist(), table["year"].tolist())]
