"""Chinese text in one place: the simplified view, width folding, Chinese numerals.

Reports come in simplified or traditional characters, with full-width or
half-width digits and punctuation; the lexicon is written once, in simplified
characters and half-width digits.  Every stage that compares the two asks
this module:

simplified view
    ``to_simplified(text)``  OpenCC's t2s (phrase-aware: 乾隆 stays 乾隆), with a
                             shortcut for text that has nothing to convert;
    ``fold(text)``           t2s character by character (乾 → 干 always): fast,
                             same length;
    ``traditional(word)``    the traditional forms of a simplified lexicon word
                             (群众 → 羣衆, 群眾), for matching it in a report;
    ``opencc_pairs(name)``   the entries of one of OpenCC's dictionary files.
width folding
    ``fold_width(text)``     full-width ASCII forms (０-９, Ａ-Ｚ, ａ-ｚ, ％，：（）…)
                             and the ideographic space become their half-width forms;
                             same length.
normalised view
    ``normalise(text)``      simplified and width-folded, with the map from each of
                             its characters back to the original text (``View``).
numerals
    ``parse_number(text)``   ``15``/``１５``, ``1.5万``, ``二十三``, ``两万``, ``一〇〇``,
                             ``九十五点五``;
    ``cn_integer(text)``     the Chinese integer numerals alone;
    ``digits(text)``         a numeral written digit by digit (``二〇二五`` → ``2025``);
    ``outline_number(text)`` the number of an outline heading (``三``, ``十二``, ``②``, ``3``).
character n-grams
    ``char_bigrams(text)``   every two consecutive characters (普法宣传 → 普法, 法宣, 宣传).

OpenCC's t2s maps every traditional character or phrase to a simplified one
of the same length (checked by the tests against its dictionary files), so
the simplified view is character for character with the original; ``View``
keeps a map anyway so that offsets stay right should a conversion ever change
the length.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

# ------------------------------------------------------------- simplified view


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=4)
def opencc_pairs(name: str) -> tuple[tuple[str, str], ...] | None:
    """(source, first target) of each line of OpenCC's dictionary file *name* (``TSCharacters.txt``…); None when unreadable."""
    import opencc

    try:
        lines = (Path(opencc.__file__).parent / "dictionary" / name).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    pairs = []
    for line in lines:
        source, _, targets = line.partition("\t")
        pairs.append((source, targets.split(" ")[0]))
    return tuple(pairs)


T2S_FILES = ("TSCharacters.txt", "TSPhrases.txt")  # the dictionaries of OpenCC's t2s


@lru_cache(maxsize=1)
def _t2s_changes() -> frozenset[str] | None:
    """The characters OpenCC's t2s can change (from its two dictionaries); None when they cannot be read.

    A text with none of them comes out of the converter as it went in, so
    ``to_simplified`` skips the converter for it (most lines of a simplified report).
    """
    chars: set[str] = set()
    for name in T2S_FILES:
        pairs = opencc_pairs(name)
        if pairs is None:
            return None
        for source, target in pairs:
            if len(source) != len(target):
                chars.update(source)
            else:
                chars.update(a for a, b in zip(source, target) if a != b)
    return frozenset(chars)


def to_simplified(text: str) -> str:
    """Simplified form of *text* (OpenCC t2s; for matching only: reports keep their own form)."""
    changes = _t2s_changes()
    if changes is not None and not _has_any(text, changes):
        return text
    return _t2s().convert(text)


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    """Traditional → simplified, one character to one character (OpenCC's TSCharacters)."""
    return {ord(source): target for source, target in opencc_pairs("TSCharacters.txt") or () if len(source) == 1 and len(target) == 1}


def fold(text: str) -> str:
    """The simplified form of *text*, character by character: same length, so offsets stay valid.

    Fast (``str.translate``); phrase-level conversions of OpenCC are not applied,
    which does not matter for matching cue words.  Falls back to OpenCC when its
    character table cannot be read.
    """
    table = _t2s_table()
    if not table:
        simple = to_simplified(text)
        return simple if len(simple) == len(text) else text
    if not _has_any(text, _t2s_changing()):
        return text  # most lines of a simplified report: no lookup per character
    return text.translate(table)


# Below this length a set's walk over the text's characters is the faster way to
# tell whether any of them is in it; above, one look-up over the code points as an
# array (a 3,000-character report: 137 → 13 µs; even at 200 characters, 6 → 4 µs).
ARRAY_CHECK_FROM = 200


def _has_any(text: str, chars: frozenset[str]) -> bool:
    """True when *text* holds a character of *chars* (one of the sets this module keeps)."""
    if len(text) < ARRAY_CHECK_FROM:
        return not chars.isdisjoint(text)
    table = _lookup(chars)  # the set's hash is kept by the set: a cheap key
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return bool(table[np.minimum(codes, len(table) - 1)].any())


