"""jieba's words, faster: jieba's route search in one pass, and rjieba (a Rust port) where it gives jieba's words.

``FastTokenizer`` is a ``jieba.Tokenizer`` whose accurate mode with HMM
finds jieba's route in one pass with the log-probabilities worked out once
(about 40 % of jieba's time).  ``RustTokenizer`` is a ``FastTokenizer``:
its dictionary, user words, ``add_word`` / ``del_word`` / ``suggest_freq`` /
``set_dictionary`` and POS tagging are jieba's.  Its accurate-mode cut with
HMM (``words``, ``cut``, ``lcut``) is done by an ``rjieba.Jieba`` that mirrors
jieba's dictionary exactly — the same words, frequencies and total — which
gives the same words about six times faster.  What rjieba cannot reproduce
is detected and cut by jieba's code instead:

- **Deleted words.**  jieba's ``del_word`` (frequency 0) also forces the HMM
  to split the word, process-wide (``jieba.finalseg.Force_Split_Words``);
  rjieba can neither delete a word nor force a split.  Text containing a word
  of frequency 0 set by ``add_word``/``del_word`` or a forced split is cut by
  jieba's code.
- **Characters jieba does not count as Han** (CJK extension A and B–G,
  compatibility ideographs, U+9FD6–U+9FFF): jieba gives each alone, rjieba
  joins them to their neighbours.  The text is cut apart at each of them
  first, which is what jieba does.
- **jieba's total**: jieba adds a word's frequency to its total every time
  the word is added (a duplicate line of its dictionary, a user word that
  re-weights a dictionary word) where rjieba replaces the old frequency; a
  padding word of private-use characters (never in a Han block) carries the
  difference.  A total below the sum of the frequencies (an in-place edit)
  cannot be mirrored: jieba's code cuts then.
- **Letters and digits joined by ``.``, ``_`` or ``-``** in a run the HMM
  cuts: rjieba keeps ``0.X`` or ``a-b`` whole, jieba splits them with
  ``finalseg.re_skip`` (``0``, ``.``, ``X``); such words are split again the
  same way (or cut by jieba's code if one of them is in the dictionary).
- **POS tags** stay jieba.posseg's: ``rjieba.tag`` tags the words of its
  plain-HMM cut, while jieba.posseg cuts unknown runs with its own HMM of
  words and tags, which can give other words.

The package's tokenizer (``tokenize.tokenizer()``) starts from rjieba's
built-in dictionary when it is jieba's (checked once: every word of jieba's
dictionary present with the same frequency, the same total), then adds the
domain terms with the frequencies jieba gives them.  Those frequencies are
worked out once by jieba itself and kept under ``.cache/analysis/tokenizer/``,
keyed by the terms file, jieba's dictionary and both versions; so a worker
process starts in about a third of a second instead of loading jieba's
dictionary (jieba's own tables are loaded only when its code is needed).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import metadata
from math import log
from pathlib import Path

import jieba
from jieba import finalseg

from . import config
from .lexicon import load_user_dict
from .output import write_atomic


@lru_cache(maxsize=1)
def _rjieba():
    """rjieba (a dependency; without it the package's tokenizer is FastTokenizer), imported on first use, or None.

    Importing it builds its default dictionary (about 0.15 s): a process that
    never cuts text, the command line's or a briefing's, does not pay it.
    """
    try:
        import rjieba
    except ImportError:  # pragma: no cover - exercised only where rjieba cannot be installed
        return None
    return rjieba


PAD = "\U0010fffd\U0010fffd"  # carries jieba's total: private-use characters, outside every Han block
# Characters rjieba puts in Han blocks and jieba does not (jieba: [\u4E00-\u9FD5a-zA-Z0-9+#&._%-]).
RUST_ONLY_HAN = re.compile("([\u3400-\u4dbf\u9fd6-\u9fff\uf900-\ufaff\U00020000-\U0003ffff])")
# rjieba's HMM keeps letters and digits joined by . _ - as one word (0.X, a-b, 0.5.3); jieba's splits them
# with finalseg.re_skip.  Such a word is never a dictionary word, so it is cut again here.
JOINED = re.compile(r"[a-zA-Z0-9][._\-][a-zA-Z0-9]")
RESOLVED_VERSION = 1  # of the resolved-terms file below


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

    def words_unsplit(self, text: str) -> list[str] | None:
        """``words(text)``, except that a subclass may leave some words for ``split_words`` to split (see
        ``RustTokenizer``), or give None where ``words`` must cut the text."""
        return self.words(text)

    def split_words(self, words: Iterable[str]) -> dict[str, list[str]] | None:
        """Among the distinct *words* of a ``words_unsplit``, those ``words`` would give in parts, with the parts
        ({} here: ``words_unsplit`` gives the final words); None where ``words`` must cut the text."""
        return {}

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


def available() -> bool:
    """True when rjieba is installed."""
    return _rjieba() is not None


class RustTokenizer(FastTokenizer):
    """A ``jieba.Tokenizer`` whose accurate mode with HMM is cut by rjieba where it gives jieba's words."""

    def __init__(self, dictionary=jieba.DEFAULT_DICT):
        if _rjieba() is None:
            raise ImportError("rjieba is not installed: pip install rjieba (or use tokenize.FastTokenizer)")
        super().__init__(dictionary)
        self._rust = None  # the rjieba.Jieba mirroring FREQ and total, or None (made on the next cut)
        self._rust_state: tuple | None = None  # (id(FREQ), total, len(FREQ)) it mirrors
        self._rust_sum = 0  # the sum of the mirror's frequencies, without the padding word
        self._pad = 0
        self._zero: set[str] = set()  # words of the mirror given frequency 0 (rjieba keeps them as words)
        self._pending: tuple[list[tuple[str, int, str | None]], int] | None = None  # preset words for jieba's side

    # ---------------------------------------------------------------- keeping the mirror in step

    def _state(self) -> tuple:
        return (id(self.FREQ), self.total, len(self.FREQ))

    def _set_pad(self, total: int) -> bool:
        """Give the padding word the frequency that makes rjieba's total *total*; False when impossible."""
        need = total - self._rust_sum
        if need < 0:
            return False
        if need != self._pad:
            self._rust.add_word(PAD, need, None)
            self._pad = need
        return True

    def _mirror(self) -> None:
        """Build rjieba's dictionary from jieba's FREQ (every word of positive frequency) and total."""
        rust = _rjieba().Jieba.empty()
        add = rust.add_word
        total = 0
        self._rust_state = self._state()
        self._rust = None
        for word, freq in self.FREQ.items():
            if freq > 0:
                add(word, freq, None)
                total += freq
            elif freq < 0:
                return  # jieba's code names it
        self._rust, self._rust_sum, self._pad, self._zero = rust, total, 0, set()
        if not self._set_pad(self.total):
            self._rust = None

    def engine(self):
        """The rjieba.Jieba mirroring this tokenizer's dictionary now, or None when it cannot (jieba's code cuts)."""
        if self._pending is not None and not self.initialized and self._rust is not None:
            return self._rust  # preset: jieba's own tables are not loaded yet
        self.check_initialized()
        if self._rust_state != self._state():
            self._mirror()
        return self._rust

    def initialize(self, dictionary=None):
        super().initialize(dictionary)
        if self._pending is not None and self.dictionary == jieba.DEFAULT_DICT:
            rows, total = self._pending
            self._pending = None
            for word, freq, tag in rows:
                jieba.Tokenizer.add_word(self, word, freq, tag)
            if self.total == total and self._rust is not None:
                self._rust_state = self._state()  # jieba's side now equals the preset mirror
            else:
                self._rust_state = None

    def set_dictionary(self, dictionary_path):
        self._pending = None
        self._rust, self._rust_state = None, None
        super().set_dictionary(dictionary_path)

    def forget(self) -> None:
        """Drop every table made from the dictionary (call it after editing ``FREQ`` in place)."""
        super().forget()
        self._rust, self._rust_state = None, None

    def add_word(self, word, freq=None, tag=None):
        self.check_initialized()
        current = self._rust is not None and self._rust_state == self._state()
        old = self.FREQ.get(word, 0)
        jieba.Tokenizer.add_word(self, word, freq, tag)
        FastTokenizer.forget(self)
        if not current:
            self._rust, self._rust_state = None, None
            return
        new = self.FREQ[word]
        if new < 0:
            self._rust, self._rust_state = None, None
            return
        self._rust.add_word(word, new, tag)
        self._rust_sum += new - old  # rjieba replaces the word's frequency (0 when absent, a prefix or deleted)
        (self._zero.add if new == 0 else self._zero.discard)(word)
        if self._set_pad(self.total):
            self._rust_state = self._state()
        else:
            self._rust, self._rust_state = None, None

    # ---------------------------------------------------------------- cutting

    def _forced_in(self, text: str) -> bool:
        """True when *text* contains a word jieba would treat differently from rjieba (frequency 0, forced split)."""
        forced = finalseg.Force_Split_Words
        if not forced and not self._zero:
            return False
        return any(word in text for word in (*forced, *self._zero))

    def _split(self, rust, words: Iterable[str]) -> dict[str, list[str]] | None:
        """Among *words*, the letters and digits joined by . _ - that rjieba kept whole, with the parts jieba gives
        them (0.X → 0 . X); None when one of them is a dictionary word (jieba's code must cut the text)."""
        found: dict[str, list[str]] = {}
        for word in words:
            if len(word) > 2 and word not in found and JOINED.search(word):
                if rust.has_word(word):
                    return None
                found[word] = [part for part in finalseg.re_skip.split(word) if part]
        return found

    def _rejoin(self, rust, words: list[str]) -> list[str] | None:
        """*words* with rjieba's joined letters and digits split as jieba splits them; None if one is a dictionary word."""
        found = self._split(rust, words)
        if found is None:
            return None
        return [part for word in words for part in found.get(word, (word,))]

    def cut_block(self, sentence: str) -> list[str]:
        """The words of one Han block (jieba's ``__cut_DAG``): rjieba's cut, or jieba's route where it would differ."""
        rust = self.engine()
        if rust is None or self._forced_in(sentence):
            return super().cut_block(sentence)
        words = rust.cut(sentence, True)
        if JOINED.search(sentence):
            words = self._rejoin(rust, words)
            if words is None:
                return super().cut_block(sentence)
        return words

    def words(self, text: str) -> list[str]:
        """``list(self.cut(text))`` (accurate mode, HMM on)."""
        rust = self.engine()
        out = self._unsplit(rust, text)
        if out is None:
            return super().words(text)  # block by block: only blocks with such a word go to jieba's code
        if JOINED.search(text):
            fixed = self._rejoin(rust, out)
            return super().words(text) if fixed is None else fixed
        return out

    def words_unsplit(self, text: str) -> list[str] | None:
        """rjieba's words of *text*, letters and digits joined by . _ - left whole (``split_words`` gives their
        parts, from the dictionary as it is now: no word added or deleted in between); None when jieba's code
        must cut some of it: the text holds a word of frequency 0 or one forced apart, or the dictionary
        cannot be mirrored in rjieba (``engine``).

        A long text cut at once, then split where needed, saves a call and a
        scan of its words per paragraph (``tokenize``: a chunk of reports as one text).
        """
        return self._unsplit(self.engine(), text)

    def _unsplit(self, rust, text: str) -> list[str] | None:
        if rust is None or self._forced_in(text):
            return None
        if RUST_ONLY_HAN.search(text) is None:
            return rust.cut(text, True)
        out = []
        for i, piece in enumerate(RUST_ONLY_HAN.split(text)):
            if i % 2:
                out.append(piece)  # jieba gives such a character alone
            elif piece:
                out.extend(rust.cut(piece, True))
        return out

    def split_words(self, words: Iterable[str]) -> dict[str, list[str]] | None:
        """Among the distinct *words* of a ``words_unsplit``, the letters and digits joined by . _ - that jieba
        splits, with their parts; None when one of them is a dictionary word (``words`` must cut the text)."""
        rust = self.engine()
        return None if rust is None else self._split(rust, words)


# -------------------------------------------------------------------- the package's tokenizer


def build(terms_file: str | os.PathLike[str] = config.TERMS_FILE) -> RustTokenizer:
    """A RustTokenizer with jieba's default dictionary and the domain terms, without loading jieba's tables.

    rjieba's built-in dictionary is used when it was found equal to jieba's;
    otherwise the mirror is built from jieba's tables on the first cut.
    """
    resolved = resolve(terms_file)
    tok = RustTokenizer()
    rows = [(word, freq, tag) for word, freq, tag, _ in resolved["rows"]]
    if resolved["rjieba_default_is_jieba"]:
        rust = _rjieba().Jieba()
        total = resolved["base_sum"]
        for word, freq, tag, old in resolved["rows"]:
            rust.add_word(word, freq, tag)
            total += freq - old
            if freq == 0:
                tok._zero.add(word)
        tok._rust, tok._rust_sum = rust, total
        if not tok._set_pad(resolved["total"]):
            tok._rust = None
    tok._pending = (rows, resolved["total"])
    tok.user_word_tag_tab.update((word, tag) for word, _, tag in rows if tag)  # jieba.posseg reads them before it cuts
    return tok


def _key(terms_file: Path) -> str:
    digest = hashlib.sha256()
    for part in (
        f"v{RESOLVED_VERSION}",
        jieba.__version__,
        metadata.version("rjieba"),
        hashlib.sha256(Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME).read_bytes()).hexdigest(),
        hashlib.sha256(terms_file.read_bytes()).hexdigest(),
    ):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()[:24]


