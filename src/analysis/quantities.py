"""Find quantities in cleaned text: a numeral, its qualifier and measure word.

This is the shared finder for the tokeniser (so ``50余次`` is one token and
never leaves ``余次`` in word counts) and the indicator stage (which reads
values from the spans found here).
"""

from __future__ import annotations

import re
from functools import lru_cache

from . import config
from .lexicon import load_user_dict, load_wordlist

ARABIC = r"[0-9０-９]+(?:[.．][0-9０-９]+)?"
CHINESE = r"[零〇一二两三四五六七八九十百千万亿]+"
NUMBER = rf"(?:{ARABIC}|{CHINESE})"
RANGE_SEP = r"(?:[—–\-－~～至到])"


@lru_cache(maxsize=4)
def units(path: str = str(config.UNITS_FILE)) -> tuple[str, ...]:
    """Measure words, longest first."""
    return tuple(sorted(load_wordlist(path), key=len, reverse=True))


@lru_cache(maxsize=4)
def quantity_re(path: str = str(config.UNITS_FILE)) -> re.Pattern[str]:
    """number [range] [万/亿] [余/多] [万/亿] unit, or a percentage."""
    unit = "|".join(re.escape(u) for u in units(path))
    return re.compile(
        rf"(?:百分之{CHINESE}|{ARABIC}\s*[%％])"
        rf"|{NUMBER}(?:\s*{RANGE_SEP}\s*{NUMBER})?[万亿]?[余多]?[万亿]?\s?(?:{unit})"
    )


@lru_cache(maxsize=4)
def protected_terms(path: str = str(config.TERMS_FILE)) -> tuple[str, ...]:
    """Lexicon terms that contain a numeral (names and slogans, not quantities)."""
    numeral = re.compile(r"[0-9零〇一二两三四五六七八九十百千万亿]")
    return tuple(sorted((t for t, _, _ in load_user_dict(path) if numeral.search(t)), key=len, reverse=True))


@lru_cache(maxsize=4)
def _protected_re(path: str = str(config.TERMS_FILE)) -> re.Pattern[str] | None:
    terms = protected_terms(path)
    return re.compile("|".join(re.escape(t) for t in terms)) if terms else None


def protected_spans(text: str) -> list[tuple[int, int]]:
    """Spans of numeral-bearing names and slogans (三重一大, 12345热线, 一站式…)."""
    regex = _protected_re()
    return [m.span() for m in regex.finditer(text)] if regex else []


def quantity_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every quantity in *text* that is not part of a protected term."""
    protected = protected_spans(text)
    spans = []
    for match in quantity_re().finditer(text):
        start, end = match.span()
        if any(p_start < end and start < p_end for p_start, p_end in protected):
            continue
        spans.append((start, end))
    return spans
