"""Outline parsing: section roles, problem and plan items, sentences, locate."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import structure
from analysis.errors import LexiconError, OptionError
from tests.conftest import DATA, IDS

# Top-level sections of each report and their roles, by reading.
ROLES = {
    "神树镇": [("一、", "achievements"), ("二、", "problems"), ("三、", "plans")],
    "都督乡": [("一、", "achievements"), ("二、", "responsibility"), ("三、", "problems"), ("四、", "plans")],
    "上社镇": [("一、", "achievements"), ("二、", "problems"), ("三、", "plans")],
    "双庙镇": [("一、", "achievements"), ("二、", "problems"), ("三、", "plans")],
    "乌马河镇": [("一、", "achievements"), ("二、", "problems"), ("三、", "plans")],
}
# (problem items, plan items) counted by reading each report.
ITEM_COUNTS = {"神树镇": (3, 4), "都督乡": (3, 3), "上社镇": (4, 5), "双庙镇": (3, 3), "乌马河镇": (3, 4)}


@pytest.mark.parametrize("town", list(ROLES))
def test_top_level_roles(sections, town):
    top = sections[(sections["doc_id"] == IDS[town]) & (sections["level"] == 1)]
    assert list(zip(top["marker"], top["role"])) == ROLES[town]


def test_the_role_of_a_heading_is_that_of_its_first_cue():
    """The cue standing first decides; at the same place the longer one; a cue listed under two roles is the
    first role's; a traditional heading reads as simplified; rules without cues give no role."""
    rules = structure.SectionRules({"problems": ("问题", "存在问题", "不足"), "plans": ("下一步", "问题", "存在问题的整改")}, ())
    assert rules.role_of("存在的问题和下一步打算") == "problems"
    assert rules.role_of("下一步工作中存在的问题") == "plans"
    assert rules.role_of("存在问题的整改方向") == "plans"  # 存在问题的整改 is longer than 存在问题, at the same place
    assert rules.role_of("工作中的问题") == "problems"  # 问题 is both roles' cue: the first role's
    assert rules.role_of("存在問題與不足") == "problems"
    assert rules.role_of("主要成效") is None
    assert structure.SectionRules({}, ()).role_of("存在的问题") is None


def test_heading_run_onto_a_paragraph_is_split(reports, sections):
    """都督乡: ``…满意度达到90% 。二、党政主要负责人…`` is a top-level heading."""
    row = sections[(sections["doc_id"] == IDS["都督乡"]) & (sections["marker"] == "二、") & (sections["level"] == 1)].iloc[0]
    assert row["heading"] == "党政主要负责人履行推进法治建设“第一责任人”职责情况"
    text = reports.set_index("doc_id").loc[IDS["都督乡"], "text"]
    assert text[row["start"] : row["start"] + 4] == "二、党政"


def test_restarted_numbering_is_read_as_sub_items(sections):
    """都督乡's plans section lists 一、二、三、 again: sub-items of 四、, not new sections."""
    doc = sections[sections["doc_id"] == IDS["都督乡"]]
    plans = doc[doc["role"] == "plans"]
    assert plans["level"].tolist() == [1, 2, 2, 2]
    assert plans["heading"].tolist()[1:] == [
        "深化法治学习教育，锻造法治型干部队伍",
        "健全行政执法体系，营造规范有序发展环境",
        "构建多维宣传矩阵，培育群众法治信仰",
    ]


def test_half_width_markers(sections):
    """上社镇 writes (一) and 1. with half-width punctuation."""
    doc = sections[sections["doc_id"] == IDS["上社镇"]]
    assert doc[doc["level"] == 2]["marker"].iloc[0] == "(一)"
    assert (doc["level"] == 3).sum() == 18


def test_full_width_digit_markers():
    """A heading numbered with full-width digits (１．, （２）) is a heading, as one with 1. and (2) is; so is one
    numbered with a circled digit (①)."""
    text = "某镇2025年法治政府建设工作报告\n一、工作成效\n１．加强学习\n开展学习5次。\n（２）规范执法\n开展检查3次。\n①严格审批\n办理审批9件。\n"
    table = structure.sections(pd.DataFrame({"doc_id": ["x"], "text": [text]}))
    assert table[["level", "marker", "heading"]].values.tolist() == [
        [1, "一、", "工作成效"],
        [2, "１．", "加强学习"],
        [3, "（２）", "规范执法"],
        [4, "①", "严格审批"],
    ]