def resolve(terms_file: str | os.PathLike[str] = config.TERMS_FILE, *, cache_dir: Path | None = None) -> dict:
    """The domain terms as jieba adds them: word, frequency, tag, the frequency before; jieba's totals.

    Worked out by jieba itself (``with_terms(jieba.Tokenizer())``) and kept
    under ``cache_dir`` (default ``.cache/analysis/tokenizer``), keyed by the
    terms file, jieba's dictionary and the versions of jieba and rjieba.
    """
    terms_file = Path(terms_file)
    folder = Path(cache_dir) if cache_dir is not None else config.TOKENIZER_CACHE_DIR
    path = folder / f"terms-{_key(terms_file)}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    resolved = _resolve(terms_file)
    try:
        write_atomic(path, json.dumps(resolved, ensure_ascii=False))
    except OSError:  # a read-only project folder: worked out again next time
        pass
    return resolved


def _resolve(terms_file: Path) -> dict:
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    base_sum = sum(tok.FREQ.values())
    default_ok = default_dictionary_is_jiebas(tok)
    rows = []
    for term, freq, pos in load_user_dict(terms_file):
        old = tok.FREQ.get(term, 0)
        tok.add_word(term, freq, pos or "nz")
        rows.append((term, tok.FREQ[term], pos or "nz", old))
    return {"rows": rows, "base_sum": base_sum, "total": tok.total, "rjieba_default_is_jieba": default_ok}


def default_dictionary_is_jiebas(tok: jieba.Tokenizer) -> bool:
    """True when rjieba's built-in dictionary has jieba's words with jieba's frequencies and their sum as total.

    Checked on *tok*, an initialised ``jieba.Tokenizer`` with the default
    dictionary and no user words: every word of positive frequency is in
    rjieba's, ``suggest_freq`` of every word (which reads its frequency) is the
    same as in a mirror built from jieba's table, and so is that of a word
    made of two huge padding words (which reads the total).
    """
    words = [(word, freq) for word, freq in tok.FREQ.items() if freq]
    default = _rjieba().Jieba()
    if not all(default.has_word(word) for word, _ in words):
        return False
    mirror = _rjieba().Jieba.empty()
    for word, freq in words:
        mirror.add_word(word, freq, None)
    if any(default.suggest_freq(word) != mirror.suggest_freq(word) for word, _ in words):
        return False
    a, b = "\U0010fff0", "\U0010fff1"
    probes = []
    for rust in (_rjieba().Jieba(), mirror):
        rust.add_word(a, 10**12, None)
        rust.add_word(b, 10**12, None)
        probes.append(rust.suggest_freq(a + b))
    return probes[0] == probes[1]
