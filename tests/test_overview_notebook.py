"""notebooks/00_corpus_overview.ipynb runs on the corpus and on bad input."""

from __future__ import annotations

import pytest

from tests.conftest import RAW_FILES

pytestmark = pytest.mark.slow


def _text_outputs(nb) -> str:
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            parts.append(data.get("text/html", "") + data.get("text/plain", "") + data.get("text/markdown", "") + output.get("text", ""))
    return "\n".join(parts)


def _has_image(nb) -> bool:
    return any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


def test_overview_on_the_corpus(run_notebook):
    nb = run_notebook("00_corpus_overview.ipynb")
    out = _text_outputs(nb)
    for town in ["神树镇", "都督乡", "上社镇", "双庙镇", "乌马河镇"]:
        assert town in out
    assert "所有文件均已正常读取" in out
    assert "responsibility" in out and "党政主要负责人履行推进法治建设“第一责任人”职责情况" in out
    assert _has_image(nb)


def test_overview_names_bad_files(run_notebook, tmp_path):
    (tmp_path / RAW_FILES[0].name).write_bytes(RAW_FILES[0].read_bytes())
    (tmp_path / "empty.txt").write_bytes(b"")
    nb = run_notebook("00_corpus_overview.ipynb", data_dir=str(tmp_path))
    out = _text_outputs(nb)
    assert "empty.txt" in out and "is empty" in out and "神树镇" in out


def test_overview_on_an_empty_folder(run_notebook, tmp_path):
    nb = run_notebook("00_corpus_overview.ipynb", data_dir=str(tmp_path))
    assert "没有可读的报告" in _text_outputs(nb) or _has_image(nb)
