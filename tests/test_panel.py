"""The panel of years: pairs by town + county, follow-through of plans, recurring problems, carried-over wording, trends.

The year pairs are real text: each town's report in data/raw (year N) with a
next-year report written for these tests (tests/data/years, year N+1: the
town's plans written into its achievements, some carried out, some only
mentioned, some left out, plus last year's problems restated and wording
copied), and the two reports of 中村乡 in ../shared/corpus-dev (2022 and
2025).  The labels (tests/data/followthrough_gold.csv, recurring_gold.csv)
were written by reading.  The ``real_cross`` rows pair one town's plans with
another town's real achievements — real text on both sides, not used to
calibrate the thresholds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analysis
from analysis import config, panel
from analysis.errors import LexiconError

DATA = Path(__file__).parent / "data"
YEARS = DATA / "years"
DEV = config.ROOT.parent / "shared" / "corpus-dev"


@pytest.fixture(scope="module")
def reports() -> pd.DataFrame:
    raw = analysis.load_corpus(config.DATA_RAW, warn=False).reports
    years = analysis.load_corpus(YEARS, warn=False).reports
    return pd.concat([raw, years], ignore_index=True)


@pytest.fixture(scope="module")
def gold() -> pd.DataFrame:
    return pd.read_csv(DATA / "followthrough_gold.csv")


def _scores(gold: pd.DataFrame, reports: pd.DataFrame, which: str) -> tuple[pd.DataFrame, float, float, float]:
    rows = gold[gold["set"] == which]
    found = panel.follow_through(reports, pairs=sorted(set(zip(rows["plan_doc"], rows["evidence_doc"]))))
    merged = rows.merge(
        found, left_on=["plan_doc", "evidence_doc", "plan_item_no"], right_on=["plan_doc_id", "doc_id", "plan_no"], suffixes=("_gold", "")
    )
    assert len(merged) == len(rows), "every labelled plan item is found as a plan item"
    done_gold, done = merged["status_gold"] == "done", merged["status"] == "done"
    precision = (done_gold & done).sum() / max(done.sum(), 1)
    recall = (done_gold & done).sum() / max(done_gold.sum(), 1)
    accuracy = (merged["status_gold"] == merged["status"]).mean()
    return merged, float(precision), float(recall), float(accuracy)


# ------------------------------------------------------------------ the panel


def test_pairs_key_on_town_and_county(reports):
    table = panel.panel(reports)
    pairs = panel.pairs(reports)
    got = {
        (t, c, int(y)): (p, int(py))
        for t, c, y, p, py in zip(pairs["town"], pairs["county"], pairs["year"], pairs["prev_doc_id"], pairs["prev_year"])
    }
    assert got[("双庙镇", "杭锦后旗", 2026)] == ("003_3f8b128c9f1ece00", 2025)
    assert got[("神树镇", "", 2026)] == ("000_bf1fc012e4985da0", 2025)
    assert got[("都督乡", "", 2025)] == ("001_da8b8fa9e6decef4", 2024)
    # 磴口县双庙镇 is another town of the same name: its own panel, nothing before it
    dengkou = table[table["county"] == "磴口县"]
    assert len(dengkou) == 1 and dengkou["prev_doc_id"].isna().all()
    assert set(table.loc[table["town"] == "双庙镇", "panel"]) == {"杭锦后旗双庙镇", "磴口县双庙镇"}
    assert len(pairs) == 5


def test_report_without_county_joins_the_one_county_of_its_town():
    reports = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c", "d", "e"],
            "town": ["城关镇", "城关镇", "新华乡", "新华乡", "新华乡"],
            "county": ["甲县", None, "乙县", "丙县", None],
            "year": [2023, 2024, 2023, 2024, 2024],
            "text": ["。"] * 5,
        }
    )
    table = panel.panel(reports).set_index("doc_id")
    assert table.loc["b", "county"] == "甲县" and table.loc["b", "prev_doc_id"] == "a"
    # two counties know the name 新华乡: the report without county cannot be placed, it stays apart
    assert table.loc["e", "panel"] == "新华乡（县名不详）" and pd.isna(table.loc["e", "prev_doc_id"])
    assert pd.isna(table.loc["d", "prev_doc_id"])  # 丙县新华乡 2024 is no continuation of 乙县新华乡 2023


# ------------------------------------------------------------------ follow-through


def test_follow_through_on_the_synthetic_pairs(gold, reports):
    merged, precision, recall, accuracy = _scores(gold, reports, "synthetic")
    print(
        f"\nfollow-through, synthetic pairs (calibration, n={len(merged)}): done P={precision:.3f} R={recall:.3f} 3-class accuracy={accuracy:.3f}"
    )
    assert precision >= 0.9 and recall >= 0.9
    assert accuracy >= 0.8


def test_follow_through_on_real_text_of_other_towns(gold, reports):
    merged, precision, recall, accuracy = _scores(gold, reports, "real_cross")
    print(
        f"\nfollow-through, real cross-town pairs (held out, n={len(merged)}): done P={precision:.3f} R={recall:.3f} 3-class accuracy={accuracy:.3f}"
    )
    assert precision >= 0.75
    assert recall >= 0.5


@pytest.mark.parametrize(
    ("plan_doc", "item", "evidence_doc", "phrases"),
    [
        ("000_bf1fc012e4985da0", 3, "shenshu_2026", ("历史遗留问题", "四方联调")),
        ("001_da8b8fa9e6decef4", 3, "dudu_2025", ("法治四季行", "法治长廊")),
        ("002_b15026bdeddbedce", 4, "shangshe_2026", ("调解员业务培训",)),
        ("003_3f8b128c9f1ece00", 1, "shuangmiao_2026", ("田间地头微宣讲",)),
        ("004_b94367512fba2235", 3, "wumahe_2026", ("短视频",)),
        ("003_3f8b128c9f1ece00", 2, "000_bf1fc012e4985da0", ("执法业务培训5次",)),
    ],
)
def test_done_items_quote_the_sentence_that_reports_the_measure(reports, plan_doc, item, evidence_doc, phrases):
    """*phrases*: the measures of the plan the next report carries out (any of them is right evidence)."""
    table = panel.follow_through(reports, pairs=[(plan_doc, evidence_doc)])
    row = table[table["plan_no"] == item].iloc[0]
    assert row["status"] == "done"
    assert any(phrase in row["evidence"] for phrase in phrases), row["evidence"]
    assert 0 < row["similarity"] <= 1


def test_sentences_of_problems_and_plans_are_no_evidence(reports):
    # 神树镇 2026 restates the special-groups problem in its problems section only: no evidence for plan 4
    table = panel.follow_through(reports, pairs=[("000_bf1fc012e4985da0", "shenshu_2026")])
    row = table[table["plan_no"] == 4].iloc[0]
    assert "特殊人群" not in row["evidence"]
    assert row["status"] != "done"


def test_fulfilment_counts_the_statuses(reports):
    follow = panel.follow_through(reports)
    rates = panel.fulfilment(follow)
    assert set(rates["town"]) == {"神树镇", "都督乡", "上社镇", "双庙镇", "乌马河镇"}
    for row in rates.itertuples(index=False):
        mine = follow[(follow["town"] == row.town) & (follow["year"] == row.year)]
        assert row.plans == len(mine)
        assert row.done == (mine["status"] == "done").sum()
        assert row.rate == round(row.done / row.plans, 3)


def test_evidence_made_once_gives_the_same_tables(reports):
    """Notebook 06 makes the evidence sentences once, for all reports, and gives them to both comparisons."""
    evidence = panel.evidence_sentences(reports)
    assert set(evidence["doc_id"]) > {"shenshu_2026"} and not evidence["role"].isin(panel.EVIDENCE_ROLES_EXCLUDED).any()
    some = [("000_bf1fc012e4985da0", "shenshu_2026")]
    for function in (panel.follow_through, panel.recurring):
        for pairs in (None, some):
            alone = function(reports, pairs=pairs)
            assert len(alone)
            pd.testing.assert_frame_equal(function(reports, pairs=pairs, evidence=evidence), alone)
    # the evidence of other reports is not read as this pair's
    other = evidence[evidence["doc_id"] != "shenshu_2026"]
    assert (panel.follow_through(reports, pairs=some, evidence=other)["status"] == "no evidence").all()


def test_no_pairs_give_empty_tables_with_columns():
    reports = analysis.load_corpus(config.DATA_RAW, warn=False).reports
    assert list(panel.follow_through(reports).columns) == panel.FOLLOW_COLUMNS
    assert panel.follow_through(reports).empty
    assert list(panel.fulfilment(panel.follow_through(reports)).columns) == panel.FULFILMENT_COLUMNS
    assert panel.recurring(reports).empty
    shares, passages = panel.carried_over(reports)
    assert shares.empty and list(shares.columns) == panel.CARRIED_COLUMNS


# ------------------------------------------------------------------ recurring problems


def test_recurring_problems_against_reading(reports):
    labels = pd.read_csv(DATA / "recurring_gold.csv")
    table = panel.recurring(reports)
    merged = labels.merge(table, left_on=["doc", "problem_no"], right_on=["doc_id", "problem_no"], suffixes=("_gold", ""))
    assert len(merged) == len(labels)
    restated = merged["prev_doc"].notna()
    assert (merged["recurring"] == restated).all(), merged.loc[merged["recurring"] != restated, ["doc", "problem_no", "similarity"]]
    matched = merged[restated]
    assert (matched["prev_problem_no_gold"].astype(int) == matched["prev_problem_no"].astype(int)).all()


# ------------------------------------------------------------------ carried-over wording


def test_copied_paragraph_is_carried_over(reports):
    shares, passages = panel.carried_over(reports)
    share = dict(zip(shares["doc_id"], shares["share"]))
    # 乌马河镇 2026 copies the whole 一把手 paragraph of 2025 (written so); 上社镇 2026 copies nothing but stock phrases
    assert share["wumahe_2026"] > 0.3 > share["shangshe_2026"]
    wumahe = passages[passages["doc_id"] == "wumahe_2026"]
    assert any("坚持将法治政府建设作为“一把手”工程" in p for p in wumahe["passage"])
    shenshu = passages[passages["doc_id"] == "shenshu_2026"]
    assert any("严格执行主要领导末位发言制度" in p for p in shenshu["passage"])


@pytest.mark.skipif(not (DEV / "reports" / "d021.txt").exists(), reason="corpus-dev is not next to the project")
def test_two_years_of_one_township_in_corpus_dev():
    manifest = pd.read_csv(DEV / "manifest.csv", dtype=str).set_index("doc_id")
    reports = analysis.load_corpus([DEV / "reports" / "d021.txt", DEV / "reports" / "d022.txt"], warn=False).reports.copy()
    # town, county and year as the manifest gives them (read from the text by hand)
    for column in ("town", "county"):
        reports[column] = reports["doc_id"].map(manifest[column])
    reports["year"] = reports["doc_id"].map(manifest["year"]).astype(int)
    pairs = panel.pairs(reports)
    assert list(zip(pairs["prev_doc_id"], pairs["doc_id"], pairs["gap"])) == [("d021", "d022", 3)]
    assert pairs["county"].iloc[0] == "禄丰市"  # d022 names no county; its town has one elsewhere
    shares, passages = panel.carried_over(reports)
    # by reading: 2025 repeats 2022's 明确…工作主体、落实执法责任、确定考核目标 and the 乡长任组长 leading group
    text = "".join(passages["passage"])
    assert "落实执法责任、确定考核目标" in text
    assert "乡人民政府乡长任组长" in text
    assert 0.05 < shares["share"].iloc[0] < 0.6


# ------------------------------------------------------------------ trends


@pytest.mark.parametrize("given", ["computed", "summary given"])
def test_indicator_trends_with_change_when_units_agree(reports, given):
    """The same figures whether trends sums them or is given the corpus's summary (06 gives the figures stage's)."""
    from analysis import indicators

    table = panel.trends(reports)
    if given == "summary given":
        rows = indicators.extract(reports)
        whole = indicators.summary(rows, reports)  # of every report, not only those with a year before or after
        table_given = panel.trends(reports, rows=rows, summary_table=whole)
        pd.testing.assert_frame_equal(table_given, table)
        table = table_given
    shenshu = table[(table["town"] == "神树镇") & (table["indicator"] == "hotline_tickets") & (table["year"] == 2026)].iloc[0]
    assert (shenshu["value"], shenshu["prev_value"], shenshu["change"]) == (130.0, 112.0, 18.0)
    shuangmiao = table[(table["town"] == "双庙镇") & (table["county"] == "杭锦后旗") & (table["indicator"] == "enforcement_inspections")]
    latest = shuangmiao[shuangmiao["year"] == 2026].iloc[0]
    assert (latest["value"], latest["prev_value"], latest["change"]) == (25.0, 18.0, 7.0)
    assert latest["label"] == "执法检查"
    dengkou = table[table["county"] == "磴口县"]
    assert dengkou["change"].isna().all()
    assert set(table.loc[table["change"].isna() & table["prev_value"].notna(), "note"]) <= {"单位不同", "数字未定"}


# ------------------------------------------------------------------ the cue file


def test_followthrough_cues_are_checked(tmp_path):
    bad = tmp_path / "followthrough.yml"
    bad.write_text("done_cues: [建成, 建成]\nvague_cues: [稳步推进]\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="建成"):
        panel.load_rules(bad)
    bad.write_text("done_cues: [建成]\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="vague_cues"):
        panel.load_rules(bad)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("全年开展“双周法治研讨”22期。", True),
        ("在乡集镇建成法治长廊1处。", True),
        ("编印以案释法案例汇编，发放到各村社。", True),
        ("法治乡村建设扎实推进，乡风文明持续向好。", False),
        ("乡综合行政执法队持续规范执法行为，执法工作总体平稳有序。", False),
    ],
)
def test_concrete_sentences(sentence, expected):
    assert panel.concrete(sentence) is expected


def test_vectors_are_scikit_learns_char_bigram_tfidf():
    from sklearn.feature_extraction.text import TfidfVectorizer

    # a text twice (two documents, its letters made once), one in traditional characters
    background = [
        "深化法治宣传教育，继续加大普法形式宣传。",
        "组织执法业务培训5次。",
        "普法宣传工作有序推进",
        "無關的繁體句子",
        "普法宣传工作有序推进",
    ]
    queries = ["普法宣传", "执法培训2次", "全新的词"]
    mine = panel.Vectors(background)
    reference = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True, lowercase=False)
    reference.fit([panel._letters(t) for t in background])
    ours = (mine.transform(queries) @ mine.transform(background).T).toarray()
    theirs = (
        reference.transform([panel._letters(t) for t in queries]) @ reference.transform([panel._letters(t) for t in background]).T
    ).toarray()
    assert np.allclose(ours, theirs)


def test_the_plans_of_a_report_compared_at_once_score_as_each_alone(reports):
    """``_sims`` compares every plan of a report with the next year's sentences in one product: each plan's row is,
    number for number, what its clauses alone give (the best clause on the whole sentence, the best clause pair)."""
    pairs = panel.pairs(reports)
    assert len(pairs) >= 5
    evidence = panel.evidence_sentences(reports)
    plans = analysis.structure.plan_items(reports)
    vectors = panel.Vectors(evidence["text"].tolist() + plans["text"].tolist())
    compared, clauses_per_plan, clauses_per_sentence = 0, [], []
    for plan_doc, doc in zip(pairs["prev_doc_id"], pairs["doc_id"]):
        texts = plans.loc[plans["doc_id"] == plan_doc, "text"].tolist()
        candidates = panel._Candidates(vectors, evidence.loc[evidence["doc_id"] == doc, "text"].tolist())
        together = panel._sims(vectors, texts, candidates)
        assert together.shape == (len(texts), len(candidates.sentences))
        clauses_per_sentence += np.diff([*candidates.starts, candidates.clauses.shape[1]]).tolist()
        for k, text in enumerate(texts):
            clauses = vectors.transform(panel.measures(text))
            clauses_per_plan.append(clauses.shape[0])
            whole = (clauses @ candidates.whole).toarray().max(axis=0)
            by_clause = np.maximum.reduceat((clauses @ candidates.clauses).toarray().max(axis=0), candidates.starts)
            assert np.array_equal(together[k], 0.5 * whole + 0.5 * by_clause), (plan_doc, k, text)
            compared += 1
    # plans of several clauses and sentences of several clauses: both groupings are taken apart
    assert compared >= 10 and max(clauses_per_plan) > 1 and max(clauses_per_sentence) > 1
