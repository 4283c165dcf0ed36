"""Tokenisation: lexicon terms whole, quantities whole, filters switchable."""

from __future__ import annotations

import re

import jieba
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.lexicon import load_user_dict, stopwords
from analysis.tokenize import TOKEN_COLUMNS, FastTokenizer, cut, tokenize, tokenizer, with_terms


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


# ------------------------------------------------------------------ the fast route is jieba's route


@pytest.fixture(scope="module")
def plain_jieba():
    """jieba's own Tokenizer with the same user dictionary, as the reference."""
    return with_terms(jieba.Tokenizer())


def test_the_fast_tokenizer_cuts_every_report_as_jieba_does(reports, plain_jieba):
    fast = tokenizer()
    assert isinstance(fast, FastTokenizer)
    for text in reports["text"]:
        expected = plain_jieba.lcut(text)
        assert fast.words(text) == expected
        assert fast.lcut(text) == expected  # Tokenizer.cut goes through the same route


# Han characters of the reports and of rare words, digits, letters, spaces and punctuation:
# runs of known words, unknown runs for the HMM, and every kind of block boundary.
ALPHABET = (
    "法治政府建设年度报告乡镇村依法行政执法检查调解纠纷普法宣传网格员枫桥经验明白人龘靐齉爩鱻" + "0123456789abcXYZ.%+-_# \n，。、（）"
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_the_fast_tokenizer_equals_jieba_on_any_text(plain_jieba, text):
    assert tokenizer().words(text) == plain_jieba.lcut(text)


def test_ties_go_to_the_longer_first_word_as_in_jieba():
    """龘靐|齉 and 龘|靐齉 score exactly the same here; jieba's max over (score, end) takes the longer first word."""
    words = [("龘靐", 100), ("靐齉", 100), ("龘", 7), ("齉", 7)]
    fast, reference = FastTokenizer(), jieba.Tokenizer()
    for tok in (fast, reference):
        tok.initialize()
        for word, freq in words:
            tok.add_word(word, freq)
    assert fast.words("龘靐齉") == reference.lcut("龘靐齉") == ["龘靐", "齉"]


def test_words_added_or_deleted_later_are_honoured():
    fast, reference = FastTokenizer(), jieba.Tokenizer()
    fast.initialize()
    reference.initialize()
    text = "杨树沟村的调解员走进龘靐齉法律服务站"
    assert "沟村" in fast.words(text)  # found by the HMM, and remembered
    try:
        for tok in (fast, reference):
            tok.add_word("龘靐齉法律服务站", 50000)
            tok.del_word("沟村")  # freq 0: the HMM must now split it
        assert fast.words(text) == reference.lcut(text)
        assert "龘靐齉法律服务站" in fast.words(text) and "沟村" not in fast.words(text)
    finally:
        jieba.finalseg.Force_Split_Words.discard("沟村")  # jieba keeps forced splits process-wide


def test_a_new_dictionary_or_an_edited_one_is_used(tmp_path):
    small = tmp_path / "small.txt"
    small.write_text("网 5 n\n格化管 5 n\n理 5 n\n", encoding="utf-8")
    fast, reference = with_terms(FastTokenizer()), with_terms(jieba.Tokenizer())
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


def test_a_word_forced_apart_by_another_tokenizer_is_forced_apart_here():
    """jieba's forced splits (words of frequency 0) hold for every tokenizer of the process."""
    fast, other = FastTokenizer(), jieba.Tokenizer()
    fast.initialize()
    other.initialize()
    text = "杨树沟村的调解员"
    assert "沟村" in fast.words(text)  # from the HMM, now remembered
    try:
        other.del_word("沟村")
        assert "沟村" not in fast.words(text)
        assert fast.words(text) == other.lcut(text)
    finally:
        jieba.finalseg.Force_Split_Words.discard("沟村")


def test_a_negative_frequency_is_named():
    fast = FastTokenizer()
    fast.initialize()
    fast.add_word("龘靐", -5)
    with pytest.raises(ValueError, match="龘靐.*negative frequency"):
        fast.words("法治")
