"""The scorecard (analysis.scorecard): scores with evidence, overrides, totals, export, the command.

Expectations are written by reading the five reports (data/raw), not by
running the code.
"""

from __future__ import annotations

import contextlib
import io
import math
import re

import openpyxl
import pandas as pd
import pytest

from analysis import config, scorecard
from analysis.cli import main
from analysis.errors import LexiconError, OptionError
from tests.conftest import IDS

# The five required elements, read from each report's outline:
#   section     its own top-level heading; subsection: a lower heading or a listed item;
#   mentioned   only in running text; absent: nowhere.
ELEMENTS_READ = {
    # 一、重点工作开展情况 / 二、存在的问题 / 三、下一步; no first-responsible-person part, no 其他
    "神树镇": {"E1": "section", "E2": "section", "E3": "absent", "E4": "section", "E5": "absent"},
    # 二、党政主要负责人履行推进法治建设“第一责任人”职责情况 is its own heading
    "都督乡": {"E1": "section", "E2": "section", "E3": "section", "E4": "section", "E5": "absent"},
    # 2.严格落实第一责任人职责 is a heading under 一、
    "上社镇": {"E1": "section", "E2": "section", "E3": "subsection", "E4": "section", "E5": "absent"},
    # only the sentence 严格落实党政主要负责人法治建设第一责任人制度… in the first part
    "双庙镇": {"E1": "section", "E2": "section", "E3": "mentioned", "E4": "section", "E5": "absent"},
    # 二是落实主体责任。…严格履行主要负责人推进法治建设第一责任人职责 is a listed item
    "乌马河镇": {"E1": "section", "E2": "section", "E3": "subsection", "E4": "section", "E5": "absent"},
}


@pytest.fixture(scope="module")
def card(reports):
    return scorecard.assess(reports)


def row(card, town: str, criterion: str) -> pd.Series:
    scores = card.scores
    return scores[(scores["doc_id"] == IDS[town]) & (scores["criterion"] == criterion)].iloc[0]


def test_columns_and_one_row_per_report_and_criterion(card, reports):
    assert list(card.scores.columns) == scorecard.SCORE_COLUMNS
    assert list(card.totals.columns) == scorecard.TOTAL_COLUMNS
    ids = scorecard.load_criteria().ids
    assert len(card.scores) == len(reports) * len(ids)
    assert card.scores.groupby("doc_id")["criterion"].agg(list).map(lambda c: c == ids).all()
    # every score that was computed names what it rests on
    assert card.scores["evidence"].str.len().gt(0).all()


@pytest.mark.parametrize("town", list(ELEMENTS_READ))
def test_elements_score_follows_the_elements_read(card, town):
    points = {"section": 1.0, "subsection": 1.0, "mentioned": 0.5, "absent": 0.0}
    expected = 25 * sum(points[s] for s in ELEMENTS_READ[town].values()) / 5
    got = row(card, town, "elements")
    assert got["score"] == pytest.approx(expected) and got["max"] == 25
    for element, status in ELEMENTS_READ[town].items():
        if status == "absent":
            assert f"{element} 未找到" in got["evidence"]
        else:
            assert f"{element}（" in got["evidence"]


def test_elements_evidence_names_the_heading(card):
    assert "「二、党政主要负责人履行推进法治建设“第一责任人”职责情况」" in row(card, "都督乡", "elements")["evidence"]
    assert "「2.严格落实第一责任人职责」" in row(card, "上社镇", "elements")["evidence"]


def test_problems_answered_by_a_plan(card):
    # 神树镇: 矛盾化解 → 三是提升化解效能; 法治素养 → 二是深化法治宣传教育; 管控机制 → 四是健全管控体系
    assert row(card, "神树镇", "answered")["score"] == 15
    # 双庙镇: each of its three problems has the plan item of the same number
    assert row(card, "双庙镇", "answered")["score"] == 15
    # 乌马河镇: 基层法治力量薄弱（兼职） has no plan item (its plans: 学习、政务公开、普法、源头治理)
    mine = row(card, "乌马河镇", "answered")
    assert mine["score"] < 15 and "基层法治力量薄弱" in mine["evidence"]
    assert "普法宣传创新力度欠缺" not in mine["evidence"]  # answered by （三）聚焦“普法模式”


def test_concreteness_orders_the_reports_as_read(card):
    # 上社镇 states almost no figure (持证上岗率达100% is about the only one); 双庙镇 and 神树镇 are full of them
    assert row(card, "上社镇", "concreteness")["score"] < row(card, "都督乡", "concreteness")["score"]
    assert row(card, "都督乡", "concreteness")["score"] < row(card, "双庙镇", "concreteness")["score"]
    assert "网格长115人" in row(card, "双庙镇", "concreteness")["evidence"]


def test_no_impossible_figure_in_the_five_reports(card):
    # by reading: the highest rate any of them states is 100%
    assert (card.scores.loc[card.scores["criterion"] == "figures", "score"] == 10).all()


