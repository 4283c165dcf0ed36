"""The town profile (analysis.profile), the tables it reads (analysis.kept, analysis.workfolder) and what a town briefing shows."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest

from analysis import config, frequency, indicators, kept, pipeline, plots, profile, structure, themes, workfolder
from analysis.errors import AnalysisError, LexiconError
from tests.conftest import IDS
from tests.test_briefings import Page

DATA = Path(__file__).parent / "data"


def summary_rows(rows: list[tuple]) -> pd.DataFrame:
    """An ``indicators.summary`` table from (doc_id, town, indicator, value, unit, display)."""
    return pd.DataFrame(
        [
            {
                "doc_id": d,
                "town": t,
                "year": 2025,
                "indicator": k,
                "value": v,
                "value_max": math.nan,
                "unit": u,
                "qualifier": "exact",
                "mentions": 1,
                "nested": 0,
                "status": "single" if v == v else "undecidable: units differ",
                "display": s,
            }
            for d, t, k, v, u, s in rows
        ]
    )


SUMMARY = summary_rows(
    [
        ("a", "甲镇", "funding", 21457.0, "元", "21457元"),
        ("a", "甲镇", "trainings", 5.0, "次", "5次"),
        ("a", "甲镇", "publicity_events", 17.0, "次", "17次"),
        ("a", "甲镇", "materials_distributed", math.nan, "", "? (500+张; 150+份)"),
        ("b", "乙镇", "trainings", 2.0, "次", "2次"),
        ("b", "乙镇", "funding", 30000.0, "元", "30000元"),
        ("b", "乙镇", "publicity_events", 10.0, "场", "10场"),
        ("b", "乙镇", "materials_distributed", 2000.0, "册", "2000+册"),
        ("c", "丙镇", "trainings", 3.0, "次", "3次"),
    ]
)


def test_versus_median_compares_like_with_like():
    table = profile.versus_median(SUMMARY, "甲镇")
    assert list(table.columns) == profile.MEDIAN_COLUMNS
    got = table.set_index("indicator")
    # in the order of the keys: trainings, publicity_events, materials_distributed, funding
    assert table["indicator"].tolist() == ["trainings", "publicity_events", "materials_distributed", "funding"]
    # the median of the OTHER towns of the same year: 乙镇 2次 and 丙镇 3次
    assert got.loc["trainings", ["label", "figure", "median", "reports", "ratio"]].tolist() == ["法治培训", "5次", "2.5次", 2, 2.0]
    assert got.loc["funding", ["median", "reports", "ratio"]].tolist() == ["30000元", 1, 0.72]  # 21457 / 30000
    pub = got.loc["publicity_events"]  # 乙镇 counts in 场: nothing to compare with
    assert pub["median"] == "" and pub["reports"] == 0 and math.isnan(pub["ratio"])
    undecided = got.loc["materials_distributed"]
    assert (
        undecided["figure"] == "? (500+张; 150+份)"
        and undecided["median"] == ""
        and undecided["reports"] == 0
        and math.isnan(undecided["ratio"])
    )
    assert profile.versus_median(SUMMARY, "无此镇").empty


def test_versus_median_compares_with_the_same_year_only():
    other_year = summary_rows([("d", "丁镇", "trainings", 100.0, "次", "100次")]).assign(year=2024)
    table = profile.versus_median(pd.concat([SUMMARY, other_year], ignore_index=True), "甲镇").set_index("indicator")
    assert table.loc["trainings", ["median", "reports"]].tolist() == ["2.5次", 2]  # 丁镇's 2024 figure left out
    alone = profile.versus_median(summary_rows([("a", "甲镇", "trainings", 5.0, "次", "5次")]), "甲镇")
    assert alone["reports"].tolist() == [0] and alone["ratio"].isna().all()
    said = profile.ratio_or_say(alone)
    assert "没有可比较的同类数字" in said.data and "不画对比图" in said.data  # one sentence, no empty chart


def test_versus_median_leaves_its_input_alone():
    before = SUMMARY.copy()
    profile.versus_median(SUMMARY, "乙镇")
    pd.testing.assert_frame_equal(SUMMARY, before)


def test_ratio_chart_draws_one_bar_per_comparable_figure():
    fig = plots.ratio_chart(profile.versus_median(SUMMARY, "甲镇"))
    bars = fig.axes[0].patches
    assert len(bars) == 2  # trainings (2 other reports) and funding (1); publicity_events has none
    assert sorted(round(b.get_x() + b.get_width(), 2) for b in bars) == [0.72, 2.0]  # from the median (1) to the ratio
    empty = plots.ratio_chart(profile.versus_median(SUMMARY, "丙镇").iloc[0:0])
    assert "没有可与其他报告比较的数字" in [t.get_text() for t in empty.axes[0].texts]


def test_ratio_chart_draws_the_figures_furthest_from_the_median_when_there_are_many():
    # 甲镇 states 25 figures; ratios to 乙镇's (the only other town): 1.0, 1.1, …, 3.4, and one of 0.1
    rows = [("b", "乙镇", f"k{i:02d}", 10.0, "次", "10次") for i in range(25)]
    rows += [("a", "甲镇", f"k{i:02d}", 10.0 + i, "次", f"{10 + i}次") for i in range(24)] + [("a", "甲镇", "k24", 1.0, "次", "1次")]
    table = profile.versus_median(summary_rows(rows), "甲镇", labels={})
    assert len(table) == 25
    fig = plots.ratio_chart(table, top=5)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["k24", "k23", "k22", "k21", "k20"]  # 1/10 is further from 1 than 3.4; bottom to top in the table's order
    assert "画出与中位数相差最大的 5 项，共 25 项" in fig.axes[0].get_title()
    assert len(plots.ratio_chart(table, top=None).axes[0].patches) == 25
    assert "共" not in plots.ratio_chart(table.head(20), top=20).axes[0].get_title()  # 20 of 20: no note


def test_ratio_chart_keeps_its_width_when_every_ratio_is_one():
    table = profile.versus_median(
        summary_rows([("a", "甲镇", "trainings", 3.0, "次", "3次"), ("b", "乙镇", "trainings", 3.0, "次", "3次")]), "甲镇"
    )
    low, high = plots.ratio_chart(table).axes[0].get_xlim()
    assert table["ratio"].tolist() == [1.0] and low < 1 < high and high / low > 2


def test_the_html_ratio_chart_draws_the_bars_of_the_figure_chart():
    """Same figures as ``ratio_chart``, top to bottom; lengths on a log scale, at least a factor of two wide."""
    table = profile.versus_median(SUMMARY, "甲镇")
    chart = plots.ratio_chart_html(table)
    figure = plots.ratio_chart(table)
    drawn = [t.get_text() for t in figure.axes[0].get_yticklabels()][::-1]  # matplotlib draws bottom to top
    assert chart.rows["label"].tolist() == drawn and len(drawn) == 2
    low, high = chart.rows.sort_values("value").itertuples()
    # the ratios 0.72 and 2.0 of test_ratio_chart_draws_one_bar_per_comparable_figure: log2 2 = 1 fills its half
    assert (high.value, high.side, high.share) == (2.0, "right", 1.0)
    assert round(low.value, 2) == 0.72 and low.side == "left" and low.share == pytest.approx(-math.log2(low.value))
    assert chart.rows["color"].nunique() == 2
    page = chart.to_html()
    assert page.count("<tr>") == 3 and "中位数" in page and "<img" not in page  # header + two bars, text not a picture
    import matplotlib.pyplot as plt

    plt.close(figure)


def test_the_html_ratio_chart_draws_the_figures_furthest_from_the_median():
    rows = [("b", "乙镇", f"k{i:02d}", 10.0, "次", "10次") for i in range(25)]
    rows += [("a", "甲镇", f"k{i:02d}", 10.0 + i, "次", f"{10 + i}次") for i in range(24)] + [("a", "甲镇", "k24", 1.0, "次", "1次")]
    table = profile.versus_median(summary_rows(rows), "甲镇", labels={})
    chart = plots.ratio_chart_html(table, top=5)
    assert chart.rows["label"].tolist() == ["k20", "k21", "k22", "k23", "k24"]  # the table's order, top to bottom
    assert "画出与中位数相差最大的 5 项，共 25 项" in chart.title
    # 1/10 is the furthest (log2 10 = 3.32): it fills the left half; 33/10 is log2 3.3 / log2 10 of the right half
    assert chart.rows.set_index("label").loc["k24", ["side", "share"]].tolist() == ["left", 1.0]
    assert chart.rows.set_index("label").loc["k23", "share"] == pytest.approx(math.log(3.3) / math.log(10))
    assert "1次 / 中位数 10次（0.1 倍）" in chart.to_html()
    assert len(plots.ratio_chart_html(table, top=None).rows) == 25
    even = profile.versus_median(
        summary_rows([("a", "甲镇", "trainings", 3.0, "次", "3次"), ("b", "乙镇", "trainings", 3.0, "次", "3次")]), "甲镇"
    )
    assert plots.ratio_chart_html(even).rows["share"].tolist() == [0.0]  # a ratio of 1: no bar, the row is still there
    assert "没有可与其他报告比较的数字" in plots.ratio_chart_html(table.iloc[0:0]).to_html()


def test_html_charts_show_report_text_as_text():
    table = profile.versus_median(
        summary_rows([("a", "甲镇", "trainings", 3.0, "次", "<b>3</b>次"), ("b", "乙镇", "trainings", 6.0, "次", "6次")]), "甲镇"
    )
    table["label"] = "<script>alert(1)</script>"
    page = plots.ratio_chart_html(table).to_html()
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;3&lt;/b&gt;次" in page


def test_town_reports_names_the_towns_when_the_town_is_missing(reports):
    assert profile.town_reports(reports, "都督乡")["doc_id"].tolist() == [IDS["都督乡"]]
    with pytest.raises(
        AnalysisError, match="'某某镇' has no report in the corpus; its towns are: 神树镇、都督乡、上社镇、双庙镇、乌马河镇"
    ):
        profile.town_reports(reports, "某某镇")


def test_heading_escapes_what_the_report_says(reports):
    mine = profile.town_reports(reports, "神树镇")
    assert profile.heading(mine).data == "**神树镇**：2025年度，《神树镇2025年法治政府建设年度报告》，2,533 字。"
    evil = mine.assign(title="报告<script>alert(1)</script>")
    shown = profile.heading(evil).data  # Markdown escapes ( and ) too; the browser shows them as written
    assert "&lt;script&gt;alert" in shown and "&lt;/script&gt;" in shown and "<script>" not in shown


def test_problem_plans_lists_the_answering_plan_items():
    problems = pd.DataFrame(
        {"doc_id": ["a", "a", "a"], "town": "甲镇", "item_no": [1, 2, 3], "text": ["p1", "p2", "p3"], "themes": ["P6", "P5", ""]}
    )
    links = pd.DataFrame({"doc_id": ["a", "a", "a"], "problem_no": [1, 3, 1], "plan_no": [4, 2, 3]})
    reports = pd.DataFrame({"doc_id": ["a"], "year": [2025]})
    table = profile.problem_plans(problems, links, reports)
    assert table.to_dict("list") == {
        "doc_id": ["a", "a", "a"],
        "year": [2025, 2025, 2025],
        "item_no": [1, 2, 3],
        "problem": ["p1", "p2", "p3"],
        "themes": ["P6", "P5", ""],
        "plans": ["3、4", "（无）", "2"],
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("funding: 经费投入\nnot_a_key: 某某\n", "(entry 'not_a_key'): is not a key of indicators.yml"),
        ("funding: ''\n", "(entry 'funding'): needs a name"),
        ("funding: 经费投入\n", "has no name for the key; add one"),
        ("- funding\n", "needs one 'key: 名称' line per indicator key"),
    ],
)
def test_labels_file_is_validated(tmp_path, text, message):
    path = tmp_path / "indicator_labels.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LexiconError, match=re.escape(message)):
        indicators.indicator_labels(path)


def test_every_key_has_a_chinese_name():
    labels = indicators.indicator_labels()
    assert set(labels) == set(indicators.load_rules().names) and labels["disputes_resolved"] == "矛盾纠纷化解"
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in labels.values())


# ------------------------------------------------------------ from the pipeline's tables


@pytest.fixture(scope="module")
def results():
    """The stage tables of the five reports, as the briefing reads them (computed here: no cache)."""
    return pipeline.run(config.DATA_RAW, workers=1, cache=False, progress=False, warn=False)


@pytest.mark.parametrize("town", list(IDS))
def test_the_cached_tables_give_what_the_stages_give(results, town):
    mine = profile.town_reports(results.reports, town)
    for role in ("problems", "plans"):
        pd.testing.assert_frame_equal(kept.town_items(results, mine, role=role), structure.items(mine, role=role))
    pd.testing.assert_frame_equal(kept.coded_problems(results, mine), themes.code_problems(mine))


def test_problems_beside_plans_names_each_plan_once_when_a_report_repeats_its_numbering():
    """A report that repeats its outline repeats item numbers: every link of a number is one plan, shown once."""
    problems = pd.DataFrame({"doc_id": ["d"] * 3, "item_no": [1, 1, 2], "text": ["宣传不够", "宣传不够", "队伍不强"]})
    plans = pd.DataFrame({"doc_id": ["d"] * 3, "item_no": [1, 2, 1], "text": ["加强宣传", "建强队伍", "加强宣传"]})
    links = pd.DataFrame({"doc_id": ["d"] * 4, "problem_no": [1, 1, 1, 2], "plan_no": [1, 1, 1, 2]})
    table = profile.problems_beside_plans(problems, plans, links, pd.DataFrame({"doc_id": ["d"], "year": [2025]}))
    assert table["plans"].tolist() == ["（1）加强宣传", "（1）加强宣传", "（2）建强队伍"]


def test_problem_codes_come_from_the_cache_unless_another_codebook_is_asked_for(results, tmp_path):
    """Notebooks 03 and 07 read the cached theme codes; a codebook of the user's own is coded anew."""
    mine = results.reports
    problems = structure.problem_items(mine)
    pd.testing.assert_frame_equal(kept.problem_codes(results, mine), themes.code_items(problems))
    pd.testing.assert_frame_equal(kept.problem_codes(results, mine, themes_file=config.THEMES_FILE), themes.code_items(problems))
    own = tmp_path / "themes.yml"  # the package's codebook less its first theme
    book = themes.load_themes()
    text = config.THEMES_FILE.read_text(encoding="utf-8")
    first, second = (f"id: {e.id}" for e in book.entries[:2])
    start, end = text.index(first), text.index(second)
    own.write_text(text[: text.rfind("\n", 0, start) + 1] + text[text.rfind("\n", 0, end) + 1 :], encoding="utf-8")
    recoded = kept.problem_codes(results, mine, themes_file=own)
    assert book.entries[0].id in set(results["theme_codes"]["theme"]) and book.entries[0].id not in set(recoded["theme"])
    pd.testing.assert_frame_equal(recoded, themes.code_items(problems, codebook=themes.load_themes(own)))