def test_sub_sections_inherit_the_role(sections):
    doc = sections[sections["doc_id"] == IDS["上社镇"]]
    row = doc[doc["heading"] == "严格落实第一责任人职责"].iloc[0]
    assert (row["level"], row["role"]) == (3, "achievements")
    assert row["path"] == "一、2025年法治建设主要工作及成效 > (一)强化组织领导,压实法治建设政治责任 > 2.严格落实第一责任人职责"


@pytest.mark.parametrize("town", list(ITEM_COUNTS))
def test_item_counts(items, town):
    doc = items[items["doc_id"] == IDS[town]]
    assert ((doc["role"] == "problems").sum(), (doc["role"] == "plans").sum()) == ITEM_COUNTS[town]


@pytest.mark.parametrize(("gold_file", "role"), [("problem_items_gold.csv", "problems"), ("plan_items_gold.csv", "plans")])
def test_items_start_where_the_reader_sees_them(items, gold_file, role):
    gold = pd.read_csv(DATA / gold_file, dtype={"doc_id": str})
    ours = items[items["role"] == role].set_index(["doc_id", "item_no"])
    for row in gold.itertuples():
        text = ours.loc[(row.doc_id, row.item_no), "text"]
        assert text.startswith(row.start), (row.doc_id, row.item_no, text[:30])


def test_item_spans_and_closing_paragraph(reports, items):
    texts = reports.set_index("doc_id")["text"]
    for row in items.itertuples():
        span = texts[row.doc_id][row.start : row.end]
        assert span.endswith(row.text) and span.startswith(row.marker)
    last_plan = items[(items["doc_id"] == IDS["乌马河镇"]) & (items["role"] == "plans")].iloc[-1]
    assert last_plan["text"].endswith("守住生态安全底线。")  # the closing 下步，乌马河镇人民政府将… is not an item
    intro = items[(items["doc_id"] == IDS["神树镇"]) & (items["role"] == "plans")].iloc[0]
    assert intro["marker"] == "一是" and not intro["text"].startswith("神树镇将以问题为导向")


def test_problem_and_plan_helpers(reports):
    assert len(structure.problem_items(reports)) == 16
    assert len(structure.plan_items(reports)) == 19
    with pytest.raises(ValueError):
        structure.items(reports, role="nonsense")


def test_paragraph_roles(reports):
    paras = structure.paragraphs(reports)
    doc = paras[paras["doc_id"] == IDS["神树镇"]]
    assert doc.iloc[0][["role", "text"]].tolist() == ["title", "神树镇2025年法治政府建设年度报告"]
    assert doc.iloc[1]["role"] == "preamble"
    assert doc[doc["text"].str.startswith("（三）管控机制不畅")]["role"].item() == "problems"
    texts = reports.set_index("doc_id")["text"]
    assert all(texts[r.doc_id][r.start : r.end] == r.text for r in paras.itertuples())


def test_sentences(reports):
    sents = structure.sentences(reports)
    texts = reports.set_index("doc_id")["text"]
    assert all(texts[r.doc_id][r.start : r.end] == r.text for r in sents.itertuples())
    doc = sents[sents["doc_id"] == IDS["神树镇"]]
    hit = doc[doc["text"].str.contains("专项执法检查50余次")].iloc[0]
    assert hit["text"].startswith("聚焦林地保护、违建整治") and hit["text"].endswith("社会秩序，以法治手段为我镇高质量发展筑牢安全屏障。")
    assert hit["role"] == "achievements" and hit["section"].endswith("3.聚焦重点执法，筑牢高质量发展法治安全屏障")