@lru_cache(maxsize=4)
def _lookup(chars: frozenset[str]) -> np.ndarray:
    """A flag per code point up to the largest of *chars*, and one more, False, that every larger code point reads."""
    codes = np.fromiter(map(ord, chars), dtype=np.int64, count=len(chars))
    table = np.zeros(int(codes.max(initial=0)) + 2, dtype=bool)
    table[codes] = True
    return table


@lru_cache(maxsize=1)
def _t2s_changing() -> frozenset[str]:
    """The characters ``fold`` changes (the table also maps some characters to themselves, such as 覆)."""
    return frozenset(chr(code) for code, target in _t2s_table().items() if chr(code) != target)


@lru_cache(maxsize=1)
def _s2t_converters():
    from opencc import OpenCC

    return tuple(OpenCC(name) for name in ("s2t", "s2tw", "s2hk"))


@lru_cache(maxsize=4096)
def traditional(word: str) -> tuple[str, ...]:
    """Traditional forms of a simplified lexicon word (群众 → 羣衆, 群眾), for matching only."""
    return tuple(dict.fromkeys(f for f in (c.convert(word) for c in _s2t_converters()) if f != word)) if word else ()


def with_traditional(words: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The words followed by their traditional forms, each once, in order."""
    return tuple(dict.fromkeys([*words, *(f for w in words for f in traditional(w))]))


# --------------------------------------------------------------- width folding

# U+FF01–U+FF5E are the full-width forms of ASCII ! … ~; U+3000 is the ideographic space.
_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def fold_width(text: str) -> str:
    """Full-width digits, letters and ASCII punctuation as half-width (``１００％`` → ``100%``); same length.

    Chinese punctuation that has no ASCII twin (。、「」《》) is kept.
    """
    if _WIDTH_RE.search(text) is None:
        return text
    if len(text) < ARRAY_CHECK_FROM:
        return _WIDTH_RE.sub(lambda match: chr(_WIDTH[ord(match.group())]), text)
    # a long text: its code points shifted as an array, not a call per character replaced
    # (a report's first 3,000 characters with some 90 full-width ones: 54 → 17 µs)
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).copy()
    codes[(codes >= 0xFF01) & (codes <= 0xFF5E)] -= 0xFEE0
    codes[codes == 0x3000] = 0x20
    return codes.tobytes().decode("utf-32-le", "surrogatepass")


_WIDTH_RE = re.compile("[\uff01-\uff5e\u3000]")  # the keys of _WIDTH: a scan in C instead of a lookup per character


# ------------------------------------------------------------ normalised view


@dataclass(frozen=True)
class View:
    """A normalised copy of a text with the way back to the original.

    ``text`` is simplified and width-folded; ``starts[i]`` and ``ends[i]`` are
    the span of the original text that ``text[i]`` stands for (``None``: the
    same position, the usual case).  ``original_span(start, end)`` turns a
    match in ``text`` into the span of the same words in ``original``.
    """

    original: str
    text: str
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of ``original`` that ``text[start:end]`` comes from."""
        if not 0 <= start <= end <= len(self.text):
            raise IndexError(f"span ({start}, {end}) is outside the normalised text of {len(self.text)} characters")
        if self.starts is None or self.ends is None:
            return start, end
        if start == end:  # an empty span: where the next character comes from (or the end)
            position = self.starts[start] if start < len(self.text) else len(self.original)
            return position, position
        return self.starts[start], self.ends[end - 1]

    def original_of(self, start: int, end: int) -> str:
        """The original characters of ``text[start:end]``."""
        lo, hi = self.original_span(start, end)
        return self.original[lo:hi]


def normalise(text: str) -> View:
    """The simplified (OpenCC t2s), width-folded view of *text*, with offsets back into it.

    ``normalise("開展專項執法檢查５０餘次").text == "开展专项执法检查50余次"``, and the
    match of ``50余次`` at 8–12 maps back to ``５０餘次`` at 8–12 of the original.
    """
    simple = fold_width(to_simplified(text))
    if len(simple) == len(text):
        return View(text, simple)
    return View(text, simple, *_alignment(text, simple))


def _alignment(original: str, converted: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """For each character of *converted*, the span of *original* it comes from.

    Equal runs map one to one; a replaced run of another length maps each of
    its characters to the whole replaced run.  (Used only when a conversion
    changed the length; OpenCC's t2s does not.)
    """
    from difflib import SequenceMatcher

    starts: list[int] = []
    ends: list[int] = []
    matcher = SequenceMatcher(None, original, converted, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            starts.extend(range(i1, i2))
            ends.extend(range(i1 + 1, i2 + 1))
        elif op in ("replace", "insert"):
            starts.extend([i1] * (j2 - j1))
            ends.extend([i2] * (j2 - j1))
        # "delete": characters of the original with nothing in the converted text
    return tuple(starts), tuple(ends)


# -------------------------------------------------------------------- numerals

DIGIT_VALUE = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
NUMERAL_CHARS = "零〇一二两兩三四五六七八九十百千万萬亿億"  # every character of a Chinese numeral
YEAR_DIGITS = "〇零一二三四五六七八九"  # the digits of a year written digit by digit (二〇二五)
OUTLINE_NUMERALS = "一二三四五六七八九十"  # the numerals of outline headings (一、 （二） 第三部分)
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
_DIGIT_CHAR = {c: str(v) for c, v in DIGIT_VALUE.items()}
_ARABIC_MAG_RE = re.compile(r"(\d+(?:\.\d+)?)([十百千万萬亿億]*)")


def digits(text: str) -> str | None:
    """A numeral written digit by digit as Arabic digits (``二〇二五`` → ``2025``, ``一九九九`` → ``1999``); None if another character."""
    if not text or any(c not in _DIGIT_CHAR for c in text):
        return None
    return "".join(_DIGIT_CHAR[c] for c in text)


def cn_integer(text: str) -> int | None:
    """一百零五 → 105, 两万 → 20000, 三万五 → 35000, 一〇〇 → 100; None when malformed."""
    if not text or any(c not in DIGIT_VALUE and c not in SMALL_UNITS and c not in BIG_UNITS for c in text):
        return None
    if len(text) > 1 and all(c in DIGIT_VALUE for c in text):
        if "〇" not in text and "零" not in text:
            return None  # 三四 (three or four): not one number
        return int(digits(text))  # digit by digit: 一〇〇, 二〇二五
    total = section = 0
    number: int | None = None
    last_unit = 0  # the unit just before a trailing digit (一百五 = 150)
    last_small = 10**4  # small units must fall within a section: 千 > 百 > 十
    for char in text:
        if char in DIGIT_VALUE:
            if number not in (None, 0) and DIGIT_VALUE[char] != 0:
                return None  # 二三 without a unit between
            number = DIGIT_VALUE[char]
            if number == 0:
                last_unit = 0
        elif char in SMALL_UNITS:
            unit = SMALL_UNITS[char]
            if unit >= last_small:
                return None  # 十十, 百千
            section += (1 if number is None else number) * unit
            last_small = unit
            number, last_unit = None, unit
        else:
            unit = BIG_UNITS[char]
            if unit == 10**8:
                total = (total + section + (number or 0)) * unit
            else:
                total += (section + (number or 0) or 1) * unit
            section, number, last_unit, last_small = 0, None, unit, 10**4
    if number is not None:
        number = number * last_unit // 10 if last_unit >= 100 else number
        section += number
    return total + section


def parse_number(text: str) -> float | None:
    """The value of an Arabic, Chinese or mixed numeral; None when it cannot be read.

    ``15`` and ``１５`` → 15, ``1.5万`` → 15000, ``两万`` → 20000, ``十`` → 10,
    ``九十五点五`` → 95.5, ``一〇〇`` → 100.  Qualifiers (余, 多) must be
    stripped first.  Never raises.
    """
    if not isinstance(text, str):
        return None
    return _parse_number(text)


@lru_cache(maxsize=4096)
def _parse_number(text: str) -> float | None:
    """``parse_number`` of a string, kept: reports state the same few numbers again and again."""
    s = fold_width(text).replace(",", "").strip()
    if not s:
        return None
    match = _ARABIC_MAG_RE.fullmatch(s)
    if match:
        value = float(match.group(1))
        for char in match.group(2):
            value *= SMALL_UNITS.get(char) or BIG_UNITS[char]
        return value
    if "点" in s:
        whole, _, fraction = s.partition("点")
        integer = cn_integer(whole) if whole else 0
        if integer is None or not fraction or any(c not in DIGIT_VALUE or c in "两兩" for c in fraction):
            return None
        return float(f"{integer}.{digits(fraction)}")
    value = cn_integer(s)
    return None if value is None else float(value)


def outline_number(text: str) -> int:
    """The number of an outline heading: ``三`` → 3, ``十二`` → 12, ``②`` → 2, ``3`` → 3; 0 when unreadable."""
    if text and text in CIRCLED:  # before isdigit: "②".isdigit() is true
        return CIRCLED.index(text) + 1
    if text.isdigit():
        return int(text)
    return cn_integer(text) or 0


def char_bigrams(text: str) -> list[str]:
    """Every two consecutive characters of *text*, in order: each character joined to the next in C (a quarter
    faster than slicing the text at every position); [] for fewer than two characters."""
    return list(map(operator.add, text, text[1:]))