def test_timeliness_is_not_scored_without_a_publication_date(card, reports):
    timely = card.scores[card.scores["criterion"] == "timeliness"]
    assert timely["score"].isna().all() and timely["evidence"].eq("发布日期不详，不计分").all()
    # the total's maximum leaves it out
    assert (card.totals["max"] == 90).all()


def test_timeliness_with_a_publication_date(reports):
    dated = reports.head(2).assign(published=["2026-03-20", "2025-05-06"])  # 神树镇 2025 on time; 都督乡 2024 late
    card = scorecard.assess(dated, criteria=config.SCORECARD_FILE)
    timely = card.scores[card.scores["criterion"] == "timeliness"].set_index("town")
    assert timely.loc["神树镇", "score"] == 10 and "期限 2026-03-31" in timely.loc["神树镇", "evidence"]
    assert timely.loc["都督乡", "score"] == 0 and "晚 36 天" in timely.loc["都督乡", "evidence"]
    assert "公开晚了 36 天" in card.issues["point"].tolist()


def test_totals_rank_within_the_year(card):
    totals = card.totals.set_index("town")
    assert totals.loc["都督乡", ["rank", "reports"]].tolist() == [1, 1]  # the only 2024 report
    ranks = totals[totals["year"] == 2025].sort_values("rank")
    assert ranks["rank"].tolist() == [1, 2, 3, 4] and ranks["reports"].eq(4).all()
    assert ranks["percent"].is_monotonic_decreasing
    sums = card.scores.groupby("town")["score"].sum().round(1)
    assert all(math.isclose(totals.loc[t, "total"], sums[t], abs_tol=0.11) for t in sums.index)


def test_issues_name_their_evidence(card):
    issues = card.issues
    assert list(issues.columns) == scorecard.ISSUE_COLUMNS
    mine = issues[issues["town"] == "神树镇"]["point"].tolist()
    assert any("E3" in p for p in mine)  # no first-responsible-person part
    assert issues["evidence"].str.len().gt(0).all()


def test_copied_report_loses_its_own_wording_points(tmp_path):
    for path in sorted(config.DATA_RAW.glob("*.txt")):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    text = (config.DATA_RAW / f"{IDS['神树镇']}.txt").read_text(encoding="utf-8")
    copy = text.replace("神树镇2025年法治政府建设年度报告", "红星镇2025年法治政府建设年度报告", 1).replace("50余次", "30余次")
    (tmp_path / "900_copy.txt").write_text(copy, encoding="utf-8")
    from analysis.corpus import load_corpus

    card = scorecard.assess(load_corpus(tmp_path).reports)
    got = card.scores[(card.scores["doc_id"] == "900_copy") & (card.scores["criterion"] == "own_wording")].iloc[0]
    assert got["score"] == 0 and "与神树镇2025年度报告相同最多" in got["evidence"]
    assert any("神树镇2025年度报告" in p for p in card.issues.loc[card.issues["doc_id"] == "900_copy", "point"])


# ------------------------------------------------------------------ overrides


def write_overrides(path, rows: list[str]) -> None:
    path.write_text("doc_id,criterion,score,reason\n" + "".join(r + "\n" for r in rows), encoding="utf-8")


def test_overrides_round_trip(reports, tmp_path):
    path = tmp_path / "overrides.csv"
    write_overrides(path, [f"{IDS['双庙镇']},elements,25,第一责任人职责写在第一部分，复核认可"])
    first = scorecard.assess(reports, overrides=path)
    got = first.scores.set_index(["doc_id", "criterion"]).loc[(IDS["双庙镇"], "elements")]
    assert got["score"] == 25 and got["computed"] == 17.5 and got["override"] == "第一责任人职责写在第一部分，复核认可"
    totals = first.totals.set_index("town")
    assert totals.loc["双庙镇", "overrides"] == 1 and totals.loc["双庙镇", "total"] == pytest.approx(80.1 - 17.5 + 25, abs=0.11)
    # the overridden criterion is no longer listed as a point to improve
    assert not ((first.issues["town"] == "双庙镇") & (first.issues["criterion"] == "elements")).any()
    # re-applied on every run: the same file gives the same tables
    again = scorecard.assess(reports, overrides=path)
    pd.testing.assert_frame_equal(first.scores, again.scores)
    # and the table read from the file applies the same way
    pd.testing.assert_frame_equal(scorecard.apply_overrides(scorecard.score(reports), scorecard.read_overrides(path)), first.scores)


@pytest.mark.parametrize(
    "line, message",
    [
        ("{doc},elemnts,20,笔误", "line 2: unknown criterion 'elemnts'"),
        ("{doc},elements,30,太高", "line 2: score 30 is outside 0–25"),
        ("{doc},elements,很好,不是数字", "line 2: score '很好' is not a number"),
        ("{doc},elements,20,", "line 2: reason is empty"),
        ("999_none,elements,20,没有这份报告", "line 2: no report 999_none"),
    ],
)
def test_bad_override_rows_name_the_file_and_line(reports, tmp_path, line, message):
    path = tmp_path / "overrides.csv"
    write_overrides(path, [line.format(doc=IDS["神树镇"])])
    with pytest.raises(OptionError) as error:
        scorecard.assess(reports.head(1), overrides=path)
    assert str(path) in str(error.value) and message in str(error.value)