def test_the_package_codebook_is_read_from_the_cache_however_it_is_named(results, monkeypatch):
    """03's parameter is ``data/lexicon/themes.yml``, relative: from the project root it named a file that was coded anew."""
    monkeypatch.chdir(config.ROOT)
    monkeypatch.setattr(kept, "code_items", lambda *a, **k: pytest.fail("the package's codebook was coded anew"))
    for name in ("data/lexicon/themes.yml", "./data/lexicon/../lexicon/themes.yml", config.THEMES_FILE, str(config.THEMES_FILE)):
        pd.testing.assert_frame_equal(kept.problem_codes(results, results.reports, themes_file=name), results["theme_codes"])


def test_terms_from_the_cached_tokens_are_the_terms_of_every_report(results):
    pd.testing.assert_frame_equal(frequency.terms(results.reports, tokens=results["tokens"]), frequency.terms(results.reports))


def test_town_rows_follow_the_order_of_the_town_reports():
    table = pd.DataFrame({"doc_id": ["a", "b", "c", "a", "b"], "n": [1, 2, 3, 4, 5]})
    mine = pd.DataFrame({"doc_id": ["b", "a"]})  # by year: b (2023) before a (2024)
    assert kept.town_rows(table, mine).to_dict("list") == {"doc_id": ["b", "b", "a", "a"], "n": [2, 5, 1, 4]}


