"""Word frequency: counts, TF-IDF, own place names, the empty cases, the CLI and notebook 01, on the five real reports.

Keyness and KWIC have their own tests (test_keyness.py, test_concordance.py);
the command-line and notebook tests here cover all three.

Expected numbers were read from the reports (occurrences counted in the text
with str.count / a text search), not produced by the code under test.
"""

from __future__ import annotations

import io
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from analysis import cli, concordance, frequency, keyness
from analysis.concordance import KWIC_COLUMNS
from analysis.corpus import load_corpus
from analysis.errors import AnalysisError
from analysis.frequency import COUNT_COLUMNS, TERM_COLUMNS, TFIDF_COLUMNS, FrequencyWarning
from analysis.keyness import KEYNESS_COLUMNS
from analysis.lexicon import stopwords
from analysis.tokenize import lexicon_terms
from tests.conftest import IDS, TOWNS


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FrequencyWarning)
        return func(*args, **kwargs)


# ------------------------------------------------------------------- counts


def test_corpus_top_terms_include_fazhi(corpus_counts):
    top = corpus_counts.head(10)
    assert "法治" in set(top["token"])
    row = corpus_counts.set_index("token").loc["法治"]
    assert row["docs"] == 5  # every report writes 法治
    assert list(corpus_counts.columns) == COUNT_COLUMNS


@pytest.mark.parametrize(
    "token, count, docs",
    [
        ("12345", 4, 3),  # “12345” twice in 神树镇, once in 上社镇, once in 乌马河镇 (its 12345热线 is another term)
        ("12345热线", 1, 1),
        ("剧本杀", 1, 1),  # 神树镇's 普法剧本杀
        ("村屯", 3, 1),  # 神树镇 only
        ("法律明白人", 7, 2),  # 上社镇 3, 乌马河镇 4
        ("神树镇", 4, 1),
    ],
)
def test_counts_of_terms_read_in_the_reports(corpus_counts, token, count, docs):
    row = corpus_counts.set_index("token").loc[token]
    assert (row["count"], row["docs"]) == (count, docs)


def test_rate_is_per_ten_thousand_counted_tokens(terms):
    table = frequency.counts(terms, by="town")
    for town, group in table.groupby("town"):
        total = (terms["town"] == town).sum()
        assert group["count"].sum() == total
        np.testing.assert_allclose(group["rate"], (group["count"] / total * 10_000).round(3))
    corpus = frequency.counts(terms)
    np.testing.assert_allclose(corpus["rate"], (corpus["count"] / len(terms) * 10_000).round(3))


def test_counts_are_sorted_and_ranked(terms):
    table = frequency.counts(terms, by="town")
    assert list(table.columns) == ["town", *COUNT_COLUMNS]
    expected = table.sort_values(["town", "count", "token"], ascending=[True, False, True]).reset_index(drop=True)
    pd.testing.assert_frame_equal(table, expected)
    assert (table.groupby("town")["rank"].apply(lambda r: list(r) == list(range(1, len(r) + 1)))).all()
    pd.testing.assert_frame_equal(table, frequency.counts(terms, by="town"))  # deterministic


def test_counts_of_one_group_are_counted_as_grouping_counts_them(terms):
    """Without groups, the terms are counted with numpy (a town page's own terms): the same table, row for row and
    type for type, as grouping them gives (one group of every row, its column dropped); with top, for one report,
    for one town."""
    one = terms[terms["town"] == "都督乡"]
    for part in (terms, one, terms[terms["doc_id"] == terms["doc_id"].iloc[0]], terms.head(1)):
        for top in (None, 5, 0):
            grouped = frequency.counts(part.assign(group=1), by="group", top=top).drop(columns="group")
            pd.testing.assert_frame_equal(frequency.counts(part, top=top), grouped)
    table = frequency.counts(one)
    assert table["docs"].max() == one["doc_id"].nunique() == 1 and table["count"].sum() == len(one)
    assert table["rank"].tolist() == list(range(1, len(table) + 1)) and table["count"].is_monotonic_decreasing


