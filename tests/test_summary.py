"""analysis.summary: the corpus tables of the overview briefing, their at-scale summaries, showing and exporting."""

from __future__ import annotations

import openpyxl
import pandas as pd

from analysis import summary
from tests.conftest import IDS


def test_counts_per_year_county_and_level(reports):
    years = summary.counts(reports, "year")
    assert years.values.tolist() == [[2024, 1, 1], [2025, 4, 4]]  # 都督乡 reports on 2024, the others on 2025
    counties = summary.counts(reports, "county")
    assert counties.values.tolist() == [["（未写明）", 4, 4], ["杭锦后旗", 1, 1]]  # only 双庙镇's title names its county
    levels = summary.counts(reports, "level")
    assert levels.values.tolist() == [["镇", 4, 4], ["乡", 1, 1]]
    assert summary.counts(reports, "county", top=1)["county"].tolist() == ["（未写明）"]


def test_extremes_are_the_longest_and_shortest(reports):
    longest, shortest = summary.extremes(summary.overview(reports), "n_chars", n=2, columns=["town", "n_chars"])
    assert longest["town"].tolist()[0] == "上社镇" and shortest["town"].tolist()[0] == "双庙镇"
    assert list(longest.columns) == ["town", "n_chars"] and len(shortest) == 2
    assert longest["n_chars"].is_monotonic_decreasing and shortest["n_chars"].is_monotonic_increasing


def test_corpus_summary_titles_and_blanks(reports):
    tables = summary.corpus_summary(reports, top=3)
    assert list(tables) == [
        "各年度的报告数",
        "各层级（镇、乡、街道）的报告数",
        "报告最多的 1 个县区（共 1 个县区）",
        "篇幅最长的 3 份报告",
        "篇幅最短的 3 份报告",
    ]
    longest = tables["篇幅最长的 3 份报告"]
    assert not longest.isna().any().any()  # no NaN for a county or title the report does not state
    assert longest.loc[0, "town"] == "上社镇" and longest.loc[0, "title"] == ""  # 上社镇's report has no title line


def test_outline_summary_counts_reports_per_role(sections, reports):
    tables = summary.outline_summary(sections, reports, top=5)
    coverage = tables["各部分出现在多少份报告中"].set_index("role")
    assert coverage.loc["problems", "reports"] == 5 and coverage.loc["plans", "reports"] == 5
    assert coverage.loc["responsibility", "reports"] >= 1  # 神树镇 has a 第一责任人 section
    assert list(coverage.index) == [r for r in summary.ROLE_ORDER if r in coverage.index]
    [common_title] = [t for t in tables if t.startswith("最常见的")]
    common = tables[common_title]
    assert len(common) == 5 and common["reports"].is_monotonic_decreasing


def test_item_distribution_counts_reports(items, reports):
    table = summary.item_distribution(items, reports).set_index("items")
    # gold (tests/data/*_items_gold.csv): problems 3, 3, 4, 3, 3; plans 4, 3, 5, 3, 4
    assert table.loc["3", "problems"] == 4 and table.loc["4", "problems"] == 1
    assert table.loc["3", "plans"] == 2 and table.loc["4", "plans"] == 2 and table.loc["5", "plans"] == 1
    assert table["problems"].sum() == table["plans"].sum() == 5
    capped = summary.item_distribution(items, reports, max_items=3).set_index("items")
    assert list(capped.index) == ["0", "1", "2", "3+"] and capped.loc["3+", "plans"] == 5


def test_shown_lists_the_table_or_its_summaries(reports):
    table = summary.overview(reports)
    assert summary.shown(table, {"各年度": summary.counts(reports, "year")}, at_scale=False) == [("table", table)]
    parts = summary.shown(table, {"各年度": summary.counts(reports, "year")}, at_scale=True, file="corpus_reports.csv")
    assert [kind for kind, _ in parts] == ["note", "title", "table"]
    assert "共 5 行" in parts[0][1] and "`corpus_reports.csv`" in parts[0][1]
    assert parts[1][1] == "各年度"


def test_export_writes_csv_and_a_workbook_with_index_and_clean_text(tmp_path):
    towns = pd.DataFrame(
        {"value": [1.5, None]}, index=pd.MultiIndex.from_tuples([("神树镇", 2024), ("神树镇", 2025)], names=["town", "year"])
    )
    text = pd.DataFrame({"sentence": ["开展普法\x0b活动", "x"], "count": pd.array([3, None], dtype="Int64")})
    written = summary.export({"towns": towns, "text": text}, tmp_path, stem="corpus")
    assert [p.name for p in written] == ["corpus_towns.csv", "corpus_text.csv", "corpus.xlsx"]
    book = openpyxl.load_workbook(tmp_path / "corpus.xlsx")
    assert list(book["towns"].values) == [("town", "year", "value"), ("神树镇", 2024, 1.5), ("神树镇", 2025, None)]
    assert list(book["text"].values) == [("sentence", "count"), ("开展普法活动", 3), ("x", None)]  # the control character dropped
    back = pd.read_csv(tmp_path / "corpus_towns.csv", encoding="utf-8-sig")
    assert back.columns.tolist() == ["town", "year", "value"]


def test_files_note_names_files_relative_to_the_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    note = summary.files_note([tmp_path / "corpus_reports.csv", tmp_path / "sub" / "a.png"], tmp_path).data
    assert "- `corpus_reports.csv`" in note and "- `sub/a.png`" in note and str(tmp_path) not in note


def test_item_counts_matches_the_gold_items(items, reports):
    table = summary.item_counts(items, reports).set_index("doc_id")
    assert table.loc[IDS["上社镇"], ["problems", "plans"]].tolist() == [4, 5]
    assert table.loc[IDS["都督乡"], ["problems", "plans"]].tolist() == [3, 3]


def test_input_is_left_as_it_was(reports, sections, items):
    before = (reports.copy(), sections.copy(), items.copy())
    summary.corpus_summary(reports)
    summary.outline_summary(sections, reports)
    summary.item_distribution(items, reports)
    for original, kept in zip(before, (reports, sections, items)):
        pd.testing.assert_frame_equal(original, kept)
