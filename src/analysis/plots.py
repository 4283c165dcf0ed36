"""Figures in a CJK font: the font set-up, and the charts the notebooks show.

The font is Noto Sans CJK SC as shipped by the PyPI package ``mplfonts``
(installed with the package, so no system font is needed).  Set
``ANALYSIS_CJK_FONT`` to the path of another .otf/.ttf to use that instead.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib import font_manager

from .errors import AnalysisError


@lru_cache(maxsize=1)
def font_path() -> Path:
    """Path of the CJK font used for every figure and word cloud."""
    override = os.environ.get("ANALYSIS_CJK_FONT")
    if override:
        path = Path(override)
        if not path.is_file():
            raise AnalysisError(f"ANALYSIS_CJK_FONT={override}: no such font file")
        return path
    try:
        import mplfonts
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise AnalysisError("the CJK font package 'mplfonts' is not installed: run `make install`") from exc
    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    if not path.is_file():
        raise AnalysisError(f"{path}: the CJK font shipped by mplfonts is missing; reinstall mplfonts")
    return path


@lru_cache(maxsize=1)
def use_cjk_font() -> str:
    """Register the CJK font with matplotlib and make it the default; returns its name."""
    path = font_path()
    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    plt.rcParams["svg.hashsalt"] = "analysis"
    return name


# --- corpus charts


def report_lengths(reports, *, max_bars: int = 40):
    """Report lengths in characters: one bar per report, or for more than *max_bars* reports a histogram
    with the median marked (the figure's height follows the bars it shows, never the number of reports)."""
    use_cjk_font()
    if reports.empty:
        fig, ax = plt.subplots(figsize=(8, 2))
        ax.text(0.5, 0.5, "没有可读的报告", ha="center", va="center")
        ax.set_axis_off()
        return fig
    if len(reports) <= max_bars:
        fig, ax = plt.subplots(figsize=(8, 0.35 * len(reports) + 1.5))
        labels = [
            f"{town}（{year}）" if year == year and year is not None else str(town) for town, year in zip(reports["town"], reports["year"])
        ]
        order = reports.assign(label=labels).sort_values(["n_chars", "label"])
        ax.barh(order["label"], order["n_chars"], color="#4C72B0")
        ax.set_xlabel("字数（清洗后）")
        for y, value in enumerate(order["n_chars"]):
            ax.text(value, y, f" {value:,}", va="center", fontsize=8)
        ax.set_title("报告篇幅")
    else:
        fig, ax = plt.subplots(figsize=(8, 3.5))
        ax.hist(reports["n_chars"], bins=30, color="#4C72B0")
        median = float(reports["n_chars"].median())
        ax.axvline(median, color="#333333", linestyle="--", linewidth=1, label=f"中位数 {median:,.0f} 字")
        ax.legend(loc="upper right", fontsize=9, frameon=False)
        ax.set_xlabel("字数（清洗后）")
        ax.set_ylabel("报告数")
        ax.set_title(f"报告篇幅（{len(reports):,} 份）")
    fig.tight_layout()
    return fig


# --- frequency charts

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

TERM_COLOR = "#4C72B0"
REFERENCE_COLOR = "#A0A0A0"
KEYNESS_LABELS = {"chi2": "χ²", "g2": "G²"}
KEYNESS_OUTLIER = 3.0  # a bar more than this many times the next one on its side is cut at the axis edge


def _no_terms(ax, message: str = "没有可显示的词语") -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=11, color="#666666", transform=ax.transAxes)
    ax.set_axis_off()


def _draw_terms(ax, counts: pd.DataFrame, *, top: int, value: str, title: str | None) -> None:
    rows = counts.sort_values([value, "token"], ascending=[False, True], kind="mergesort").head(top)
    if rows.empty:
        _no_terms(ax)
    else:
        rows = rows.iloc[::-1]
        ax.barh(rows["token"], rows[value], color=TERM_COLOR)
        ax.set_xlabel({"count": "次数", "rate": "每万词次数", "tfidf": "TF-IDF"}.get(value, value))
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


def _facet_groups(table: pd.DataFrame, by: str, groups, max_panels: int, weight: str | None) -> tuple[list, int]:
    if table.empty:
        return [], 0
    if groups is not None:
        present = set(table[by])
        chosen = [g for g in groups if g in present]
    elif weight is not None:
        totals = table.groupby(by, sort=False)[weight].sum()
        chosen = [g for g, _ in sorted(totals.items(), key=lambda kv: (-kv[1], str(kv[0])))]
    else:
        chosen = list(pd.unique(table[by]))
    return chosen[:max_panels], len(chosen)


