"""Tokenise reports with jieba and the domain lexicon.

One jieba ``Tokenizer`` per process, with the user dictionary loaded once.
Quantities (``50余次``, ``两万余人次``) are found first on the cleaned text and
kept as single tokens (POS ``m``), so fragments such as ``余次`` never reach
the counts; lexicon terms stay whole.

The tokenizer is jieba's, with its dictionary, user words and HMM; only the
route search of its accurate mode (``get_DAG`` + ``calc``, pure Python and
most of jieba's time) is done by ``FastTokenizer.cut_block`` in one pass with
the log-probabilities worked out once.  It gives the same words as
``jieba.Tokenizer.cut`` (tests/test_tokenize.py compares them on every report
and on random text) in about 40 % of the time.

tokens — doc_id, role, token, pos, start, end
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator, Sequence
from functools import lru_cache
from math import log

import jieba
import pandas as pd
from jieba import finalseg

from . import config
from .lexicon import load_user_dict, stopwords
from .quantities import quantity_spans
from .structure import paragraphs

TOKEN_COLUMNS = ["doc_id", "role", "token", "pos", "start", "end"]
NUMBER_RE = re.compile(r"^[0-9０-９.．%％]+$|^[零〇一二两三四五六七八九十百千万亿]+$")


_MISSING = object()
HMM_MEMO_SIZE = 200_000  # unknown-character runs whose HMM cut is remembered (cleared when full)


class FastTokenizer(jieba.Tokenizer):
    """``jieba.Tokenizer`` whose accurate mode with HMM finds the same route faster.

    jieba builds a dict of word ends for every position (``get_DAG``), then
    takes the best route backwards with ``max`` over a generator that calls
    ``log`` for every candidate (``calc``).  ``cut_block`` does both in one
    backward pass over a table word → log(freq) − log(total) made once (the
    same float operations in the same order, ties going to the longer word as
    with jieba's tuples), and remembers the HMM cut of unknown-character runs.
    Everything else — dictionary, user words, POS tagging (which still uses
    jieba's own methods), ``cut_all``, ``HMM=False`` — is jieba's.

    The table is made again whenever the dictionary object, its size or
    jieba's total changes (``add_word``, ``del_word``, ``suggest_freq``,
    ``set_dictionary``); code that edits ``FREQ`` in place without any of
    these must call ``forget()``.  The HMM memo is dropped whenever a word
    gets frequency 0 (jieba's forced splits are process-wide).
    """

    def __init__(self, dictionary=jieba.DEFAULT_DICT):
        super().__init__(dictionary)
        self._route: tuple[tuple[int, float, int], dict[str, float | None], float] | None = None
        self._hmm: dict[str, list[str]] = {}
        self._forced = -1

    def add_word(self, word, freq=None, tag=None):
        super().add_word(word, freq, tag)
        self.forget()

    def forget(self) -> None:
        """Drop the log-probability table and the HMM memo (made again on the next cut)."""
        self._route = None
        self._hmm.clear()

    def _table(self) -> tuple[dict[str, float | None], float]:
        """(word → log(freq) − log(total), None for a prefix; the score of a character not in the dictionary)."""
        self.check_initialized()
        freq, total = self.FREQ, self.total
        state = (id(freq), total, len(freq))
        route = self._route
        if route is None or route[0] != state:
            words = dict(freq)  # one copy: another thread may add words meanwhile
            logtotal = log(total)
            try:
                table = {w: (log(f) - logtotal if f else None) for w, f in words.items()}
            except ValueError:
                bad = next(w for w, f in words.items() if f < 0)
                raise ValueError(f"jieba dictionary word {bad!r} has a negative frequency ({words[bad]})") from None
            route = self._route = (state, table, 0.0 - logtotal)  # jieba: log(FREQ.get(w) or 1) - logtotal
        return route[1], route[2]

    def _Tokenizer__cut_DAG(self, sentence):  # what Tokenizer.cut calls in accurate mode with HMM
        return iter(self.cut_block(sentence))

    def cut_block(self, sentence: str) -> list[str]:
        """The words of one block of Han characters, letters and digits (jieba's ``__cut_DAG``)."""
        logp, fallback = self._table()
        get = logp.get
        missing = _MISSING
        n = len(sentence)
        score = [0.0] * (n + 1)
        ends = [0] * (n + 1)
        for idx in range(n - 1, -1, -1):
            best = None
            end = idx + 1
            i = idx + 1
            lp = get(sentence[idx], missing)
            while lp is not missing:  # every dictionary word (or prefix) starting at idx
                if lp is not None:
                    s = lp + score[i]
                    if best is None or s >= best:
                        best, end = s, i
                if i >= n:
                    break
                i += 1
                lp = get(sentence[idx:i], missing)
            if best is None:
                best = fallback + score[idx + 1]
            score[idx] = best
            ends[idx] = end
        words: list[str] = []
        buf = ""
        x = 0
        while x < n:
            y = ends[x]
            if y - x == 1:
                buf += sentence[x]
            else:
                if buf:
                    self._flush(buf, words)
                    buf = ""
                words.append(sentence[x:y])
            x = y
        if buf:
            self._flush(buf, words)
        return words

    def _flush(self, buf: str, words: list[str]) -> None:
        """Single characters in a row: jieba's HMM finds words among them unless they form a known word."""
        if len(buf) == 1:
            words.append(buf)
        elif not self.FREQ.get(buf):
            forced = len(finalseg.Force_Split_Words)
            if forced != self._forced:  # a word got frequency 0, here or in another tokenizer
                self._hmm.clear()
                self._forced = forced
            cut = self._hmm.get(buf)
            if cut is None:
                if len(self._hmm) >= HMM_MEMO_SIZE:
                    self._hmm.clear()
                cut = self._hmm[buf] = list(finalseg.cut(buf))
            words.extend(cut)
        else:
            words.extend(buf)

    def words(self, text: str) -> list[str]:
        """``list(self.cut(text))`` (accurate mode, HMM on) without the generators."""
        out: list[str] = []
        han, skip = jieba.re_han_default, jieba.re_skip_default
        for block in han.split(text):
            if not block:
                continue
            if han.match(block):
                out.extend(self.cut_block(block))
            else:
                for part in skip.split(block):
                    if skip.match(part):
                        out.append(part)
                    else:
                        out.extend(part)
        return out


@lru_cache(maxsize=2)
def tokenizer(terms_file: str = str(config.TERMS_FILE)) -> FastTokenizer:
    """The process's tokenizer with the domain terms added (built once).

    ``segmenter.RustTokenizer`` (rjieba where it gives jieba's words) when
    rjieba is installed, else ``FastTokenizer``.
    """
    from . import segmenter

    if segmenter.available():
        return segmenter.build(terms_file)
    tok = with_terms(FastTokenizer(), terms_file)
    tok._table()
    return tok


def with_terms(tok: jieba.Tokenizer, terms_file: str = str(config.TERMS_FILE)) -> jieba.Tokenizer:
    """*tok* initialised, with the domain terms added.

    ``with_terms(jieba.Tokenizer())`` is jieba's own code with the package's
    dictionary: the reference the tests and benchmarks hold ``tokenizer()`` to.
    """
    jieba.setLogLevel(logging.WARNING)
    tok.initialize()
    for term, freq, pos in load_user_dict(terms_file):
        tok.add_word(term, freq, pos or "nz")
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
    decided: dict[tuple[str, str], bool] = {}  # the filter's answer per (token, pos): a sixth of the time saved
    columns: dict[str, list] = {name: [] for name in TOKEN_COLUMNS}
    doc_ids, roles, tokens, flags, starts, ends = columns.values()
    paras = paragraphs(reports)
    for doc_id, role, text, para_start in zip(*(paras[c].tolist() for c in ("doc_id", "role", "text", "start"))):
        for words, tags, offset in _pieces(text, pos):
            offset += para_start
            for token, flag in zip(words, tags):
                end = offset + len(token)
                kept = decided.get((token, flag))
                if kept is None:
                    kept = decided[(token, flag)] = token not in extra_stopwords and keep(
                        token, stop=stop, terms=terms, pos=flag, **options
                    )
                if kept:
                    doc_ids.append(doc_id)
                    roles.append(role)
                    tokens.append(token)
                    flags.append(flag)
                    starts.append(offset)
                    ends.append(end)
                offset = end
    table = pd.DataFrame(columns) if tokens else pd.DataFrame([], columns=TOKEN_COLUMNS)  # empty lists would make float columns
    table["start"] = table["start"].astype("int64")
    table["end"] = table["end"].astype("int64")
    return table
