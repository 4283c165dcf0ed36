"""Chinese text in one place (analysis.chinese): simplified view, width folding, numerals, offsets back.

Expected values are written by reading the phrases, not by running the code.
"""

from __future__ import annotations

import re
from pathlib import Path

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import chinese
from analysis.chinese import (
    cn_integer,
    digits,
    fold,
    fold_width,
    normalise,
    opencc_pairs,
    outline_number,
    parse_number,
    to_simplified,
    traditional,
    with_traditional,
)
from analysis.quantities import find_quantities

# (original as a report may write it, its simplified and width-folded view)
TWINS = [
    ("開展專項執法檢查５０餘次", "开展专项执法检查50余次"),
    ("群眾滿意度達到１００％", "群众满意度达到100%"),
    ("發放宣傳資料２０００餘份，覆蓋群眾約１．５萬人次", "发放宣传资料2000余份,覆盖群众约1.5万人次"),
    ("調處矛盾糾紛３２起，調解成功率達９８％。", "调处矛盾纠纷32起,调解成功率达98%。"),
    ("（一）加強組織領導：", "(一)加强组织领导:"),
    ("開通１２３４５熱線", "开通12345热线"),
    ("ＡＢＣ類事項　共３項", "ABC类事项 共3项"),
    ("堅持“一月一研判”、《法治政府建設實施綱要》", "坚持“一月一研判”、《法治政府建设实施纲要》"),  # no ASCII twin: kept
    ("開展法治宣傳50余次", "开展法治宣传50余次"),  # half-width already: unchanged
    ("乾隆年間", "乾隆年间"),  # OpenCC's phrase: 乾 stays in 乾隆
    ("开展专项执法检查50余次", "开展专项执法检查50余次"),  # simplified, half-width: the same text
]


@pytest.mark.parametrize("original, view", TWINS)
def test_the_normalised_view_is_simplified_and_half_width(original, view):
    assert normalise(original).text == view


@pytest.mark.parametrize("original, view", TWINS)
def test_a_match_in_the_view_maps_back_to_the_same_words_in_the_original(original, view):
    normal = normalise(original)
    for size in (1, 2, 3, 4):  # every span of the view maps to the characters it was made from
        for start in range(0, len(view) - size + 1):
            words = normal.original_of(start, start + size)
            assert fold_width(fold(words)) == fold_width(fold(view[start : start + size])), (start, size)


def test_offsets_quote_the_original_characters():
    normal = normalise("今年開展專項執法檢查５０餘次，查處案件１２起")
    start = normal.text.index("50余次")
    assert normal.original_span(start, start + 4) == (10, 14)  # 今年 開展 專項 執法 檢查: ten characters before
    assert normal.original_of(start, start + 4) == "５０餘次"
    assert normal.original_of(normal.text.index("查处"), normal.text.index("查处") + 2) == "查處"
    assert normal.original_span(3, 3) == (3, 3)
    with pytest.raises(IndexError):
        normal.original_span(0, 100)


def test_opencc_t2s_keeps_the_length_of_every_entry():
    # the normalised view is character for character because no t2s entry changes length
    for name in chinese.T2S_FILES:
        pairs = opencc_pairs(name)
        assert pairs and len(pairs) > 200, name
        assert [(s, t) for s, t in pairs if len(s) != len(t)] == [], name


def test_traditional_copies_of_the_reports_keep_their_length(reports):
    from opencc import OpenCC

    s2t = OpenCC("s2t")
    for text in reports["text"]:
        twin = s2t.convert(text)
        normal = normalise(twin)
        assert len(normal.text) == len(twin) and normal.starts is None
        assert normal.text.count("余") >= normal.text.count("餘")  # converted back


def test_a_conversion_that_changes_length_still_maps_back(monkeypatch):
    # should a converter ever turn one character into two, or drop one, offsets still point right
    monkeypatch.setattr(chinese, "to_simplified", lambda text: text.replace("臺", "台湾"))
    normal = normalise("臺北開展普法活動３次")
    assert normal.text == "台湾北開展普法活動3次"
    assert normal.original_of(0, 2) == "臺" and normal.original_of(1, 2) == "臺"
    assert normal.original_of(2, 3) == "北"
    start = normal.text.index("活動3次")
    assert normal.original_of(start, start + 4) == "活動３次"

    monkeypatch.setattr(chinese, "to_simplified", lambda text: text.replace("之", ""))
    normal = normalise("普法之活動３次")
    assert normal.text == "普法活動3次"
    assert normal.original_of(0, 2) == "普法" and normal.original_of(2, 6) == "活動３次"


def test_to_simplified_equals_opencc_on_simplified_and_traditional_lines(reports):
    """The shortcut for lines OpenCC would leave alone gives OpenCC's answer on every line, either script."""
    from opencc import OpenCC

    t2s, s2t = OpenCC("t2s"), OpenCC("s2t")
    lines = [line for text in reports["text"] for line in text.split("\n")]
    traditional_lines = [s2t.convert(line) for line in lines]
    assert sum(a != b for a, b in zip(lines, traditional_lines)) > 100  # the second set really is traditional
    for line in [*lines, *traditional_lines, "一目瞭然", "乾隆", "瞭解情況"]:
        assert to_simplified(line) == t2s.convert(line), line


