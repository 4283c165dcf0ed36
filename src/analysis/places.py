"""Place names as reports write them: the knowledge of ``places.yml`` and the grammar of a chain of names.

Reading a report's head for who wrote it (``analysis.metadata``) rests on
this module; nothing here knows about reports.

load_places    ``data/lexicon/places.yml`` read, checked and compiled (``Places``)
parse_chain    the lowest unit of names written together: 长沙市天心区坡子街街道 → 坡子街街道, county 天心区
last_county    the last county-level unit of a chain: 深圳市龙华区 → 龙华区
names_in       every name ending in one of the given endings that starts at a boundary (punctuation, 在, 中共 …)
valid_stem     whether a stem can be a name (Han characters only, not an organ or a common word)
known_place    whether jieba's dictionary lists a county-level name (岳阳县, 英德市)

Names are matched in the simplified, width-folded view of the text
(``metadata.matching_view``); a ``Place`` carries the name in the view's
characters and its offsets in the text searched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import config
from .errors import LexiconError
from .lexicon import load_yaml, longest_word_re, word_alternation

PLACES_FILE = config.PLACES_FILE
HAN = r"\u4e00-\u9fff"
HAN_RE = re.compile(rf"[{HAN}]")
HAN_ONLY_RE = re.compile(rf"[{HAN}]+")
BOUNDARY_WORDS = (
    "中共",
    "在",
    "将",
    "对",
    "和",
    "与",
    "及",
    "由",
    "向",
    "经",
    "从",
    "为",
    "把",
    "据",
    "照",
    "年",
    "度",
    "了",
    "是",
    "即",
    "至",
    "到",
    "同",
    "共",
)


@dataclass(frozen=True)
class Places:
    """The knowledge of ``places.yml``, checked and compiled."""

    town_suffixes: dict[str, str]
    county_suffixes: dict[str, str]
    higher_suffixes: tuple[str, ...]
    organs: tuple[str, ...]
    self_prefixes: tuple[str, ...]
    not_names: tuple[str, ...]
    not_name_starts: tuple[str, ...]
    not_name_ends: tuple[str, ...]
    title_words: tuple[str, ...]
    lead_words: tuple[str, ...]
    superior_words: tuple[str, ...]
    suffix_words: frozenset[str]
    not_name_re: re.Pattern[str]  # not_names and organs: a stem holding one is no name
    suffix_re: re.Pattern[str]  # every name ending, longest first

    @property
    def all_suffixes(self) -> dict[str, str]:
        return {**self.town_suffixes, **self.county_suffixes}


def _list(path: Path, data: dict, key: str) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not value:
        raise LexiconError(path, f"'{key}' must be a non-empty list")
    seen = set()
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise LexiconError(path, f"'{key}': every entry must be a non-empty string", entry=str(item))
        if item in seen:
            raise LexiconError(path, f"'{key}': listed twice", entry=item)
        seen.add(item)
    return tuple(value)


def _map(path: Path, data: dict, key: str, levels: set[str]) -> dict[str, str]:
    value = data.get(key)
    if not isinstance(value, dict) or not value:
        raise LexiconError(path, f"'{key}' must map a name ending to its level")
    for ending, level in value.items():
        if not isinstance(ending, str) or level not in levels:
            raise LexiconError(path, f"'{key}': the level must be one of {', '.join(sorted(levels))}", entry=str(ending))
    return dict(sorted(value.items(), key=lambda kv: -len(kv[0])))


@lru_cache(maxsize=4)
def load_places(path: str | Path = PLACES_FILE) -> Places:
    """Read and check ``places.yml``."""
    path = Path(path)
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise LexiconError(path, "must be a mapping of word lists")
    town_suffixes = _map(path, data, "town_suffixes", {"镇", "乡", "街道", "苏木"})
    county_suffixes = _map(path, data, "county_suffixes", {"县", "区", "旗", "市"})
    organs = tuple(sorted(_list(path, data, "organs"), key=len, reverse=True))
    not_names = _list(path, data, "not_names")
    return Places(
        town_suffixes=town_suffixes,
        county_suffixes=county_suffixes,
        higher_suffixes=_list(path, data, "higher_suffixes"),
        organs=organs,
        self_prefixes=_list(path, data, "self_prefixes"),
        not_names=not_names,
        not_name_starts=_list(path, data, "not_name_starts"),
        not_name_ends=_list(path, data, "not_name_ends"),
        title_words=_list(path, data, "title_words"),
        lead_words=tuple(sorted(_list(path, data, "lead_words"), key=len, reverse=True)),
        superior_words=_list(path, data, "superior_words"),
        suffix_words=frozenset(_list(path, data, "suffix_words")),
        not_name_re=re.compile(longest_word_re({*not_names, *organs, "委"})),  # the longest word at a position
        suffix_re=re.compile(longest_word_re({*town_suffixes, *county_suffixes})),
    )


# ------------------------------------------------------------------ names


@dataclass(frozen=True)
class Place:
    name: str  # in the view's characters
    level: str
    start: int  # offsets in the text searched
    end: int
    county: str | None = None


def valid_stem(stem: str, places: Places, *, min_len: int) -> bool:
    if len(stem) < min_len or not HAN_ONLY_RE.fullmatch(stem):
        return False
    if stem.startswith(places.not_name_starts) or stem.endswith(places.not_name_ends):
        return False
    return places.not_name_re.search(stem) is None  # 县委县…, 区政府… are organs; 城区, 社区 common words


def suffix_at_end(chain: str, suffixes: dict[str, str]) -> str | None:
    for ending in suffixes:
        if chain.endswith(ending):
            return ending
    return None


def parse_chain(chain: str, places: Places, *, min_stem: int = 1) -> Place | None:
    """The lowest unit of a chain of names written together (长沙市天心区坡子街街道 → 坡子街街道, county 天心区)."""
    chain = chain.strip()
    ending = suffix_at_end(chain, places.town_suffixes)
    kind = "town"
    if ending is None:
        ending = suffix_at_end(chain, places.county_suffixes)
        kind = "county"
    if ending is None:
        return None
    level = places.town_suffixes.get(ending) if kind == "town" else places.county_suffixes[ending]
    body = chain[: len(chain) - len(ending)]
    unit_chars = set("县区旗市州省盟")
    keep = 2 if kind == "town" else max(1, min_stem)
    cuts = [i + 1 for i, ch in enumerate(body) if ch in unit_chars and len(body) - (i + 1) >= keep]
    if kind == "town" and len(body) >= 4 and body[-2] in unit_chars and last_county(body[:-1], places):
        return None  # 宝鸡市陈仓区虢镇: a one-character town name is not guessed (nor 陈仓区虢镇)
    prefix, stem = (body[: cuts[-1]], body[cuts[-1] :]) if cuts else ("", body)
    # a one-character name only alone at a title's head (甲镇2025年…), never at the end of a chain (陈仓区虢镇)
    shortest = 1 if kind == "county" or (min_stem == 1 and not prefix) else 2
    if not valid_stem(stem, places, min_len=shortest):
        return None
    if kind == "county" and len(stem) < min_stem:
        return None
    name = stem + ("街道" if ending == "街道办事处" else ending)
    county = None
    if kind == "town" and prefix:
        county = last_county(prefix, places)
    return Place(name=name, level=level, start=0, end=len(chain), county=county)


def last_county(prefix: str, places: Places) -> str | None:
    """The last county-level unit of a chain: 深圳市龙华区 → 龙华区, 城口县 → 城口县."""
    ending = suffix_at_end(prefix, places.county_suffixes)
    if ending is None:
        return None
    body = prefix[: len(prefix) - len(ending)]
    cuts = [i + 1 for i, ch in enumerate(body) if ch in set("县区旗市州省盟") and len(body) - (i + 1) >= 1]
    stem = body[cuts[-1] :] if cuts else body
    if not valid_stem(stem, places, min_len=1):
        return None
    return stem + ending


def names_in(text: str, suffixes: dict[str, str], places: Places, *, max_stem: int = 8) -> list[Place]:
    """Every name ending in one of *suffixes* that starts at a boundary (punctuation, 《, 在, 中共 …), in order.

    The shortest such name wins (，依托乌翠区 → none unless 依托乌翠 is the only
    start at a boundary); an ending that begins a word (市场, 区域, 县城) ends no
    name; *max_stem* characters at most before the ending (twice that before
    自治县/自治旗, whose names are long).
    """
    endings = word_alternation(tuple(suffixes))
    found = []
    for match in re.finditer(rf"(?:{endings})", text):
        ending = match.group(0)
        pos = match.start()
        if text[pos : pos + 2] in places.suffix_words and len(ending) == 1:
            continue
        best = None
        longest = 2 * max_stem if ending.startswith("自治") else max_stem
        for length in range(2, longest + 1):
            start = pos - length
            if start < 0:
                break
            stem = text[start:pos]
            if not HAN_RE.match(stem[0]):
                break
            before = text[max(0, start - 2) : start]
            if start == 0 or not HAN_RE.match(before[-1:]) or before.endswith(BOUNDARY_WORDS) or before[-1:] in "县区旗市州省盟":
                name = stem + ("街道" if ending == "街道办事处" else ending)
                if valid_stem(stem, places, min_len=2) and places.not_name_re.search(name) is None:
                    best = (start, stem)
                    break
        if best is None:
            continue
        start, stem = best
        name = stem + ("街道" if ending == "街道办事处" else ending)
        found.append(Place(name=name, level=suffixes[ending], start=start, end=match.end()))
    return found


@lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    """The words of jieba's dictionary that end like a county-level unit (县, 区, 市, 旗)."""
    import jieba

    text = (Path(jieba.__file__).parent / "dict.txt").read_text(encoding="utf-8")
    return frozenset(re.findall(r"^([^\s\d]{1,11}[县区市旗]) ", text, re.MULTILINE))


def known_place(name: str) -> bool:
    """True when jieba's dictionary lists *name* (岳阳县, 英德市): a weakly placed name is trusted only then."""
    return name in _dictionary()