def test_duplicate_override_and_missing_column(tmp_path):
    path = tmp_path / "o.csv"
    write_overrides(path, ["a,elements,20,一", "a,elements,10,二"])
    with pytest.raises(OptionError, match="line 3: a / elements was already overridden on line 2"):
        scorecard.read_overrides(path)
    path.write_text("doc_id,criterion,score\na,elements,20\n", encoding="utf-8")
    with pytest.raises(OptionError, match="line 1: the header needs the columns .*missing: reason"):
        scorecard.read_overrides(path)


# ------------------------------------------------------------------ the criteria file


@pytest.mark.parametrize(
    "change, message",
    [
        (("weight: 25", "weight: -1"), "entry 'elements'.*'weight' must be a number"),
        (("id: outline", "id: outlines"), "entry 'outlines'.*unknown criterion"),
        (("full_at: 0.2", "full_at: 0.9"), "entry 'own_wording'.*'zero_at' must be above 'full_at'"),
        (('deadline: "03-31"', 'deadline: "March"'), "entry 'timeliness'.*MM-DD"),
        (("  answered:", "  answerd:"), "entry 'answered'"),
    ],
)
def test_criteria_file_is_validated(tmp_path, change, message):
    text = config.SCORECARD_FILE.read_text(encoding="utf-8")
    old, new = change
    if old == "  answered:":  # an unknown setting on a criterion
        text = text.replace("  - id: answered\n", "  - id: answered\n    colour: red\n")
        message = "entry 'answered'.*unknown setting 'colour'"
    else:
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / "scorecard.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LexiconError, match=message):
        scorecard.load_criteria(path)


def test_a_smaller_criteria_file_scores_only_its_criteria(reports, tmp_path):
    text = config.SCORECARD_FILE.read_text(encoding="utf-8")
    start, end = text.index("  - id: outline"), text.index("  - id: timeliness")
    path = tmp_path / "scorecard.yml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    card = scorecard.assess(reports.head(2), criteria=path)
    assert card.scores["criterion"].unique().tolist() == ["elements", "timeliness"]
    assert (card.totals["max"] == 25).all()


# ------------------------------------------------------------------ for the reader, export, command


def test_readable_tables_have_no_code(card):
    wide = scorecard.wide(card.scores, card.totals)
    assert wide.columns[0] == "乡镇" and "总分" in wide.columns and "同年度排名" in wide.columns
    assert wide.iloc[0]["乡镇"] == "都督乡"  # 2024 first, then 2025 best first
    text = wide.to_string() + scorecard.readable(card.scores).to_string()
    for code in ("elements", "NaN", "None", "doc_id", "timeliness"):
        assert code not in text
    assert "不计分" in text


def test_export_has_a_chinese_header_row_and_the_evidence(card, tmp_path):
    written = scorecard.export(card.scores, card.totals, tmp_path, issues=card.issues)
    assert [p.name for p in written] == ["scorecard_scores.csv", "scorecard_totals.csv", "scorecard_issues.csv", "scorecard.xlsx"]
    assert pd.read_csv(written[0], encoding="utf-8-sig").columns.tolist() == scorecard.SCORE_COLUMNS
    book = openpyxl.load_workbook(written[-1], read_only=True)
    sheet = book["评分明细"]
    first, second, third = list(sheet.iter_rows(min_row=1, max_row=3, values_only=True))
    assert first[:4] == ("报告编号", "乡镇", "年度", "评分项") and list(second) == scorecard.SCORE_COLUMNS
    assert third[7] == card.scores["evidence"].iloc[0]
    assert book.sheetnames == ["评分明细", "总分和名次", "需改进的地方"]  # labels.yml files, not the tables' code names
    for name in book.sheetnames:
        header = next(book[name].iter_rows(min_row=1, max_row=1, values_only=True))
        assert not [h for h in header if re.search("[A-Za-z]", str(h))], (name, header)  # every column named in Chinese


def run_cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(list(args))
    return status, out.getvalue()


def test_scorecard_command(tmp_path):
    status, text = run_cli("scorecard", str(config.DATA_RAW))
    table = pd.read_csv(io.StringIO(text))
    assert status == 0 and table.columns.tolist() == scorecard.SCORE_COLUMNS and len(table) == 35
    status, text = run_cli("scorecard", str(config.DATA_RAW), "--totals")
    assert pd.read_csv(io.StringIO(text)).columns.tolist() == scorecard.TOTAL_COLUMNS
    bad = tmp_path / "o.csv"
    write_overrides(bad, [f"{IDS['神树镇']},nope,1,x"])
    status, _ = run_cli("scorecard", str(config.DATA_RAW), "--overrides", str(bad))
    assert status == 2
