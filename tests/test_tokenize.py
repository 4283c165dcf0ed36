"""Tokenisation: lexicon terms whole, quantities whole, filters switchable."""

from __future__ import annotations

import importlib
import re

import jieba
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import segmenter
from analysis.lexicon import load_user_dict, stopwords
from analysis.quantities import quantity_spans
from analysis.segmenter import RustTokenizer
from analysis.structure import paragraphs
from analysis.tokenize import (
    TOKEN_COLUMNS,
    FastTokenizer,
    _cut_codes,
    _marked_stream,
    _pos_tokenizer,
    cut,
    tokenize,
    tokenizer,
    with_terms,
)

tokenize_module = importlib.import_module("analysis.tokenize")  # the package's name tokenize is the function


@pytest.fixture(scope="module")
def tokens(reports):
    return tokenize(reports)


@pytest.fixture(scope="module")
def raw_tokens(reports):
    return tokenize(reports, drop_stopwords=False, drop_punct=False, drop_single=False, drop_numbers=False)


def test_every_lexicon_term_in_the_corpus_is_one_token(reports, raw_tokens):
    """Every occurrence of a term comes out as one token, unless an overlapping
    lexicon term was chosen there instead (数字法治|政府 vs 法治政府)."""
    terms = [t for t, _, _ in load_user_dict()]
    term_set = set(terms)
    missing = []
    for doc_id, text in zip(reports["doc_id"], reports["text"]):
        doc = raw_tokens[raw_tokens["doc_id"] == doc_id]
        for term in terms:
            for match in re.finditer(re.escape(term), text):
                start, end = match.span()
                covering = doc[(doc["start"] < end) & (doc["end"] > start)]["token"].tolist()
                if covering == [term]:
                    continue
                if any(tok in term_set and tok != term for tok in covering):
                    continue  # another lexicon term overlaps this occurrence
                missing.append((term, doc_id[:3], start, covering))
    assert missing == []


@pytest.mark.parametrize(
    "term", ["习近平法治思想", "枫桥经验", "法律明白人", "三重一大", "四议两公开", "12345", "执法记录仪", "剧本杀", "神树镇", "乌马河镇"]
)
def test_domain_terms_whole(tokens, term):
    assert (tokens["token"] == term).any()


def test_no_quantity_fragments(tokens, raw_tokens):
    fragments = {"余次", "余件", "余条", "余份", "余起", "余人", "余名", "余人次", "余张", "余册", "余家", "余个"}
    assert not set(tokens["token"]) & fragments
    assert not set(raw_tokens["token"]) & fragments
    quantities = raw_tokens[raw_tokens["pos"] == "m"]["token"].tolist()
    for q in ["50余次", "2242件", "21457元", "40余起", "2000余册", "1—2个", "308人", "100%"]:
        assert q in quantities


def test_filters(tokens, raw_tokens):
    stop = stopwords()
    kept = set(tokens["token"])
    assert "法治" in kept
    assert not kept & {"的", "和", "，", "。", "进一步", "切实"}
    assert all(len(t) > 1 or t in {"12345"} for t in kept)
    assert not any(t in stop for t in kept if t not in {"12345"})
    assert {"的", "，", "进一步"} <= set(raw_tokens["token"])
    assert list(tokens.columns) == TOKEN_COLUMNS


def test_offsets_point_into_the_text(reports, raw_tokens):
    texts = reports.set_index("doc_id")["text"]
    sample = raw_tokens.sample(500, random_state=0)
    assert all(texts[r.doc_id][r.start : r.end] == r.token for r in sample.itertuples())


def test_roles_attached(tokens):
    doc = tokens[tokens["doc_id"].str.startswith("000")]
    assert set(doc["role"]) == {"title", "preamble", "achievements", "problems", "plans"}
    assert "特殊人群" in doc[doc["role"] == "problems"]["token"].tolist()


def test_extra_stopwords_and_pos(reports):
    table = tokenize(reports.head(1), extra_stopwords=["法治"], pos=True)
    assert "法治" not in set(table["token"])
    tagged = dict(zip(table["token"], table["pos"]))
    assert tagged["神树镇"] == "nz" and tagged["群众"] == "n"


def test_cut_keeps_quantities_whole():
    pieces = [t for t, *_ in cut("累计开展专项执法检查50余次，发放宣传册两万余份。")]
    assert "50余次" in pieces and "两万余份" in pieces and "余次" not in pieces


def test_empty_input(reports):
    table = tokenize(reports.head(0))
    assert table.empty and list(table.columns) == TOKEN_COLUMNS