def test_town_items_names_the_roles(results):
    with pytest.raises(AnalysisError, match="role must be one of achievements, responsibility, problems, plans, other, not 'problem'"):
        kept.town_items(results, results.reports, role="problem")


def test_indicator_summary_is_computed_once_and_read_back(results, tmp_path):
    expected = indicators.summary(indicators.extract(results.reports), results.reports)
    assert workfolder.prepare(results, tmp_path) == [
        tmp_path / workfolder.SUMMARY_FILE,
        tmp_path / workfolder.LINKS_FILE,
        *(tmp_path / f for f in workfolder.WORDING_FILES.values()),
        *(tmp_path / f for f in workfolder.CARD_FILES.values()),
    ]
    pd.testing.assert_frame_equal(workfolder.indicator_summary(results, work_dir=tmp_path), expected)
    pd.testing.assert_frame_equal(workfolder.indicator_summary(results), expected)  # no work folder: computed
    pd.testing.assert_frame_equal(workfolder.indicator_summary(results, work_dir=tmp_path / "none"), expected)


def test_indicator_summary_is_read_only_for_the_reports_it_was_made_from(results, tmp_path):
    """The work folder's file is what the briefing shows when it was made from the same reports; else it is ignored."""
    import pyarrow.parquet as pq

    from tests.conftest import RAW_FILES

    workfolder.prepare(results, tmp_path)
    path = tmp_path / workfolder.SUMMARY_FILE
    table = pq.read_table(path)
    marked = table.set_column(table.schema.get_field_index("display"), "display", [["标记"] * table.num_rows])
    pq.write_table(marked.replace_schema_metadata(table.schema.metadata), path)
    assert set(workfolder.indicator_summary(results, work_dir=tmp_path)["display"]) == {"标记"}  # read, not computed

    three = tmp_path / "three"
    three.mkdir()
    for raw in RAW_FILES[:3]:
        (three / raw.name).write_bytes(raw.read_bytes())
    fewer = pipeline.run(three, workers=1, cache=False, progress=False, warn=False)
    pd.testing.assert_frame_equal(
        workfolder.indicator_summary(fewer, work_dir=tmp_path), indicators.summary(fewer["indicators"], fewer.reports)
    )  # made from five reports: not these three's


