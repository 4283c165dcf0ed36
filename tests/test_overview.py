"""analysis.overview: the corpus tables of the overview briefing and their at-scale summaries."""

from __future__ import annotations

import pandas as pd

from analysis import display, export, overview, summary
from analysis.structure import ROLES
from tests.conftest import IDS


def test_counts_per_year_county_and_level(reports):
    years = overview.counts(reports, "year")
    assert years.values.tolist() == [[2024, 1, 1], [2025, 4, 4]]  # 都督乡 reports on 2024, the others on 2025
    counties = overview.counts(reports, "county")
    assert counties.values.tolist() == [["（未写明）", 4, 4], ["杭锦后旗", 1, 1]]  # only 双庙镇's title names its county
    levels = overview.counts(reports, "level")
    assert levels.values.tolist() == [["镇", 4, 4], ["乡", 1, 1]]
    assert overview.counts(reports, "county", top=1)["county"].tolist() == ["（未写明）"]


def test_extremes_are_the_longest_and_shortest(reports):
    longest, shortest = overview.extremes(overview.overview(reports), "n_chars", n=2, columns=["town", "n_chars"])
    assert longest["town"].tolist()[0] == "上社镇" and shortest["town"].tolist()[0] == "双庙镇"
    assert list(longest.columns) == ["town", "n_chars"] and len(shortest) == 2
    assert longest["n_chars"].is_monotonic_decreasing and shortest["n_chars"].is_monotonic_increasing


def test_corpus_summary_titles_and_blanks(reports):
    tables = overview.corpus_summary(reports, top=3)
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
    tables = overview.outline_summary(sections, reports, top=5)
    coverage = tables["各部分出现在多少份报告中"].set_index("role")
    assert coverage.loc["problems", "reports"] == 5 and coverage.loc["plans", "reports"] == 5
    assert coverage.loc["responsibility", "reports"] >= 1  # 神树镇 has a 第一责任人 section
    assert list(coverage.index) == [r for r in ROLES if r in coverage.index]
    [common_title] = [t for t in tables if t.startswith("最常见的")]
    common = tables[common_title]
    assert len(common) == 5 and common["reports"].is_monotonic_decreasing


def test_item_distribution_counts_reports(items, reports):
    table = overview.item_distribution(items, reports).set_index("items")
    # gold (tests/data/*_items_gold.csv): problems 3, 3, 4, 3, 3; plans 4, 3, 5, 3, 4
    assert table.loc["3", "problems"] == 4 and table.loc["4", "problems"] == 1
    assert table.loc["3", "plans"] == 2 and table.loc["4", "plans"] == 2 and table.loc["5", "plans"] == 1
    assert table["problems"].sum() == table["plans"].sum() == 5
    capped = overview.item_distribution(items, reports, max_items=3).set_index("items")
    assert list(capped.index) == ["0", "1", "2", "3+"] and capped.loc["3+", "plans"] == 5


def test_item_counts_matches_the_gold_items(items, reports):
    table = overview.item_counts(items, reports).set_index("doc_id")
    assert table.loc[IDS["上社镇"], ["problems", "plans"]].tolist() == [4, 5]
    assert table.loc[IDS["都督乡"], ["problems", "plans"]].tolist() == [3, 3]


def test_input_is_left_as_it_was(reports, sections, items):
    before = (reports.copy(), sections.copy(), items.copy())
    overview.corpus_summary(reports)
    overview.outline_summary(sections, reports)
    overview.item_distribution(items, reports)
    for original, kept in zip(before, (reports, sections, items)):
        pd.testing.assert_frame_equal(original, kept)


def test_the_first_module_name_still_gives_every_function():
    """``analysis.summary`` was split into overview, display and export; its names are the same functions."""
    assert summary.corpus_summary is overview.corpus_summary and summary.item_distribution is overview.item_distribution
    assert summary.show is display.show and summary.files_note is display.files_note and summary.setup_notebook is display.setup_notebook
    assert summary.export is export.export