def test_counts_per_report_are_counted_as_grouping_counts_them(terms):
    """By report, the terms are counted with numpy (the pipeline's doc_counts): the same table, row for row and
    type for type, as grouping them under another name gives; every term of a report is in that one report."""
    for part in (terms, terms[terms["town"] == "都督乡"], terms.head(1)):
        for top in (None, 5, 0):
            grouped = frequency.counts(part.assign(report=part["doc_id"]), by="report", top=top)
            grouped = grouped.rename(columns={"report": "doc_id"})
            pd.testing.assert_frame_equal(frequency.counts(part, by="doc_id", top=top), grouped)
    assert (frequency.counts(terms, by="doc_id")["docs"] == 1).all()
    small = pd.DataFrame({"doc_id": ["b", "a", "b", "a", "a", "b", "a"], "token": ["法治", "调解", "政府", "法治", "调解", "法治", "调解"]})
    table = frequency.counts(small, by="doc_id")
    assert table.to_dict("list") == {
        "doc_id": ["a", "a", "b", "b"],
        "token": ["调解", "法治", "法治", "政府"],
        "count": [3, 1, 2, 1],
        "rate": [7500.0, 2500.0, 6666.667, 3333.333],
        "docs": [1, 1, 1, 1],
        "rank": [1, 2, 1, 2],
    }


def test_top_per_group(terms):
    table = frequency.counts(terms, by="town", top=5)
    assert sorted(table["town"].unique()) == TOWNS
    assert (table.groupby("town").size() == 5).all()
    assert table[table["town"] == "乌马河镇"]["token"].iloc[0] == "法治"  # 48 times in its text


def test_counts_per_report_role_and_report_column(reports, terms):
    per_doc = frequency.counts(terms, by="doc_id")
    assert set(per_doc["doc_id"]) == set(IDS.values())
    by_role = frequency.counts(terms, by="role")
    assert {"achievements", "problems", "plans"} <= set(by_role["role"])
    problems = by_role[by_role["role"] == "problems"].set_index("token")
    assert problems.loc["不足", "docs"] == 5  # every report heads its problems with 不足
    by_two = frequency.counts(terms, by=["town", "role"], top=3)
    assert list(by_two.columns[:2]) == ["town", "role"]
    by_title = frequency.counts(terms, by="title", reports=reports)
    assert "神树镇2025年法治政府建设年度报告" in set(by_title["title"])
    with pytest.raises(AnalysisError, match="nosuch"):
        frequency.counts(terms, by="nosuch", reports=reports)


def test_role_filter(reports):
    problems = frequency.terms(reports, role="problems")
    assert set(problems["role"]) == {"problems"}
    both = frequency.terms(reports, role=["problems", "plans"])
    assert set(both["role"]) == {"problems", "plans"}
    with pytest.raises(AnalysisError, match="problem"):
        frequency.terms(reports, role="problem")


def test_terms_table_carries_report_metadata(terms):
    assert list(terms.columns) == TERM_COLUMNS
    row = terms[terms["doc_id"] == IDS["双庙镇"]].iloc[0]
    assert (row["town"], row["level"], row["county"], row["year"]) == ("双庙镇", "镇", "杭锦后旗", 2025)


def test_stopwords_and_quantity_fragments_never_counted(reports, terms):
    tokens = set(terms["token"])
    assert not tokens & (stopwords() - lexicon_terms())
    for word in ["的", "和", "进一步", "工作", "加强", "一是", "二是"]:
        assert word not in tokens
    assert not [t for t in tokens if re.search(r"余[次件]|^[0-9]", t) and t not in lexicon_terms()]
    assert "12345" in tokens  # a lexicon term, kept though it is a number


def test_quantities_are_dropped_whole(tmp_path):
    (tmp_path / "a.txt").write_text(
        "测试镇2025年法治政府建设年度报告\n一、主要成效\n开展普法活动50余次，办理案件12余件，调解纠纷三十余件。\n", encoding="utf-8"
    )
    reports = load_corpus(tmp_path, warn=False).reports
    tokens = set(frequency.terms(reports)["token"])
    assert tokens >= {"普法", "活动", "办理", "案件", "调解纠纷"}
    assert not [t for t in tokens if "余" in t or t[0].isdigit()]