def test_sentence_at_gives_the_sentence_an_offset_stands_in(reports):
    """The sentence of an offset is the last sentence of its report (``sentences``) starting at or before it, as
    read in 神树镇's report; every offset of the five reports agrees with that rule; an unknown report has none."""
    text = reports.set_index("doc_id").at[IDS["神树镇"], "text"]
    at = text.index("专项执法检查50余次") + len("专项执法检查")
    (sentence,), (section,) = structure.sentence_at([IDS["神树镇"]], [at], reports)
    assert sentence.startswith("聚焦林地保护、违建整治") and sentence.endswith("社会秩序，以法治手段为我镇高质量发展筑牢安全屏障。")
    assert section.endswith("3.聚焦重点执法，筑牢高质量发展法治安全屏障")
    sents = structure.sentences(reports)
    for doc_id, text in zip(reports["doc_id"], reports["text"]):
        doc = sents[sents["doc_id"] == doc_id]
        offsets = list(range(0, len(text), 3))
        texts, sections = structure.sentence_at([doc_id] * len(offsets), offsets, reports)
        for offset, got_text, got_section in zip(offsets, texts, sections):
            before = doc[doc["start"] <= offset]
            want = (before["text"].iloc[-1], before["section"].iloc[-1]) if len(before) else ("", "")
            assert (got_text, got_section) == want, (doc_id, offset)
    assert structure.sentence_at(["no such report"], [0], reports) == ([""], [""])
    # every report at once, as the indicator table asks: the same as each report on its own
    asked = [(doc_id, offset) for doc_id, text in zip(reports["doc_id"], reports["text"]) for offset in range(0, len(text), 7)]
    together = structure.sentence_at([d for d, _ in asked], [o for _, o in asked], reports)
    alone = [structure.sentence_at([d], [o], reports[reports["doc_id"] == d]) for d, o in asked[::50]]
    assert [(t, s) for t, s in zip(*together)][::50] == [(t[0], s[0]) for t, s in alone]
    # a text not cleaned (indented lines): an offset in a line's indent is before its first sentence, so in the
    # sentence before it
    text = "某镇2025年法治政府建设工作报告\n一、工作成效\n　　开展检查5次。走访群众20户。\n二、存在问题\n　　宣传不够深入。\n"
    indented = pd.DataFrame({"doc_id": ["x"], "text": [text]})
    offsets = [text.index("　　开展"), text.index("开展"), text.index("走访"), text.index("　　宣传") + 1]
    texts, sections = structure.sentence_at(["x"] * 4, offsets, indented)
    assert texts == ["一、工作成效", "开展检查5次。", "走访群众20户。", "二、存在问题"]
    assert sections == ["一、工作成效", "一、工作成效", "一、工作成效", "二、存在问题"]


@pytest.mark.parametrize("name", ["paragraphs", "sentences"])
def test_a_table_made_again_for_the_same_reports_is_the_same_and_not_made_again(reports, monkeypatch, name):
    made = []
    maker = getattr(structure, f"_{name}")

    def counted(table, rules):
        made.append(list(table["doc_id"]))
        return maker(table, rules)

    monkeypatch.setattr(structure, f"_{name}", counted)
    structure._last_tables.cache_clear()
    table = getattr(structure, name)
    first = table(reports)
    first.loc[0, "text"] = "改过的"  # a caller's change reaches no later caller
    first["extra"] = 1
    again = table(reports)
    again.loc[0, "text"] = "改过的"
    again = table(reports)
    some = reports.iloc[[0, 3]].reset_index(drop=True)
    part = table(some)
    assert len(made) == 1
    fresh = maker(reports, None)
    pd.testing.assert_frame_equal(again, fresh)
    pd.testing.assert_frame_equal(part, maker(some, None))
    table(reports.iloc[[3, 0]])  # another order
    changed = reports.copy()
    changed.loc[0, "text"] = changed.loc[0, "text"].replace("法治", "法制", 1)
    assert "法制" in " ".join(table(changed)["text"])  # another text
    assert len(made) == 3
    changed.loc[0, "text"] = reports.loc[0, "text"]  # the caller's own table changed in place since
    pd.testing.assert_frame_equal(table(changed), fresh)
    assert len(made) == 4
    empty = table(reports.iloc[0:0])
    pd.testing.assert_frame_equal(empty, maker(reports.iloc[0:0], None))
    table(reports)  # an empty call neither used nor replaced the kept table
    assert made[4:] == [[]]
    structure.load_section_rules.cache_clear()  # the lexicon read anew
    table(reports)
    assert len(made) == 6


