"""Figures of the corpus overview (``notebooks/00_corpus_overview.ipynb``)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from .style import BAR_COLOR, LINE_COLOR, no_data, use_cjk_font


def report_lengths(reports: pd.DataFrame, *, max_bars: int = 40) -> Figure:
    """Report lengths in characters: one bar per report, or for more than *max_bars* reports a histogram
    with the median marked (the figure's height follows the bars it shows, never the number of reports)."""
    use_cjk_font()
    if reports.empty:
        return no_data("没有可读的报告", figsize=(8, 2))
    if len(reports) <= max_bars:
        fig, ax = plt.subplots(figsize=(8, 0.35 * len(reports) + 1.5))
        labels = [
            f"{town}（{year}）" if pd.notna(year) else str(town)  # a report whose year is not found: NA, never a truth value
            for town, year in zip(reports["town"].tolist(), reports["year"].tolist())
        ]
        order = reports.assign(label=labels).sort_values(["n_chars", "label"])
        ax.barh(order["label"], order["n_chars"], color=BAR_COLOR)
        ax.set_xlabel("字数（清洗后）")
        for y, value in enumerate(order["n_chars"]):
            ax.text(value, y, f" {value:,}", va="center", fontsize=8)
        ax.set_title("报告篇幅")
    else:
        fig, ax = plt.subplots(figsize=(8, 3.5))
        ax.hist(reports["n_chars"], bins=30, color=BAR_COLOR)
        median = float(reports["n_chars"].median())
        ax.axvline(median, color=LINE_COLOR, linestyle="--", linewidth=1, label=f"中位数 {median:,.0f} 字")
        ax.legend(loc="upper right", fontsize=9, frameon=False)
        ax.set_xlabel("字数（清洗后）")
        ax.set_ylabel("报告数")
        ax.set_title(f"报告篇幅（{len(reports):,} 份）")
    fig.tight_layout()
    return fig
