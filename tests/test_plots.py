"""Chinese renders: the CJK font has every glyph the figures draw."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import pytest

from analysis import plots


def test_font_is_the_packaged_cjk_font():
    assert plots.font_path().name == "NotoSansCJKsc-Regular.otf"
    assert plots.use_cjk_font() == "Noto Sans CJK SC"


def test_chinese_text_renders_without_missing_glyphs(reports):
    plots.use_cjk_font()
    sample = "".join(sorted(set("".join(reports["text"])) - set("\n")))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a UserWarning: fail on it
        fig, ax = plt.subplots()
        for i in range(0, len(sample), 60):
            ax.text(0, i, sample[i : i + 60])
        ax.set_title("神树镇 · 法治政府建设年度报告")
        fig.canvas.draw()
    plt.close(fig)


def test_report_lengths_chart(reports):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plots.report_lengths(reports)
        fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[0] == "双庙镇（2025）" and labels[-1] == "上社镇（2025）"  # shortest … longest
    plt.close(fig)


def _many_reports(n: int):
    import pandas as pd

    return pd.DataFrame(
        {"town": [f"镇{i}" for i in range(n)], "year": [2020 + i % 6 for i in range(n)], "n_chars": [2000 + 7 * i for i in range(n)]}
    )


def test_report_lengths_stays_small_for_a_thousand_reports():
    reports = _many_reports(1000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plots.report_lengths(reports, max_bars=40)
        fig.canvas.draw()
    width, height = fig.get_size_inches()
    assert height <= 4 and width <= 9  # sized for a histogram, not for 1,000 bars
    ax = fig.axes[0]
    assert len(ax.patches) == 30 and sum(p.get_height() for p in ax.patches) == 1000  # 30 bins holding every report
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["中位数 5,496 字"]
    assert not any("镇" in t.get_text() for t in ax.get_yticklabels())
    plt.close(fig)


@pytest.mark.parametrize("n, bars", [(5, 5), (40, 40), (41, 0)])
def test_report_lengths_bar_per_report_up_to_max_bars(n, bars):
    fig = plots.report_lengths(_many_reports(n), max_bars=40)
    assert len(fig.axes[0].get_yticklabels()) == bars or (bars == 0 and fig.axes[0].get_ylabel() == "报告数")
    assert fig.get_size_inches()[1] <= 0.35 * 40 + 1.5
    plt.close(fig)