def _facets(n: int, ncols: int, width: float, height: float):
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False)
    for ax in list(axes.flat)[n:]:
        ax.set_axis_off()
    return fig, list(axes.flat)[:n]


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
    chosen, available = _facet_groups(counts, by, groups, max_panels, "count")
    if not chosen:
        fig, ax = plt.subplots(figsize=(6, 2.5))
        _no_terms(ax)
        return fig
    fig, axes = _facets(len(chosen), ncols, 4.2, 0.26 * top + 1.2)
    for ax, group in zip(axes, chosen):
        _draw_terms(ax, counts[counts[by] == group], top=top, value=value, title=str(group))
    if available > len(chosen):
        fig.suptitle(f"显示 {len(chosen)} / {available} 个（按词数最多者）", fontsize=11)
    fig.tight_layout()
    return fig


def _keyness_edge(magnitudes: np.ndarray) -> float:
    """Where the axis ends on one side: the largest bar, or a little past the second when the largest dwarfs it."""
    ordered = np.sort(magnitudes)[::-1]
    if len(ordered) == 0:
        return 0.0
    if len(ordered) >= 2 and ordered[1] > 0 and ordered[0] > KEYNESS_OUTLIER * ordered[1]:
        return float(ordered[1]) * 1.3
    return float(ordered[0])