@pytest.mark.parametrize("name", ["paragraphs", "sentences"])
def test_a_kept_table_is_not_given_for_other_ids(reports, name):
    table = getattr(structure, name)
    maker = getattr(structure, f"_{name}")
    structure._last_tables.cache_clear()
    twice = reports.iloc[[0, 0]].reset_index(drop=True)  # the same report twice: nothing kept
    pd.testing.assert_frame_equal(table(twice), maker(twice, None))
    one = reports.iloc[[0]].reset_index(drop=True)
    pd.testing.assert_frame_equal(table(one), maker(one, None))
    joined = pd.concat([reports.head(2), reports.iloc[2:4]], ignore_index=True)  # its texts in two chunks
    pd.testing.assert_frame_equal(table(joined), maker(joined, None))
    plain = joined.astype({"text": object})
    pd.testing.assert_frame_equal(table(plain), maker(plain, None))  # the same texts, held another way
    numbered = reports.head(3).assign(doc_id=[1, 2, 3])
    table(numbered)
    floats = numbered.assign(doc_id=[1.0, 2.0, 3.0])  # equal keys, another dtype
    assert table(floats)["doc_id"].dtype == "float64"


def test_locate_adds_section_without_mutating(reports):
    text = reports.set_index("doc_id").loc[IDS["双庙镇"], "text"]
    start = text.index("化解率100%")
    table = pd.DataFrame({"doc_id": [IDS["双庙镇"], IDS["双庙镇"]], "start": [start, 0]})
    before = table.copy()
    located = structure.locate(table, reports)
    pd.testing.assert_frame_equal(table, before)
    assert located["role"].tolist() == ["achievements", "title"]
    assert located["section"].iloc[0] == "一、主要工作举措及成效 > （四）深化基层治理融合，筑牢平安建设防线"


def test_report_without_problems_section(tmp_path):
    from analysis.corpus import load_corpus

    path = tmp_path / "x.txt"
    path.write_text(
        "甲镇2025年法治政府建设年度报告\n一、主要举措和成效\n开展普法活动3次。\n二、下一步工作打算\n一是加强普法。二是规范执法。\n",
        encoding="utf-8",
    )
    reports = load_corpus(path, warn=False).reports
    assert structure.problem_items(reports).empty
    assert structure.plan_items(reports)["text"].tolist() == ["加强普法。", "规范执法。"]


