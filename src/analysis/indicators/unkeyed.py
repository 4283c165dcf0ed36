"""Quantities that got no key: how many, and how the reports phrase them, so a user can extend indicators.yml.

key_coverage       per report: quantities stated, how many got a key, how many none, and the share with none
unkeyed_phrasings  the most frequent phrasings of the quantities with no key: the words right before the
                   number, with its unit, grouped (``征求法律意见〔数〕件次``; ``〔数〕个部门`` when the
                   number comes first), with how often, in how many reports and one example

A quantity is counted once however many rows it has (one number for two
subjects gives two rows); it is keyed when one of its rows has a key.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from ..chinese import fold
from ..quantities import find_quantities
from .grammar import _context, _next_break
from .rules import load_rules

COVERAGE_COLUMNS = ["doc_id", "town", "year", "quantities", "keyed", "unkeyed", "share_unkeyed"]
PHRASING_COLUMNS = ["phrasing", "unit", "mentions", "share", "reports", "towns", "example", "sentence"]
NUMBER_MARK = "〔数〕"  # where the number stands in a phrasing
WORD_BREAK = '，,；;。、！？!?：:\n（()）“”"《》'
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _quantities(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per quantity (doc_id, start) with ``keyed`` True when any of its rows has a key."""
    columns = ["doc_id", "town", "year", "start", "end", "raw", "unit", "sentence", "keyed"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    keyed = rows["indicator"].fillna("").astype(str).ne("")
    table = rows.assign(keyed=keyed)
    first = table.drop_duplicates(["doc_id", "start"]).set_index(["doc_id", "start"])
    any_key = table.groupby(["doc_id", "start"])["keyed"].any()
    first["keyed"] = any_key.reindex(first.index).to_numpy()
    return first.reset_index()[columns]


def key_coverage(rows: pd.DataFrame) -> pd.DataFrame:
    """Per report of the *rows* of ``extract``: quantities, keyed, unkeyed and share_unkeyed (0–1, 3 decimals).

    Reports without any quantity are not in the rows, so not in this table.
    """
    table = _quantities(rows)
    if table.empty:
        return pd.DataFrame(columns=COVERAGE_COLUMNS)
    out = (
        table.groupby("doc_id", sort=True)
        .agg(town=("town", "first"), year=("year", "first"), quantities=("keyed", "size"), keyed=("keyed", "sum"))
        .reset_index()
    )
    out["keyed"] = out["keyed"].astype("int64")
    out["unkeyed"] = out["quantities"] - out["keyed"]
    out["share_unkeyed"] = (out["unkeyed"] / out["quantities"]).round(3)
    return out[COVERAGE_COLUMNS]


def phrasing(text: str, start: int, end: int, unit: str, *, words: int = 2) -> str:
    """How the quantity text[start:end] is phrased: the last *words* words before it in its item, 〔数〕 and the unit
    (``征求法律意见〔数〕件次``); when the number opens its item, 〔数〕, the unit and the first word after it
    (``〔数〕个部门``).  Words without a Chinese character, the domain's stop words and the
    ``phrasing_fillers`` of indicators.yml (共有, 全镇) are left out."""
    from ..tokenize import tokenizer

    _, _, item_start = _context(text, start)
    # the words before start after the item's last other quantity (72个网格260余名 → 网格)
    lo = max([item_start] + [item_start + q.end for q in find_quantities(text[item_start:start])])
    skip = _stopwords() | load_rules().phrasing_fillers
    before = [w for w in tokenizer().lcut(text[lo:start]) if _CJK.search(w) and w not in skip]
    if before:
        return "".join(before[-words:]) + NUMBER_MARK + unit
    after_end = _next_break(text, WORD_BREAK, end, min(len(text), end + 12))
    after = [w for w in tokenizer().lcut(text[end:after_end]) if _CJK.search(w) and w not in skip]
    return NUMBER_MARK + unit + "".join(after[:1])


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from .. import config
    from ..lexicon import load_wordlist

    return frozenset(load_wordlist(str(config.STOPWORDS_DOMAIN_FILE)))


def unkeyed_phrasings(rows: pd.DataFrame, reports: pd.DataFrame, *, top: int | None = 20, words: int = 2) -> pd.DataFrame:
    """The most frequent phrasings of the quantities of *rows* that got no key, most frequent first.

    Columns: phrasing (see ``phrasing``), unit, mentions, share (of all
    quantities with no key, 3 decimals), reports, towns, example (town：raw) and
    the sentence of the first mention.  *reports* gives the texts (doc_id,
    text); phrasings are read on their simplified form, so traditional and
    simplified reports group together.  *top* limits the rows (None: all).  No unkeyed quantity gives an
    empty table with these columns.
    """
    table = _quantities(rows)
    table = table[~table["keyed"].astype(bool)] if not table.empty else table
    if table.empty:
        return pd.DataFrame(columns=PHRASING_COLUMNS)
    texts = {d: fold(t) for d, t in zip(reports["doc_id"].tolist(), reports["text"].tolist()) if isinstance(t, str)}  # 項 grouped with 项
    phrasings = [
        phrasing(texts[d], int(s), int(e), u, words=words) if isinstance(texts.get(d), str) else NUMBER_MARK + u
        for d, s, e, u in zip(table["doc_id"].tolist(), table["start"].tolist(), table["end"].tolist(), table["unit"].tolist())
    ]
    table = table.assign(phrasing=phrasings).sort_values(["doc_id", "start"], kind="stable")
    out = (
        table.groupby(["phrasing", "unit"], sort=False)
        .agg(
            mentions=("raw", "size"),
            reports=("doc_id", "nunique"),
            towns=("town", "nunique"),
            _town=("town", "first"),
            _raw=("raw", "first"),
            sentence=("sentence", "first"),
        )
        .reset_index()
    )
    out["share"] = (out["mentions"] / len(table)).round(3)
    out["example"] = out["_town"].astype(str) + "：" + out["_raw"].astype(str)
    out = out.sort_values(["mentions", "reports", "phrasing"], ascending=[False, False, True], kind="stable")
    if top is not None:
        out = out.head(top)
    return out[PHRASING_COLUMNS].reset_index(drop=True)
