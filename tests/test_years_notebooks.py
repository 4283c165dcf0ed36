"""Briefings 06_years and 07_structure_of_talk, executed by papermill on small real corpora.

06 runs on the five reports plus the next-year reports of tests/data/years
(five towns with two years, one town of the same name in another county);
07 on the five reports.  The checks are what a reader must find: the pairs,
the fulfilment table, the evidence, the carried-over paragraph, the
citations, the networks, biplots and topics — in Chinese.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import notebook_text

from analysis import config

YEARS = Path(__file__).parent / "data" / "years"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def years_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("years")
    for path in [*config.DATA_RAW.glob("*.txt"), *YEARS.glob("*.txt")]:
        shutil.copy(path, folder / path.name)
    return folder


def _images(nb) -> int:
    return sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


def _errors(nb) -> list[str]:
    return [o.get("evalue", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]


def test_years_briefing_on_two_years(run_notebook, years_dir):
    nb = run_notebook("06_years.ipynb", data_dir=str(years_dir), top_n=10)
    assert not _errors(nb)
    text = notebook_text(nb)
    assert "5 个乡镇有两个或以上年度的报告，可比较的相邻年度共 5 对" in text
    assert "共比较 19 条上年计划" in text
    for column in ("落实情况", "次年报告中的依据", "落实率", "沿用比例", "规范名称", "是否重复"):
        assert column in text
    assert "已落实" in text and "未见成效" in text
    assert "坚持将法治政府建设作为“一把手”工程" in text  # the paragraph 乌马河镇 2026 copies
    assert "杭锦后旗双庙镇" in text
    assert "中华人民共和国民法典" in text
    assert _images(nb) >= 4  # fulfilment, carried-over, trend, citations
    _no_code_leftovers(nb, text)


def test_years_briefing_without_pairs_says_so(run_notebook):
    nb = run_notebook("06_years.ipynb", data_dir=str(config.DATA_RAW))
    assert not _errors(nb)
    text = notebook_text(nb)
    assert "没有同一乡镇不同年度的报告" in text
    assert "共找到" in text  # the citations still work on one year


def test_structure_of_talk_briefing(run_notebook):
    nb = run_notebook("07_structure_of_talk.ipynb", data_dir=str(config.DATA_RAW), n_topics=4, max_panels=2)
    assert not _errors(nb)
    text = notebook_text(nb)
    for words in ("Jaccard系数", "词群", "特征值（惯量）", "主题名称", "主要词语"):
        assert words in text
    assert "主题1：" in text
    assert _images(nb) == 0
    # drawn by the browser: the network, two towns' networks and the two biplots (SVG), each topic's terms (bars),
    # the reports' topic shares (a heat map)
    assert text.count('<figure class="analysis-points">') == 5
    assert text.count('<table class="analysis-bars">') == 4
    assert text.count('<table class="analysis-heat">') == 1
    _no_code_leftovers(nb, text)


def _no_code_leftovers(nb, text: str) -> None:
    """Tables and sentences as the reader reads them: no pandas row index or table, no NaN, no printed (code-style) lines."""
    tables = re.sub(r'<table class="analysis-bars">.*?</table>', "", text, flags=re.S)  # a bar chart's header has a cell above its bars
    assert "<th></th>" not in tables and "NaN" not in text
    assert 'class="dataframe"' not in text  # pandas' own table: every table goes through display.table
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "stream"]


def test_the_talk_briefing_names_no_parameter():
    """The reader of 07 is told what a chart shows in words, not by the notebook's parameter names."""
    import json

    source = json.loads((config.ROOT / "notebooks" / "07_structure_of_talk.ipynb").read_text(encoding="utf-8"))
    words = "".join("".join(c["source"]) for c in source["cells"] if c["cell_type"] == "markdown")
    parameters = ("group_by", "max_panels", "ca_rows", "ca_terms", "n_topics", "top_n", "min_freq", "top_edges", "max_labels")
    assert not [p for p in parameters if p in words]
