"""Concordance (KWIC): every occurrence of a word in its context, with the section it stands in.

kwic          — term, doc_id, town, section, role, start, end, left, match, right
kwic_summary  — term, hits, docs, towns

Typical use::

    lines = concordance.kwic(reports, ["枫桥经验", "12345"], window=20)
    concordance.kwic_summary(lines)

The search runs on the cleaned text of the reports table itself, not on
tokens, so every occurrence is found whatever the tokeniser made of it.  No
occurrence gives an empty table with the same columns and a warning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from .errors import OptionError
from .frequency import _as_list, _empty, _warn
from .structure import locate

KWIC_COLUMNS = ["term", "doc_id", "town", "section", "role", "start", "end", "left", "match", "right"]


def kwic(
    reports: pd.DataFrame,
    term: str | Sequence[str],
    *,
    regex: bool = False,
    window: int = 20,
) -> pd.DataFrame:
    """Every occurrence of *term* (a word or list of words, or regexes with ``regex=True``) in context.

    Searches the cleaned text itself, so every occurrence is found whatever
    the tokeniser made of it (``网格`` also inside ``网格员``), and stopword
    lists do not apply.  *window* characters of left and right context,
    line breaks shown as spaces.  Sorted by term (in the order given),
    doc_id and offset; section is the heading path, role its section role.
    """
    queries = [str(t) for t in _as_list(term)]
    if any(not q.strip() for q in queries):
        raise OptionError("kwic needs a non-empty search term")
    if not queries:
        _warn("no concordance lines: no search terms were given")
        return _empty(KWIC_COLUMNS)
    if window < 0:
        raise OptionError(f"window={window}: the context width must be 0 or more characters")
    patterns = []
    for query in queries:
        try:
            patterns.append(re.compile(query if regex else re.escape(query)))
        except re.error as exc:
            raise OptionError(f"bad regular expression {query!r}: {exc}; drop --regex to search for the literal text") from exc
    rows = []
    for order, (query, pattern) in enumerate(zip(queries, patterns)):
        found = 0
        for doc_id, town, text in zip(reports["doc_id"].tolist(), reports["town"].tolist(), reports["text"].tolist()):
            for match in pattern.finditer(text):
                start, end = match.span()
                if start == end:
                    continue
                found += 1
                left = text[max(0, start - window) : start].replace("\n", " ")
                right = text[end : end + window].replace("\n", " ")
                rows.append((order, query, doc_id, town, start, end, left, match.group(0), right))
        if not found:
            where = "the corpus is empty" if reports.empty else f"it does not occur in the {len(reports)} reports"
            _warn(f"no concordance lines for {query!r}: {where}")
    table = pd.DataFrame(rows, columns=["_order", "term", "doc_id", "town", "start", "end", "left", "match", "right"])
    if table.empty:
        return _empty(KWIC_COLUMNS)
    table = table.sort_values(["_order", "doc_id", "start"], kind="mergesort").reset_index(drop=True)
    table = locate(table, reports)
    return table[KWIC_COLUMNS].astype({"start": "int64", "end": "int64"})


def kwic_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Occurrences and reports per term of a ``kwic`` table: term, hits, docs, towns."""
    columns = ["term", "hits", "docs", "towns"]
    if table.empty:
        return _empty(columns)
    out = (
        table.groupby("term", sort=False).agg(hits=("doc_id", "size"), docs=("doc_id", "nunique"), towns=("town", "nunique")).reset_index()
    )
    return out[columns]