@pytest.fixture(scope="module")
def briefing_results():
    """What a briefing reads: the default stages and the compliance stages (computed here: no cache)."""
    return pipeline.run(config.DATA_RAW, stages=kept.BRIEFING_STAGES, workers=1, cache=False, progress=False, warn=False)


def test_the_cached_compliance_tables_are_what_compliance_gives(briefing_results):
    """Notebooks 03 and 04 show the cached checklist and coverage of the reports they look at."""
    from analysis import compliance

    reports = briefing_results.reports
    for mine in (reports, reports.iloc[[0, 2, 3]].reset_index(drop=True), profile.town_reports(reports, "都督乡")):
        pd.testing.assert_frame_equal(kept.cached_rows(briefing_results["checklist"], mine), compliance.checklist(mine))
        pd.testing.assert_frame_equal(kept.cached_rows(briefing_results["coverage"], mine), compliance.coverage(mine))


def test_flags_are_read_from_the_work_folder_when_made_for_these_reports(briefing_results, tmp_path):
    import pyarrow.parquet as pq

    from analysis import flags

    expected = flags.flags(briefing_results.reports, rows=briefing_results["indicators"])
    pd.testing.assert_frame_equal(workfolder.flags_for(briefing_results), expected)
    workfolder.prepare(briefing_results, tmp_path)
    pd.testing.assert_frame_equal(workfolder.flags_for(briefing_results, work_dir=tmp_path), expected)
    path = tmp_path / workfolder.CARD_FILES["flags"]
    marked = pd.DataFrame([{"doc_id": "x", "town": "标记", "year": 2025, "flag": "other_town", "detail": "", "evidence": ""}])
    table = pq.read_table(path)
    pq.write_table(pa_table(marked).replace_schema_metadata(table.schema.metadata), path)
    assert workfolder.flags_for(briefing_results, work_dir=tmp_path)["town"].tolist() == ["标记"]  # read, not computed
    three = pipeline.run(config.DATA_RAW, stages=["indicators"], workers=1, cache=False, progress=False, warn=False)
    fewer = type(three)(three.reports.head(3), three.problems, three.tables, None, three.timings)
    assert "标记" not in set(workfolder.flags_for(fewer, work_dir=tmp_path)["town"])  # other reports: computed