def test_a_whole_report_is_folded_when_only_its_last_character_is_traditional(reports):
    """Long texts take another way to tell whether anything is to convert: it must still see one character at the end."""
    text = reports["text"].iloc[0]
    assert len(text) > 1000 and fold(text) == text and to_simplified(text) == text
    assert fold(text + "國") == text + "国"
    assert to_simplified(text + "滿意") == text + "满意"
    assert fold("國" + text) == "国" + text
    assert fold(text + "\ud800") == text + "\ud800"  # a lone surrogate (a broken file read leniently) is no error


def test_fold_is_character_by_character_and_to_simplified_reads_phrases():
    assert fold("乾隆") == "干隆" and to_simplified("乾隆") == "乾隆"
    assert fold("群眾滿意度") == "群众满意度" == to_simplified("群眾滿意度")
    assert fold("５０餘次") == "５０余次"  # fold leaves the width alone


@pytest.mark.parametrize(
    "text, folded",
    [
        ("０１２３４５６７８９", "0123456789"),
        ("１．５％", "1.5%"),
        ("（一）", "(一)"),
        ("，：；！？", ",:;!?"),
        ("ＡＢＣａｂｃ", "ABCabc"),
        ("共　３　项", "共 3 项"),
        ("。、《》“”【】", "。、《》“”【】"),  # no ASCII twin
    ],
)
def test_width_folding(text, folded):
    assert fold_width(text) == folded
    # a long text is folded as an array of code points: the same characters, the rest untouched
    assert fold_width("开展检查" * 60 + text + "\U0001f600𠀀") == "开展检查" * 60 + folded + "\U0001f600𠀀"


def test_traditional_forms_of_lexicon_words():
    assert "群眾" in traditional("群众")
    assert traditional("") == () and traditional("123") == ()
    words = with_traditional(["群众", "法治"])
    assert words[:2] == ("群众", "法治") and "群眾" in words and len(words) == len(set(words))


@pytest.mark.parametrize(
    "numeral, value",
    [
        ("15", 15),
        ("１５", 15),
        ("1.5万", 15000),
        ("１．５万", 15000),
        ("4万", 40000),
        ("两万", 20000),
        ("兩萬", 20000),
        ("十", 10),
        ("十五", 15),
        ("二十三", 23),
        ("一百零五", 105),
        ("三万五", 35000),
        ("一百五", 150),
        ("一亿二千万", 120000000),
        ("九十五", 95),
        ("九十五点五", 95.5),
        ("一〇〇", 100),
        ("二〇二五", 2025),
        ("", None),
        ("十十", None),
        ("三四", None),
        ("abc", None),
        ("两万余", None),  # qualifiers are stripped before
    ],
)
def test_parse_number(numeral, value):
    assert parse_number(numeral) == value


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_parse_number_agrees_with_cn2an(n):
    assert parse_number(cn2an.an2cn(n)) == n


def test_numerals_digit_by_digit_and_outline_numbers():
    assert digits("二〇二五") == "2025" and digits("二零二四") == "2024" and digits("一九九九") == "1999"
    assert digits("二十") is None and digits("") is None
    assert cn_integer("二十三") == 23 and cn_integer("两万") == 20000 and cn_integer("二三") is None
    assert [outline_number(n) for n in ("一", "三", "十", "十二", "二十", "②", "3", "１２")] == [1, 3, 10, 12, 20, 2, 3, 12]
    assert outline_number("十十") == 0


@pytest.mark.parametrize(
    "text, expected",
    [
        ("培训干部两万余人次", ("两万余人次", 20000, "人次", "more_than")),
        ("群众满意度达百分之九十五", ("百分之九十五", 95, "%", "exact")),
        ("办结率达一〇〇%", ("一〇〇%", 100, "%", "exact")),
        ("开展专项执法检查５０余次", ("５０余次", 50, "次", "more_than")),
        ("開展專項執法檢查50餘次", ("50餘次", 50, "次", "more_than")),
    ],
)
def test_quantities_read_numerals_through_the_one_parser(text, expected):
    assert [(q.raw, q.value, q.unit, q.qualifier) for q in find_quantities(text)] == [expected]


def test_only_this_module_calls_opencc():
    # one copy of the simplified view: every other module asks analysis.chinese
    package = Path(chinese.__file__).parent
    callers = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "chinese.py" and re.search(r"^\s*(?:import opencc|from opencc)", path.read_text(encoding="utf-8"), re.M)
    )
    assert callers == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("普法宣传", ["普法", "法宣", "宣传"]), (" 普法", [" 普", "普法"]), ("法", []), ("", []), ("𠀋法", ["𠀋法"])],
)
def test_char_bigrams_are_every_two_consecutive_characters(text, expected):
    assert chinese.char_bigrams(text) == expected
