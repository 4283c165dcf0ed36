"""Shared wording across reports, and whether a stated problem is generic or specific."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import boilerplate, structure
from analysis.corpus import load_corpus
from analysis.errors import LexiconError
from tests.conftest import IDS


@pytest.fixture(scope="module")
def shared(reports):
    return boilerplate.index(reports)


@pytest.fixture(scope="module")
def passages(shared):
    return boilerplate.passages(shared)


def tmp_reports(tmp_path, **texts: str) -> pd.DataFrame:
    for name, text in texts.items():
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    return load_corpus(tmp_path, warn=False).reports


# ------------------------------------------------------------------ the five reports

# Passages shared verbatim, and the towns that share them, by reading the reports.
SHARED_BY_READING = [
    ("习近平新时代中国特色社会主义思想", {"都督乡", "上社镇", "双庙镇", "乌马河镇"}),  # 神树镇 only has 习近平法治思想
    ("严格落实“谁执法谁普法”责任制", {"神树镇", "双庙镇"}),
    ("以更高标准、更实举措推进法治政府建设", {"双庙镇", "乌马河镇"}),
    ("保障群众的知情权、参与权和监督权", {"上社镇", "双庙镇"}),
]


@pytest.mark.parametrize(("passage", "towns"), SHARED_BY_READING)
def test_shared_passages(passages, passage, towns):
    row = passages[passages["passage"] == passage]
    assert len(row) == 1, passages["passage"].tolist()
    assert set(row["towns"].iloc[0].split("、")) == towns
    assert row["n_reports"].iloc[0] == len(towns)


def test_passages_are_long_and_not_nested(passages):
    assert (passages["n_chars"] >= boilerplate.NGRAM).all()
    assert (passages["n_reports"] >= 2).all()
    for docs, group in passages.groupby("doc_ids"):
        texts = group["passage"].tolist()
        assert not any(a != b and a in b for a in texts for b in texts), docs


def test_shares(shared):
    table = boilerplate.shares(shared)
    assert table["doc_id"].tolist() == sorted(IDS.values())
    assert ((table["share"] > 0) & (table["share"] < 0.2)).all()
    assert (table["shared_chars"] <= table["n_chars"]).all()


def test_real_problem_items_name_no_place_or_number(reports, shared):
    """By reading: no stated problem of the five names a village, a number or a case; 部分村屯, 村（社区） are not places."""
    table = boilerplate.item_detail(structure.problem_items(reports), reports, shared_index=shared)
    assert len(table) == 16
    assert (table["numbers"] == "").all() and (table["places"] == "").all() and (table["cases"] == "").all()
    assert set(table["kind"]) == {"plain"}


def test_item_detail_keeps_its_input(reports):
    items = structure.problem_items(reports)
    before = items.copy()
    boilerplate.item_detail(items, reports)
    pd.testing.assert_frame_equal(items, before)


# ------------------------------------------------------------------ places

PLACES = [
    ("锦山村通过“村播普法 + 农产品销售”模式", ["锦山村"]),
    ("部分村屯历史遗留问题及深层次矛盾还不同程度存在", []),
    ("指导各村严格落实“四议两公开”制度", []),
    ("全镇共有网格长115人", []),
    ("新华社区和红星村的调解室尚未建成", ["新华社区", "红星村"]),
    ("村级法治建设发展不均衡", []),
    ("乌马河镇法律明白人多为兼职", []),  # the report's own town is excluded
]


@pytest.mark.parametrize(("text", "expected"), PLACES)
def test_places(text, expected):
    assert boilerplate.places(text, exclude=("乌马河镇",)) == expected


# ------------------------------------------------------------------ built corpora

TEMPLATE = """{town}2025年法治政府建设年度报告
一、主要举措和成效
{town}坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻习近平法治思想，扎实推进法治政府建设。{own}
二、存在的问题
（一）普法宣传形式相对单一，针对性和实效性有待进一步增强。
（二）{problem}
三、下一步工作打算
持续深化普法宣传，推动法治政府建设再上新台阶。
"""


@pytest.fixture()
def template_corpus(tmp_path):
    return tmp_reports(
        tmp_path,
        甲镇=TEMPLATE.format(town="甲山镇", own="全年开展普法活动12次。", problem="红星村2起土地纠纷积案尚未化解。"),
        乙镇=TEMPLATE.format(town="乙水乡", own="组建了法治宣讲团。", problem="执法人员业务能力不足。"),
        丙镇="丙河镇2025年法治政府建设年度报告\n一、工作开展情况\n组织干部学法，开展执法检查。\n二、存在问题\n调解员队伍不稳定。\n",
    )


def test_town_names_do_not_hide_a_template(template_corpus):
    table = boilerplate.passages(template_corpus)
    top = table.iloc[0]
    assert set(top["towns"].split("、")) == {"甲山镇", "乙水乡"}
    assert "坚持以习近平新时代中国特色社会主义思想为指导" in top["passage"]
    shares = boilerplate.shares(template_corpus).set_index("town")["share"]
    assert shares["甲山镇"] > 0.6 and shares["乙水乡"] > 0.6 and shares["丙河镇"] == 0


def test_generic_and_specific_problems(template_corpus):
    items = structure.problem_items(template_corpus)
    table = boilerplate.item_detail(items, template_corpus).set_index(["town", "item_no"])
    assert table.loc[("甲山镇", 1), "kind"] == "generic" and table.loc[("甲山镇", 1), "shared_share"] == 1.0
    assert table.loc[("甲山镇", 2), "kind"] == "specific"
    assert table.loc[("甲山镇", 2), "places"] == "红星村" and table.loc[("甲山镇", 2), "numbers"] == "2起"
    assert table.loc[("乙水乡", 2), "kind"] == "plain"
    assert table.loc[("丙河镇", 1), "kind"] == "plain"


def test_shared_sentences(template_corpus):
    table = boilerplate.shared_sentences(template_corpus)
    assert "（一）普法宣传形式相对单一，针对性和实效性有待进一步增强。" in set(table["text"])
    assert not table["text"].str.contains("调解员队伍不稳定").any()
    row = table[(table["town"] == "甲山镇") & table["text"].str.startswith("（一）普法宣传形式")].iloc[0]
    assert row["towns"] == "乙水乡" and row["shared"] == 1.0  # every character of it is in 乙水乡's report too


@pytest.mark.parametrize("min_share", [0.0, 0.5])
def test_shared_sentences_are_each_sentences_own_share_and_sets(template_corpus, reports, min_share):
    """The sentences' shares and sharing towns, found a report at a time, are each sentence's own: its share of
    shared characters (``_span_share``) and the towns of the windows over its characters, sentence by sentence."""
    for corpus in (template_corpus, reports):
        idx = boilerplate.index(corpus)
        table = boilerplate.shared_sentences(corpus, shared_index=idx, min_share=min_share)
        position = {d: i for i, d in enumerate(idx.doc_ids)}
        spans = boilerplate._Spans(idx)
        expected = []
        for sent in structure.sentences(corpus).itertuples():
            doc = position[sent.doc_id]
            share = boilerplate._span_share(idx, doc, sent.start, sent.end, spans)
            kept, offsets, _ = spans(doc)
            a, b = offsets.searchsorted(sent.start), offsets.searchsorted(sent.end)
            if sent.role == "title" or share < min_share or b <= a:
                continue
            lo, hi = kept[a], kept[b - 1]
            starts = idx.window_starts[doc]
            windows = (starts > lo - idx.n) & (starts <= hi)  # every window with a character of the sentence
            towns = {idx.towns[d] for s in set(idx.window_sets[doc][windows].tolist()) for d in idx.sets[s] if d != doc}
            if towns:
                expected.append((sent.doc_id, sent.sent_no, round(share, 3), "、".join(sorted(towns))))
        assert list(zip(table["doc_id"], table["sent_no"], table["shared"], table["towns"])) == expected
        assert len(expected) > (3 if corpus is template_corpus else 0)


def test_cases_and_dates():
    items = pd.DataFrame(
        {
            "doc_id": ["x", "x"],
            "town": ["某镇", "某镇"],
            "item_no": [1, 2],
            "text": ["例如2024年3月发生的宅基地纠纷至今未能化解", "矛盾化解难度大"],
            "start": [0, 0],
            "end": [0, 0],
        }
    )
    reports = pd.DataFrame({"doc_id": ["x"], "town": ["某镇"], "text": ["某镇2025年法治政府建设年度报告"]})
    table = boilerplate.item_detail(items, reports)
    assert table.loc[0, "cases"] == "例如、2024年3月" and table.loc[0, "kind"] == "specific"
    assert table.loc[1, "kind"] == "plain"


def test_single_report_and_empty_corpus(tmp_path):
    one = tmp_reports(tmp_path, 甲镇=TEMPLATE.format(town="甲山镇", own="", problem="执法力量不足。"))
    assert boilerplate.passages(one).empty
    assert boilerplate.shares(one)["share"].tolist() == [0.0]
    empty = pd.DataFrame(columns=["doc_id", "town", "text"])
    assert boilerplate.passages(empty).empty and boilerplate.shares(empty).empty


def test_bad_specifics_file(tmp_path):
    path = tmp_path / "specifics.yml"
    path.write_text("place_suffixes: [村]\nnot_name_chars: 部分\ncase_cues: ['例如 &&']\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="unknown operator") as info:
        boilerplate.load_specifics(path)
    assert info.value.entry == "例如 &&"


def test_reports_normalised_once_index_as_when_given_whole(reports):
    """``panel.carried_over`` normalises each report once and indexes pairs of them: the same index as from the two reports."""
    import numpy as np

    normalised = boilerplate.normalise(reports)
    pair = [reports["doc_id"].iloc[3], reports["doc_id"].iloc[1]]
    whole = boilerplate.index(reports.set_index("doc_id", drop=False).loc[pair].reset_index(drop=True))
    selected = boilerplate.index(normalised.select(pair))
    assert selected.doc_ids == whole.doc_ids == tuple(pair) and selected.towns == whole.towns and selected.sets == whole.sets
    for field in ("texts", "raw"):
        assert getattr(selected, field) == getattr(whole, field)
    for field in ("offsets", "masks", "window_starts", "window_sets"):
        for a, b in zip(getattr(selected, field), getattr(whole, field), strict=True):
            np.testing.assert_array_equal(a, b)
    assert whole.masks[0].any()  # the two towns share wording: the comparison is not of empty indexes
    pd.testing.assert_frame_equal(boilerplate.passages(selected), boilerplate.passages(whole))
    assert boilerplate.share_of(selected, 1) == boilerplate.shares(whole).set_index("doc_id").loc[pair[1]].to_dict() | {"doc_id": pair[1]}