def test_cached_tokens_give_the_same_terms(reports):
    """terms(tokens=...) (the pipeline's cached tokens) equals tokenising again, filters and roles included."""
    from analysis import pipeline
    from analysis.tokenize import tokenize

    tokens = pipeline.run(config_raw(), stages=["tokens"], workers=1, cache=False, progress=False).tokens
    pd.testing.assert_frame_equal(frequency.terms(reports, tokens=tokens), frequency.terms(reports))
    for options in ({"role": "problems"}, {"extra_stopwords": ["法治", "12345"]}, {"role": ["plans"], "extra_stopwords": ["群众"]}):
        pd.testing.assert_frame_equal(frequency.terms(reports, tokens=tokens, **options), frequency.terms(reports, **options))
    two = reports[reports["town"].isin(["神树镇", "都督乡"])]
    pd.testing.assert_frame_equal(frequency.terms(two, tokens=tokenize(reports)), frequency.terms(two))  # rows of other reports ignored
    # bigrams and kept numbers cannot come from the default tokens: they are tokenised again
    pd.testing.assert_frame_equal(frequency.terms(reports, ngram=2, tokens=tokens.iloc[0:0]), frequency.terms(reports, ngram=2))
    with pytest.raises(AnalysisError, match="lacks the column 'start'"):
        frequency.terms(reports, tokens=tokens.drop(columns="start"))


def config_raw():
    from analysis import config

    return config.DATA_RAW


def test_bigrams(reports):
    bigrams = frequency.terms(reports, ngram=2)
    assert bigrams["token"].str.contains(" ").all()
    table = frequency.counts(bigrams)
    # 基层治理 is written 14 times (2+2+5+4+1) and always cut 基层|治理
    assert table.set_index("token").loc["基层 治理", "count"] == 14
    for pair in table["token"]:
        first, second = pair.split(" ")
        assert first not in stopwords() or first in lexicon_terms()
        assert second not in stopwords() or second in lexicon_terms()
    row = bigrams[bigrams["token"] == "基层 治理"].iloc[0]
    text = reports.set_index("doc_id").loc[row["doc_id"], "text"]
    assert text[row["start"] : row["end"]] == "基层治理"


@pytest.mark.parametrize("word", ["法治", "法律明白人", "12345"])
def test_extra_stopword_removed_from_every_table(reports, word):
    from analysis import wordclouds

    t = frequency.terms(reports, extra_stopwords=[word])
    tables = {
        "terms": t,
        "counts": frequency.counts(t),
        "by town": frequency.counts(t, by="town"),
        "by role": frequency.counts(t, by="role"),
        "tfidf": frequency.tfidf(t, top=None),
        "keyness": keyness.keyness(t, "乌马河镇", by="town"),
        "keyness_by": keyness.keyness_by(t, by="town", top=None),
        "bigrams": frequency.terms(reports, ngram=2, extra_stopwords=[word])
        .assign(token=lambda b: b["token"].str.split(" "))
        .explode("token"),
    }
    for name, table in tables.items():
        assert not table.empty, name
        assert word not in set(table["token"]), name
    listed = frequency.top_terms(frequency.counts(t, by="town"), top=1000)["top_terms"].str.split("、").explode()
    assert word not in set(listed.str.replace(r"\(\d+\)$", "", regex=True))
    assert word not in wordclouds.frequencies(frequency.counts(frequency.terms(reports)), extra_stopwords=[word])
    # without the extra stopword the word is counted
    assert word in set(frequency.terms(reports)["token"])


def test_top_terms_table(terms):
    table = frequency.top_terms(frequency.counts(terms, by="town"), by="town", top=3)
    assert list(table.columns) == ["town", "top_terms"]
    assert table.set_index("town").loc["乌马河镇", "top_terms"].startswith("法治(")
    assert table["top_terms"].str.count("、").eq(2).all()


def test_top_terms_at_most_limit_groups_and_a_note(terms):
    from analysis import display

    counts = frequency.counts(terms, by="town")
    tokens = terms["town"].value_counts()  # counted tokens per town: the largest towns are kept
    table = frequency.top_terms(counts, by="town", top=3, limit=2)
    assert set(table["town"]) == set(tokens.index[:2]) and table["town"].is_monotonic_increasing
    assert display.note(table) == "共 5 个乡镇，下表显示词数最多的 2 个，另有 3 个未显示。"
    full = frequency.top_terms(counts, by="town", top=3, limit=30)
    assert len(full) == 5 and display.note(full) == "共 5 个乡镇，全部显示。"
    tf = frequency.tfidf(terms, top=8)
    two = frequency.top_terms(tf, by=["town", "doc_id"], top=8, value="tfidf", groups=["神树镇", "双庙镇"])
    assert set(two["town"]) == {"神树镇", "双庙镇"}
    assert display.note(two) == "共 5 份报告，下表显示所选乡镇的 2 份，另有 3 份未显示。"
    one = frequency.top_terms(tf, by=["town", "doc_id"], top=8, value="tfidf", groups=["神树镇", "双庙镇"], limit=1)
    assert len(one) == 1 and display.note(one) == "共 5 份报告，下表显示所选乡镇中词数最多的 1 份，另有 4 份未显示。"


