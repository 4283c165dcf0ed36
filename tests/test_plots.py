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


def test_charts_the_browser_draws_say_in_one_plain_line_what_they_are(reports):
    """A notebook keeps each output's plain text beside its HTML: a chart's is its kind, title and size, not its table."""
    import pandas as pd

    from analysis import frequency
    from analysis.plots.html import heat_table
    from analysis.plots.svg import PointChart, point_rows

    counts = frequency.counts(frequency.terms(reports), by="town")
    bar = plots.terms_bar_html(counts[counts["town"] == "神树镇"], top=7, title="高频词")
    grid = plots.terms_facets_html(counts, by="town", top=5, max_panels=3)
    shares = pd.DataFrame({"执法": [0.2, 0.5], "普法": [0.8, 0.5]}, index=["神树镇", "都督乡"])
    heat = heat_table(shares, title="主题占比", cmap="Blues", vmin=0, vmax=1, fmt=".0%", key_label="占比", corner="乡镇")
    points = PointChart(point_rows([{"x": 0.0, "y": 1.0, "text": "执法"}, {"x": 1.0, "y": 0.0, "text": "普法"}]), title="词语网络")
    assert repr(bar) == "条形图「高频词」：7 项"
    assert repr(grid) == (f"图组「{grid.title}」：3 幅" if grid.title else "图组：3 幅")
    assert repr(heat) == "热力表「主题占比」：2 行"
    assert repr(points) == "点图「词语网络」：2 个点"
    top_word = bar.rows["label"].iloc[0]
    assert all(top_word not in repr(chart) for chart in (bar, grid))  # the table is the HTML's, not written out again
