"""analysis.export: tables as CSV for Excel and one workbook, figures as PNG, each file whole or not at all."""

from __future__ import annotations

import openpyxl
import pandas as pd

from analysis import export


def test_export_writes_csv_and_a_workbook_with_index_and_clean_text(tmp_path):
    towns = pd.DataFrame(
        {"value": [1.5, None]}, index=pd.MultiIndex.from_tuples([("神树镇", 2024), ("神树镇", 2025)], names=["town", "year"])
    )
    text = pd.DataFrame({"sentence": ["开展普法\x0b活动", "x"], "count": pd.array([3, None], dtype="Int64")})
    written = export.export({"towns": towns, "text": text}, tmp_path, stem="corpus")
    assert [p.name for p in written] == ["corpus_towns.csv", "corpus_text.csv", "corpus.xlsx"]
    book = openpyxl.load_workbook(tmp_path / "corpus.xlsx")
    assert list(book["towns"].values) == [
        ("乡镇", "年度", "数值"),
        ("town", "year", "value"),
        ("神树镇", 2024, 1.5),
        ("神树镇", 2025, None),
    ]
    assert list(book["text"].values) == [
        ("原句", "次数"),
        ("sentence", "count"),
        ("开展普法活动", 3),
        ("x", None),
    ]  # the control character dropped
    back = pd.read_csv(tmp_path / "corpus_towns.csv", encoding="utf-8-sig")
    assert back.columns.tolist() == ["town", "year", "value"]


def test_export_leaves_no_temporary_file_and_writes_figures(tmp_path):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.bar([0, 1], [2, 3])
    written = export.export({"t": pd.DataFrame({"a": [1]})}, tmp_path, stem="s", figures={"bars": fig})
    plt.close(fig)
    assert [p.name for p in written] == ["s_bars.png", "s_t.csv", "s.xlsx"]
    assert (tmp_path / "s_bars.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.xlsx", "s_bars.png", "s_t.csv"]  # no temporary file left


def test_a_figure_shown_is_drawn_once_and_exported_as_shown(tmp_path, monkeypatch):
    """``display.figure`` draws the figure at the export's resolution; ``export`` writes that picture, not a second drawing."""
    import io

    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from analysis import display, plots

    plots.use_cjk_font()

    def chart() -> Figure:
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.barh(["执法检查", "普法宣传"], [50, 12])
        ax.set_title("各乡镇的指标")
        return fig

    expected = io.BytesIO()
    chart().savefig(expected, format="png", dpi=display.FIGURE_DPI, bbox_inches="tight")
    fig = chart()
    saves = []
    real_savefig = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (saves.append(self), real_savefig(self, *a, **k))[1])
    picture = display.figure(fig)
    assert picture.png == expected.getvalue() and plt.fignum_exists(fig.number) is False  # closed: the notebook shows it once
    width, height = int.from_bytes(picture.png[16:20], "big"), int.from_bytes(picture.png[20:24], "big")
    assert (picture.width, picture.height) == (round(width * 100 / 150), round(height * 100 / 150))  # shown at its own size
    assert picture._repr_png_() == (picture.png, {"width": picture.width, "height": picture.height}) and repr(picture) == "图"
    export.export({}, tmp_path, stem="s", figures={"bars": fig})
    assert (tmp_path / "s_bars.png").read_bytes() == picture.png and len(saves) == 1  # drawn once, for both

    fig.axes[0].set_title("改过的标题，长一些")  # changed after it was shown: exported as it is now
    assert display.drawn_png(fig, dpi=display.FIGURE_DPI) is None
    export.export({}, tmp_path, stem="s", figures={"bars": fig})
    now = io.BytesIO()
    real_savefig(fig, now, format="png", dpi=display.FIGURE_DPI, bbox_inches="tight")
    assert (tmp_path / "s_bars.png").read_bytes() == now.getvalue() != picture.png and len(saves) == 2
    plt.close("all")