def test_tfidf(terms):
    table = frequency.tfidf(terms, top=None, keep_places=True)
    assert list(table.columns) == TFIDF_COLUMNS
    norms = table.assign(sq=table["tfidf"] ** 2).groupby("doc_id")["sq"].sum()
    np.testing.assert_allclose(norms, 1.0, atol=1e-5)
    own = table[table["doc_id"] == IDS["神树镇"]].set_index("token")
    # same count (4 each), 神树镇 in one report, 根基 in three: the rarer term weighs more
    assert own.loc["神树镇", "count"] == own.loc["根基", "count"] == 4
    assert own.loc["神树镇", "tfidf"] > own.loc["根基", "tfidf"]
    top = frequency.tfidf(terms, top=3)
    assert (top.groupby("doc_id").size() == 3).all()


# ------------------------------------------------------------------- own place names


def test_own_places_read_in_the_reports(terms, reports):
    places = frequency.own_places(terms, by="town")
    assert list(places.columns) == ["town", "place"]
    got = places.groupby("town")["place"].agg(set).to_dict()
    assert got["双庙镇"] == {"双庙镇", "杭锦后旗", "杭锦后旗双庙镇"}  # its title: 杭锦后旗双庙镇2025年…
    assert got["神树镇"] == {"神树镇"}  # names no county
    by_doc = frequency.own_places(terms[["doc_id", "token"]], by="doc_id", reports=reports)
    assert set(by_doc.loc[by_doc["doc_id"] == IDS["双庙镇"], "place"]) == got["双庙镇"]
    assert frequency.own_places(terms[["doc_id", "token"]]).empty  # no town or county to read


def test_a_town_without_a_county_gets_the_one_its_other_reports_name():
    table = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c"],
            "town": ["同兰乡", "同兰乡", "玉兴乡"],
            "county": [None, "兴福县", None],
            "token": ["x", "y", "z"],
        }
    )
    places = frequency.own_places(table, by="doc_id")
    assert set(places.loc[places["doc_id"] == "a", "place"]) == {"同兰乡", "兴福县", "兴福县同兰乡"}
    assert set(places.loc[places["doc_id"] == "c", "place"]) == {"玉兴乡"}


@pytest.mark.parametrize(
    "places, token, named",
    [
        (["神树镇"], "神树镇", True),
        (["神树镇"], "神树", True),  # the short form
        (["新兰区兰宁镇"], "新兰区兰", True),  # jieba: 新兰区兰 | 宁镇
        (["新兰区兰宁镇"], "宁镇", True),
        (["杭锦后旗双庙镇"], "杭锦后旗", True),
        (["东泉街道"], "街道", False),  # the suffix alone is not the name
        (["神树镇"], "神", False),  # single characters are never counted anyway
        (["神树镇"], "法治", False),
        (["雙廟鎮"], "双庙", True),  # a traditional-character name matches the simplified token
    ],
)
def test_place_tokens(places, token, named):
    assert (token in frequency.place_tokens(places)) is named


def test_tfidf_leaves_the_own_name_out_by_default(terms):
    table = frequency.tfidf(terms, top=None)
    own = table[table["doc_id"] == IDS["神树镇"]]
    assert "神树镇" not in set(own["token"])
    np.testing.assert_allclose(own["tfidf"].pow(2).sum(), 1.0, atol=1e-5)  # still unit length
    assert "神树镇" in set(frequency.tfidf(terms, top=None, keep_places=True).query(f"doc_id == '{IDS['神树镇']}'")["token"])