def pa_table(frame: pd.DataFrame):
    import pyarrow as pa

    return pa.Table.from_pandas(frame, preserve_index=False)


def test_scorecard_and_flags_are_computed_once_and_read_back(briefing_results, tmp_path):
    results = briefing_results
    """The town, scorecard and county briefings read the build's scorecard; other criteria or overrides are scored anew."""
    import pyarrow.parquet as pq

    from analysis import flags, scorecard

    expected = scorecard.assess(results.reports, rows=results["indicators"], items=results["items"])
    workfolder._CARDS.clear()
    card, flag_table = workfolder.scorecard_for(results)  # no work folder: computed
    pd.testing.assert_frame_equal(card.scores, expected.scores)
    pd.testing.assert_frame_equal(card.issues, expected.issues)
    pd.testing.assert_frame_equal(flag_table, flags.flags(results.reports, rows=results["indicators"]))

    workfolder.prepare(results, tmp_path)
    workfolder._CARDS.clear()
    read, read_flags = workfolder.scorecard_for(results, work_dir=tmp_path)
    pd.testing.assert_frame_equal(read.scores, expected.scores)
    pd.testing.assert_frame_equal(read.totals, expected.totals)
    pd.testing.assert_frame_equal(read_flags, flag_table)

    path = tmp_path / workfolder.CARD_FILES["scores"]
    table = pq.read_table(path)
    marked = table.set_column(table.schema.get_field_index("evidence"), "evidence", [["标记"] * table.num_rows])
    pq.write_table(marked.replace_schema_metadata(table.schema.metadata), path)
    workfolder._CARDS.clear()
    assert set(workfolder.scorecard_for(results, work_dir=tmp_path)[0].scores["evidence"]) == {"标记"}  # read, not computed

    text = config.SCORECARD_FILE.read_text(encoding="utf-8")
    start, end = text.index("  - id: outline"), text.index("  - id: timeliness")
    smaller = tmp_path / "scorecard.yml"
    smaller.write_text(text[:start] + text[end:], encoding="utf-8")
    own = workfolder.scorecard_for(results, work_dir=tmp_path, criteria=smaller)[0]
    assert own.scores["criterion"].unique().tolist() == ["elements", "timeliness"]  # other criteria: scored anew

    doc_id = results.reports["doc_id"].iloc[0]
    fixes = tmp_path / "overrides.csv"
    fixes.write_text(f"doc_id,criterion,score,reason\n{doc_id},elements,1,复核\n", encoding="utf-8")
    fixed = workfolder.scorecard_for(results, work_dir=tmp_path, overrides=fixes)[0].scores
    row = fixed[(fixed["doc_id"] == doc_id) & (fixed["criterion"] == "elements")]
    assert row["score"].tolist() == [1] and row["override"].tolist() == ["复核"]
    assert "标记" not in set(fixed["evidence"])  # other overrides: scored anew


