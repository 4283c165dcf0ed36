"""Chinese renders: the CJK font has every glyph the figures draw."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt

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
