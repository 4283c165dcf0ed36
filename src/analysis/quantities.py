"""Find quantities in cleaned text: a numeral, its qualifier and measure word.

This is the shared finder for the tokeniser (so ``50余次`` is one token and
never leaves ``余次`` in word counts) and the indicator stage (which reads
values from the quantities found here).  It works on the cleaned report text,
before tokenisation, and every offset is into that text.

A quantity is ``number [range] [余/多] [万/亿] [space] unit`` (``50余次``,
``两万余人次``, ``1—2个``, ``110 件``) or a percentage (``100%``,
``百分之九十五``, ``九十八%``).  A bare 百/千/万 is a number only right after a
prefix qualifier (``近千张`` → 1000, approx).  What only looks like one is
dropped, by rules kept as data:

- ``data/lexicon/units.txt``           the measure words;
- ``data/lexicon/qualifiers.yml``      余/多 → more_than, 超/以上 → at_least, 约/左右 → approx,
  and words that only end like a qualifier (附近, 贴近);
- ``data/lexicon/not_quantities.yml``  slogans and names (一张网, 二十届), vague
  amounts (一批, 数十), dates (3·15), ordinals (第5), rule frequencies
  (每月…一次), words that merely start with a unit (3部门), short quotations;
- ``data/lexicon/terms.txt``           numeral-bearing lexicon terms (三重一大, 12345热线).

``find_quantities(text)`` returns ``Quantity`` records; ``quantity_spans(text)``
returns their (start, end) spans.  Each line of the text is read on its own
(a line is a paragraph of the cleaned text): no quantity and no rule's
context crosses a line break.  Neither raises on odd input: a numeral that
cannot be read gives no quantity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from . import config
from .chinese import BIG_UNITS, NUMERAL_CHARS, fold, fold_width, parse_number, to_simplified, traditional, with_traditional
from .errors import LexiconError
from .lexicon import load_user_dict, load_wordlist, load_yaml, longest_word_re

QUALIFIERS_FILE = config.QUALIFIERS_FILE
NOT_QUANTITIES_FILE = config.NOT_QUANTITIES_FILE
QUALIFIER_NAMES = ("more_than", "at_least", "approx")

DIGITS = "0-9０-９"
CN_CHARS = NUMERAL_CHARS
ARABIC = rf"[{DIGITS}]+(?:,[0-9]{{3}})*(?:[.．][{DIGITS}]+)?"
CHINESE = rf"[{CN_CHARS}]+"
NUMBER = rf"(?:{ARABIC}[千万萬亿億]*|{CHINESE})"
RANGE_SEP = r"\s*(?:[—–\-－~～〜]{1,2}|至|到)\s*"
SPACE = "[ \u00a0\u2002\u2003\u2009\u3000]"
PERCENT = (
    rf"(?P<p1>{ARABIC})(?:\s*[%％])?{RANGE_SEP}(?P<p2>{ARABIC})\s*[%％]|(?P<p3>{ARABIC})\s*[%％]"
    rf"|百分之(?P<pc>[{CN_CHARS}]+(?:点[零〇一二三四五六七八九]+)?)|(?P<p4>{CHINESE})\s*[%％]"  # 一〇〇%, 九十八%
)
# Every quantity begins with a digit or a numeral character (百分之 with 百): said first, as a lookahead, it lets the
# regular expression pass over the other characters of a line at once, where it tried each alternative at each of
# them (the 66 reports of data/raw and the development set: 9.6 → 5.9 ms, the same matches).
STARTS = rf"(?=[{DIGITS}{CN_CHARS}])"
# 百, 千, 万 standing alone are words (万人, 千家), except right after a prefix qualifier (近千张, 超万人次)
BARE_MAGNITUDES = frozenset("百千万萬")
CLAUSE_BREAK = "，,。；;！？!?\n"
QUOTE_OPEN = "“‘「『"
QUOTE_CLOSE = "”’」』"
# A number right after one of these is part of a longer number, a date or a code (full-width
# forms are read as their half-width ones).  A comma is one only between digits (1,2): after a
# word, ``开展,12次`` counts as ``开展，12次`` does.
LEFT_BAD = frozenset("×*+0123456789.·・/:-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


# --------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Quantity:
    """One stated quantity: offsets of ``raw`` in the text and its reading."""

    start: int
    end: int
    raw: str
    value: float
    value_max: float | None
    unit: str
    qualifier: str

    @property
    def reading(self) -> tuple[str, float, float | None, str, str]:
        """Everything but the offsets: raw, value, value_max, unit, qualifier."""
        return self.raw, self.value, self.value_max, self.unit, self.qualifier


@dataclass(frozen=True)
class QuantityRules:
    """The finder's knowledge, read from the lexicon files (see module doc)."""

    units: tuple[str, ...]
    unit_form: dict[str, str]
    infix: dict[str, str]
    prefix: tuple[tuple[str, str], ...]
    suffix: tuple[tuple[str, str], ...]
    not_prefix: tuple[str, ...]
    exclusion_re: re.Pattern[str] | None
    window: int
    left_blockers: tuple[str, ...]
    chinese_blockers: tuple[str, ...]
    bare_one_verbs: tuple[str, ...]
    frequency_markers: tuple[str, ...]
    frequency_units: frozenset[str]
    deadline_units: frozenset[str]
    deadline_suffixes: tuple[str, ...]
    unit_continuations: dict[str, tuple[str, ...]]
    counted_after: dict[str, tuple[str, ...]]
    quoted_max: int
    regex: re.Pattern[str]

    @cached_property
    def prefix_words(self) -> tuple[str, ...]:
        return tuple(word for word, _ in self.prefix)

    @cached_property
    def suffix_words(self) -> tuple[str, ...]:
        return tuple(word for word, _ in self.suffix)

    @cached_property
    def frequency_re(self) -> re.Pattern[str] | None:
        """Any of the frequency markers (每年, 每月…), as one scan in C; None when there are none."""
        return re.compile(longest_word_re(self.frequency_markers)) if self.frequency_markers else None


