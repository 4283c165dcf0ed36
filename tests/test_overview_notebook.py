"""notebooks/00_corpus_overview.ipynb runs on the corpus, at scale, and on bad input."""

from __future__ import annotations

import struct
from base64 import b64decode

import pandas as pd
import pytest

from tests.conftest import RAW_FILES
from tests.conftest import notebook_text as _text_outputs
from tests.synthetic import write_corpus

pytestmark = pytest.mark.slow


def _has_image(nb) -> bool:
    return any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


def png_sizes(nb) -> list[tuple[int, int]]:
    """(width, height) in pixels of every figure the notebook shows: the size its output asks the page for
    (``display.figure``: drawn at 150 dpi, shown at the figure's size), else the PNG's own (read from its header)."""
    sizes = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                shown = output.get("metadata", {}).get("image/png", {})
                drawn = struct.unpack(">II", b64decode(png)[16:24])
                sizes.append((shown["width"], shown["height"]) if "width" in shown else drawn)
    return sizes


def test_overview_on_the_corpus(run_notebook, tmp_path):
    nb = run_notebook("00_corpus_overview.ipynb", output_dir=str(tmp_path))
    out = _text_outputs(nb)
    for town in ["神树镇", "都督乡", "上社镇", "双庙镇", "乌马河镇"]:
        assert town in out
    assert "所有文件均已正常读取" in out
    assert "第一责任人履职" in out and "responsibility" not in out and "党政主要负责人履行推进法治建设“第一责任人”职责情况" in out
    assert "各年度的报告数" not in out  # five reports are listed one by one, not summarised
    [(width, height)] = png_sizes(nb)  # one bar per report
    assert 300 <= height <= 600 and width <= 1000
    exported = pd.read_csv(tmp_path / "corpus_reports.csv", encoding="utf-8-sig")
    assert sorted(exported["town"]) == sorted(["神树镇", "都督乡", "上社镇", "双庙镇", "乌马河镇"])
    assert exported.set_index("town").loc["神树镇", ["problems", "plans"]].tolist() == [3, 4]  # as in the gold items
    assert (tmp_path / "corpus_outline.csv").is_file() and (tmp_path / "corpus.xlsx").is_file()
    assert 'href="corpus_reports.csv"' in out and str(tmp_path) not in out  # linked relative to the output folder


def test_overview_at_scale_shows_summaries_and_exports_every_report(run_notebook, tmp_path):
    data = write_corpus(tmp_path / "raw")  # 60 reports, 30 made-up towns with two years each
    out_dir = tmp_path / "out"
    nb = run_notebook("00_corpus_overview.ipynb", data_dir=str(data), output_dir=str(out_dir))
    out = _text_outputs(nb)
    for title in [
        "各年度的报告数",
        "各层级（镇、乡、街道）的报告数",
        "篇幅最长的 10 份报告",
        "各部分出现在多少份报告中",
        "有若干条问题、计划条目的报告数",
    ]:
        assert title in out
    assert "共 60 行" in out and 'href="corpus_reports.csv"' in out
    exported = pd.read_csv(out_dir / "corpus_reports.csv", encoding="utf-8-sig")
    assert len(exported) == 60 and exported["town"].nunique() == 30
    shown_ids = [doc_id for doc_id in exported["doc_id"] if doc_id in out]
    assert len(shown_ids) <= 20  # the longest and shortest ten, not a row per report
    [(width, height)] = png_sizes(nb)  # a histogram, not 60 bars
    assert height <= 450 and width <= 1000
    assert str(out_dir) not in out


def test_overview_names_bad_files(run_notebook, tmp_path):
    data = tmp_path / "raw"
    data.mkdir()
    (data / RAW_FILES[0].name).write_bytes(RAW_FILES[0].read_bytes())
    (data / "empty.txt").write_bytes(b"")
    nb = run_notebook("00_corpus_overview.ipynb", data_dir=str(data), output_dir=str(tmp_path / "out"))
    out = _text_outputs(nb)
    assert "empty.txt" in out and "is empty" in out and "神树镇" in out


def test_overview_on_an_empty_folder(run_notebook, tmp_path):
    (tmp_path / "raw").mkdir()
    nb = run_notebook("00_corpus_overview.ipynb", data_dir=str(tmp_path / "raw"), output_dir=str(tmp_path / "out"))
    assert "没有可读的报告" in _text_outputs(nb) or _has_image(nb)
    assert pd.read_csv(tmp_path / "out" / "corpus_reports.csv", encoding="utf-8-sig").empty


def test_committed_notebook_has_no_outputs_and_one_parameters_cell():
    import nbformat

    from analysis import config

    nb = nbformat.read(str(config.NOTEBOOKS_DIR / "00_corpus_overview.ipynb"), as_version=4)
    assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells if c.cell_type == "code")
    assert sum("parameters" in c.metadata.get("tags", []) for c in nb.cells) == 1