def _draw_keyness(ax, table: pd.DataFrame, *, top: int, measure: str, title: str | None) -> None:
    ordered = table.sort_values([measure, "token"], ascending=[False, True], kind="mergesort")
    up = ordered[ordered[measure] > 0].head(top)
    down = ordered[ordered[measure] < 0].tail(top)
    rows = pd.concat([up, down]).iloc[::-1]
    if rows.empty:
        _no_terms(ax, "没有关键词")
    else:
        values = rows[measure].to_numpy(dtype=float)
        right, left = _keyness_edge(values[values > 0]), _keyness_edge(-values[values < 0])
        shown = np.clip(values, -left, right)
        cut = shown != values
        colors = [TERM_COLOR if v > 0 else REFERENCE_COLOR for v in values]
        bars = ax.barh(range(len(rows)), shown, color=colors)
        for bar, is_cut in zip(bars, cut):
            if is_cut:
                bar.set_hatch("//")
                bar.set_edgecolor("white")
        ax.set_yticks(range(len(rows)), rows["token"], fontsize=9)
        ax.axvline(0, color="#333333", linewidth=0.8)
        span = max(right, left) or 1.0
        for y, (value, x, is_cut) in enumerate(zip(values, shown, cut)):
            ax.text(
                x,
                y,
                f" {value:.1f} " if abs(value) < 1000 else f" {value:,.0f} ",
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
    """Diverging bars of a ``frequency.keyness`` table, like quanteda's ``textplot_keyness``.

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
    """One keyness panel per group of a ``frequency.keyness_by`` table (at most *max_panels*)."""
    use_cjk_font()
    chosen, available = _facet_groups(table, by, groups, max_panels, None)
    if not chosen:
        fig, ax = plt.subplots(figsize=(6, 2.5))
        _no_terms(ax, "没有关键词")
        return fig
    fig, axes = _facets(len(chosen), ncols, 5.2, 0.26 * 2 * top + 1.4)
    for ax, group in zip(axes, chosen):
        _draw_keyness(ax, table[table[by] == group], top=top, measure=measure, title=f"{group} 对比其余")
    if available > len(chosen):
        fig.suptitle(f"显示 {len(chosen)} / {available} 个", fontsize=11)
    fig.tight_layout()
    return fig


# --- theme charts

STATUS_COLORS = {"section": "#2E7D32", "subsection": "#81C784", "mentioned": "#FFD54F", "absent": "#E57373"}
SHARE_COLOR = "#4C72B0"
STATUS_LABELS = {"section": "独立部分", "subsection": "下级标题/条目", "mentioned": "仅正文提及", "absent": "缺失"}


def _top_rows(table: pd.DataFrame, max_rows: int) -> tuple[pd.DataFrame, str]:
    """The *max_rows* rows with the largest totals (kept in their order), and a note when rows were dropped."""
    if len(table) <= max_rows:
        return table, ""
    totals = table.abs().sum(axis=1, numeric_only=True).sort_values(ascending=False, kind="stable")
    kept = table.loc[[i for i in table.index if i in set(totals.index[:max_rows])]]
    return kept, f"（仅显示合计最大的 {max_rows} 行，共 {len(table)} 行）"


def _heatmap(
    table: pd.DataFrame, *, title: str, cmap: str, vmin: float | None, vmax: float | None, fmt: str, colorbar: str, max_rows: int, ax=None
):
    use_cjk_font()
    shown, note = _top_rows(table, max_rows)
    n_rows, n_cols = max(len(shown), 1), max(len(shown.columns), 1)
    if ax is None:
        fig, ax = plt.subplots(figsize=(min(2.2 + 0.75 * n_cols, 18), min(1.8 + 0.38 * n_rows, 24)))
    else:
        fig = ax.figure
    if shown.empty or shown.columns.empty:
        ax.text(0.5, 0.5, "没有可显示的数据", ha="center", va="center", fontsize=11, color="#666666", transform=ax.transAxes)
        ax.set_axis_off()
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
    from .display import label

    return label(str(table.index.name)) if table.index.name is not None else "乡镇"


def theme_heatmap(table: pd.DataFrame, *, title: str | None = None, max_rows: int = 40, share: bool = False, ax=None):
    """Group × theme counts (or shares) from ``themes.theme_table`` as a heat map.

    The default title names the groups in Chinese: ``各乡镇问题主题（条目数）``, ``各县区问题主题占比``.
    """
    if title is None:
        title = f"各{_group_label(table)}问题主题" + ("占比" if share else "（条目数）")
    return _heatmap(
        table,
        title=title,
        cmap="Blues",
        vmin=0,
        vmax=None,
        fmt=".0%" if share else ".0f",
        colorbar="占比" if share else "条目数",
        max_rows=max_rows,
        ax=ax,
    )


def residual_heatmap(residuals: pd.DataFrame, *, title: str | None = None, max_rows: int = 40, ax=None):
    """Adjusted standardised residuals from ``themes.chi_square``: red = more often than expected, blue = less.

    The default title names the groups in Chinese: ``调整后标准化残差（县区 × 主题）``.
    """
    if title is None:
        title = f"调整后标准化残差（{_group_label(residuals)} × 主题）"
    return _heatmap(
        residuals, title=title, cmap="RdBu_r", vmin=-3, vmax=3, fmt=".1f", colorbar="残差（±2 约为显著）", max_rows=max_rows, ax=ax
    )


def coverage_heatmap(table: pd.DataFrame, *, title: str = "纲要任务领域覆盖（每千字命中数）", max_rows: int = 40, ax=None):
    """Report × Outline area table from ``compliance.coverage_table`` as a heat map."""
    return _heatmap(table, title=title, cmap="YlGn", vmin=0, vmax=None, fmt=".1f", colorbar="每千字命中数", max_rows=max_rows, ax=ax)


def checklist_chart(checklist: pd.DataFrame, *, max_rows: int = 40, title: str = "年度报告必备内容（E1–E5）"):
    """Compliance statuses: report × element coloured cells, or stacked bars of counts for a large corpus."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    use_cjk_font()
    order = list(STATUS_COLORS)
    elements = sorted(checklist["element"].unique(), key=lambda e: int("".join(ch for ch in e if ch.isdigit()) or 0))
    handles = [Patch(color=STATUS_COLORS[s], label=STATUS_LABELS[s]) for s in order]
    reports = checklist[["doc_id", "town"]].drop_duplicates()
    if checklist.empty:
        fig, ax = plt.subplots(figsize=(6, 2))
        ax.text(0.5, 0.5, "没有可显示的报告", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    if len(reports) <= max_rows:
        table = checklist.pivot(index="doc_id", columns="element", values="status").reindex(columns=elements)
        labels = reports.set_index("doc_id")["town"].reindex(table.index).fillna("").astype(str)
        codes = table.apply(lambda col: col.map({s: i for i, s in enumerate(order)})).to_numpy(dtype=float)
        fig, ax = plt.subplots(figsize=(2.5 + 0.9 * len(elements), 1.5 + 0.38 * len(table)))
        ax.imshow(codes, cmap=ListedColormap([STATUS_COLORS[s] for s in order]), vmin=-0.5, vmax=len(order) - 0.5, aspect="auto")
        ax.set_xticks(range(len(elements)), elements)
        ax.set_yticks(range(len(table)), list(labels))
    else:
        import pandas as pd

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


def shares_chart(shares: pd.DataFrame, *, max_bars: int = 40, title: str = "与其他报告雷同的措辞占比"):
    """Per report, the share of shared wording (``boilerplate.shares``); a histogram for a large corpus."""
    use_cjk_font()
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(shares) + 1.5 if len(shares) <= max_bars else 4.5))
    if shares.empty:
        ax.text(0.5, 0.5, "没有可显示的报告", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    if len(shares) <= max_bars:
        order = shares.sort_values(["share", "town"])
        ax.barh(order["town"].astype(str), order["share"], color=SHARE_COLOR)
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    else:
        ax.hist(shares["share"], bins=30, color=SHARE_COLOR)
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        ax.set_ylabel("报告数")
    ax.set_xlabel("雷同措辞占比")
    ax.set_title(title)
    fig.tight_layout()
    return fig