def _string_list(path: Path, value: object, entry: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise LexiconError(path, "must be a list of non-empty strings", entry=entry)
    return [v.strip() for v in value]


def _load_qualifiers(path: Path) -> tuple[dict[str, str], list[tuple[str, str]], list[tuple[str, str]], tuple[str, ...]]:
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise LexiconError(path, f"needs a mapping with the qualifiers {', '.join(QUALIFIER_NAMES)}")
    infix: dict[str, str] = {}
    prefix: list[tuple[str, str]] = []
    suffix: list[tuple[str, str]] = []
    seen: dict[tuple[str, str], str] = {}
    not_prefix = with_traditional(_string_list(path, data.get("not_prefix"), "not_prefix"))
    for name, forms in data.items():
        if name == "not_prefix":
            continue
        if name not in QUALIFIER_NAMES:
            raise LexiconError(path, f"unknown qualifier; use one of {', '.join(QUALIFIER_NAMES)} (or not_prefix)", entry=str(name))
        if not isinstance(forms, dict) or set(forms) - {"infix", "prefix", "suffix"}:
            raise LexiconError(path, "needs a mapping with only the lists infix, prefix, suffix", entry=name)
        for place in ("infix", "prefix", "suffix"):
            for word in _string_list(path, forms.get(place), f"{name}.{place}"):
                if (place, word) in seen:
                    raise LexiconError(path, f"{word!r} is already a {place} of {seen[place, word]}", entry=f"{name}.{place}")
                seen[place, word] = name
                if place == "infix":
                    if len(word) != 1:
                        raise LexiconError(path, "an infix qualifier is one character (余, 多)", entry=f"{name}.infix: {word}")
                    infix[word] = name
                else:
                    (prefix if place == "prefix" else suffix).append((word, name))
    prefix = list(dict.fromkeys(prefix + [(f, n) for w, n in prefix for f in traditional(w)]))  # 超過, 將近 too
    suffix = list(dict.fromkeys(suffix + [(f, n) for w, n in suffix for f in traditional(w)]))
    prefix.sort(key=lambda p: -len(p[0]))
    suffix.sort(key=lambda p: -len(p[0]))
    return infix, prefix, suffix, not_prefix


def _compile(path: Path, pattern: str, entry: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern.replace("{cn}", CHINESE))
    except re.error as exc:
        raise LexiconError(path, f"bad regular expression: {exc}", entry=entry) from exc


@lru_cache(maxsize=4)
def load_rules(
    units_file: str = str(config.UNITS_FILE),
    qualifiers_file: str = str(QUALIFIERS_FILE),
    not_quantities_file: str = str(NOT_QUANTITIES_FILE),
    terms_file: str = str(config.TERMS_FILE),
) -> QuantityRules:
    """Read and validate the finder's lexicon files (cached); errors name the file and entry."""

    unit_list = tuple(sorted(load_wordlist(units_file), key=len, reverse=True))
    infix, prefix, suffix, not_prefix = _load_qualifiers(Path(qualifiers_file))
    path = Path(not_quantities_file)
    data = load_yaml(path)
    known = {
        "words",
        "patterns",
        "left_blockers",
        "left_blockers_chinese",
        "bare_one_verbs",
        "rule_frequency",
        "deadline",
        "unit_continuations",
        "counted_after",
        "quoted_max",
    }
    if not isinstance(data, dict):
        raise LexiconError(path, f"needs a mapping with the keys {', '.join(sorted(known))}")
    for key in data:
        if key not in known:
            raise LexiconError(path, f"unknown key; use {', '.join(sorted(known))}", entry=str(key))
    words = _string_list(path, data.get("words"), "words")
    words += list(protected_terms(terms_file))
    words = list(with_traditional(words))  # 兩個確立 as well as 两个确立
    alternatives = [longest_word_re(words)] if words else []  # the longest word at a position, as in a list longest first
    patterns = data.get("patterns") or {}
    if not isinstance(patterns, dict):
        raise LexiconError(path, "must map a name to a regular expression", entry="patterns")
    for name, pattern in patterns.items():
        if not isinstance(pattern, str) or not pattern:
            raise LexiconError(path, "must be a regular expression", entry=f"patterns.{name}")
        _compile(path, pattern, f"patterns.{name}")
        alternatives.append(f"(?:{pattern.replace('{cn}', CHINESE)})")
    # a leading class of possible first characters lets the scan skip most positions quickly
    first = re.escape("".join(sorted({w[0] for w in words} | set(CN_CHARS + "第")))) + DIGITS
    exclusion_re = re.compile(f"(?=[{first}])(?:{'|'.join(alternatives)})") if alternatives else None
    frequency = data.get("rule_frequency") or {}
    if not isinstance(frequency, dict) or set(frequency) - {"markers", "units"}:
        raise LexiconError(path, "needs the lists markers and units", entry="rule_frequency")
    frequency_units = _string_list(path, frequency.get("units"), "rule_frequency.units")
    for unit in frequency_units:
        if unit not in unit_list and unit != "回":
            raise LexiconError(path, f"{unit!r} is not a unit of {units_file}", entry="rule_frequency.units")
    deadline = data.get("deadline") or {}
    if not isinstance(deadline, dict) or set(deadline) - {"units", "suffixes"}:
        raise LexiconError(path, "needs the lists units and suffixes", entry="deadline")
    deadline_units = _string_list(path, deadline.get("units"), "deadline.units")
    for unit in deadline_units:
        if unit not in unit_list:
            raise LexiconError(path, f"{unit!r} is not a unit of {units_file}", entry="deadline.units")
    continuations = data.get("unit_continuations") or {}
    if not isinstance(continuations, dict):
        raise LexiconError(path, "must map a unit to a list of characters", entry="unit_continuations")
    unit_continuations = {}
    for unit, following in continuations.items():
        if unit not in unit_list:
            raise LexiconError(path, f"{unit!r} is not a unit of {units_file}", entry=f"unit_continuations.{unit}")
        unit_continuations[unit] = tuple(_string_list(path, following, f"unit_continuations.{unit}"))
    counted = data.get("counted_after") or {}
    if not isinstance(counted, dict):
        raise LexiconError(path, "must map a unit to the words after which it counts", entry="counted_after")
    counted_after = {}
    for unit, markers in counted.items():
        if unit not in unit_list:
            raise LexiconError(path, f"{unit!r} is not a unit of {units_file}", entry=f"counted_after.{unit}")
        counted_after[unit] = tuple(sorted(_string_list(path, markers, f"counted_after.{unit}"), key=len, reverse=True))
    quoted_max = data.get("quoted_max", 12)
    if not isinstance(quoted_max, int) or isinstance(quoted_max, bool) or quoted_max < 0:
        raise LexiconError(path, "must be a whole number of characters", entry="quoted_max")
    unit_alt = longest_word_re(unit_list)
    infix_alt = "".join(re.escape(c) for c in infix) or "余"
    count = (
        rf"(?P<n1>{NUMBER})(?:{RANGE_SEP}(?P<n2>{NUMBER}))?(?:{SPACE}?(?P<infix>[{infix_alt}]))?"
        rf"(?:{SPACE}?(?P<mag>[万萬亿億]))?{SPACE}?(?P<unit>{unit_alt})"
    )  # 260 余名: a space may stand before 余 as before the unit
    return QuantityRules(
        units=unit_list,
        unit_form={u: to_simplified(u) for u in unit_list},
        infix=infix,
        prefix=tuple(prefix),
        suffix=tuple(suffix),
        not_prefix=not_prefix,
        exclusion_re=exclusion_re,
        window=max([len(w) for w in words] + [12]) + 8,
        left_blockers=tuple(_string_list(path, data.get("left_blockers"), "left_blockers")),
        chinese_blockers=tuple(_string_list(path, data.get("left_blockers_chinese"), "left_blockers_chinese")),
        bare_one_verbs=tuple(
            sorted(with_traditional(_string_list(path, data.get("bare_one_verbs"), "bare_one_verbs")), key=len, reverse=True)
        ),
        frequency_markers=with_traditional(_string_list(path, frequency.get("markers"), "rule_frequency.markers")),
        frequency_units=frozenset(frequency_units),
        deadline_units=frozenset(deadline_units),
        deadline_suffixes=tuple(sorted(_string_list(path, deadline.get("suffixes"), "deadline.suffixes"), key=len, reverse=True)),
        unit_continuations=unit_continuations,
        counted_after=counted_after,
        quoted_max=quoted_max,
        regex=re.compile(rf"{STARTS}(?:{PERCENT}|{count})"),
    )


@lru_cache(maxsize=4)
def units(path: str = str(config.UNITS_FILE)) -> tuple[str, ...]:
    """Measure words, longest first."""
    return tuple(sorted(load_wordlist(path), key=len, reverse=True))


def quantity_re(path: str = str(config.UNITS_FILE)) -> re.Pattern[str]:
    """The candidate pattern: a percentage, or number [range] [余/多] [万/亿] unit."""
    return load_rules(units_file=path).regex


@lru_cache(maxsize=4)
def protected_terms(path: str = str(config.TERMS_FILE)) -> tuple[str, ...]:
    """Lexicon terms that contain a numeral (names and slogans, not quantities)."""
    numeral = re.compile(r"[0-9零〇一二两三四五六七八九十百千万亿]")
    return tuple(sorted((t for t, _, _ in load_user_dict(path) if numeral.search(t)), key=len, reverse=True))


@lru_cache(maxsize=4)
def _protected_re(path: str = str(config.TERMS_FILE)) -> re.Pattern[str] | None:
    terms = protected_terms(path)
    return re.compile(longest_word_re(terms)) if terms else None


def protected_spans(text: str) -> list[tuple[int, int]]:
    """Spans of numeral-bearing names and slogans (三重一大, 12345热线, 一站式…)."""
    regex = _protected_re()
    return [m.span() for m in regex.finditer(text)] if regex else []


# -------------------------------------------------------------------- finder


def _excluded(text: str, start: int, end: int, rules: QuantityRules) -> bool:
    """True when [start, end) overlaps a name, slogan, vague amount, date or ordinal."""
    if rules.exclusion_re is None:
        return False
    lo = max(0, start - rules.window)
    hi = min(len(text), end + rules.window)
    for match in rules.exclusion_re.finditer(text, lo, hi):
        if match.start() < end and start < match.end() and match.end() > match.start():
            return True
        if match.start() >= end:
            break
    return False


TITLE_SPAN = 80  # a document title (《…》) may be this long
_OPENER_RE = re.compile(f'[{re.escape(QUOTE_OPEN)}《"]')


def _quoted(text: str, start: int, end: int, limit: int) -> bool:
    """True inside a short quotation (“一张网”) or a document title (《…》)."""
    if _OPENER_RE.search(text, max(0, start - max(limit, TITLE_SPAN)), start) is None:
        return False  # no quotation or title opens before the number (most numbers: one scan)
    left = max(0, start - limit)
    for opener, closer in zip(QUOTE_OPEN + "《", QUOTE_CLOSE + "》"):
        span = limit if opener != "《" else TITLE_SPAN
        o = text.rfind(opener, max(0, start - span), start)
        if o < 0 or text.find(closer, o, start) >= 0:
            continue
        c = text.find(closer, end, min(len(text), end + span))
        if c < 0 or text.find(opener, end, c) >= 0:
            continue
        if opener == "《" or c - o - 1 <= limit:
            return True
    o = text.rfind('"', left, start)
    c = text.find('"', end, min(len(text), end + limit))
    return o >= 0 and c >= 0 and c - o - 1 <= limit and text.count('"', 0, o) % 2 == 0


def _prefix_qualifier(text: str, start: int, rules: QuantityRules) -> str | None:
    """The qualifier a word right before the number gives (近, 超过), unless the word only ends like one (附近, 最近)."""
    before = text[max(0, start - 6) : start].rstrip(" \u00a0\u2002\u3000")
    if not before.endswith(rules.prefix_words) or before.endswith(rules.not_prefix):
        return None  # (most numbers have no such word before them: one test of them all first)
    for word, name in rules.prefix:
        if before.endswith(word):
            return name
    return None


def _qualifier(text: str, start: int, end: int, infix: str | None, rules: QuantityRules) -> str:
    if infix:
        return rules.infix.get(infix, "more_than")
    prefix = _prefix_qualifier(text, start, rules)
    if prefix:
        return prefix
    after = text[end : end + 6].lstrip(" \u00a0\u2002\u3000")
    if not after.startswith(rules.suffix_words):
        return "exact"
    for word, name in rules.suffix:
        if after.startswith(word):
            return name
    return "exact"


_UP_TO_CLAUSE_BREAK = re.compile(f"(?s).*[{re.escape(CLAUSE_BREAK)}]")


def _clause_before(text: str, start: int, limit: int = 40) -> str:
    lo = max(0, start - limit)
    last = _UP_TO_CLAUSE_BREAK.match(text, lo, start)  # up to the last break (one scan, not an rfind per character)
    return text[last.end() if last else lo : start]


def _read(match: re.Match[str], text: str, rules: QuantityRules, view: str | None = None) -> Quantity | None:
    """The quantity of one candidate match, or None when it is not one.

    *view* is ``fold(text)``: the simplified text, character for character, in
    which *match* was found and every rule around the number is checked, so
    that traditional reports read as simplified ones (8場次 → 场次, 十九屆四中全會
    excluded); ``raw`` is taken from *text*, the original.
    """
    raw_text = text
    text = view if view is not None else fold(text)
    start, end = match.span()
    groups = match.groupdict()
    value_max = None
    infix = None
    if groups["p1"] or groups["p3"] or groups["pc"] or groups["p4"]:
        unit = "%"
        if groups["pc"]:
            value = parse_number(groups["pc"])
        elif groups["p4"]:
            value = parse_number(groups["p4"]) if groups["p4"] not in BARE_MAGNITUDES else None
        elif groups["p3"]:
            value = parse_number(groups["p3"])
        else:
            value, value_max = parse_number(groups["p1"]), parse_number(groups["p2"])
            if value_max is None:
                return None
    else:
        n1, n2, mag, unit = groups["n1"], groups["n2"], groups["mag"], groups["unit"]
        infix = groups["infix"]
        if n1 in ("百", "千", "万", "萬", "亿", "億") and not infix:
            if n1 not in BARE_MAGNITUDES or n2 or mag or not _prefix_qualifier(text, start, rules):
                return None  # 万人, 千家, 上千人: a word or a vague amount; 近千张, 超万人次 are numbers
        if n1 == "一" and not n2 and not mag and not infix:
            before = text[max(0, start - 6) : start]
            before = before[:-1] if before.endswith("了") else before
            if not before.endswith(rules.bare_one_verbs):
                return None  # 一起, 一个, 一项 as "together" or "a"
        for following in rules.unit_continuations.get(unit, ()):
            if text.startswith(following, end):
                return None  # 3部门, 5人民
        value = parse_number(n1)
        if n2:
            value_max = parse_number(n2)
            if value_max is None:
                return None
            big = n2[-1] if n2[-1] in BIG_UNITS else None
            if big and value is not None and not any(c in BIG_UNITS for c in n1):
                value *= BIG_UNITS[big]
        if mag and value is not None:
            value *= BIG_UNITS[mag]
            value_max = value_max * BIG_UNITS[mag] if value_max is not None else None
        if unit in rules.frequency_units and rules.frequency_re is not None:
            if rules.frequency_re.search(_clause_before(text, start)):
                return None
        if unit in rules.deadline_units and text.startswith(rules.deadline_suffixes, end):
            return None  # 3天内答复: a time limit, not a count
        markers = rules.counted_after.get(rules.unit_form.get(unit, unit))
        if markers is not None and not text[max(0, start - 6) : start].rstrip(" \u00a0\u3000").endswith(markers):
            return None  # 2025年 is a date; 连续17年 is a duration
        unit = rules.unit_form.get(unit, unit)
    if value is None:
        return None
    left = fold_width(text[start - 1]) if start > 0 else ""
    if left in LEFT_BAD or (left == "," and start > 1 and fold_width(text[start - 2]).isdigit()):
        return None  # inside a longer number, a date or a code
    head = text[max(0, start - 3) : start]
    if head.endswith(rules.left_blockers):
        return None  # 第5, 每1000人
    if text[start] in CN_CHARS and head.endswith(rules.chinese_blockers):
        return None  # 数十次, 几百人 (but 人数32886人)
    if _excluded(text, start, end, rules) or _quoted(text, start, end, rules.quoted_max):
        return None
    if value_max is not None and value_max < value:
        return None
    return Quantity(start, end, raw_text[start:end], value, value_max, unit, _qualifier(text, start, end, infix, rules))


def find_quantities(text: str, *, rules: QuantityRules | None = None, names: Iterable[str] = ()) -> list[Quantity]:
    """Every quantity stated in *text*, in order (see the module doc for what counts).

    Each line is read on its own: no quantity and no rule's context crosses a
    line break, so a report's quantities are those of its lines (and of its
    paragraphs, which the tokeniser reads one by one: a paragraph is a line,
    or the part of one before a heading run onto it).  The quantities of the
    lines read last are kept (``KEPT_CHARS``), so the indicator stage takes
    those the tokeniser found in the same lines instead of finding them again.

    *names* are proper names known from elsewhere (the report's own town, such
    as 三张镇): a number inside one of them is no quantity.  Every rule is
    checked on the simplified view of the text, so traditional reports follow
    the same rules (and the units and numerals are read there: 8場次 is 8 场次).
    """
    if not isinstance(text, str) or not text:
        return []
    rules = rules or load_rules()
    found: list[Quantity] = []
    offset = 0
    for line in text.split("\n"):
        if line:
            here = _line_quantities(line, rules)
            found += here if not offset else [Quantity(q.start + offset, q.end + offset, *q.reading) for q in here]
        offset += len(line) + 1
    names = [n for n in names if isinstance(n, str) and len(n.strip()) > 1]
    if not names or not found:
        return found
    taken = _name_spans(fold(text), names)
    return [q for q in found if not any(s < q.end and q.start < e for s, e in taken)]


KEPT_CHARS = 8_000_000  # characters of lines kept: a chunk of the pipeline's reports (at most 400) is some 10^6


@lru_cache(maxsize=1)
def _kept_lines() -> dict[str, tuple[QuantityRules, dict[str, list[Quantity]], list[int]]]:
    """Where the kept lines live: {"now": (rules, line → its quantities, [characters kept])}.

    An lru cache, so that clearing the package's caches when the lexicon
    changes (``pipeline.tasks``) forgets the lines too.
    """
    return {}


def _line_quantities(line: str, rules: QuantityRules) -> list[Quantity]:
    """``_find_in_line``, kept for the lines read last with the same rules (``KEPT_CHARS``; callers copy the list).

    Rules read anew (other files, or ``load_rules.cache_clear()``) are another
    object: the lines kept under the old ones are forgotten.  A call reads and
    writes only the lines of its own rules, even when another thread has
    started keeping lines under other rules meanwhile.
    """
    store = _kept_lines()
    kept = store.get("now")
    if kept is None or kept[0] is not rules:
        kept = store["now"] = (rules, {}, [0])
    _, lines, size = kept
    found = lines.get(line)
    if found is None:
        found = _find_in_line(line, rules)
        if size[0] + len(line) > KEPT_CHARS:
            lines.clear()
            size[0] = 0
        lines[line] = found
        size[0] += len(line)
    return found


def _find_in_line(line: str, rules: QuantityRules) -> list[Quantity]:
    """The quantities of one line (no line break in *line*), offsets into it."""
    view = fold(line)
    found = []
    for match in rules.regex.finditer(view):  # 8場次 is 8 场次, 2000餘冊 is found; raw is the original's
        try:
            quantity = _read(match, line, rules, view)
        except (ValueError, OverflowError, KeyError, IndexError):  # never raise on odd numerals
            quantity = None
        if quantity is not None:
            found.append(quantity)
    return found


def _name_spans(view: str, names: Iterable[str]) -> list[tuple[int, int]]:
    """Spans of the *names* (folded to simplified) in the simplified *view* of a text."""
    spans = []
    for name in {fold(n.strip()) for n in names if isinstance(n, str) and len(n.strip()) > 1}:
        at = view.find(name)
        while at >= 0:
            spans.append((at, at + len(name)))
            at = view.find(name, at + 1)
    return spans


def quantity_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every real quantity in *text*: the spans the tokeniser keeps whole."""
    return [(q.start, q.end) for q in find_quantities(text)]