@pytest.fixture(scope="module")
def resampled(tmp_path_factory):
    """The stage tables of 60 reports resampled from the sentences of data/raw (benchmarks/make_corpus.py), 24 towns."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("make_corpus", config.ROOT / "benchmarks" / "make_corpus.py")
    module = sys.modules["make_corpus"] = importlib.util.module_from_spec(spec)  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        folder = module.make_corpus(60, tmp_path_factory.mktemp("resampled") / "reports")
    finally:
        sys.modules.pop("make_corpus", None)
    return pipeline.run(folder, stages=kept.BRIEFING_STAGES, workers=1, cache=False, progress=False, warn=False)


def test_a_towns_page_shows_the_problem_plan_links_its_score_counts(resampled, tmp_path):
    """The links beside a town's problems are the scorecard's (one IDF over the corpus), read back from the work folder."""
    from analysis import alignment

    results = resampled
    items = results["items"]
    problems = items[items["role"] == "problems"].reset_index(drop=True)
    plans = items[items["role"] == "plans"].reset_index(drop=True)
    whole = alignment.align(problems, plans, problem_codes=results["theme_codes"])
    card, _ = workfolder.scorecard_for(results)
    answered = card.scores[card.scores["criterion"] == "answered"].set_index("doc_id")["evidence"]
    workfolder.prepare(results, tmp_path)
    own_differs = 0
    for town in results.reports["town"].dropna().unique():
        mine = profile.town_reports(results.reports, town)
        shown = workfolder.town_links(results, mine)
        pd.testing.assert_frame_equal(shown, kept.town_rows(whole, mine))
        pd.testing.assert_frame_equal(workfolder.town_links(results, mine, work_dir=tmp_path), shown)
        for doc_id in kept.town_items(results, mine, role="problems")["doc_id"].unique():
            n = shown.loc[shown["doc_id"] == doc_id, "problem_no"].nunique()
            assert f"条问题中 {n} 条有对应的下一步措施" in answered[doc_id]
        own = alignment.align(
            kept.town_items(results, mine, role="problems"),
            kept.town_items(results, mine, role="plans"),
            problem_codes=kept.problem_codes(results, mine),
        )
        pairs = [set(zip(t["doc_id"].tolist(), t["problem_no"].tolist(), t["plan_no"].tolist())) for t in (own, shown)]
        own_differs += pairs[0] != pairs[1]
    assert own_differs  # the case in point: a town's items alone would have linked otherwise than its score counts


def test_a_towns_rows_of_the_corpus_tables_are_its_rows_in_its_order(resampled):
    """Split by report once for the build, a town's items, theme codes and links are town_rows of the whole tables."""
    results = resampled
    items, codes = results["items"], results["theme_codes"]
    several = 0
    for town in results.reports["town"].dropna().unique():
        mine = profile.town_reports(results.reports, town)
        several += len(mine) > 1
        for order in (mine, mine.iloc[::-1]):  # the reports' order is the rows' order
            for role in ("problems", "plans", "achievements"):
                pd.testing.assert_frame_equal(
                    kept.town_items(results, order, role=role), kept.town_rows(items[items["role"] == role], order)
                )
            pd.testing.assert_frame_equal(kept.problem_codes(results, order), kept.town_rows(codes, order))
            pd.testing.assert_frame_equal(workfolder.town_links(results, order), kept.town_rows(workfolder.links_for(results), order))
    assert several > 5  # towns with reports of several years, whose rows interleave in the tables
    nobody = results.reports.head(0)
    assert kept.town_items(results, nobody, role="plans").empty and list(kept.town_items(results, nobody, role="plans").columns) == list(
        items.columns
    )


