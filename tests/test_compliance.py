"""The E1–E5 checklist and the Outline coverage, against statuses checked by reading."""

from __future__ import annotations

import io
import subprocess
import sys

import pandas as pd
import pytest

from analysis import compliance, config
from analysis.corpus import load_corpus
from analysis.errors import LexiconError
from tests.conftest import DATA, IDS
from tests.test_themes import NO_PROBLEMS_REPORT

GOLD = pd.read_csv(DATA / "compliance_gold.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def checks(reports):
    return compliance.checklist(reports)


@pytest.fixture(scope="module")
def cover(reports):
    return compliance.coverage(reports)


def tmp_reports(tmp_path, **texts: str) -> pd.DataFrame:
    for name, text in texts.items():
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    return load_corpus(tmp_path, warn=False).reports


# ------------------------------------------------------------------ the checklist on the five reports


@pytest.mark.parametrize(("doc_id", "element", "status", "evidence"), list(GOLD.itertuples(index=False, name=None)))
def test_status_and_evidence_match_the_reading(checks, doc_id, element, status, evidence):
    row = checks[(checks["doc_id"] == doc_id) & (checks["element"] == element)]
    assert len(row) == 1
    assert row["status"].iloc[0] == status
    assert evidence in row["evidence"].iloc[0]
    assert (row["evidence"].iloc[0] == "") == (status == "absent")


def test_first_responsible_person_cases(checks):
    """The brief's examples: 都督乡 own section, 上社镇 numbered sub-item, 乌马河镇 二是 item, 双庙镇 running text, 神树镇 none."""
    e3 = checks[checks["element"] == "E3"].set_index("town")
    assert e3.loc["都督乡", "status"] == "section" and e3.loc["都督乡", "evidence"].startswith("二、党政主要负责人履行")
    assert e3.loc["上社镇", "evidence"] == "2.严格落实第一责任人职责"
    assert e3.loc["乌马河镇", "evidence"].startswith("二是落实主体责任。")
    assert e3.loc["双庙镇", "status"] == "mentioned"
    assert e3.loc["神树镇", "status"] == "absent"


def test_evidence_offsets_point_into_the_text(checks, reports):
    texts = reports.set_index("doc_id")["text"]
    for row in checks[checks["status"] != "absent"].itertuples():
        assert texts[row.doc_id][row.start : row.start + 4] == row.evidence[:4], (row.town, row.element)


def test_status_tables(checks):
    wide = compliance.status_table(checks)
    assert list(wide.columns) == ["doc_id", "town", "E1", "E2", "E3", "E4", "E5"]
    counts = compliance.checklist_counts(checks)
    assert counts.loc["E3"].to_dict() == {"section": 1, "subsection": 2, "mentioned": 1, "absent": 1}
    assert counts.loc["E5", "absent"] == 5 and counts.to_numpy().sum() == 25


def test_checklist_keeps_its_input(reports):
    before = reports.copy()
    compliance.checklist(reports)
    compliance.coverage(reports)
    pd.testing.assert_frame_equal(reports, before)


# ------------------------------------------------------------------ the checklist on other layouts

SUBHEADING_REPORT = """青山镇2025年法治政府建设年度报告
一、主要工作举措及成效
（一）加强组织领导
成立法治政府建设领导小组，召开专题会议2次。
（二）落实第一责任人职责
镇党委书记、镇长切实履行推进法治建设第一责任人职责，亲自部署重要工作。
二、存在的不足和原因
一是普法形式单一。二是执法力量薄弱。
三、2026年工作安排
一是创新普法形式。二是充实执法力量。
四、其他需要报告的情况
无。
"""

RUNNING_TEXT_REPORT = """白水乡2025年法治政府建设情况报告
一、工作开展情况
全年召开法治建设专题会议3次。乡党委书记履行推进法治建设第一责任人职责，带头学法。
二、存在问题
普法宣传形式单一。
三、下步工作打算
继续深化普法宣传。
"""


def test_subheading_running_text_and_other_section(tmp_path):
    reports = tmp_reports(tmp_path, 青山镇=SUBHEADING_REPORT, 白水乡=RUNNING_TEXT_REPORT)
    table = compliance.checklist(reports).set_index(["town", "element"])
    assert table.loc[("青山镇", "E3"), "status"] == "subsection"
    assert table.loc[("青山镇", "E3"), "evidence"] == "（二）落实第一责任人职责"
    assert table.loc[("青山镇", "E2"), "evidence"] == "二、存在的不足和原因"
    assert table.loc[("青山镇", "E5"), "status"] == "section"
    assert table.loc[("白水乡", "E3"), "status"] == "mentioned"
    assert table.loc[("白水乡", "E3"), "evidence"].startswith("乡党委书记履行推进法治建设第一责任人职责")
    assert table.loc[("白水乡", "E5"), "status"] == "absent"


def test_report_without_problems_section(tmp_path):
    """Bad input: no 存在的问题 section → E2 absent, and nothing fails."""
    reports = tmp_reports(tmp_path, 清河镇=NO_PROBLEMS_REPORT)
    table = compliance.checklist(reports).set_index("element")["status"].to_dict()
    assert table == {"E1": "section", "E2": "absent", "E3": "absent", "E4": "section", "E5": "absent"}


def test_empty_corpus():
    empty = pd.DataFrame(columns=["doc_id", "town", "text"])
    assert compliance.checklist(empty).empty
    assert compliance.coverage(empty).empty


@pytest.mark.parametrize(
    ("text", "entry", "problem"),
    [
        ("elements:\n  - id: E1\n    label: 成效\n    roles: [achievements]\n    heading_cues: [成效]\n", "E1", "no cues"),
        ("elements:\n  - id: E1\n    label: 成效\n    roles: [results]\n    heading_cues: [成效]\n    text_cues: [成效]\n", "E1", "roles"),
        ("elements:\n  - id: X1\n    label: 成效\n    roles: []\n    heading_cues: [成效]\n    text_cues: [成效]\n", "X1", "form"),
        (
            "elements:\n  - id: E2\n    label: 问题\n    roles: []\n    heading_cues: ['问题 ||']\n    text_cues: [问题]\n",
            "E2",
            "unknown operator",
        ),
    ],
)
def test_bad_element_file_names_the_entry(tmp_path, text, entry, problem):
    path = tmp_path / "elements.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LexiconError, match=problem) as info:
        compliance.load_elements(path)
    assert info.value.entry == entry


# ------------------------------------------------------------------ Outline coverage


def test_outline_codebook():
    assert compliance.load_outline().ids == [f"A{i}" for i in range(1, 11)] + ["X1", "X2"]


def test_coverage_rows(cover, reports):
    assert len(cover) == 12 * len(reports)
    assert (cover["per_1000"] == (cover["hits"] * 1000 / cover["n_chars"]).round(2)).all()
    assert cover.groupby("doc_id")["n_chars"].nunique().eq(1).all()


COVERAGE_BY_READING = [
    # (town, area, covered?) — read off the achievement sections
    ("神树镇", "A4", True),  # 三重一大, 重大行政决策
    ("上社镇", "A5", True),  # 综合行政执法, 三项制度, 执法记录仪
    ("乌马河镇", "A6", False),  # nothing on emergencies or 安全生产 in its achievements
    ("都督乡", "A10", True),  # 第一责任人 section, 一把手, 会前学法
    ("双庙镇", "A3", False),  # no 规范性文件 work reported
    ("神树镇", "A3", False),
]


@pytest.mark.parametrize(("town", "area", "covered"), COVERAGE_BY_READING)
def test_coverage_by_reading(cover, town, area, covered):
    row = cover[(cover["doc_id"] == IDS[town]) & (cover["area"] == area)].iloc[0]
    assert bool(row["covered"]) is covered
    assert bool(row["hits"] > 0) is covered


def test_every_report_covers_legal_publicity(cover):
    x1 = cover[cover["area"] == "X1"]
    assert x1["covered"].all() and x1["top_cues"].str.contains("普法").all()


def test_coverage_counts_only_achievement_sections(tmp_path):
    """普法 in the plans section does not count; the rate is per 1,000 characters of the achievement sections."""
    one = "甲镇2025年法治政府建设年度报告\n一、主要举措和成效\n开展普法活动，推进综合行政执法。\n二、下一步工作打算\n深化普法，加强普法。\n"
    two = "乙镇2025年法治政府建设年度报告\n一、主要举措和成效\n开展普法活动，推进综合行政执法。\n开展普法活动，推进综合行政执法。\n二、下一步工作打算\n深化普法。\n"
    table = compliance.coverage(tmp_reports(tmp_path, 甲镇=one, 乙镇=two)).set_index(["town", "area"])
    assert table.loc[("甲镇", "X1"), "hits"] == 1 and table.loc[("乙镇", "X1"), "hits"] == 2
    assert table.loc[("甲镇", "A5"), "hits"] == 1  # 综合行政执法 counted once, not also as 行政执法
    assert table.loc[("甲镇", "X1"), "n_chars"] == len("一、主要举措和成效\n开展普法活动，推进综合行政执法。")
    assert table.loc[("甲镇", "X1"), "per_1000"] == round(1000 / table.loc[("甲镇", "X1"), "n_chars"], 2)


def test_coverage_table_and_summary(cover):
    table = compliance.coverage_table(cover)
    assert list(table.columns) == [f"A{i}" for i in range(1, 11)] + ["X1", "X2"]
    assert list(table.index) == sorted(IDS)
    summary = compliance.coverage_summary(cover)
    assert summary.set_index("area").loc["X1", "reports_covering"] == 5


# ------------------------------------------------------------------ CLI


def test_compliance_command():
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "compliance", str(config.DATA_RAW)], capture_output=True, text=True, cwd=config.ROOT
    )
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout), dtype=str, keep_default_na=False)
    assert list(table.columns) == ["doc_id", "town", "element", "status", "evidence"]
    merged = table.merge(GOLD, on=["doc_id", "element"], suffixes=("", "_gold"))
    assert len(merged) == 25 and (merged["status"] == merged["status_gold"]).all()