def test_drop_own_places_keeps_other_towns_names(reports):
    t = frequency.terms(reports)
    mentioned = t.iloc[[0]].assign(doc_id=IDS["都督乡"], town="都督乡", county=None, token="神树镇")  # 都督乡 naming 神树镇
    traditional = t.iloc[[0, 0]].assign(
        doc_id=IDS["双庙镇"], town="双庙镇", county=None, token=["雙廟鎮", "神樹鎮"]
    )  # in traditional characters
    table = pd.concat([t, mentioned, traditional], ignore_index=True)
    out = frequency.drop_own_places(table, by="town")
    assert not ((out["town"] == "神树镇") & (out["token"] == "神树镇")).any()
    assert ((out["town"] == "都督乡") & (out["token"] == "神树镇")).sum() == 1
    assert out[out["town"] == "双庙镇"]["token"].isin(["雙廟鎮", "神樹鎮"]).tolist().count(True) == 1  # its own name goes, another's stays
    # what goes, read in the texts: each name as often as str.count finds it, 杭锦后旗 in 双庙镇's title, 神树 in “多彩神树”
    gone = pd.concat([table, out]).drop_duplicates(keep=False).groupby(["town", "token"]).size().to_dict()
    assert gone == {
        ("上社镇", "上社镇"): 2,
        ("乌马河镇", "乌马河镇"): 6,
        ("双庙镇", "双庙镇"): 3,
        ("双庙镇", "杭锦后旗"): 1,
        ("双庙镇", "雙廟鎮"): 1,  # the row added above
        ("神树镇", "神树"): 1,
        ("神树镇", "神树镇"): 4,
        ("都督乡", "都督乡"): 3,
    }


def test_keyness_chart_cuts_a_bar_that_dwarfs_the_rest():
    """A χ² of 3,000 next to ones of 30 (a town's own name at a thousand reports) is cut; the axis fits the rest."""
    import matplotlib.pyplot as plt

    from analysis import plots

    table = pd.DataFrame(
        {"token": ["高新", "建设", "法治建设", "执法"], "chi2": [3216.8, 14.5, 13.6, -6.5], "direction": ["target"] * 3 + ["reference"]}
    )
    fig = plots.keyness_bar(table, top=5)
    ax = fig.axes[0]
    low, high = ax.get_xlim()
    assert high < 100 and low < -6.5  # the axis is set by 14.5 and -6.5, not by 3,216.8
    hatched = [bar.get_hatch() for bar in ax.patches]
    assert hatched.count("//") == 1  # the cut bar is marked…
    assert "3,217" in [t.get_text().strip() for t in ax.texts]  # …and its value written next to it
    assert "截断" in ax.get_xlabel()
    plain = plots.keyness_bar(table[table["token"] != "高新"], top=5).axes[0]
    assert "截断" not in plain.get_xlabel() and all(bar.get_hatch() is None for bar in plain.patches)
    plt.close("all")


def test_the_html_keyness_chart_cuts_the_same_bar():
    from analysis import plots

    table = pd.DataFrame(
        {"token": ["高新", "建设", "法治建设", "执法"], "chi2": [3216.8, 14.5, 13.6, -6.5], "direction": ["target"] * 3 + ["reference"]}
    )
    chart = plots.keyness_bar_html(table, top=5)
    rows = chart.rows.set_index("label")
    assert chart.rows["label"].tolist() == ["高新", "建设", "法治建设", "执法"]  # top to bottom
    assert rows["cut"].tolist() == [True, False, False, False] and rows.loc["高新", "text"] == "3,217"
    # the right edge is a little past the second bar (14.5 × 1.3), as in the figure; 执法 alone fills the left half
    assert rows.loc["高新", "share"] == 1.0 and rows.loc["建设", "share"] == pytest.approx(14.5 / (14.5 * 1.3))
    assert rows.loc["执法", ["side", "share"]].tolist() == ["left", 1.0]
    assert "截断" in chart.note and chart.to_html().count("<span") == 5  # the cut bar is two spans, its end lighter
    plain = plots.keyness_bar_html(table[table["token"] != "高新"], top=5)
    assert "截断" not in plain.note and not plain.rows["cut"].any()
    assert "没有关键词" in plots.keyness_bar_html(table.iloc[0:0]).to_html()