def test_a_report_with_no_token_kept_gives_the_empty_table_with_text_columns(reports):
    """Not float columns (which the cache could not put beside other reports' text)."""
    table = tokenize(reports.head(1).assign(text="。。。\n123"))
    assert table.empty
    assert table.dtypes.to_dict() == tokenize(reports.head(0)).dtypes.to_dict()
    assert not any(pd.api.types.is_float_dtype(table[c]) for c in TOKEN_COLUMNS)


# ------------------------------------------------------------------ both fast tokenizers give jieba's words
# FastTokenizer (jieba's route search in one pass) and RustTokenizer (rjieba where it gives jieba's words,
# jieba's code where it would not) are held to jieba's own Tokenizer by the same tests.

CLASSES = [FastTokenizer, RustTokenizer]


@pytest.fixture(scope="module")
def jiebas_tables():
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok.FREQ, tok.total


@pytest.fixture(scope="module")
def fresh(jiebas_tables):
    """fresh(cls): a new, initialised tokenizer of *cls* with jieba's default dictionary (its tables copied, not read again)."""

    def make(cls):
        tok = cls()
        tok.FREQ, tok.total, tok.initialized = dict(jiebas_tables[0]), jiebas_tables[1], True
        return tok

    return make


@pytest.fixture(scope="module")
def plain_jieba(fresh):
    """jieba's own Tokenizer with the same user dictionary, as the reference."""
    return with_terms(fresh(jieba.Tokenizer))


@pytest.fixture(scope="module", params=["package", "FastTokenizer", "RustTokenizer"])
def fast(request, fresh):
    """The package's tokenizer (rjieba, domain terms preset) and each class with the terms added by jieba's add_word."""
    if request.param == "package":
        return tokenizer()
    return with_terms(fresh({"FastTokenizer": FastTokenizer, "RustTokenizer": RustTokenizer}[request.param]))


def test_the_package_tokenizer_is_rjieba_with_jiebas_dictionary_checked():
    tok = tokenizer()
    assert isinstance(tok, RustTokenizer)
    assert segmenter.resolve()["rjieba_default_is_jieba"]  # rjieba's built-in dictionary was compared with jieba's
    assert tok.engine() is not None


def test_rjiebas_builtin_dictionary_is_jiebas(fresh):
    reference = fresh(jieba.Tokenizer)
    assert segmenter.default_dictionary_is_jiebas(reference)
    reference.add_word("法治", 1)  # one frequency changed: the check must notice
    assert not segmenter.default_dictionary_is_jiebas(reference)


def test_every_report_is_cut_as_jieba_does(reports, plain_jieba, fast):
    for text in reports["text"]:
        expected = plain_jieba.lcut(text)
        assert fast.words(text) == expected
        assert fast.lcut(text) == expected  # Tokenizer.cut goes through the same route