# ------------------------------------------------------------ what each town briefing shows


def test_town_briefings_show_their_problems_plans_and_checklist(built_briefings):
    out, _ = built_briefings
    problems = pd.read_csv(DATA / "problem_items_gold.csv")
    plans = pd.read_csv(DATA / "plan_items_gold.csv")
    checklist = pd.read_csv(DATA / "compliance_gold.csv").fillna("")
    for town, doc_id in IDS.items():
        shown = re.sub(r"\s+", "", Page((out / f"04_town_profile-{town}.html").read_text(encoding="utf-8")).shown)
        for start in problems[problems["doc_id"] == doc_id]["start"]:
            assert re.sub(r"\s+", "", start) in shown, f"{town}: problem {start}"
        for start in plans[plans["doc_id"] == doc_id]["start"]:
            assert re.sub(r"\s+", "", start) in shown, f"{town}: plan {start}"
        for row in checklist[checklist["doc_id"] == doc_id].itertuples():
            assert row.element in shown
            if row.evidence:
                assert re.sub(r"\s+", "", row.evidence) in shown, f"{town}: {row.element} evidence"
        for other in IDS:
            if other != town:
                assert f"**{other}**" not in shown and f"{other}：20" not in shown


def test_the_shenshu_briefing_reads_as_the_report_does(built_briefings):
    """神树镇's report: 累计开展专项执法检查50余次 … 投入21457元 (its only amount of money)."""
    out, _ = built_briefings
    shown = Page((out / "04_town_profile-神树镇.html").read_text(encoding="utf-8")).shown
    assert "神树镇：2025年度，《神树镇2025年法治政府建设年度报告》，2,533 字。" in shown
    for figure in ["执法检查", "经费投入", "21457元"]:
        assert figure in shown


def test_the_summarys_key_is_hashed_once_for_the_same_results(results, monkeypatch):
    """A town page asks for the corpus summary's key; hashing every report's entry is done once per results."""
    from analysis import cache

    calls = []
    monkeypatch.setattr(workfolder, "corpus_key", lambda *a, _key=cache.corpus_key: calls.append(1) or _key(*a))
    workfolder._SUMMARY_KEYS.clear()
    first = workfolder._summary_key(results)
    assert (
        workfolder._summary_key(results) == first == cache.corpus_key(results.reports, pipeline.current_keys(["indicators"])["indicators"])
    )
    assert len(calls) == 1
    other = pipeline.run(results.reports["path"].iloc[0], workers=1, cache=False, progress=False, warn=False)
    assert workfolder._summary_key(other) != first and len(calls) == 2  # other reports: hashed anew


