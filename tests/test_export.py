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