def test_bad_sections_file(tmp_path):
    bad = tmp_path / "sections.yml"
    bad.write_text("roles:\n  problems: [存在的问题]\n  wishes: [愿望]\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"sections.yml \(entry 'wishes'\): unknown role"):
        structure.load_section_rules(str(bad))


def _load_text(tmp_path, text):
    from analysis.corpus import load_corpus

    path = tmp_path / "report.txt"
    path.write_text(text, encoding="utf-8")
    return load_corpus(path, warn=False).reports


def test_part_markers_and_unmarked_headings(tmp_path):
    reports = _load_text(
        tmp_path,
        "青山镇2025年法治政府建设年度报告\n"
        "第一部分 主要举措和成效\n"
        "1)开展普法宣传活动12次。\n"
        "2)化解矛盾纠纷30余起。\n"
        "存在的不足和原因\n"
        "一是普法形式单一。二是执法力量薄弱。\n"
        "下一步工作打算\n"
        "下一步，我镇将继续加强普法宣传，规范执法行为。\n",
    )
    top = structure.sections(reports)
    top = top[top["level"] == 1]
    assert top["role"].tolist() == ["achievements", "problems", "plans"]
    assert top["heading"].tolist() == ["主要举措和成效", "存在的不足和原因", "下一步工作打算"]
    assert structure.problem_items(reports)["text"].tolist() == ["普法形式单一。", "执法力量薄弱。"]
    # a body line that starts with 下一步 is not a heading
    paras = structure.paragraphs(reports)
    assert not paras[paras["text"].str.startswith("下一步，")]["is_heading"].any()


@pytest.mark.parametrize("name", ["sections", "items", "paragraphs", "sentences"])
def test_an_offered_table_is_read_once_when_asked_for_and_cut_like_a_kept_one(reports, monkeypatch, name):
    maker = getattr(structure, f"_{name}")
    table = getattr(structure, name)
    made, loads = [], []
    monkeypatch.setattr(structure, f"_{name}", lambda t, rules: made.append(len(t)) or maker(t, rules))
    structure._last_tables.cache_clear()
    structure._offered_tables.cache_clear()
    column = "heading" if name == "sections" else "text"
    offered = maker(reports, None).assign(**{column: lambda t: "offered:" + t[column]})  # told apart from a table made here

    def load():
        loads.append(1)
        return offered

    structure.offer(reports, {name: load})
    assert loads == []  # nothing read until asked for
    pd.testing.assert_frame_equal(table(reports), offered)
    some = reports.iloc[[1, 3]].reset_index(drop=True)
    expected = offered[offered["doc_id"].isin(some["doc_id"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(table(some), expected)
    assert loads == [1] and made == []
    table(reports.iloc[[3, 1]])  # another order: made, and kept as the last made
    pd.testing.assert_frame_equal(table(reports), offered)  # the offer stays
    changed = reports.copy()
    changed.loc[0, "text"] = changed.loc[0, "text"].replace("法治", "法制", 1)
    assert not table(changed)[column].str.startswith("offered:").any()  # another text: made
    pd.testing.assert_frame_equal(table(reports.iloc[[0]]), offered[offered["doc_id"] == reports.loc[0, "doc_id"]])
    assert made == [2, len(reports)] and loads == [1]
    structure.load_section_rules.cache_clear()  # the lexicon read anew: the offer was made under the old rules
    assert not table(reports)[column].str.startswith("offered:").any()


def test_an_offer_that_cannot_be_read_says_so_once_and_is_dropped(reports):
    structure._last_tables.cache_clear()
    structure._offered_tables.cache_clear()

    def lost():
        raise OSError("the cache file is gone")

    structure.offer(reports, {"sentences": lost})
    with pytest.raises(OSError, match="the cache file is gone"):
        structure.sentences(reports)
    pd.testing.assert_frame_equal(structure.sentences(reports), structure._sentences(reports, None))


def test_only_the_tables_of_structure_are_offered_and_only_for_reports_told_apart(reports):
    with pytest.raises(OptionError, match="only sections, items, paragraphs, sentences can be offered, not 'tokens'"):
        structure.offer(reports, {"tokens": lambda: reports})
    structure._offered_tables.cache_clear()
    structure.offer(reports.iloc[[0, 0]].reset_index(drop=True), {"paragraphs": lambda: reports})
    assert structure._offered_tables() == {}  # the same report twice: which rows are whose cannot be told


def test_items_read_from_the_kept_table_carry_the_role_and_the_towns_asked_for(reports, monkeypatch):
    """problem_items and plan_items cut the one table of items made for these reports; its towns are the caller's."""
    maker = structure._items
    made = []
    monkeypatch.setattr(structure, "_items", lambda t, rules: made.append(len(t)) or maker(t, rules))
    structure._last_tables.cache_clear()
    structure._offered_tables.cache_clear()
    every = structure.items(reports)
    problems, plans = structure.problem_items(reports), structure.plan_items(reports)
    assert made == [len(reports)]
    pd.testing.assert_frame_equal(problems, every[every["role"] == "problems"].reset_index(drop=True))
    pd.testing.assert_frame_equal(plans, every[every["role"] == "plans"].reset_index(drop=True))
    renamed = reports.assign(town=reports["town"].replace({"神树镇": "神树镇（改名）"}))
    again = structure.plan_items(renamed)
    assert made == [len(reports)]  # the same texts: the kept table
    assert set(again.loc[again["doc_id"] == IDS["神树镇"], "town"]) == {"神树镇（改名）"}
    assert set(again.loc[again["doc_id"] == IDS["都督乡"], "town"]) == {"都督乡"}


def test_the_items_of_another_section_are_still_read_when_asked_for(reports):
    """The pipeline keeps the problems' and plans' items; those of the achievements (都督乡: four, （一）…（四）) are made on asking."""
    structure._last_tables.cache_clear()
    structure._offered_tables.cache_clear()
    items = structure.items(reports, role="achievements")
    mine = items[items["doc_id"] == IDS["都督乡"]]
    assert set(items["role"]) == {"achievements"}
    assert mine["marker"].tolist() == ["（一）", "（二）", "（三）", "（四）"]
    assert mine["text"].iloc[0].startswith("切实加强组织领导，法治政府建设更加有力") and set(mine["town"]) == {"都督乡"}
    duties = structure.items(reports, role="responsibility")
    assert duties.loc[duties["doc_id"] == IDS["都督乡"], "text"].str[:6].tolist() == ["坚持党建引领", "推动学法普法", "深化政务公开"]