# Han characters of the reports and of rare words, digits, letters, spaces and punctuation:
# runs of known words, unknown runs for the HMM, and every kind of block boundary;
# characters rjieba counts as Han and jieba does not (U+9FD6, extension A, B, compatibility).
ALPHABET = (
    "法治政府建设年度报告乡镇村依法行政执法检查调解纠纷普法宣传网格员枫桥经验明白人龘靐齉爩鱻"
    + "0123456789abcXYZ.%+-_# \n，。、（）"
    + "\u9fd6㐀\U00020000\uf900"
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_the_package_tokenizer_equals_jieba_on_any_text(plain_jieba, text):
    assert tokenizer().words(text) == plain_jieba.lcut(text)


@pytest.fixture(scope="module")
def route(fresh):
    return with_terms(fresh(FastTokenizer))


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_the_fast_route_equals_jieba_on_any_text(plain_jieba, route, text):
    assert route.words(text) == plain_jieba.lcut(text)


@pytest.mark.parametrize("text", ["鿖鿖法治", "㐀㐁依法行政", "𠀀𠀁法治政府", "豈更法治", "网格员 鿖\n鿖调解"])
def test_characters_jieba_does_not_count_as_han_stand_alone(plain_jieba, fast, text):
    """rjieba would join them to their neighbours; jieba gives each alone."""
    assert fast.words(text) == plain_jieba.lcut(text)


@pytest.mark.parametrize("cls", CLASSES)
def test_ties_go_to_the_longer_first_word_as_in_jieba(cls, fresh):
    """龘靐|齉 and 龘|靐齉 score exactly the same here; jieba's max over (score, end) takes the longer first word."""
    words = [("龘靐", 100), ("靐齉", 100), ("龘", 7), ("齉", 7)]
    fast, reference = fresh(cls), fresh(jieba.Tokenizer)
    for tok in (fast, reference):
        for word, freq in words:
            tok.add_word(word, freq)
    assert fast.words("龘靐齉") == reference.lcut("龘靐齉") == ["龘靐", "齉"]


@pytest.mark.parametrize("cls", CLASSES)
def test_words_added_or_deleted_later_are_honoured(cls, fresh):
    fast, reference = fresh(cls), fresh(jieba.Tokenizer)
    text = "杨树沟村的调解员走进龘靐齉法律服务站"
    assert "沟村" in fast.words(text)  # found by the HMM (and remembered by FastTokenizer)
    try:
        for tok in (fast, reference):
            tok.add_word("龘靐齉法律服务站", 50000)
            tok.del_word("沟村")  # freq 0: the HMM must now split it
        assert fast.words(text) == reference.lcut(text)
        assert "龘靐齉法律服务站" in fast.words(text) and "沟村" not in fast.words(text)
    finally:
        jieba.finalseg.Force_Split_Words.discard("沟村")  # jieba keeps forced splits process-wide


@pytest.mark.parametrize("cls", CLASSES)
def test_a_deleted_dictionary_word_is_not_cut_out(cls, fresh):
    """调解员 is in jieba's dictionary; deleted, jieba cuts 调解|员, and rjieba cannot delete a word."""
    fast, reference = fresh(cls), fresh(jieba.Tokenizer)
    text = "村里的调解员和网格员一起走访"
    try:
        for tok in (fast, reference):
            tok.del_word("调解员")
        assert fast.words(text) == reference.lcut(text)
        assert "调解员" not in fast.words(text) and "村里" in fast.words(text)
        other = "网格员一起走访调解"  # no deleted word in it: rjieba may cut it
        assert fast.words(other) == reference.lcut(other)
        fast.add_word("调解员", 30000)  # and back again
        reference.add_word("调解员", 30000)
        assert fast.words(text) == reference.lcut(text)
    finally:
        jieba.finalseg.Force_Split_Words.discard("调解员")


@pytest.mark.parametrize("cls", CLASSES)
def test_reweighted_dictionary_words_count_twice_in_jiebas_total(cls, reports, fresh):
    """jieba adds a re-weighted word's new frequency to its total without taking the old one off."""
    fast, reference = fresh(cls), fresh(jieba.Tokenizer)
    for tok in (fast, reference):
        for word, freq in [("法治", 10**7), ("政府", 10**7), ("建设", 3), ("法治政府", 5)]:
            tok.add_word(word, freq)
    assert fast.total == reference.total
    text = reports["text"].iloc[0]
    assert fast.words(text) == reference.lcut(text)


@pytest.mark.parametrize("cls", CLASSES)
def test_a_new_dictionary_or_an_edited_one_is_used(cls, tmp_path, fresh):
    small = tmp_path / "small.txt"
    small.write_text("网 5 n\n格化管 5 n\n理 5 n\n", encoding="utf-8")
    fast, reference = with_terms(fresh(cls)), with_terms(fresh(jieba.Tokenizer))
    assert fast.words("网格化管理") == reference.lcut("网格化管理")
    for tok in (fast, reference):
        tok.set_dictionary(str(small))
    assert fast.words("网格化管理") == reference.lcut("网格化管理") == ["网", "格化管", "理"]
    for tok in (fast, reference):
        tok.FREQ["网格"] = 10**9  # a new word edited in: the dictionary's size and total change, which is noticed
        tok.total += 10**9
    assert fast.words("网格化管理") == reference.lcut("网格化管理")
    fast.FREQ["格化管"], reference.FREQ["格化管"] = 0, 0  # same size, same total: the fast one must be told
    fast.forget()
    assert fast.words("网格化管理") == reference.lcut("网格化管理")


@pytest.mark.parametrize("cls", CLASSES)
def test_a_word_forced_apart_by_another_tokenizer_is_forced_apart_here(cls, fresh):
    """jieba's forced splits (words of frequency 0) hold for every tokenizer of the process."""
    fast, other = fresh(cls), fresh(jieba.Tokenizer)
    text = "杨树沟村的调解员"
    assert "沟村" in fast.words(text)  # from the HMM (remembered by FastTokenizer)
    try:
        other.del_word("沟村")
        assert "沟村" not in fast.words(text)
        assert fast.words(text) == other.lcut(text)
    finally:
        jieba.finalseg.Force_Split_Words.discard("沟村")


@pytest.mark.parametrize("cls", CLASSES)
def test_a_negative_frequency_is_named(cls, fresh):
    fast = fresh(cls)
    fast.add_word("龘靐", -5)
    with pytest.raises(ValueError, match="龘靐.*negative frequency"):
        fast.words("龘靐法治")


def test_the_package_tokenizer_edited_later_still_equals_jieba(reports):
    """Its preset terms reach jieba's own tables when they are first needed (here: add_word)."""
    tok, reference = segmenter.build(), with_terms(jieba.Tokenizer())
    assert not tok.initialized  # jieba's tables are not loaded to cut
    text = reports["text"].iloc[1]
    assert tok.words(text) == reference.lcut(text)
    for t in (tok, reference):
        t.add_word("深入学习贯彻", 20000, "v")
    assert tok.total == reference.total
    assert tok.words(text) == reference.lcut(text)
    assert "深入学习贯彻" in tok.words(text)


def test_pos_tags_are_jieba_possegs(reports, plain_jieba):
    """rjieba.tag differs from jieba.posseg (its own HMM of words and tags), so POS tagging stays jieba's."""
    import jieba.posseg

    text = reports["text"].iloc[0]
    reference = [(p.word, p.flag) for p in jieba.posseg.POSTokenizer(plain_jieba).cut(text)]
    assert [(p.word, p.flag) for p in _pos_tokenizer().cut(text)] == reference
    first = [(p.word, p.flag) for p in jieba.posseg.POSTokenizer(segmenter.build()).cut(text)]  # user tags from the first cut
    assert first == reference
    assert ("依法行政", "nz") in first  # a dictionary word the terms file tags nz


def test_the_filter_answers_kept_between_calls_follow_each_calls_options(reports):
    town = reports.head(1)
    kept_stopwords = tokenize(town, drop_stopwords=False)
    dropped = tokenize(town)
    again = tokenize(town, drop_stopwords=False)
    extra = tokenize(town, extra_stopwords=("法治",))
    assert "加强" in set(kept_stopwords["token"]) and "加强" not in set(dropped["token"])  # a domain stopword
    pd.testing.assert_frame_equal(again, kept_stopwords)
    assert "法治" in set(dropped["token"]) and "法治" not in set(extra["token"])
    assert len(extra) < len(dropped) < len(kept_stopwords)


# ------------------------------------------------------------------ the tokens table: a chunk of reports cut at once
# tokenize cuts all the paragraphs of its reports as one text (each quantity and each paragraph's end marked
# by a private-use character); each stretch of plain text must still get jieba's own words for it alone.


def jiebas_tokens(reports: pd.DataFrame, reference: jieba.Tokenizer) -> list[tuple[str, str, int]]:
    """(doc_id, token, start) of every token: jieba's cut of each stretch of plain text between the quantities."""
    rows = []
    paras = paragraphs(reports)
    for doc_id, text, start in zip(paras["doc_id"], paras["text"], paras["start"]):
        cursor = 0
        for q_start, q_end in [*quantity_spans(text), (len(text), len(text))]:
            for word in reference.lcut(text[cursor:q_start]):
                rows.append((doc_id, word, start + cursor))
                cursor += len(word)
            if q_start < q_end:
                rows.append((doc_id, text[q_start:q_end], start + q_start))
            cursor = q_end
    return rows


def unfiltered(reports: pd.DataFrame) -> list[tuple[str, str, int]]:
    table = tokenize(reports, drop_stopwords=False, drop_punct=False, drop_single=False, drop_numbers=False)
    assert (table["end"] - table["start"] == table["token"].str.len()).all()
    return list(zip(table["doc_id"], table["token"], table["start"]))


def test_the_reports_cut_at_once_give_jiebas_words_of_each_stretch(reports, plain_jieba):
    assert _marked_stream(paragraphs(reports)) is not None  # the five reports are cut at once
    assert unfiltered(reports) == jiebas_tokens(reports, plain_jieba)


MIXED = (
    "一、主要工作成效\n"
    "围绕2021-2025年普法规划，开展“6.26”国际禁毒日宣传3场次，发放资料1.5万份。\n"
    "V2.0版本的a_b系统上线，网格员走访2-1-1-5-2号楼12户，人均2.5小时。\n"
    "\n"
    "二、存在的问题\n"
    "调解员队伍不稳定。"
)


def test_letters_and_digits_joined_by_dots_and_dashes_are_split_as_jieba_splits_them(reports, plain_jieba):
    """rjieba keeps 2021-2025 or 6.26 whole where jieba splits some of them: cut at once, they are split after."""
    chunk = reports.head(2).assign(text=[reports["text"].iloc[0] + "\n" + MIXED, MIXED])
    assert _marked_stream(paragraphs(chunk)) is not None
    got = unfiltered(chunk)
    assert got == jiebas_tokens(chunk, plain_jieba)
    tokens = [token for _, token, _ in got]
    assert "2021" in tokens and "2025" in tokens and "2021-2025" not in tokens


def test_a_text_holding_the_marks_themselves_is_cut_stretch_by_stretch(reports, plain_jieba):
    text = MIXED + "\n文中本有私用区字符\ue000和\ue001，开展检查5次。"
    chunk = reports.head(1).assign(text=text)
    assert _marked_stream(paragraphs(chunk)) is None
    got = unfiltered(chunk)
    assert got == jiebas_tokens(chunk, plain_jieba)
    assert ("\ue000" in [token for _, token, _ in got]) and "5次" in [token for _, token, _ in got]


def stretch_by_stretch(reports: pd.DataFrame, monkeypatch: pytest.MonkeyPatch, **options) -> pd.DataFrame:
    """tokenize as it cuts a text holding a mark: each stretch of plain text on its own."""
    with monkeypatch.context() as patched:
        patched.setattr(tokenize_module, "_marked_stream", lambda paras: None)
        return tokenize(reports, **options)


UNFILTERED = dict(drop_stopwords=False, drop_punct=False, drop_single=False, drop_numbers=False)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=ALPHABET + "次件人余万场份\r\u0301\ue000\ue001", max_size=80), min_size=1, max_size=4))
def test_any_reports_cut_at_once_give_jiebas_words_of_each_stretch(reports, plain_jieba, texts):
    chunk = pd.concat([reports.head(1)] * len(texts), ignore_index=True)
    chunk = chunk.assign(text=texts, doc_id=[f"r{i}" for i in range(len(texts))], n_chars=[len(t) for t in texts])
    assert unfiltered(chunk) == jiebas_tokens(chunk, plain_jieba)
    with pytest.MonkeyPatch.context() as monkeypatch:  # every column, the roles and the tags too
        assert tokenize(chunk, **UNFILTERED).equals(stretch_by_stretch(chunk, monkeypatch, **UNFILTERED))
        assert tokenize(chunk).equals(stretch_by_stretch(chunk, monkeypatch))


