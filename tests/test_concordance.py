"""Concordance (KWIC) on the five real reports: every occurrence found, its context and section as the report has them.

Expected numbers were read from the reports (occurrences counted with
str.count or a text search), not produced by the code under test.
"""

from __future__ import annotations

import pytest

from analysis import concordance
from analysis.concordance import KWIC_COLUMNS
from analysis.errors import AnalysisError
from analysis.frequency import FrequencyWarning


@pytest.mark.parametrize("term", ["枫桥经验", "法律明白人", "12345", "网格", "剧本杀", "法治"])
def test_kwic_finds_every_occurrence(reports, term):
    table = concordance.kwic(reports, term, window=15)
    assert list(table.columns) == KWIC_COLUMNS
    assert len(table) == sum(text.count(term) for text in reports["text"])
    texts = reports.set_index("doc_id")["text"]
    towns = reports.set_index("doc_id")["town"]
    for row in table.itertuples(index=False):
        text = texts[row.doc_id]
        assert text[row.start : row.end] == row.match == term
        assert row.left == text[max(0, row.start - 15) : row.start].replace("\n", " ")
        assert row.right == text[row.end : row.end + 15].replace("\n", " ")
        assert row.town == towns[row.doc_id]
    assert table.equals(table.sort_values(["doc_id", "start"]).reset_index(drop=True))


def test_kwic_context_and_section_read_in_the_report(reports):
    table = concordance.kwic(reports, "枫桥经验", window=10)
    assert len(table) == 3  # 神树镇, 上社镇, 乌马河镇
    row = table[table["town"] == "神树镇"].iloc[0]
    assert (row["left"], row["match"], row["right"]) == ("践行新时代先进地区“", "枫桥经验", "”，健全多元调解联动")
    assert (row["section"], row["role"]) == ("三、下一步", "plans")
    row = table[table["town"] == "乌马河镇"].iloc[0]
    assert row["section"].startswith("一、工作开展情况 > （四）深化依法治理")
    assert row["role"] == "achievements"


def test_kwic_regex_and_several_terms(reports):
    table = concordance.kwic(reports, r"网格[员长]", regex=True, window=5)
    expected = sum(text.count("网格员") + text.count("网格长") for text in reports["text"])
    assert len(table) == expected
    assert set(table["match"]) == {"网格员", "网格长"}
    several = concordance.kwic(reports, ["剧本杀", "枫桥经验"])
    assert list(several["term"]) == ["剧本杀", "枫桥经验", "枫桥经验", "枫桥经验"]  # in the order asked


def test_kwic_absent_term_and_bad_query(reports):
    with pytest.warns(FrequencyWarning, match="'不存在的词'.*does not occur in the 5 reports"):
        table = concordance.kwic(reports, "不存在的词")
    assert table.empty and list(table.columns) == KWIC_COLUMNS
    with pytest.raises(AnalysisError, match="regular expression"):
        concordance.kwic(reports, "网格(", regex=True)
    with pytest.raises(AnalysisError, match="non-empty"):
        concordance.kwic(reports, "  ")
    summary = concordance.kwic_summary(concordance.kwic(reports, ["网格", "枫桥经验"]))
    assert summary.set_index("term").loc["网格"].tolist() == [19, 4, 4]  # 3+7+8+1 times in 4 reports
