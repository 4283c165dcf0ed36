"""Briefings 05_scorecard, 08_county and the verdict of 04_town_profile, executed by papermill.

Run on the five reports, on the five plus a copy of 神树镇's report under
another town's title (built in tmp_path), and on two reports of different
years (nothing to compare with).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import IDS, notebook_text

from analysis import config

pytestmark = pytest.mark.slow


def _errors(nb) -> list[str]:
    return [o.get("evalue", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]


@pytest.fixture(scope="module")
def copied_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("copied")
    for path in config.DATA_RAW.glob("*.txt"):
        shutil.copy(path, folder / path.name)
    text = (config.DATA_RAW / f"{IDS['神树镇']}.txt").read_text(encoding="utf-8")
    copy = text.replace("神树镇2025年法治政府建设年度报告", "红星镇2025年法治政府建设年度报告", 1).replace("50余次", "30余次")
    (folder / "900_copy.txt").write_text(copy, encoding="utf-8")
    return folder


def test_scorecard_briefing_shows_scores_flags_and_overrides(run_notebook, copied_dir, tmp_path):
    overrides = tmp_path / "overrides.csv"
    overrides.write_text(f"doc_id,criterion,score,reason\n{IDS['双庙镇']},elements,25,复核认可第一责任人职责的写法\n", encoding="utf-8")
    nb = run_notebook("05_scorecard.ipynb", data_dir=str(copied_dir), overrides=str(overrides), output_dir=str(tmp_path / "out"))
    assert not _errors(nb)
    text = notebook_text(nb)
    for shown in (
        "五项必备内容（25）",
        "同年度排名",
        "1/5",
        "疑似抄用其他报告",
        "正文写的是其他乡镇",
        "复核认可第一责任人职责的写法",
        "不计分",
    ):
        assert shown in text, shown
    assert "神树镇2025年度报告" in text  # the copy's partner, by name
    for code in ("own_wording", "near_duplicate", "doc_id", "NaN"):
        assert code not in text, code
    assert (tmp_path / "out" / "scorecard.xlsx").is_file()


def test_county_page_fits_the_common_indicators(run_notebook, tmp_path):
    nb = run_notebook("08_county.ipynb", output_dir=str(tmp_path))
    assert not _errors(nb)
    text = notebook_text(nb)
    assert "乡镇" in text and "总分" in text and "同年度排名" in text
    assert "执法检查" in text and "enforcement_inspections" not in text  # Chinese labels, not keys
    assert "表中是至少 50% 的报告写到的" in text
    assert (tmp_path / "county.xlsx").is_file()


def test_town_profile_opens_with_the_verdict_and_the_flags(run_notebook, copied_dir):
    nb = run_notebook("04_town_profile.ipynb", data_dir=str(copied_dir), town="红星镇")
    assert not _errors(nb)
    text = notebook_text(nb)
    assert "红星镇 · 2025年度法治政府建设年度报告评议" in text
    assert "在2025年度的 5 份乡镇报告中排第" in text
    assert "请先注意" in text and "正文却把神树镇当作本地" in text
    assert "需改进" in text and "措辞与神树镇2025年度报告大量相同" in text
    assert "对应的下一步措施" in text and "提升化解效能" in text  # the plan's text beside the problem


def test_town_profile_with_nothing_to_compare_says_so(run_notebook, tmp_path):
    for town in ("神树镇", "都督乡"):  # 2025 and 2024: each alone in its year
        shutil.copy(config.DATA_RAW / f"{IDS[town]}.txt", tmp_path / f"{IDS[town]}.txt")
    nb = run_notebook("04_town_profile.ipynb", data_dir=str(tmp_path), town="都督乡")
    assert not _errors(nb)
    text = notebook_text(nb)
    assert "2024年度只有这一份报告，没有可排名的对象" in text
    assert "没有可比较的同类数字，因此不画对比图" in text