def test_html_term_charts_draw_the_bars_of_the_figures(reports):
    import matplotlib.pyplot as plt

    from analysis import plots

    counts = frequency.counts(frequency.terms(reports[reports["town"] == "神树镇"]))
    figure = plots.terms_bar(counts, top=12)
    chart = plots.terms_bar_html(counts, top=12)
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()][::-1]
    widths = [bar.get_width() for bar in figure.axes[0].patches][::-1]
    assert chart.rows["label"].tolist() == labels and chart.rows["value"].tolist() == widths
    assert chart.rows["share"].iloc[0] == 1.0 and chart.rows["share"].is_monotonic_decreasing
    shown = chart.to_html()
    assert all(f"<th>{label}</th>" in shown for label in labels) and "次数" in shown
    assert "没有可显示的词语" in plots.terms_bar_html(counts.iloc[0:0]).to_html()
    plt.close(figure)


def test_html_facets_draw_the_panels_of_the_figures(reports):
    """The word-frequency briefing's small multiples: the groups, titles and bars of the matplotlib panels, as HTML."""
    import matplotlib.pyplot as plt

    from analysis import plots

    counts = frequency.counts(frequency.terms(reports), by="town")
    figure = plots.terms_facets(counts, by="town", top=6, max_panels=3)
    grid = plots.terms_facets_html(counts, by="town", top=6, max_panels=3)
    drawn = [ax for ax in figure.axes if ax.get_title()]
    assert [chart.title for chart in grid.charts] == [ax.get_title() for ax in drawn] and len(drawn) == 3
    for chart, ax in zip(grid.charts, drawn):
        assert chart.rows["label"].tolist() == [t.get_text() for t in ax.get_yticklabels()][::-1]
        assert chart.rows["value"].tolist() == [bar.get_width() for bar in ax.patches][::-1]
    assert grid.title == figure._suptitle.get_text() == "显示 3 / 5 个（按词数最多者）"
    shown = grid.to_html()
    assert shown.count("<style>") == 2 and shown.count('<table class="analysis-bars">') == 3  # the style once, not per chart
    assert plots.terms_facets_html(counts, by="town", top=6, groups=["双庙镇", "神树镇"]).title is None  # all asked for are shown

    key_terms = keyness.keyness_by(frequency.terms(reports), by="town", top=5)
    figure = plots.keyness_facets(key_terms, by="town", top=4, groups=["神树镇", "上社镇"])
    grid = plots.keyness_facets_html(key_terms, by="town", top=4, groups=["神树镇", "上社镇"])
    assert [chart.title for chart in grid.charts] == [ax.get_title() for ax in figure.axes] == ["神树镇 对比其余", "上社镇 对比其余"]
    for chart, ax in zip(grid.charts, figure.axes):
        assert chart.rows["label"].tolist() == [t.get_text() for t in ax.get_yticklabels()][::-1]
        assert chart.rows["side"].tolist() == ["right" if bar.get_width() > 0 else "left" for bar in ax.patches][::-1]
        assert chart.rows["cut"].tolist() == [bar.get_hatch() == "//" for bar in ax.patches][::-1]
        assert chart.note is None  # what the sides mean is said once, under the grid
    assert "右边是图上所写乡镇多用的词" in grid.note and grid.to_html().count("右边是") == 1
    plt.close("all")


def test_html_facets_escape_names_and_say_when_empty():
    from analysis import plots

    counts = pd.DataFrame({"town": ["<b>甲镇</b>", "乙镇"], "token": ["执法", "<i>普法</i>"], "count": [3, 2]})
    shown = plots.terms_facets_html(counts, by="town").to_html()
    assert "&lt;b&gt;甲镇&lt;/b&gt;" in shown and "&lt;i&gt;普法&lt;/i&gt;" in shown and "<b>" not in shown and "<i>" not in shown
    assert "没有可显示的词语" in plots.terms_facets_html(counts.iloc[0:0], by="town").to_html()
    empty = plots.keyness_facets_html(pd.DataFrame(columns=["town", "token", "chi2"]), by="town")
    assert "没有关键词" in empty.to_html() and empty.note is None


# ----------------------------------------------------------------- bad input


