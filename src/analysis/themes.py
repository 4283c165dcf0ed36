"""Problem themes: code each stated problem, compare towns (plans answering problems: ``analysis.alignment``).

The codebook is ``data/lexicon/themes.yml`` (cue language: ``analysis.cues``).

Tables:

codes       — doc_id, town, item_no, theme, label, cue, evidence, position, is_main,
              method, similarity
              (one row per problem item × theme; method ``cue``: a cue of the theme
              fired, *cue* is the first that did and *evidence* the characters it
              matched; method ``nearest``: no cue fired, and the theme is the one
              whose definition and phrasings the item reads most like, with a
              *similarity* at or above ``NEAREST_THRESHOLD``; *similarity* is the
              item's similarity to the theme's description in every row)
coded       — doc_id, town, item_no, text, themes, main_theme, n_themes, method, similarity
              (one row per problem item; *themes* are ids joined by ``;``; *method*
              and *similarity* are the main theme's, empty and NaN for an uncoded item)
theme_table — one row per group (town, or any report column), one column per theme:
              the number of problem items coded with the theme
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import config, display, tfidf
from .chinese import fold
from .cues import Codebook, load_codebook
from .errors import LexiconError, OptionError
from .lexicon import read_text
from .stats import chi2_sf

CODE_COLUMNS = ["doc_id", "town", "item_no", "theme", "label", "cue", "evidence", "position", "is_main", "method", "similarity"]
CODED_COLUMNS = ["doc_id", "town", "item_no", "text", "themes", "main_theme", "n_themes", "method", "similarity"]
TEST_COLUMNS = ["theme", "label", "items", "chi2", "dof", "p_value", "min_expected", "share_expected_below_5", "meaningful", "reason"]

# An item no cue finds is coded with the theme whose description (label,
# definition and phrasings in themes.yml) it reads most like: the cosine of
# TF-IDF vectors over character unigrams and bigrams (IDF over the sentences of
# all descriptions).  Below NEAREST_THRESHOLD it stays uncoded.  Calibrated by
# benchmarks/themes_calibrate.py on the five reports' problem items and the
# sentences of tests/data/themes_sentences.csv (never on the blind set): the
# threshold that best tells the on-theme sentences from the off-theme ones.
NEAREST_THRESHOLD = 0.115
# A theme's description: a one-line definition and this many typical phrasings
# (bounded so that no theme outweighs the others by the number of its phrasings).
PHRASINGS = (4, 8)
# Cochran's rule for a chi-square test to be trusted: every expected count at
# least 1, and no more than 20 % of them below 5.
MIN_EXPECTED = 1.0
MAX_SHARE_BELOW_5 = 0.2
# chi_square(by="auto") tries these groupings in turn and keeps the first whose test means something.
GROUPINGS = ("town", "county", "level")
UNKNOWN = "（未知）"  # the group of an item whose report lacks the grouping column's value


@lru_cache(maxsize=8)
def _load_themes(path: str) -> Codebook:
    book = load_codebook(path, key="themes", cue_fields=("cues", "plan_cues"), other_fields=("definition", "phrasings"))
    _check_descriptions(book)
    return book


def _check_descriptions(book: Codebook) -> None:
    """Every theme needs a one-line ``definition`` and 4–8 ``phrasings`` (the nearest-theme coder reads them)."""
    path = Path(book.path)
    lines = read_text(path).split("\n")
    low, high = PHRASINGS
    for entry in book:
        line = next((n for n, text in enumerate(lines, start=1) if f"id: {entry.id}" in text), None)
        definition = entry.extra.get("definition")
        if not isinstance(definition, str) or not definition.strip() or "\n" in definition.strip():
            raise LexiconError(path, "the theme needs a one-line 'definition' (what the problem is, in Chinese)", line=line, entry=entry.id)
        phrasings = entry.extra.get("phrasings")
        if not isinstance(phrasings, list) or not all(isinstance(p, str) and p.strip() for p in phrasings):
            raise LexiconError(path, f"the theme needs 'phrasings': a list of {low}–{high} typical sentences", line=line, entry=entry.id)
        if not low <= len(phrasings) <= high:
            raise LexiconError(path, f"'phrasings' has {len(phrasings)} sentences; give {low}–{high}", line=line, entry=entry.id)
        if len(set(phrasings)) != len(phrasings):
            dup = next(p for p in phrasings if phrasings.count(p) > 1)
            raise LexiconError(path, f"the phrasing {dup!r} is listed twice", line=line, entry=entry.id)


def load_themes(path: str | Path = config.THEMES_FILE) -> Codebook:
    """Read and validate the theme codebook; a bad entry raises ``LexiconError`` naming it."""
    return _load_themes(str(config.resolve_path(path)))


def _codebook(codebook: Codebook | str | Path | None) -> Codebook:
    if codebook is None:
        return load_themes()
    if isinstance(codebook, Codebook):
        return codebook
    return load_themes(codebook)


# ------------------------------------------------------------------ coding


def code_items(
    items: pd.DataFrame,
    *,
    codebook: Codebook | str | Path | None = None,
    field: str = "cues",
    nearest: bool | None = None,
    threshold: float = NEAREST_THRESHOLD,
) -> pd.DataFrame:
    """One row per item × theme: the themes whose cues find the item, else its nearest theme.

    *items* is a table from ``structure.problem_items`` (or ``plan_items`` with
    ``field="plan_cues"``).  The theme whose evidence stands earliest in the
    item is its main theme (``is_main``): reports lead with the headline claim.
    An item no cue finds gets the one theme whose description it reads most
    like (``method`` ``nearest``), when the similarity is at least *threshold*;
    below it the item stays uncoded (no row).  *nearest* (default: only for
    ``field="cues"``, since the descriptions describe problems) switches that off.
    """
    book = _codebook(codebook)
    if nearest is None:
        nearest = field == "cues"
    texts = [str(t) for t in items["text"].tolist()]
    sims = theme_similarity(texts, codebook=book).to_numpy() if len(texts) else np.zeros((0, len(book)))
    rows = []
    towns = items["town"] if "town" in items else [None] * len(items)
    for i, (doc_id, town, item_no, text) in enumerate(zip(items["doc_id"].tolist(), towns, items["item_no"].tolist(), texts)):
        simple = fold(text)
        hits = []
        for order, entry in enumerate(book):
            hit = entry.first_hit(simple, field=field, simplified=True)
            if hit is None:
                continue
            cue, spans = hit
            position = min(s[0] for s in spans) if spans else len(simple)
            evidence = "…".join(simple[a:b] for a, b in spans[:4])
            hits.append((position, order, entry, cue.source, evidence, "cue"))
        if not hits and nearest and len(book):
            order = int(np.argmax(sims[i]))
            if sims[i, order] >= threshold:
                hits.append((0, order, book.entries[order], "", "", "nearest"))
        hits.sort(key=lambda h: (h[0], h[1]))
        for rank, (position, order, entry, cue, evidence, method) in enumerate(hits):
            rows.append(
                {
                    "doc_id": doc_id,
                    "town": town,
                    "item_no": int(item_no),
                    "theme": entry.id,
                    "label": entry.label,
                    "cue": cue,
                    "evidence": evidence,
                    "position": int(position),
                    "is_main": rank == 0,
                    "method": method,
                    "similarity": round(float(sims[i, order]), 3),
                    "_order": order,
                }
            )
    table = pd.DataFrame(rows, columns=[*CODE_COLUMNS, "_order"])
    table = table.sort_values(["doc_id", "item_no", "_order"], kind="stable").drop(columns="_order").reset_index(drop=True)
    return table.astype({"item_no": "int64", "position": "int64", "is_main": "bool", "similarity": "float64"})


# The terms of the similarity are the character unigrams and bigrams of the simplified text inside
# runs of letters (no punctuation or digits), each a number: a character's code point (below
# 2**GRAM_SHIFT), or a bigram's two code points, the first shifted by GRAM_SHIFT bits.  A batch
# of texts is then counted with numpy (a Counter of strings per item took most of code_items).
GRAM_SHIFT = 21
_TEXT_SHIFT = 2 * GRAM_SHIFT  # a (text, gram) pair is one number: the text's place above the gram
GRAM_BATCH = 50_000  # texts counted at once (their place must stay below 2**(63 - _TEXT_SHIFT))


def _gram_counts(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(text, gram, count): each distinct gram of each text (its place in *texts*), how often it
    occurs, sorted by text, then gram.  At most ``GRAM_BATCH`` texts."""
    folded = [fold(text) for text in texts]
    lengths = np.fromiter(map(len, folded), dtype=np.int64, count=len(folded))
    codes = np.frombuffer("\n".join(folded).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
    letter = ((codes >= 0x3400) & (codes <= 0x9FFF)) | ((codes >= 0x41) & (codes <= 0x5A)) | ((codes >= 0x61) & (codes <= 0x7A))
    text_of = np.repeat(np.arange(len(texts), dtype=np.int64), lengths + 1)[: len(codes)] << _TEXT_SHIFT
    one = np.flatnonzero(letter)
    two = np.flatnonzero(letter[:-1] & letter[1:])  # the line break between two texts is no letter: no bigram crosses it
    pairs = np.sort(np.concatenate((text_of[one] | codes[one], text_of[two] | (codes[two] << GRAM_SHIFT) | codes[two + 1])))
    first = np.flatnonzero(np.concatenate(([True], pairs[1:] != pairs[:-1]))) if len(pairs) else np.zeros(0, dtype=np.int64)
    count = np.diff(np.append(first, len(pairs)))
    pairs = pairs[first]
    return pairs >> _TEXT_SHIFT, pairs & ((1 << _TEXT_SHIFT) - 1), count


def descriptions(*, codebook: Codebook | str | Path | None = None) -> pd.DataFrame:
    """Each theme's description, one row per sentence: theme, kind (label, definition, phrasing), text."""
    book = _codebook(codebook)
    rows = []
    for entry in book:
        rows.append({"theme": entry.id, "kind": "label", "text": entry.label})
        if entry.extra.get("definition"):
            rows.append({"theme": entry.id, "kind": "definition", "text": str(entry.extra["definition"])})
        rows.extend({"theme": entry.id, "kind": "phrasing", "text": str(p)} for p in entry.extra.get("phrasings") or ())
    return pd.DataFrame(rows, columns=["theme", "kind", "text"])


def theme_similarity(texts: list[str], *, codebook: Codebook | str | Path | None = None) -> pd.DataFrame:
    """How much each text (rows, in order) reads like each theme's description (columns, codebook order).

    The cosine of TF-IDF vectors over character unigrams and bigrams
    (``_gram_counts``): each theme's description (label, definition and
    phrasings) is one vector, with IDF over the description sentences of all
    themes, so words every theme uses (不足, 部分) weigh little.  Works the same
    on traditional characters (texts are folded to simplified first).
    """
    book = _codebook(codebook)
    vocabulary, idf, unseen, weights = _profiles(book)
    values = np.zeros((len(texts), weights.shape[1]))
    for lo in range(0, len(texts), GRAM_BATCH):
        text, gram, count = _gram_counts(texts[lo : lo + GRAM_BATCH])
        at = np.minimum(np.searchsorted(vocabulary, gram), max(len(vocabulary) - 1, 0))
        known = vocabulary[at] == gram if len(vocabulary) else np.zeros(len(gram), dtype=bool)
        w = tfidf.unit_rows(count, np.where(known, idf[at] if len(idf) else unseen, unseen), text, min(GRAM_BATCH, len(texts) - lo))
        text, shared = text[known], w[known, None] * weights[at[known]]  # each text's terms against every theme's at once
        if len(text):
            starts = np.flatnonzero(np.concatenate(([True], text[1:] != text[:-1])))
            values[lo + text[starts]] = np.add.reduceat(shared, starts, axis=0)
    return pd.DataFrame(values, columns=book.ids)


_PROFILES: dict[int, tuple[Codebook, tuple]] = {}  # id(codebook) → (codebook, its IDF and theme vectors)


def _profiles(book: Codebook) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """The description grams (sorted), their IDF over the codebook's description sentences, the IDF
    of a gram none of them uses, and the theme vectors, made once per codebook.

    The theme vectors are one matrix: a row per description gram, in the
    order of the first array, holding the gram's weight in each theme's
    vector (a column per theme, in codebook order; 0 where the theme's
    description lacks it).
    """
    kept = _PROFILES.get(id(book))
    if kept is None or kept[0] is not book:
        sentences = descriptions(codebook=book)
        _, gram, _ = _gram_counts(sentences["text"].tolist())
        vocabulary, df = np.unique(gram, return_counts=True)  # each (sentence, gram) is counted once: the sentences using it
        idf = np.asarray(tfidf.idf(len(sentences), df.astype("float64")), dtype="float64")
        unseen = float(tfidf.idf(len(sentences), 0.0))
        profiles = ["。".join(sentences.loc[sentences["theme"] == e.id, "text"]) for e in book]
        theme, gram, count = _gram_counts(profiles)
        rows = np.searchsorted(vocabulary, gram)  # every gram of a description is one of its sentences'
        weights = np.zeros((len(vocabulary), len(profiles)))
        weights[rows, theme] = tfidf.unit_rows(count, idf[rows], theme, len(profiles))
        if len(_PROFILES) >= 8:
            _PROFILES.clear()
        kept = _PROFILES[id(book)] = (book, (vocabulary, idf, unseen, weights))
    return kept[1]


def summarize(items: pd.DataFrame, codes: pd.DataFrame) -> pd.DataFrame:
    """One row per item with its theme ids joined by ``;`` (empty when none fired).

    The main theme, its method and similarity come from the item's first
    code marked ``is_main``; the codes are read in one pass (not one table
    lookup per item: 2,500 items took 1.5 s that way).
    """
    themes_of: dict[tuple[object, int], list[str]] = {}
    head_of: dict[tuple[object, int], tuple[str, str, float]] = {}
    if len(codes):
        methods = codes["method"] if "method" in codes else ["cue"] * len(codes)
        similarities = codes["similarity"] if "similarity" in codes else [np.nan] * len(codes)
        for doc_id, item_no, theme, is_main, method, similarity in zip(
            codes["doc_id"].tolist(), codes["item_no"].tolist(), codes["theme"].tolist(), codes["is_main"].tolist(), methods, similarities
        ):
            key = (doc_id, int(item_no))
            themes_of.setdefault(key, []).append(theme)
            if is_main and key not in head_of:
                head_of[key] = (str(theme), str(method), float(similarity))
    rows = []
    towns = items["town"] if "town" in items else [None] * len(items)
    for doc_id, town, item_no, text in zip(items["doc_id"].tolist(), towns, items["item_no"].tolist(), items["text"].tolist()):
        key = (doc_id, int(item_no))
        themes = themes_of.get(key, [])
        main, method, similarity = head_of.get(key, ("", "", np.nan))
        rows.append(
            {
                "doc_id": doc_id,
                "town": town,
                "item_no": int(item_no),
                "text": text,
                "themes": ";".join(themes),
                "main_theme": main,
                "n_themes": len(themes),
                "method": method,
                "similarity": similarity,
            }
        )
    table = pd.DataFrame(rows, columns=CODED_COLUMNS)
    return (
        table.sort_values(["doc_id", "item_no"], kind="stable")
        .reset_index(drop=True)
        .astype({"item_no": "int64", "n_themes": "int64", "similarity": "float64"})
    )


def code_problems(reports: pd.DataFrame, *, codebook: Codebook | str | Path | None = None) -> pd.DataFrame:
    """The problem items of *reports* with their themes (the ``themes`` CLI table)."""
    from .structure import problem_items

    items = problem_items(reports)
    return summarize(items, code_items(items, codebook=codebook))


# ------------------------------------------------------------------ town × theme


def _groups(items: pd.DataFrame, reports: pd.DataFrame | None, by: str) -> pd.Series:
    """The value of column *by* for each item (from the items, else from the reports).

    A report that does not name its county gets the county the other reports
    of its town name, when they all name the same one.
    """
    if by in items.columns:
        values = items[by]
    elif reports is None or by not in reports.columns:
        raise OptionError(f"column {by!r} is in neither the items nor the reports table")
    else:
        values = items["doc_id"].map(reports.set_index("doc_id")[by])
    if by == "county" and reports is not None and {"town", "county"} <= set(reports.columns) and "town" in items.columns:
        named = reports.dropna(subset=["town", "county"]).groupby("town")["county"].agg(lambda s: sorted(set(s)))
        only = named[named.map(len) == 1].map(lambda c: c[0])
        values = values.where(values.notna(), items["town"].map(only))
    return values


def theme_table(
    codes: pd.DataFrame,
    items: pd.DataFrame,
    *,
    by: str = "town",
    reports: pd.DataFrame | None = None,
    codebook: Codebook | str | Path | None = None,
    share: bool = False,
) -> pd.DataFrame:
    """Problem items per group (rows) and theme (columns, in codebook order).

    Every group with at least one problem item is a row, even when none of its
    items got a theme.  *share* divides by the group's number of items.
    """
    book = _codebook(codebook)
    keys = items[["doc_id", "item_no"]].copy()
    keys["_group"] = _groups(items, reports, by).fillna("（未知）").astype(str).to_numpy()
    merged = codes[["doc_id", "item_no", "theme"]].merge(keys, on=["doc_id", "item_no"], how="inner")
    counts = pd.crosstab(merged["_group"], merged["theme"]) if len(merged) else pd.DataFrame()
    groups = sorted(keys["_group"].unique())
    table = counts.reindex(index=groups, columns=book.ids, fill_value=0).fillna(0).astype("int64")
    table.index.name = by
    table.columns.name = "theme"
    if share:
        sizes = keys.groupby("_group").size().reindex(groups)
        table = table.div(sizes.to_numpy(), axis=0).round(3)
    return table


def theme_totals(codes: pd.DataFrame, items: pd.DataFrame, *, codebook: Codebook | str | Path | None = None) -> pd.DataFrame:
    """Per theme: problem items coded with it, their share of all items, and the reports stating it."""
    book = _codebook(codebook)
    total = len(items)
    rows = []
    for entry in book:
        picked = codes[codes["theme"] == entry.id]
        n_items = len(picked[["doc_id", "item_no"]].drop_duplicates())
        rows.append(
            {
                "theme": entry.id,
                "label": entry.label,
                "items": n_items,
                "share": round(n_items / total, 3) if total else 0.0,
                "reports": int(picked["doc_id"].nunique()),
            }
        )
    return pd.DataFrame(rows, columns=["theme", "label", "items", "share", "reports"])


@dataclass(frozen=True)
class ChiSquare:
    """Chi-square tests of themes by a grouping column (KH Coder's codes × variable).

    ``tests``: one row per theme — its 2 × k test (items with / without the theme
    in each group), expected counts and whether the test can be trusted.
    ``residuals``: adjusted standardised residuals (group × theme) of the
    with-theme cells; about ±2 marks a group that states the theme more or
    less often than the others.  ``meaningful`` is False when no theme's test
    meets Cochran's rule; ``reasons`` says why in plain words, ``explanation``
    in Chinese; ``choice`` says in Chinese which grouping was used and why.
    """

    by: str
    tests: pd.DataFrame
    residuals: pd.DataFrame
    meaningful: bool
    reasons: list[str] = field(default_factory=list)

    explanation: str = ""
    choice: str = ""  # in Chinese: which grouping was used and why (``by="auto"``), or that it was given
    unknown: int = 0  # problem items left out because their report lacks the grouping column's value
    n_items: int = 0  # problem items tested
    n_groups: int = 0  # groups they fall in

    @property
    def verdict(self) -> str:
        if self.meaningful:
            good = int(self.tests["meaningful"].sum())
            return f"meaningful for {good} of {len(self.tests)} themes (grouped by {self.by})"
        return "too small to be meaningful: " + "; ".join(self.reasons)


def chi_square(
    codes: pd.DataFrame,
    items: pd.DataFrame,
    *,
    by: str = "town",
    reports: pd.DataFrame | None = None,
    codebook: Codebook | str | Path | None = None,
    candidates: tuple[str, ...] = GROUPINGS,
) -> ChiSquare:
    """Test, theme by theme, whether the share of items with the theme differs by *by*.

    ``by="auto"`` tries the *candidates* in turn (town, then county, then
    level) and keeps the first grouping whose test means something
    (Cochran's rule met by at least one theme); when none does, the first
    one.  Items whose report lacks the grouping value are left out of the
    test (``unknown``).  ``choice`` says in Chinese which grouping was used and why.
    """
    if by == "auto":
        return _chi_square_auto(codes, items, reports=reports, codebook=codebook, candidates=candidates)
    result = _chi_square(codes, items, by=by, reports=reports, codebook=codebook)
    return replace(result, choice=f"按{display.label(by)}分组（指定）。{_unknown_note(result)}")


def _unknown_note(result: ChiSquare) -> str:
    return f"另有 {result.unknown} 条问题的{display.label(result.by)}未知，未参加检验。" if result.unknown else ""


def _chi_square_auto(
    codes: pd.DataFrame,
    items: pd.DataFrame,
    *,
    reports: pd.DataFrame | None,
    codebook: Codebook | str | Path | None,
    candidates: tuple[str, ...],
) -> ChiSquare:
    available = [c for c in candidates if c in items.columns or (reports is not None and c in reports.columns)]
    if not available:
        raise OptionError(f"none of the groupings {', '.join(candidates)} is a column of the items or the reports table")
    tried: list[ChiSquare] = []
    for by in available:
        result = _chi_square(codes, items, by=by, reports=reports, codebook=codebook)
        tried.append(result)
        if result.meaningful:
            break
    chosen = tried[-1] if tried[-1].meaningful else tried[0]
    steps = "；".join(_grouping_summary(r) for r in tried)
    if chosen.meaningful and len(tried) == 1:
        why = f"按{display.label(chosen.by)}分组（自动选择：最细的分组，检验已有意义）：{steps}。"
    elif chosen.meaningful:
        finer = "、".join(display.label(r.by) for r in tried[:-1])
        why = f"按{display.label(chosen.by)}分组（自动选择：按{finer}分组时检验没有意义）。依次尝试：{steps}。"
    else:
        why = f"没有一种分组能让检验有意义，下面按{display.label(chosen.by)}分组说明原因。依次尝试：{steps}。"
    return replace(chosen, choice=why + _unknown_note(chosen))


def _grouping_summary(result: ChiSquare) -> str:
    """``按县区分组：24 组，平均每组 99.6 条问题，10 个主题满足 Cochran 条件``."""
    what = display.label(result.by)
    if result.n_groups == 0:
        return f"按{what}分组：没有问题条目"
    head = f"按{what}分组：{result.n_groups} 组，平均每组 {result.n_items / result.n_groups:.1f} 条问题"
    good = int(result.tests["meaningful"].sum()) if len(result.tests) else 0
    if result.n_groups < 2:
        return head + "，不足两组"
    return head + (f"，{good} 个主题满足 Cochran 条件" if good else "，没有主题满足 Cochran 条件")


def _chi_square(
    codes: pd.DataFrame,
    items: pd.DataFrame,
    *,
    by: str,
    reports: pd.DataFrame | None,
    codebook: Codebook | str | Path | None,
) -> ChiSquare:
    book = _codebook(codebook)
    known = _groups(items, reports, by).notna().to_numpy()
    unknown = int((~known).sum())
    items = items[known]
    codes = codes.merge(items[["doc_id", "item_no"]], on=["doc_id", "item_no"], how="inner") if unknown else codes
    counts = theme_table(codes, items, by=by, reports=reports, codebook=book)
    keys = _groups(items, reports, by).astype(str)
    sizes = keys.value_counts().reindex(counts.index).fillna(0).to_numpy(dtype=float)
    total = float(sizes.sum())
    k = len(counts)
    labels = {e.id: e.label for e in book}
    rows = []
    residuals = pd.DataFrame(np.nan, index=counts.index, columns=counts.columns)
    for theme in counts.columns:
        observed = counts[theme].to_numpy(dtype=float)
        with_theme = float(observed.sum())
        row = {"theme": theme, "label": labels.get(theme, ""), "items": int(with_theme)}
        if k < 2 or total == 0 or with_theme in (0.0, total):
            reason = "fewer than two groups" if k < 2 else ("no item has this theme" if with_theme == 0 else "every item has this theme")
            rows.append(
                row
                | {
                    "chi2": np.nan,
                    "dof": max(k - 1, 0),
                    "p_value": np.nan,
                    "min_expected": np.nan,
                    "share_expected_below_5": np.nan,
                    "meaningful": False,
                    "reason": reason,
                }
            )
            continue
        p = with_theme / total
        expected = np.concatenate([sizes * p, sizes * (1 - p)])
        obs = np.concatenate([observed, sizes - observed])
        stat = float(((obs - expected) ** 2 / expected).sum())
        dof = k - 1
        low = float((expected < 5).mean())
        ok = bool(expected.min() >= MIN_EXPECTED and low <= MAX_SHARE_BELOW_5)
        reason = (
            "expected counts large enough (Cochran)"
            if ok
            else f"smallest expected count {expected.min():.2f}; {low:.0%} of expected counts below 5 (Cochran allows 20 %)"
        )
        rows.append(
            row
            | {
                "chi2": round(stat, 3),
                "dof": dof,
                "p_value": float(chi2_sf(stat, dof)),
                "min_expected": round(float(expected.min()), 3),
                "share_expected_below_5": round(low, 3),
                "meaningful": ok,
                "reason": reason,
            }
        )
        denom = np.sqrt(sizes * p * (1 - p) * (1 - sizes / total))
        with np.errstate(divide="ignore", invalid="ignore"):
            residuals[theme] = np.where(denom > 0, (observed - sizes * p) / denom, np.nan)
    tests = pd.DataFrame(rows, columns=TEST_COLUMNS)
    meaningful = bool(tests["meaningful"].any()) if len(tests) else False
    reasons = []
    if not meaningful:
        reasons.append(f"{int(total)} problem items in {k} groups of {by!r} ({total / k:.1f} items a group)" if k else "no problem items")
        if k < 2:
            reasons.append("a test needs at least two groups")
        elif total:
            tested = tests.dropna(subset=["min_expected"])
            if len(tested):
                reasons.append(
                    f"no theme meets Cochran's rule (every expected count ≥ {MIN_EXPECTED:g}, at most 20 % below 5); "
                    f"the largest smallest-expected-count is {tested['min_expected'].max():.2f}"
                )
            else:
                reasons.append("no theme is present in some groups and absent in others")
            reasons.append("add reports, or group by a coarser column (county, year, level)")
    return ChiSquare(
        by,
        tests,
        residuals.round(2),
        meaningful,
        reasons,
        _explain(tests, meaningful, total, k, by),
        unknown=unknown,
        n_items=int(total),
        n_groups=k,
    )


def _explain(tests: pd.DataFrame, meaningful: bool, total: float, k: int, by: str) -> str:
    """The verdict in Chinese, for the notebook's reader."""
    if meaningful:
        good = int(tests["meaningful"].sum())
        return (
            f"共 {len(tests)} 个主题中有 {good} 个主题的检验满足 Cochran 条件（期望频数均 ≥ 1，且低于 5 的不超过 20%），可以解读；"
            "残差绝对值大于约 2 的格子表示该组提到该主题明显多于（红）或少于（蓝）其他组。其余主题的检验因样本太小，不宜解读。"
        )
    if total == 0:
        return "没有问题条目，无法进行卡方检验。"
    if k < 2:
        return f"只有 {k} 个{display.label(by)}分组，卡方检验至少需要两个分组。"
    tested = tests.dropna(subset=["min_expected"])
    largest = f"，各主题中最大的“最小期望频数”只有 {tested['min_expected'].max():.2f}" if len(tested) else ""
    return (
        f"样本太小，卡方检验没有意义：{int(total)} 条问题分属 {k} {display.unit(by)}{display.label(by)}，平均每组 {total / k:.1f} 条；"
        f"没有一个主题满足 Cochran 条件（期望频数均 ≥ 1，且低于 5 的不超过 20%）{largest}。"
        "请增加报告，或改按更粗的列（如县、年份、层级）分组后再看残差。"
    )


# ------------------------------------------------------------------ side by side


def side_by_side(
    codes: pd.DataFrame,
    items: pd.DataFrame,
    *,
    themes: list[str] | None = None,
    towns: list[str] | None = None,
    codebook: Codebook | str | Path | None = None,
    max_items: int | None = None,
    max_chars: int | None = None,
) -> pd.DataFrame:
    """For each theme (rows), each town's problem sentences (columns) next to each other.

    A cell holds the town's items coded with the theme, as ``(n) text``, one a
    line; empty when the town states no such problem.  *max_items* keeps the
    first that many items of a cell (a town with many reports states the same
    problem many times) and ends the cell with ``…另 N 条``; *max_chars* cuts
    each item's text after that many characters (``…``), keeping its headline.
    """
    book = _codebook(codebook)
    merged = codes[["doc_id", "item_no", "theme"]].merge(items[["doc_id", "item_no", "town", "text"]], on=["doc_id", "item_no"])
    order = themes or [t for t in book.ids if t in set(merged["theme"])]
    all_towns = towns or sorted(items["town"].dropna().astype(str).unique())
    merged = merged[merged["theme"].isin(order) & merged["town"].isin(all_towns)]
    merged = merged.sort_values(["theme", "town", "doc_id", "item_no"], kind="stable")
    text = merged["text"].astype(str).str.replace("\n", " ")
    if max_chars is not None:
        text = text.map(lambda t: t if len(t) <= max_chars else t[:max_chars] + "…")
    merged = merged.assign(cell="(" + merged["item_no"].astype(str) + ") " + text)

    def join(cells: pd.Series) -> str:
        shown = list(cells) if max_items is None else list(cells)[:max_items]
        more = len(cells) - len(shown)
        return "\n".join(shown) + (f"\n…另 {more} 条" if more else "")

    table = merged.groupby(["theme", "town"])["cell"].agg(join).unstack("town") if len(merged) else pd.DataFrame()
    table = table.reindex(index=order, columns=all_towns).fillna("")
    table.index.name = "theme"
    table.columns.name = "town"
    return table


def side_by_side_long(codes: pd.DataFrame, items: pd.DataFrame, *, theme: str) -> pd.DataFrame:
    """The problem items of one theme, one row each: town, doc_id, item_no, text, evidence."""
    picked = codes[codes["theme"] == theme][["doc_id", "item_no", "evidence"]]
    table = picked.merge(items[["doc_id", "item_no", "town", "text"]], on=["doc_id", "item_no"])
    return table[["town", "doc_id", "item_no", "text", "evidence"]].sort_values(["town", "doc_id", "item_no"]).reset_index(drop=True)


def missing_problems(reports: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Reports with no problem item: doc_id, town, has_section.

    ``has_section`` is False when no 存在的问题 section was found at all, True
    when the section is there but holds no item (e.g. an empty heading).
    ``town`` is never missing: a report that names no town is shown by its
    doc_id (``corpus.town_labels``), so the towns can be joined into a sentence.
    """
    from .corpus import town_labels
    from .structure import sections

    without = ~reports["doc_id"].isin(set(items["doc_id"])).to_numpy()
    table = pd.DataFrame({"doc_id": reports["doc_id"].to_numpy()[without], "town": town_labels(reports).to_numpy()[without]})
    heads = sections(reports[reports["doc_id"].isin(table["doc_id"])])
    with_section = set(heads.loc[heads["role"] == "problems", "doc_id"])
    return table.assign(has_section=table["doc_id"].isin(with_section))
