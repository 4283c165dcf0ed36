"""Tokenise reports with jieba and the domain lexicon.

One jieba ``Tokenizer`` per process, with the user dictionary loaded once.
Quantities (``50余次``, ``两万余人次``) are found first on the cleaned text and
kept as single tokens (POS ``m``), so fragments such as ``余次`` never reach
the counts; lexicon terms stay whole.

The tokenizer is jieba's, with its dictionary, user words and HMM; the
accurate mode's cut is done by rjieba (the Rust port of jieba) wherever it
gives jieba's words, else by jieba's route search done in one pass
(``segmenter.RustTokenizer``, ``segmenter.FastTokenizer``).  Both give the
same words as ``jieba.Tokenizer.cut`` (tests/test_tokenize.py compares them
on every report and on random text).  Without POS tags, ``tokenize`` cuts all
the paragraphs it is given as one text, quantities and paragraph ends marked
by private-use characters (``_marked_stream``): the same words, one call.

tokens — doc_id, role, token, pos, start, end
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import config, segmenter
from .lexicon import load_user_dict, stopwords
from .quantities import quantity_spans
from .segmenter import FastTokenizer, with_terms
from .structure import paragraphs

__all__ = ["TOKEN_COLUMNS", "Decisions", "FastTokenizer", "cut", "is_punct", "keep", "lexicon_terms", "tokenize", "tokenizer", "with_terms"]

TOKEN_COLUMNS = ["doc_id", "role", "token", "pos", "start", "end"]
NUMBER_RE = re.compile(r"^[0-9０-９.．%％]+$|^[零〇一二两三四五六七八九十百千万亿]+$")


@lru_cache(maxsize=2)
def tokenizer(terms_file: str = str(config.TERMS_FILE)) -> FastTokenizer:
    """The process's tokenizer with the domain terms added (built once).

    ``segmenter.RustTokenizer`` (rjieba where it gives jieba's words) when
    rjieba is installed, else ``FastTokenizer``.
    """
    if segmenter.available():
        return segmenter.build(terms_file)
    tok = with_terms(FastTokenizer(), terms_file)
    tok._table()
    return tok


@lru_cache(maxsize=2)
def _pos_tokenizer(terms_file: str = str(config.TERMS_FILE)):
    import jieba.posseg

    return jieba.posseg.POSTokenizer(tokenizer(terms_file))


@lru_cache(maxsize=2)
def lexicon_terms(terms_file: str = str(config.TERMS_FILE)) -> frozenset[str]:
    """The user-dictionary terms (kept even where a filter would drop them)."""
    return frozenset(term for term, _, _ in load_user_dict(terms_file))


def is_punct(token: str) -> bool:
    """True when *token* has no letter or digit (punctuation, symbols, spaces)."""
    return all(unicodedata.category(ch)[0] in "PSZC" for ch in token)


def cut(text: str, *, pos: bool = False) -> Iterator[tuple[str, str, int, int]]:
    """(token, pos, start, end) for *text*, quantities kept whole; nothing filtered."""
    for words, flags, start in _pieces(text, pos):
        for word, flag in zip(words, flags):
            yield word, flag, start, start + len(word)
            start += len(word)


def _pieces(text: str, pos: bool) -> Iterator[tuple[list[str], Sequence[str], int]]:
    """(words, their POS flags, offset of the first word) for the stretches of *text*: plain text and quantities."""
    cursor = 0
    for q_start, q_end in [*quantity_spans(text), (len(text), len(text))]:
        if cursor < q_start:
            plain = text[cursor:q_start]
            if pos:
                pairs = list(_pos_tokenizer().cut(plain))
                yield [p.word for p in pairs], [p.flag for p in pairs], cursor
            else:
                words = tokenizer().words(plain)
                yield words, ("",) * len(words), cursor
        if q_start < q_end:
            yield [text[q_start:q_end]], ("m",), q_start
        cursor = q_end


def keep(
    token: str,
    *,
    stop: frozenset[str],
    terms: frozenset[str],
    drop_stopwords: bool,
    drop_punct: bool,
    drop_single: bool,
    drop_numbers: bool,
    pos: str = "",
) -> bool:
    """The token filter shared by ``tokenize`` and the frequency stage."""
    if token in terms:
        return True
    if drop_punct and (not token.strip() or is_punct(token)):
        return False
    if drop_numbers and (pos == "m" or NUMBER_RE.match(token)):
        return False
    if drop_single and len(token) < 2:
        return False
    if drop_stopwords and token in stop:
        return False
    return True


class Decisions(dict):
    """``keep`` answered once per distinct (token, POS): ``decisions[token, pos]`` is True for a token kept.

    Most tokens repeat, so the tokeniser, the alignment of items and the
    frequency stage's pairs look each answer up instead of filtering every
    token again.  *extra* stopwords are dropped even where ``keep`` keeps a
    lexicon term.
    """

    def __init__(self, *, stop: frozenset[str], terms: frozenset[str], extra: Sequence[str] = (), **options: bool) -> None:
        super().__init__()
        self._stop, self._terms, self._extra, self._options = stop, terms, frozenset(extra), options

    def __missing__(self, key: tuple[str, str]) -> bool:
        token, pos = key
        decided = self[key] = token not in self._extra and keep(token, stop=self._stop, terms=self._terms, pos=pos, **self._options)
        return decided


DECISIONS_KEPT = 500_000  # answers kept from one call of tokenize to the next (a pipeline worker's chunks), at most


@lru_cache(maxsize=4)
def _kept_decisions(stop: frozenset[str], terms: frozenset[str], extra: tuple[str, ...], options: tuple) -> Decisions:
    return Decisions(stop=stop, terms=terms, extra=extra, **dict(options))


def _decisions(stop: frozenset[str], terms: frozenset[str], extra: tuple[str, ...], options: tuple) -> Decisions:
    """The filter's answers for these stopwords, terms and options, kept between calls: a worker's next chunk
    asks again about most of the same words (emptied past ``DECISIONS_KEPT`` answers)."""
    decided = _kept_decisions(stop, terms, extra, options)
    if len(decided) > DECISIONS_KEPT:
        decided.clear()
    return decided


def tokenize(
    reports: pd.DataFrame,
    *,
    pos: bool = False,
    drop_stopwords: bool = True,
    drop_punct: bool = True,
    drop_single: bool = True,
    drop_numbers: bool = True,
    extra_stopwords: tuple[str, ...] | list[str] = (),
) -> pd.DataFrame:
    """One row per token: doc_id, role (the section role), token, pos, start, end.

    *pos* adds jieba.posseg tags (slower); each ``drop_*`` filter can be
    switched off.  Offsets are into the cleaned ``text``.
    """
    stop = stopwords(extra=tuple(extra_stopwords))
    terms = lexicon_terms()
    options = dict(drop_stopwords=drop_stopwords, drop_punct=drop_punct, drop_single=drop_single, drop_numbers=drop_numbers)
    paras = paragraphs(reports)
    stream = None if pos else _marked_stream(paras)
    if stream is None:
        stream = _piece_stream(paras, pos)
    if stream is None:
        return _empty_tokens()
    word_codes, distinct, tag_codes, tag_values, para_of, starts, lengths = stream
    # The filter, answered once per distinct (token, pos) that occurs.
    decided = _decisions(stop, terms, tuple(extra_stopwords), tuple(options.items()))
    pair = word_codes * len(tag_values) + tag_codes
    answers = np.zeros(len(distinct) * len(tag_values), dtype=bool)
    words_of, tags_of = distinct.to_pylist(), tag_values.to_pylist()
    for code in np.flatnonzero(np.bincount(pair, minlength=len(answers))).tolist():
        answers[code] = decided[words_of[code // len(tag_values)], tags_of[code % len(tag_values)]]
    kept = answers[pair]
    if not kept.any():
        return _empty_tokens()
    para_of = para_of[kept]
    starts = starts[kept]
    table = pd.DataFrame(
        {
            "doc_id": _repeated(paras["doc_id"], para_of),
            "role": _repeated(paras["role"], para_of),
            "token": _strings(distinct, word_codes[kept]),
            "pos": _strings(tag_values, tag_codes[kept]),
            "start": starts,
            "end": starts + lengths[kept],
        }
    )
    return table


class Stream(NamedTuple):
    """Every token of the paragraphs, unfiltered, in order, each as codes and numbers."""

    word_codes: np.ndarray  # into *distinct*
    distinct: pa.Array  # the distinct words
    tag_codes: np.ndarray  # into *tag_values*
    tag_values: pa.Array  # the distinct POS tags ("" without pos; "m" for quantities)
    para_of: np.ndarray  # the token's paragraph: its row in ``paragraphs``
    starts: np.ndarray  # offsets into the report's cleaned text
    lengths: np.ndarray


# Private-use characters standing for a paragraph's end and for a quantity in the text of a chunk cut at once
# (``_marked_stream``).  jieba (and rjieba) cut a block of Han characters, letters and digits on its own and
# give any other character alone, but for \r\n, which they give as one word; such a mark belongs to no block
# and is no part of \r\n, so the words on either side of it are those of each side cut alone.
PARAGRAPH_MARK, QUANTITY_MARK = "\ue000", "\ue001"


def _marked_stream(paras: pd.DataFrame) -> Stream | None:
    """The tokens of every paragraph, cut as one text: the paragraphs joined, each ending in ``PARAGRAPH_MARK``,
    each quantity replaced by ``QUANTITY_MARK`` (and put back as one token, tagged m).

    The same tokens as cutting each stretch of plain text on its own (``_piece_stream``), with one call of
    the tokenizer and one list of words a chunk instead of one a stretch (docs/readme/scale.md, "Pipeline,
    session 37").  None — each stretch is then cut on its own — when there is no paragraph, when a mark
    occurs in the text itself, or where part of the text needs jieba's own code (``_cut_codes``), which
    then cuts only the stretches that need it.
    """
    texts = paras["text"].tolist()
    if not texts:
        return None
    parts: list[str] = []
    quantities: list[str] = []
    for text in texts:
        cursor = 0
        for q_start, q_end in quantity_spans(text):
            parts += (text[cursor:q_start], QUANTITY_MARK)
            quantities.append(text[q_start:q_end])
            cursor = q_end
        parts += (text[cursor:], PARAGRAPH_MARK)
    joined = "".join(parts)
    if joined.count(PARAGRAPH_MARK) != len(texts) or joined.count(QUANTITY_MARK) != len(quantities):
        return None  # a mark in the text: each stretch is cut on its own
    cut = _cut_codes(tokenizer(), joined)
    if cut is None:
        return None
    word_codes, distinct = cut
    ends = word_codes == pc.index(distinct, PARAGRAPH_MARK).as_py()
    marked = word_codes == pc.index(distinct, QUANTITY_MARK).as_py()  # -1 (none) when there is no quantity
    lengths = pc.utf8_length(distinct).to_numpy().astype(np.int64)[word_codes]
    if quantities:  # each mark becomes its quantity: a word of its own, with its own length
        q_codes, q_distinct = _encoded(quantities)
        word_codes[marked] = len(distinct) + q_codes
        lengths[marked] = pc.utf8_length(q_distinct).to_numpy().astype(np.int64)[q_codes]
        distinct = pa.concat_arrays([distinct, q_distinct])
    # each token's paragraph (the marks before it) and offset: the paragraph's start plus the lengths before it in the paragraph
    para_of = np.cumsum(ends) - ends
    lengths[ends] = 0
    first = np.concatenate(([0], np.flatnonzero(ends)[:-1] + 1))  # each paragraph's first token (or its mark)
    starts = _offsets(lengths, para_of, first, paras["start"].to_numpy(dtype=np.int64))
    words = ~ends
    tag_values = pa.array(["", "m"], type=pa.large_string())  # tag code 0 for words, 1 for quantities
    return Stream(word_codes[words], distinct, marked[words].astype(np.int64), tag_values, para_of[words], starts[words], lengths[words])


def _cut_codes(tok: FastTokenizer, text: str) -> tuple[np.ndarray, pa.Array] | None:
    """``_encoded(tok.words(text))``: the words cut first as *tok* can cut a long text at once
    (``words_unsplit``), then, among their distinct values, those it gives in parts split (``split_words``);
    None where part of the text needs jieba's own code (a word of frequency 0 or forced apart, a dictionary
    word of letters and digits joined by . _ -): cut at once, all of it would go through jieba's slower code."""
    words = tok.words_unsplit(text)
    if words is None:
        return None
    codes, distinct = _encoded(words)
    distinct_words = distinct.to_pylist()
    parts = tok.split_words(distinct_words)
    if parts is None:
        return None
    if not parts:
        return codes, distinct
    # each distinct word's parts (itself alone for most), and each token replaced by the parts of its word
    pieces = [parts.get(word, (word,)) for word in distinct_words]
    sizes = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    part_codes, part_distinct = _encoded([piece for word_pieces in pieces for piece in word_pieces])
    counts = sizes[codes]
    taken = np.repeat(np.cumsum(sizes)[codes] - counts, counts) + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return part_codes[taken], part_distinct


def _piece_stream(paras: pd.DataFrame, pos: bool) -> Stream | None:
    """The tokens of every paragraph, each stretch of plain text cut on its own (with *pos*, tagged by
    jieba.posseg), each quantity a token (tagged m); None when there is none."""
    words: list[str] = []  # every token of every paragraph, unfiltered
    tags: list[str] = []  # with pos: every token's tag
    piece_start: list[int] = []  # per stretch of text (plain or quantity): its offset, its paragraph, its tokens
    piece_para: list[int] = []
    piece_size: list[int] = []
    piece_tag: list[str] = []  # without pos: the one tag of the stretch's tokens, "" or "m"
    for number, (text, para_start) in enumerate(zip(paras["text"].tolist(), paras["start"].tolist())):
        for cut_words, cut_tags, offset in _pieces(text, pos):
            words.extend(cut_words)
            if pos:
                tags.extend(cut_tags)  # quantities are "m"
            elif cut_words:
                piece_tag.append(cut_tags[0])  # quantities are "m" even without pos; plain text ""
            piece_start.append(para_start + offset)
            piece_para.append(number)
            piece_size.append(len(cut_words))
    if not words:
        return None
    # Each distinct token and POS once (a corpus repeats its words: 1.5 million tokens, 8,000 distinct):
    # their lengths, the filter's answers and the text columns are taken from them by code.
    word_codes, distinct = _encoded(words)
    sizes = np.asarray(piece_size, dtype=np.int64)
    tag_codes, tag_values = _encoded(tags) if pos else _piece_tags(piece_tag, sizes[sizes > 0])
    lengths = pc.utf8_length(distinct).to_numpy()[word_codes]
    # Offsets: each piece's start plus the lengths of the tokens before in the piece (``_offsets``).
    piece_of = np.repeat(np.arange(len(sizes)), sizes)
    starts = _offsets(lengths, piece_of, np.cumsum(sizes) - sizes, np.asarray(piece_start, dtype=np.int64))
    para_of = np.asarray(piece_para, dtype=np.int64)[piece_of]
    return Stream(word_codes, distinct, tag_codes, tag_values, para_of, starts, lengths)


def _offsets(lengths: np.ndarray, group_of: np.ndarray, first: np.ndarray, group_start: np.ndarray) -> np.ndarray:
    """Each token's offset: its group's start (*group_start*, a paragraph's or a stretch's) plus the *lengths* of
    the tokens before it in its group (*group_of*: each token's group; *first*: each group's first token)."""
    before = np.cumsum(lengths) - lengths
    return group_start[group_of] + before - before[first][group_of]


_STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default text column ("str"), as a list of Python strings gives


def _encoded(values: list[str]) -> tuple[np.ndarray, pa.Array]:
    """*values* as codes into their distinct values (in order of first appearance): ``distinct[codes[i]] == values[i]``."""
    encoded = pc.dictionary_encode(pa.array(values, type=pa.large_string()))
    return encoded.indices.to_numpy().astype(np.int64), encoded.dictionary


def _piece_tags(tags: list[str], sizes: np.ndarray) -> tuple[np.ndarray, pa.Array]:
    """``_encoded`` of every token's tag when each stretch of text has one tag (*tags*) for its *sizes* tokens,
    without a list of a tag per token."""
    distinct = list(dict.fromkeys(tags))  # in order of first appearance, as _encoded gives them
    codes = np.asarray([distinct.index(tag) for tag in tags], dtype=np.int64)
    return np.repeat(codes, sizes), pa.array(distinct, type=pa.large_string())


def _strings(distinct: pa.Array, codes: np.ndarray) -> pd.api.extensions.ExtensionArray | list:
    """A text column: the *distinct* values at *codes*, in pandas' default text type, taken inside Arrow."""
    values = distinct.take(pa.array(codes, type=pa.int64()))
    if pd.Series([""]).dtype != _STR:  # pandas set to keep text as Python objects: as a list gives
        return values.to_pylist()
    return pd.arrays.ArrowStringArray(values, dtype=_STR)


def _repeated(column: pd.Series, rows: np.ndarray) -> pd.api.extensions.ExtensionArray | list:
    """*column*'s values at *rows* (a paragraph's doc_id and role for each of its tokens), in the column's own type.

    A text column is taken inside Arrow: its strings are not made into Python
    objects and converted back, as a list would be.
    """
    if column.dtype == _STR:
        return column.array.take(rows)
    return column.to_numpy(dtype=object)[rows].tolist()


def _empty_tokens() -> pd.DataFrame:
    table = pd.DataFrame([], columns=TOKEN_COLUMNS)  # text columns stay object (empty lists would make float columns)
    table["start"] = table["start"].astype("int64")
    table["end"] = table["end"].astype("int64")
    return table