def test_empty_corpus(tmp_path):
    reports = load_corpus(tmp_path, warn=False).reports
    with pytest.warns(FrequencyWarning, match="corpus is empty"):
        t = frequency.terms(reports)
    assert t.empty and list(t.columns) == TERM_COLUMNS
    with pytest.warns(FrequencyWarning):
        c = frequency.counts(t, by="town")
    assert c.empty and list(c.columns) == ["town", *COUNT_COLUMNS]
    with pytest.warns(FrequencyWarning):
        assert list(frequency.tfidf(t).columns) == TFIDF_COLUMNS
    with pytest.warns(FrequencyWarning):
        assert list(keyness.keyness(t, "x", by="town").columns) == KEYNESS_COLUMNS
    with pytest.warns(FrequencyWarning, match="corpus is empty"):
        assert list(concordance.kwic(reports, "法治").columns) == KWIC_COLUMNS
    assert list(frequency.top_terms(c, by="town").columns) == ["town", "top_terms"]


def test_report_with_no_tokens_after_filtering(tmp_path, reports):
    (tmp_path / "empty_words.txt").write_text("的了和。\n123，456。\n", encoding="utf-8")
    (tmp_path / "shenshu.txt").write_text(reports.loc[0, "text"], encoding="utf-8")
    mixed = load_corpus(tmp_path, warn=False).reports
    with pytest.warns(FrequencyWarning, match="1 of 2 reports have no tokens left to count after filtering: empty_words"):
        t = frequency.terms(mixed)
    assert set(t["doc_id"]) == {"shenshu"}
    with pytest.warns(FrequencyWarning, match="in role problems"):
        frequency.terms(mixed, role="problems")
    alone = load_corpus(tmp_path / "empty_words.txt", warn=False).reports
    with pytest.warns(FrequencyWarning, match="no tokens left"):
        t = frequency.terms(alone)
    assert t.empty and list(t.columns) == TERM_COLUMNS
    assert _quiet(frequency.counts, t).empty


def test_inputs_are_not_mutated(reports, terms):
    before_reports, before_terms = reports.copy(), terms.copy()
    frequency.terms(reports, role="plans", extra_stopwords=["法治"])
    frequency.counts(terms, by="title", reports=reports)
    frequency.tfidf(terms)
    keyness.keyness(terms, "神树镇", by="town")
    concordance.kwic(reports, "网格")
    pd.testing.assert_frame_equal(reports, before_reports)
    pd.testing.assert_frame_equal(terms, before_terms)


# ----------------------------------------------------------------------- CLI


def _run_cli(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_terms(capsys):
    code, out, err = _run_cli(capsys, "terms", "--top", "5")
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == COUNT_COLUMNS and len(table) == 5
    assert table["token"].iloc[0] == "法治"
    code, out, _ = _run_cli(capsys, "terms", "--top", "3", "--role", "problems", "--by", "town")
    table = pd.read_csv(io.StringIO(out))
    assert code == 0 and list(table.columns) == ["town", *COUNT_COLUMNS]
    assert sorted(table["town"].unique()) == TOWNS
    code, out, _ = _run_cli(capsys, "terms", "--top", "3", "--stopword", "法治", "--bigrams")
    assert code == 0 and "法治" not in out and " " in pd.read_csv(io.StringIO(out))["token"].iloc[0]


def test_cli_kwic(capsys):
    code, out, err = _run_cli(capsys, "kwic", "--term", "枫桥经验", "--window", "10")
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == KWIC_COLUMNS and len(table) == 3
    assert "践行新时代先进地区“" in set(table["left"])
    code, out, err = _run_cli(capsys, "kwic", "--term", "网格[员长]", "--regex")
    assert code == 0 and set(pd.read_csv(io.StringIO(out))["match"]) == {"网格员", "网格长"}
    code, out, err = _run_cli(capsys, "kwic", "--term", "不存在的词")
    assert code == 0 and "warning: no concordance lines for '不存在的词'" in err
    assert pd.read_csv(io.StringIO(out)).columns.tolist() == KWIC_COLUMNS


def test_cli_keyness_and_errors(capsys):
    code, out, err = _run_cli(capsys, "keyness", "--target", "神树镇", "--by", "town", "--top", "3", "--keep-places")
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert table["token"].iloc[0] == "神树镇"
    code, out, err = _run_cli(capsys, "keyness", "--target", "神树镇", "--by", "town")
    assert code == 0 and "神树镇" not in set(pd.read_csv(io.StringIO(out))["token"])  # its own name is left out by default
    code, out, err = _run_cli(capsys, "terms", "--role", "problem")
    assert code == 2 and "unknown section role 'problem'" in err and out == ""
    code, out, err = _run_cli(capsys, "kwic", "--term", "网格(", "--regex")
    assert code == 2 and "bad regular expression" in err


# ------------------------------------------------------------------ notebook


def _outputs(nb) -> tuple[str, str, int]:
    """(all text and HTML shown, all stderr, number of images) of an executed notebook."""
    shown, errors, images = [], [], 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", out
            if out["output_type"] == "stream":
                (errors if out["name"] == "stderr" else shown).append(out["text"])
            else:
                data = out.get("data", {})
                shown.append(data.get("text/html", "") + data.get("text/plain", ""))
                images += "image/png" in data
    return "\n".join(shown), "\n".join(errors), images


def test_notebook_committed_without_outputs():
    import nbformat

    from analysis import config

    nb = nbformat.read(str(config.NOTEBOOKS_DIR / "01_word_frequency.ipynb"), as_version=4)
    assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells if c.cell_type == "code")
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert not any(re.search(r"^\s*(def|class) ", c.source, re.M) for c in nb.cells if c.cell_type == "code")