def test_a_towns_figures_sit_beside_the_median_of_the_other_towns(resampled, tmp_path):
    """town_figures files the build's summary once; each figure's median is still that of the OTHER towns' figures
    of the same year, indicator and unit (checked here with pandas' median, row by row), for every town."""
    results = resampled
    workfolder.prepare(results, tmp_path)
    whole = indicators.summary(results["indicators"], results.reports)
    years = whole["year"].astype("float64").fillna(-1.0)
    compared = even = 0
    for town in results.reports["town"].dropna().unique():
        shown = profile.town_figures(results, town, work_dir=tmp_path)
        pd.testing.assert_frame_equal(shown, profile.versus_median(whole, town))
        for r in shown.itertuples():
            if not r.unit:  # a figure the summary could not decide: nothing to compare
                assert r.reports == 0 and r.median == "" and math.isnan(r.ratio)
                continue
            year = -1.0 if pd.isna(r.year) else float(r.year)
            same = (years == year) & (whole["indicator"] == r.indicator) & (whole["unit"] == r.unit)
            others = whole.loc[same & (whole["town"] != town) & whole["value"].notna(), "value"]
            assert r.reports == len(others)
            if len(others) and others.median():
                compared += 1
                even += len(others) % 2 == 0
                assert r.ratio == round(r.value / others.median(), 2)
    assert compared > 100 and even  # many figures compared, some of them with a median between two values


def test_the_shared_wording_is_indexed_once_a_build_and_read_back(results, tmp_path):
    """03's passages, shares and problem-item detail are boilerplate's, from the work folder when made for these reports."""
    import pyarrow.parquet as pq

    from analysis import boilerplate

    reports = results.reports
    shared = boilerplate.index(reports)
    expected = (
        boilerplate.passages(shared),
        boilerplate.shares(shared),
        boilerplate.item_detail(kept.town_items(results, reports, role="problems"), reports, shared_index=shared),
    )
    computed = workfolder.shared_wording(results, reports)  # no work folder
    workfolder.prepare(results, tmp_path)
    read = workfolder.shared_wording(results, reports, work_dir=tmp_path)
    for want, made, back in zip(expected, (computed.passages, computed.shares, computed.items), (read.passages, read.shares, read.items)):
        pd.testing.assert_frame_equal(made, want)
        pd.testing.assert_frame_equal(back, want)
    assert len(expected[0]) and len(expected[2])  # data/raw shares wording, and its problems are detailed
    path = tmp_path / workfolder.WORDING_FILES["passages"]
    table = pq.read_table(path)
    marked = table.set_column(table.schema.get_field_index("towns"), "towns", [["标记"] * table.num_rows])
    pq.write_table(marked.replace_schema_metadata(table.schema.metadata), path)
    assert set(workfolder.shared_wording(results, reports, work_dir=tmp_path).passages["towns"]) == {"标记"}  # read, not computed
    three = reports.iloc[:3].reset_index(drop=True)  # other reports than the build's: computed for them
    pd.testing.assert_frame_equal(workfolder.shared_wording(results, three, work_dir=tmp_path).passages, boilerplate.passages(three))


def test_the_problem_links_of_all_reports_are_the_builds_and_of_some_their_own(results, tmp_path):
    """With the package's codebook, all the reports' links are links_for (the scorecard's); a subset is aligned on its own."""
    from analysis import alignment

    workfolder.prepare(results, tmp_path)
    for reports in (results.reports, results.reports.iloc[:3].reset_index(drop=True)):
        problems = kept.town_items(results, reports, role="problems")
        plans = kept.town_items(results, reports, role="plans")
        want = alignment.align(problems, plans, codebook=config.THEMES_FILE, problem_codes=kept.problem_codes(results, reports))
        pd.testing.assert_frame_equal(workfolder.problem_links(results, reports, themes_file=config.THEMES_FILE, work_dir=tmp_path), want)
        pd.testing.assert_frame_equal(workfolder.problem_links(results, reports), want)
    assert len(workfolder.problem_links(results, results.reports))  # data/raw's problems have answers