def test_a_chunk_holding_a_deleted_word_is_cut_stretch_by_stretch(reports, fresh, monkeypatch):
    """A word of frequency 0 sends rjieba's cut to jieba's own code: at once, the whole chunk would go there."""
    tok, reference = with_terms(fresh(RustTokenizer)), with_terms(fresh(jieba.Tokenizer))
    try:
        for t in (tok, reference):
            t.del_word("调解员")  # in jieba's dictionary and in the reports
        monkeypatch.setattr(tokenize_module, "tokenizer", lambda: tok)
        chunk = reports.head(3)
        assert any("调解员" in text for text in chunk["text"])
        assert _marked_stream(paragraphs(chunk)) is None
        got = unfiltered(chunk)
        assert got == jiebas_tokens(chunk, reference)
        assert "调解员" not in {token for _, token, _ in got}
    finally:
        jieba.finalseg.Force_Split_Words.discard("调解员")  # jieba keeps forced splits process-wide


@pytest.mark.parametrize("cls", CLASSES)
def test_a_text_cut_at_once_is_jiebas_cut_when_a_joined_word_is_a_dictionary_word(cls, fresh):
    """2021-2025 added to the dictionary: rjieba's whole word must not be split; the text is left to jieba's code,
    stretch by stretch (which still splits 2026-01-27, which rjieba keeps whole too)."""
    fast, reference = fresh(cls), fresh(jieba.Tokenizer)
    text = "围绕2021-2025年规划，开展6.26宣传；版本V2.0于2026-01-27上线"
    codes, distinct = _cut_codes(fast, text)
    assert [distinct[c].as_py() for c in codes] == reference.lcut(text)
    for tok in (fast, reference):
        tok.add_word("2021-2025", 100)
    cut = _cut_codes(fast, text)
    if cls is RustTokenizer:
        assert cut is None  # rjieba's joined words hold a dictionary word
    else:
        assert [cut[1][c].as_py() for c in cut[0]] == reference.lcut(text)
    assert fast.words(text) == reference.lcut(text)
    assert "2021-2025" in reference.lcut(text) and "2026-01-27" not in reference.lcut(text)