@pytest.mark.slow
def test_notebook_on_the_real_reports(run_notebook):
    nb = run_notebook("01_word_frequency.ipynb", kwic_terms=["枫桥经验", "不存在的词"], towns=["神树镇", "双庙镇"], top_n=15)
    shown, errors, images = _outputs(nb)
    assert "报告 5 份，乡镇 5 个" in shown
    assert "法治(" in shown  # the per-town top terms
    assert "村屯(" in shown and "反诈(" in shown  # 神树镇's key terms (written by 神树镇 alone)
    assert "践行新时代先进地区“" in shown  # the KWIC line of 枫桥经验 in 神树镇
    assert "no concordance lines for '不存在的词'" in errors
    assert images == 0  # the bar charts are HTML and the clouds SVG, drawn by the browser
    assert shown.count('class="analysis-chart-grid"') == 2  # per-town top terms, per-town key terms
    assert shown.count('<img src="data:image/svg+xml;base64,') == 4  # the corpus's cloud, the two towns', the comparison
    assert 'alt="比较词云"' in shown
    assert 'alt="神树镇的词云"' in shown and 'alt="双庙镇的词云"' in shown
    assert '<p class="analysis-bars-title">神树镇 对比其余</p>' in shown and "<th>村屯</th>" in shown
    assert "全部报告的高频词" in shown and "<th>法治</th>" in shown


@pytest.mark.slow
def test_notebook_with_a_report_without_usable_tokens(tmp_path, run_notebook):
    data = tmp_path / "raw"
    data.mkdir()
    (data / "only_stopwords.txt").write_text("的了和。\n一是，二是，进一步。\n2025年，50余次。\n", encoding="utf-8")
    nb = run_notebook("01_word_frequency.ipynb", data_dir=str(data))
    shown, errors, images = _outputs(nb)
    assert "报告 1 份" in shown and "计入统计的词 0 个" in shown
    assert "no tokens left to count" in errors
    assert "no concordance lines for '枫桥经验'" in errors
    assert images == 0 and "<p>比较词云至少需要两个组</p>" in shown  # the comparison cloud says there is nothing to show…
    assert shown.count("没有可显示的词语") >= 2 and "没有关键词" in shown  # …and every bar chart…
    assert shown.count("<p>没有可绘制的词语</p>") == 2  # …and the corpus's cloud and the towns' clouds


def test_readme_example_runs(monkeypatch):
    from analysis import config

    doc = config.ROOT / "docs" / "readme" / "frequency.md"
    blocks = re.findall(r"^```python\n(.*?)^```", doc.read_text(encoding="utf-8"), flags=re.S | re.M)
    assert len(blocks) == 1
    monkeypatch.chdir(config.ROOT)
    seen: dict = {}
    exec(compile(blocks[0], str(doc), "exec"), seen)  # noqa: S102
    assert seen["top"]["token"].iloc[0] == "法治"
    assert "神树镇" not in set(seen["key"]["token"])  # its own name is left out by default…
    assert seen["named"]["token"].iloc[0] == "神树镇"  # …and first when kept
    assert len(seen["lines"]) == 3 + 19
    assert "基层 治理" in set(seen["pairs"]["token"])
    import matplotlib.pyplot as plt

    plt.close("all")
