"""Indicators: every stated quantity as an auditable row, mapped to a canonical key.

``extract(reports)`` returns one row per quantity mention with exactly the
columns of the contract (``shared/spec/indicators.md``), in order::

    doc_id, town, year, raw, value, value_max, unit, qualifier, indicator,
    sentence, start, end, section

``raw == text[start:end]`` of the cleaned report text.  Quantities come from
``quantities.find_quantities`` (shared with the tokeniser); keys come from the
clause grammar in ``data/lexicon/indicators.yml`` (see the comment at its top).

The tables built from the rows:

summary          doc_id, town, year, indicator, value, value_max, unit, qualifier,
                 mentions, nested, status, display — one figure per report and key
pivot            town (× year) by key, cells like ``50+次``; ``?`` marks what cannot be summed
specificity      quantified statements per 1,000 characters, share of sentences with a number
year_over_year   a town's figures for each year side by side, with the change
provenance       each number with its sentence and section

For many reports, summaries of those tables (``key_overview``,
``status_counts``, ``year_over_year_overview``, ``provenance_summary``).
Their figures are in ``analysis.plots.indicators`` (``plots.shared_keys_chart``,
``plots.key_distribution_chart``, ``plots.specificity_chart``).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import config
from .chinese import traditional
from .errors import LexiconError
from .lexicon import load_yaml
from .quantities import Quantity, find_quantities

INDICATORS_FILE = config.INDICATORS_FILE
COLUMNS = ["doc_id", "town", "year", "raw", "value", "value_max", "unit", "qualifier", "indicator", "sentence", "start", "end", "section"]
SUMMARY_COLUMNS = [
    "doc_id",
    "town",
    "year",
    "indicator",
    "value",
    "value_max",
    "unit",
    "qualifier",
    "mentions",
    "nested",
    "status",
    "display",
]
SPECIFICITY_COLUMNS = [
    "doc_id",
    "town",
    "year",
    "n_chars",
    "n_sentences",
    "n_quantities",
    "per_1000_chars",
    "sentences_with_number",
    "share_sentences_with_number",
]
PROVENANCE_COLUMNS = ["town", "year", "indicator", "raw", "value", "unit", "qualifier", "sentence", "section", "doc_id", "start", "end"]
CONTRACT_KEYS = (
    "law_study_sessions rule_of_law_meetings trainings trainees exams exam_pass_rate enforcement_inspections "
    "administrative_penalties certified_officers enforcement_recorders reconsideration_litigation legal_advisers "
    "legality_reviews info_disclosures online_posts service_cases hotline_tickets satisfaction_rate completion_rate "
    "disputes_resolved mediation_success_rate mediators grid_workers legal_literates publicity_events "
    "materials_distributed banners_posters people_reached legal_consultations funding"
).split()
QUALIFIER_MARK = {"exact": "{}", "more_than": "{}+", "at_least": "≥{}", "approx": "≈{}"}

SENTENCE_BREAK = "。；;！？!?\n"
CLAUSE_BREAK = "，,；;。！？!?：:\n"
ITEM_BREAK = "、，,；;。！？!?：:\n（()）"
AFTER_BREAK = "，,；;。、！？!?\n（("
AFTER_MAX = 20
CUE_KINDS = ("object", "weak", "verb")  # the rows of `scores` in indicators.yml
CUE_PLACES = ("item", "after", "clause", "window")  # its columns: where the cue stands
PART_MARKER = "其中"
NESTED_RE = re.compile(rf"^\s*(?:[（(]|[，,]?\s*{PART_MARKER})")
QUOTE_OPEN = "“‘「『"
QUOTE_CLOSE = "”’」』"


# --------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Key:
    """One canonical indicator: the units it counts in and its cue words."""

    name: str
    units: frozenset[str]
    objects: tuple[str, ...]
    verbs: tuple[str, ...]
    weak: tuple[str, ...]
    need: str | None
    patterns: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class IndicatorRules:
    """The keys and the clause grammar of ``indicators.yml``."""

    keys: tuple[Key, ...]
    cue_distance: int
    min_score: float
    joiners: tuple[str, ...]
    distributives: tuple[str, ...]
    distributive_gap: int
    not_markers: tuple[str, ...]
    cue_re: re.Pattern[str]
    cues: dict[str, tuple[tuple[int, str], ...]]  # cue → (key index, kind: object/weak/verb)
    scores: dict[str, dict[str, float]]  # kind → place → score of a cue
    patterned: tuple[int, ...] = ()  # indices of the keys that have patterns

    @property
    def names(self) -> list[str]:
        return [k.name for k in self.keys]


def _words(path: Path, value: object, entry: str, *, required: bool = False) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    if not isinstance(value, list) or not value or not all(isinstance(v, (str, int)) and str(v).strip() for v in value):
        raise LexiconError(path, "must be a non-empty list of words", entry=entry)
    words = [str(v).strip() for v in value]
    for word in words:
        if words.count(word) > 1:
            raise LexiconError(path, f"{word!r} is listed twice", entry=entry)
    return tuple(words)


def _longest_first(words: Iterable[str]) -> tuple[str, ...]:
    """The words and their traditional forms (與 for 与), longest first."""
    forms = dict.fromkeys(f for w in words for f in (w, *traditional(w)))
    return tuple(sorted(forms, key=len, reverse=True))


def _scores(path: Path, value: object) -> dict[str, dict[str, float]]:
    """The `scores` table: for each kind of cue, a number for each place it can stand."""
    shape = f"needs a mapping of {', '.join(CUE_KINDS)} → {{{', '.join(CUE_PLACES)}: number}}"
    if not isinstance(value, dict) or set(value) != set(CUE_KINDS):
        raise LexiconError(path, shape, entry="scores")
    out: dict[str, dict[str, float]] = {}
    for kind in CUE_KINDS:
        row = value[kind]
        if not isinstance(row, dict) or set(row) != set(CUE_PLACES):
            raise LexiconError(path, f"needs a score for each place: {', '.join(CUE_PLACES)}", entry=f"scores.{kind}")
        for place, score in row.items():
            if not isinstance(score, (int, float)) or isinstance(score, bool) or score < 0:
                raise LexiconError(path, "must be a number of 0 or more", entry=f"scores.{kind}.{place}")
        out[kind] = {place: float(row[place]) for place in CUE_PLACES}
    return out


@lru_cache(maxsize=4)
def load_rules(path: str = str(INDICATORS_FILE)) -> IndicatorRules:
    """Read and validate ``indicators.yml`` (cached); errors name the key and field."""
    from .quantities import load_rules as quantity_rules

    file = Path(path)
    data = load_yaml(file)
    known = {"cue_distance", "min_score", "scores", "joiners", "distributives", "distributive_gap", "not_markers", "keys"}
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict) or not data["keys"]:
        raise LexiconError(file, "needs a 'keys' mapping of key → {units, objects, verbs, weak, need, patterns}")
    for field in data:
        if field not in known:
            raise LexiconError(file, f"unknown field; use {', '.join(sorted(known))}", entry=str(field))
    cue_distance = data.get("cue_distance", 25)
    if not isinstance(cue_distance, int) or isinstance(cue_distance, bool) or cue_distance < 0:
        raise LexiconError(file, "must be a whole number of characters", entry="cue_distance")
    distributive_gap = data.get("distributive_gap", 4)
    if not isinstance(distributive_gap, int) or isinstance(distributive_gap, bool) or distributive_gap < 0:
        raise LexiconError(file, "must be a whole number of characters", entry="distributive_gap")
    min_score = data.get("min_score", 1.5)
    if not isinstance(min_score, (int, float)) or isinstance(min_score, bool) or min_score <= 0:
        raise LexiconError(file, "must be a positive number", entry="min_score")
    scores = _scores(file, data.get("scores"))
    known_units = set(quantity_rules().unit_form.values()) | {"%"}
    keys = []
    for name, spec in data["keys"].items():
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise LexiconError(file, "a key is a lowercase identifier such as disputes_resolved", entry=str(name))
        if not isinstance(spec, dict):
            raise LexiconError(file, "needs a mapping with units and objects", entry=name)
        for field in spec:
            if field not in ("units", "objects", "verbs", "weak", "need", "patterns"):
                raise LexiconError(file, f"unknown field {field!r}; use units, objects, verbs, weak, need, patterns", entry=name)
        units = _words(file, spec.get("units"), f"{name}.units", required=True)
        for unit in units:
            if unit not in known_units:
                raise LexiconError(file, f"{unit!r} is not a unit of units.txt (nor %)", entry=f"{name}.units")
        objects = _words(file, spec.get("objects"), f"{name}.objects", required=True)
        verbs = _words(file, spec.get("verbs"), f"{name}.verbs")
        weak = _words(file, spec.get("weak"), f"{name}.weak")
        need = spec.get("need")
        if need not in (None, "verb"):
            raise LexiconError(file, "need must be 'verb' (or left out)", entry=f"{name}.need")
        if need == "verb" and not verbs:
            raise LexiconError(file, "need: verb requires a verbs list", entry=name)
        patterns = []
        for pattern in _words(file, spec.get("patterns"), f"{name}.patterns"):
            forms = "|".join(f"(?:{form})" for form in (pattern, *traditional(pattern)))  # 活動 as well as 活动
            try:
                patterns.append(re.compile(forms))
            except re.error as exc:
                raise LexiconError(file, f"bad regular expression: {exc}", entry=f"{name}.patterns") from exc
        keys.append(Key(name, frozenset(units), objects, verbs, weak, need, tuple(patterns)))
    cues: dict[str, list[tuple[int, str]]] = {}
    for index, key in enumerate(keys):
        for kind, words in (("object", key.objects), ("weak", key.weak), ("verb", key.verbs)):
            for word in words:
                for form in (word, *traditional(word)):  # reports in traditional characters too
                    cues.setdefault(form, []).append((index, kind))
    # a lookahead finds the longest cue at every position, overlaps included (法治宣传栏 → 法治宣传, 宣传栏)
    # (a class of first characters in front lets the scan skip most positions quickly)
    first = re.escape("".join(sorted({c[0] for c in cues})))
    cue_re = re.compile(f"(?=[{first}])(?=(" + "|".join(re.escape(c) for c in sorted(cues, key=len, reverse=True)) + "))")
    return IndicatorRules(
        keys=tuple(keys),
        cue_distance=cue_distance,
        min_score=float(min_score),
        joiners=_longest_first(_words(file, data.get("joiners") or ["和"], "joiners")),
        distributives=_longest_first(_words(file, data.get("distributives") or ["均"], "distributives")),
        distributive_gap=distributive_gap,
        not_markers=_longest_first(_words(file, data.get("not_markers") or ["普及"], "not_markers")),
        cue_re=cue_re,
        cues={c: tuple(v) for c, v in cues.items()},
        scores=scores,
        patterned=tuple(i for i, key in enumerate(keys) if key.patterns),
    )


# ------------------------------------------------------------------- mapping


def _last_break(text: str, chars: str, lo: int, hi: int) -> int:
    """Index just after the last of *chars* in text[lo:hi], else lo."""
    best = lo - 1
    for ch in chars:
        best = max(best, text.rfind(ch, lo, hi))
    return best + 1


def _next_break(text: str, chars: str, lo: int, hi: int) -> int:
    best = hi
    for ch in chars:
        found = text.find(ch, lo, best)
        if found >= 0:
            best = found
    return best


def _context(text: str, start: int) -> tuple[int, int, int]:
    """Starts of the sentence, the clause and the item that a number at *start* stands in."""
    sentence_start = _last_break(text, SENTENCE_BREAK, max(0, start - 200), start)
    clause_start = _last_break(text, CLAUSE_BREAK, sentence_start, start)
    return sentence_start, clause_start, _last_break(text, ITEM_BREAK, clause_start, start)


def keys_for(text: str, start: int, end: int, unit: str, *, rules: IndicatorRules | None = None, window: bool = True) -> list[str]:
    """The canonical keys of the quantity text[start:end] with *unit*, by the clause grammar.

    Usually one key or none ([]).  When one number is stated for several
    subjects (办结率和满意度均达100%, 执法记录仪、执法终端各5台) one entry per
    subject, in order, '' for a subject no key fits.  ``window=False`` reads
    only the number's own clause and the words after it, not the sentence
    before the clause.
    """
    rules = rules or load_rules()
    if not any(unit in key.units for key in rules.keys):
        return []
    context = _context(text, start)
    subjects = _subjects(text, start, context[1], context[2], rules)
    if subjects:
        keys = []
        for i, subject in enumerate(subjects):
            # a subject reads its own words, and the verb that leads the list (办理 in 办理行政复议、行政应诉案件各1件)
            others = [s for j, s in enumerate(subjects) if j not in (0, i)]
            ranked = _ranked(
                text, start, end, unit, rules, context, item=subject, others=others, verbs_only=subjects[:1] if i else (), window=window
            )
            keys.append(rules.keys[ranked[0][2]].name if ranked else "")
        return keys
    ranked = _ranked(text, start, end, unit, rules, context, window=window)
    return [rules.keys[ranked[0][2]].name] if ranked else []


def _ranked(
    text: str,
    start: int,
    end: int,
    unit: str,
    rules: IndicatorRules,
    context: tuple[int, int, int],
    *,
    item: tuple[int, int] | None = None,
    others: Sequence[tuple[int, int]] = (),
    verbs_only: Sequence[tuple[int, int]] = (),
    window: bool = True,
) -> list[tuple[float, int, int]]:
    """(−score, distance of the nearest cue, key index) of the keys that qualify, best first.

    *item* replaces the number's own item (a subject of a list); no cue in
    the *others* spans (the other subjects) is read, and only the verbs of
    the *verbs_only* spans.  *context* is ``_context(text, start)``.
    """
    sentence_start, clause_start, item_start = context
    item_lo, item_hi = item or (item_start, start)
    window_start = max(sentence_start, clause_start - rules.cue_distance) if window else clause_start
    after_end = _next_break(text, AFTER_BREAK, end, min(len(text), end + AFTER_MAX))
    candidates = [i for i, key in enumerate(rules.keys) if unit in key.units]
    if not candidates:
        return []
    wanted = set(candidates)
    objects: dict[int, float] = {}
    verbs: dict[int, float] = {}
    distance: dict[int, int] = {}
    for m_start, m_end, entries in _cues(text, window_start, after_end, rules, wanted):
        if m_start < end and start < m_end:
            continue
        if any(lo <= m_start < hi for lo, hi in others):
            continue
        elsewhere = any(lo <= m_start < hi for lo, hi in verbs_only)
        if m_start >= end:
            place, gap = "after", m_start - end
        elif item_lo <= m_start < item_hi:
            place, gap = "item", start - m_end
        elif m_start >= clause_start:
            place, gap = "clause", start - m_end
        else:
            place, gap = "window", start - m_end
        for index, kind in entries:
            if index not in wanted or (elsewhere and kind != "verb"):
                continue
            score = rules.scores[kind][place]
            if kind == "verb":
                verbs[index] = max(verbs.get(index, 0.0), score)
            else:
                objects[index] = max(objects.get(index, 0.0), score)
            if score > 0:
                distance[index] = min(distance.get(index, 10**6), gap)
    scored = []
    for index in candidates:
        key = rules.keys[index]
        if key.need == "verb" and not verbs.get(index):
            continue
        score = objects.get(index, 0.0) + verbs.get(index, 0.0)
        if score >= rules.min_score:
            scored.append((-score, distance.get(index, 10**6), index))
    return sorted(scored)


def _cues(
    text: str, lo: int, hi: int, rules: IndicatorRules, wanted: set[int] | None = None
) -> list[tuple[int, int, tuple[tuple[int, str], ...]]]:
    """(start, end, (key index, kind)…) of the cues in text[lo:hi].

    A word cue inside a longer one is dropped (热线 in 法律服务热线); the
    `patterns` of the keys in *wanted* (all keys when None) are matched too.
    """
    found = []
    for match in rules.cue_re.finditer(text, lo, hi):
        cue = match.group(1)
        m_start = match.start()
        if m_start + len(cue) <= hi:
            found.append((m_start, m_start + len(cue), rules.cues[cue]))
    found = [c for c in found if not any(o[0] <= c[0] and c[1] <= o[1] and (o[0], o[1]) != (c[0], c[1]) for o in found)]
    for index in rules.patterned:
        if wanted is not None and index not in wanted:
            continue
        for pattern in rules.keys[index].patterns:
            found += [(m.start(), m.end(), ((index, "object"),)) for m in pattern.finditer(text, lo, hi) if m.end() > m.start()]
    return found


def _marker_spans(text: str, lo: int, hi: int, rules: IndicatorRules) -> list[tuple[int, int]]:
    """Spans of the `not_markers` words (普及, 人均) in text[lo:hi]: a joiner or distributive inside one is none."""
    spans = []
    for word in rules.not_markers:
        at = text.find(word, lo, hi)
        while at >= 0:
            spans.append((at, at + len(word)))
            at = text.find(word, at + 1, hi)
    return spans


def _subjects(text: str, start: int, clause_start: int, item_start: int, rules: IndicatorRules) -> list[tuple[int, int]]:
    """Spans of the subjects one number is stated for, or [] (the usual case).

    The number must follow a `distributives` word (各, 均) by at most
    `distributive_gap` characters that name no object; the clause before that
    word (after the clause's last quantity) must be a list of at least two
    subjects joined by `joiners` (、, 和, 及) outside quotations:
    执法记录仪、执法终端各5台, 办结率和满意度均达100%.
    """
    head = text[item_start:start]
    if not any(word in head for word in rules.distributives):
        return []
    masked = _marker_spans(text, max(0, clause_start - 4), min(len(text), start + 4), rules)

    def free(at: int, length: int) -> bool:
        return not any(s <= at and at + length <= e for s, e in masked)

    mark = None
    for word in rules.distributives:
        at = head.rfind(word)
        while at >= 0 and not free(item_start + at, len(word)):
            at = head.rfind(word, 0, at)
        if at >= 0 and (mark is None or item_start + at > mark[0]):
            mark = (item_start + at, item_start + at + len(word))
    if mark is None or start - mark[1] > rules.distributive_gap:
        return []
    if any(kind != "verb" for _, _, entries in _cues(text, mark[1], start, rules) for _, kind in entries):
        return []  # 各村各配备调解员2名: the number counts what follows the 各, not the subjects before it
    # the list starts after the last quantity of the clause (为两个中队购置对讲机和记录仪各6台)
    part_start = max([clause_start] + [clause_start + q.end for q in find_quantities(text[clause_start : mark[0]])])
    parts: list[tuple[int, int]] = []
    depth = 0
    i = part_start
    while i < mark[0]:
        char = text[i]
        if char in QUOTE_OPEN:
            depth += 1
        elif char in QUOTE_CLOSE:
            depth = max(0, depth - 1)
        joiner = next((j for j in rules.joiners if text.startswith(j, i) and i + len(j) <= mark[0]), None) if depth == 0 else None
        if joiner and free(i, len(joiner)):
            parts.append((part_start, i))
            part_start = i = i + len(joiner)
            continue
        i += 1
    parts.append((part_start, mark[0]))
    parts = [(s, e) for s, e in parts if text[s:e].strip()]
    return parts if len(parts) >= 2 else []


def _head(text: str, start: int, ends: dict[int, list[str]]) -> list[str] | None:
    """Keys of the whole that the quantity at *start* is a part of, or None when it is no part.

    A part stands in a parenthesis opened right after the whole (网格员308人
    （专职网格员291人，兼职17人）) or after 其中 that follows the whole in the
    same sentence (公开信息215条，其中财政信息18条).
    """
    lo = max(0, start - 60)
    opening = max(text.rfind("（", lo, start), text.rfind("(", lo, start))
    if opening >= 0 and max(text.rfind("）", opening, start), text.rfind(")", opening, start)) < 0:
        head_end = opening
        while head_end > 0 and text[head_end - 1] in " \u3000":
            head_end -= 1
        if head_end in ends:
            return ends[head_end]
    marker = text.rfind(PART_MARKER, max(0, start - 200), start)
    if marker < 0:
        return None
    sentence_start = _last_break(text, SENTENCE_BREAK, max(0, start - 200), start)
    if marker < sentence_start:
        return None
    head_end = marker
    while head_end > sentence_start and text[head_end - 1] in " \u3000，,":
        head_end -= 1
    return ends.get(head_end)


def map_text(text: str, *, rules: IndicatorRules | None = None) -> list[tuple[Quantity, str]]:
    """(quantity, key or '') for every quantity of one text, in order; several rows share a quantity with several keys.

    A part of a whole (see ``_head``) takes the whole's key when its own
    clause gives no key of its own (培育“法律明白人”126名，其中骨干35名).
    """
    rules = rules or load_rules()
    result: list[tuple[Quantity, str]] = []
    ends: dict[int, list[str]] = {}
    index = {name: i for i, name in enumerate(rules.names)}
    for quantity in find_quantities(text):
        keys = keys_for(text, quantity.start, quantity.end, quantity.unit, rules=rules)
        head = _head(text, quantity.start, ends)
        if head and len(keys) <= 1:
            inherited = [k for k in head if k and quantity.unit in rules.keys[index[k]].units]
            if inherited and (not keys or not keys_for(text, quantity.start, quantity.end, quantity.unit, rules=rules, window=False)):
                keys = inherited
        ends[quantity.end] = keys
        for key in keys or [""]:
            result.append((quantity, key))
    return result


# ---------------------------------------------------------------- extraction


def extract(reports: pd.DataFrame, *, rules: IndicatorRules | None = None) -> pd.DataFrame:
    """One row per quantity mention (contract columns, in order), sorted by doc_id and offset.

    *reports* needs doc_id and text (town and year are used when present).
    Text without numbers gives an empty table with the same columns.
    """
    from .structure import sentences

    rules = rules or load_rules()
    rows = []
    towns = reports["town"] if "town" in reports else pd.Series([None] * len(reports))
    years = reports["year"] if "year" in reports else pd.Series([None] * len(reports))
    for doc_id, town, year, text in zip(reports["doc_id"], towns, years, reports["text"]):
        if not isinstance(text, str):
            continue
        for order, (q, key) in enumerate(map_text(text, rules=rules)):
            rows.append((doc_id, town, year, q.raw, q.value, q.value_max, q.unit, q.qualifier, key, q.start, q.end, order))
    table = pd.DataFrame(
        rows, columns=["doc_id", "town", "year", "raw", "value", "value_max", "unit", "qualifier", "indicator", "start", "end", "_order"]
    )
    table = table.astype({"value": "float64", "value_max": "float64", "start": "int64", "end": "int64"})
    table["year"] = pd.array(table["year"].tolist(), dtype="Int64") if len(table) else pd.Series(dtype="Int64")
    if table.empty:
        table["sentence"] = pd.Series(dtype="object")
        table["section"] = pd.Series(dtype="object")
        return table[COLUMNS]
    sents = sentences(reports[reports["doc_id"].isin(table["doc_id"].unique())])
    sents = sents[["doc_id", "start", "text", "section"]].rename(columns={"start": "_s_start", "text": "sentence"})
    table = pd.merge_asof(
        table.sort_values("start"), sents.sort_values("_s_start"), left_on="start", right_on="_s_start", by="doc_id", direction="backward"
    )
    table["sentence"] = table["sentence"].fillna("")
    table["section"] = table["section"].fillna("")
    table = table.sort_values(["doc_id", "start", "_order"], kind="stable").reset_index(drop=True)
    return table[COLUMNS]


def printable(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows with whole values written as integers (110, not 110.0) for CSV and JSON."""

    def tidy(v: object) -> object:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return None
        return int(v) if float(v).is_integer() else float(v)

    out = rows.copy()
    for column in ("value", "value_max"):
        if column in out:
            out[column] = pd.Series([tidy(v) for v in out[column]], index=out.index, dtype="object")
    return out


# -------------------------------------------------------------------- tables


def nested(rows: pd.DataFrame, reports: pd.DataFrame) -> pd.Series:
    """For each row, True when it is a part of an earlier mention of the same key and unit.

    A part stands in a parenthesis right after the whole (网格员308人（专职网格员291人，
    兼职17人）) or after 其中 in the same sentence (中心组12次，其中专题研学3次).
    """
    texts = dict(zip(reports["doc_id"], reports["text"]))
    flags = pd.Series(False, index=rows.index)
    found = []
    for position, mentions in _groups(rows, ("doc_id", "indicator", "unit")).items():
        text = texts.get(position[0], "")
        found.extend(_nested_in(sorted(mentions, key=lambda m: m[1]), text))
    if found:
        flags.iloc[sorted(found)] = True
    return flags


def _groups(rows: pd.DataFrame, by: Sequence[str]) -> dict[tuple, list[tuple[int, int, int]]]:
    """The keyed rows (indicator not empty) grouped by the *by* columns: (row position, start, end) in row order.

    Rows with a missing value in a *by* column are left out, as pandas' groupby does.
    """
    groups: dict[tuple, list[tuple[int, int, int]]] = {}
    columns = [rows[c].tolist() for c in by]
    keys = rows["indicator"].tolist()
    for i, (start, end, *values) in enumerate(zip(rows["start"].tolist(), rows["end"].tolist(), *columns)):
        if not isinstance(keys[i], str) or not keys[i] or any(v is None or v is pd.NA or v != v for v in values):
            continue
        groups.setdefault(tuple(values), []).append((i, start, end))
    return groups


def _nested_in(mentions: list[tuple[int, int, int]], text: str) -> list[int]:
    """Positions of the mentions (position, start, end; sorted by start) that are parts of an earlier one."""
    parts = []
    for i, (position, b_start, _) in enumerate(mentions):
        for _, _, a_end in mentions[:i]:
            between = text[a_end:b_start]
            if a_end > b_start or any(c in between for c in "。；;！？!?\n"):
                continue
            if NESTED_RE.match(between) and not (("（" in between or "(" in between) and re.search(r"[）)]", between)):
                parts.append(position)
                break
    return parts


def _fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def display(value: float, value_max: float | None, unit: str, qualifier: str) -> str:
    """``50+次``, ``≥1000人次``, ``≈300人``, ``1–2个``, ``100%``."""
    number = _fmt(value)
    if value_max is not None and not (isinstance(value_max, float) and math.isnan(value_max)):
        number = f"{number}–{_fmt(value_max)}"
    return QUALIFIER_MARK.get(qualifier, "{}").format(number) + (unit or "")


def _combined_qualifier(qualifiers: Iterable[str]) -> str:
    found = set(qualifiers)
    if found <= {"exact"}:
        return "exact"
    if "approx" in found:
        return "approx"
    return "more_than" if "more_than" in found else "at_least"


def _conflict(top: pd.DataFrame, text: str) -> str | None:
    """Why several mentions of one key in one report may not be added, or None.

    - the same figure after the same words in two sentences is a restatement
      (党委专题研究部署法治建设工作6次 … 党委专题研究部署法治建设工作6次);
    - two figures in one sentence split by a comma may count the same cases
      at two stages (排查矛盾10件，已化解10件).  Figures in a 、 list are added.
    """
    mentions = top.sort_values("start")
    return _conflict_in(list(zip(mentions["start"], mentions["end"], mentions["value"], mentions["unit"])), text)


def _conflict_in(mentions: list[tuple[int, int, float, str]], text: str) -> str | None:
    """``_conflict`` of mentions given as (start, end, value, unit), sorted by start."""
    for i, (b_start, _, b_value, b_unit) in enumerate(mentions):
        for a_start, a_end, a_value, a_unit in mentions[:i]:
            between = text[a_end:b_start]
            same_sentence = not any(c in between for c in "。；;！？!?\n")
            if (
                not same_sentence
                and (a_value, a_unit) == (b_value, b_unit)
                and text[max(0, a_start - 6) : a_start] == text[max(0, b_start - 6) : b_start]
            ):
                return "same figure stated twice (a restatement?)"
            if same_sentence and any(c in between for c in "，,"):
                return "several figures in one sentence (stages of the same cases?)"
    return None


def summary(rows: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """One figure per report and key, summing only what may be summed.

    Mentions of one key in one report are summed when they share a unit, are
    not parts of another mention (see ``nested``), are not rates, and are
    neither a restatement nor stages of the same cases (see ``_conflict``);
    otherwise the status says why the figure is left undecided and
    ``display`` lists the mentions after a leading ``?``.
    """
    keyed = rows[rows["indicator"].fillna("") != ""]
    if keyed.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    parts = nested(keyed, reports).to_numpy()
    texts = dict(zip(reports["doc_id"], reports["text"]))
    town, year = keyed["town"].tolist(), keyed["year"].tolist()
    value, value_max = keyed["value"].to_numpy(dtype="float64"), keyed["value_max"].to_numpy(dtype="float64")
    unit, qualifier = keyed["unit"].tolist(), keyed["qualifier"].tolist()
    out = []
    groups = _groups(keyed, ("doc_id", "indicator"))
    for doc_id, key in sorted(groups):
        group = sorted(groups[(doc_id, key)], key=lambda m: m[1])  # in text order, whatever the order of the rows
        top = [i for i, _, _ in group if not parts[i]]
        first = group[0][0]
        record = {"doc_id": doc_id, "town": town[first], "year": year[first], "indicator": key, "mentions": len(group)}
        record["nested"] = len(group) - len(top)
        units = sorted({unit[i] for i in top})
        listing = "; ".join(display(value[i], value_max[i], unit[i], qualifier[i]) for i in top)
        figure = figure_max = None
        shared_unit = units[0] if len(units) == 1 else ""
        combined = ""
        if len(top) == 1:
            i = top[0]
            figure, figure_max, combined = value[i], value_max[i], qualifier[i]
            status = "single" if not record["nested"] else "single (parts not added)"
        elif len(units) > 1:
            status = "undecidable: units differ"
        elif shared_unit == "%":
            rates = {value[i] for i in top if not math.isnan(value[i])}
            if len(rates) == 1 and len({qualifier[i] for i in top if isinstance(qualifier[i], str)}) == 1:
                figure, combined, status = value[top[0]], qualifier[top[0]], "same rate repeated"
            else:
                status = "undecidable: rates are not added"
        elif conflict := _conflict_in(
            sorted(((start, end, value[i], unit[i]) for i, start, end in group if not parts[i]), key=lambda m: m[0]),
            texts.get(doc_id, ""),
        ):
            status = f"undecidable: {conflict}"
        else:
            figure = float(np.nansum(value[top]))
            if not np.isnan(value_max[top]).all():
                figure_max = float(np.nansum(np.where(np.isnan(value_max[top]), value[top], value_max[top])))
            combined = _combined_qualifier(qualifier[i] for i in top)
            status = f"sum of {len(top)}"
        record.update(value=figure, value_max=figure_max, unit=shared_unit, qualifier=combined, status=status)
        record["display"] = display(figure, figure_max, shared_unit, combined) if figure is not None else f"? ({listing})"
        out.append(record)
    table = pd.DataFrame(out, columns=SUMMARY_COLUMNS)
    table["value"] = table["value"].astype("float64")
    table["value_max"] = table["value_max"].astype("float64")
    table["_k"] = key_position(table["indicator"])
    return table.sort_values(["doc_id", "_k", "indicator"]).drop(columns="_k").reset_index(drop=True)


def key_position(keys: Iterable[str]) -> pd.Series:
    """Each key's place in indicators.yml (0, 1, …); keys not in the file ('' too) come after all.

    The one order of keys in every table and figure: sort by it, then by the key.
    """
    order = _key_places()
    keys = keys if isinstance(keys, pd.Series) else pd.Series(list(keys), dtype="object")
    return keys.map(lambda k: order.get(k, len(order))).astype("int64")


def sorted_keys(keys: Iterable[str]) -> list[str]:
    """The distinct *keys* in the order of indicators.yml, unknown ones after (by name)."""
    order = _key_places()
    return sorted(set(keys), key=lambda k: (order.get(k, len(order)), k))


def _key_places() -> dict[str, int]:
    return {k: i for i, k in enumerate(load_rules().names)}


def pivot(
    rows: pd.DataFrame, reports: pd.DataFrame, *, keys: Sequence[str] | None = None, towns: Sequence[str] | None = None
) -> pd.DataFrame:
    """Town × key table of figures (``50+次``; ``?`` where mentions cannot be summed).

    The index is the town, or (town, year) when a town is reported for
    several years.  Keys follow the order of indicators.yml; *keys* and
    *towns* restrict the table.
    """
    table = summary(rows, reports)
    shown = reports if towns is None else reports[reports["town"].isin(list(towns))]
    table = table[table["doc_id"].isin(shown["doc_id"])]
    if keys is not None:
        table = table[table["indicator"].isin(list(keys))]
    columns = list(keys) if keys is not None else sorted_keys(table["indicator"])
    several_years = bool((shown.groupby("town")["year"].nunique() > 1).any()) if len(shown) else False
    if several_years:
        index = pd.MultiIndex.from_frame(shown[["town", "year"]].drop_duplicates().sort_values(["town", "year"]))
    else:
        index = pd.Index(sorted(shown["town"].unique()), name="town")
    if table.empty:
        return pd.DataFrame("", columns=columns, index=index)
    wide = table.pivot_table(index=list(index.names), columns="indicator", values="display", aggfunc="first")
    wide = wide.reindex(index=index, columns=columns).fillna("")
    wide.columns.name = None
    return wide


def specificity(rows: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """Per report: quantity mentions per 1,000 characters and the share of sentences with a number.

    A mention is counted once even when it carries several keys; sentences
    are those of ``structure.sentences`` outside the title.
    """
    from .structure import sentences

    sents = sentences(reports)
    sents = sents[sents["role"] != "title"]
    mentions = rows.drop_duplicates(["doc_id", "start"])
    spans: dict[str, list[tuple[int, int]]] = {}
    for doc_id, start, end in zip(sents["doc_id"], sents["start"].tolist(), sents["end"].tolist()):
        spans.setdefault(doc_id, []).append((start, end))
    starts: dict[str, list[int]] = {}
    for doc_id, start in zip(mentions["doc_id"], mentions["start"].tolist()):
        starts.setdefault(doc_id, []).append(start)
    towns = reports["town"].tolist() if "town" in reports else [None] * len(reports)
    years = reports["year"].tolist() if "year" in reports else [None] * len(reports)
    out = []
    for doc_id, town, year, text in zip(reports["doc_id"], towns, years, reports["text"]):
        doc_sents = spans.get(doc_id, [])
        numbers = sorted(starts.get(doc_id, []))
        with_number = sum(bisect_left(numbers, end) > bisect_left(numbers, start) for start, end in doc_sents)
        n_chars = len(text)
        out.append(
            {
                "doc_id": doc_id,
                "town": town,
                "year": year,
                "n_chars": n_chars,
                "n_sentences": len(doc_sents),
                "n_quantities": len(numbers),
                "per_1000_chars": round(1000 * len(numbers) / n_chars, 3) if n_chars else 0.0,
                "sentences_with_number": with_number,
                "share_sentences_with_number": round(with_number / len(doc_sents), 3) if len(doc_sents) else 0.0,
            }
        )
    table = pd.DataFrame(out, columns=SPECIFICITY_COLUMNS)
    table["year"] = pd.array(table["year"].tolist(), dtype="Int64") if len(table) else pd.Series(dtype="Int64")
    return table.sort_values("doc_id").reset_index(drop=True)


def year_over_year(rows: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """For towns reported in several years: each figure per year side by side, and the change.

    Columns: town, measure, unit, one column per year (as text, e.g. ``2024``),
    change and change_pct (last year against the one before; empty when a
    figure is missing or undecided).  Measures are the keys and the two
    specificity figures.  No town with several years gives an empty table.
    """
    years = reports.groupby("town")["year"].nunique() if len(reports) else pd.Series(dtype="int64")
    towns = sorted(years[years > 1].index)
    all_years = sorted({int(y) for y in reports.loc[reports["town"].isin(towns), "year"].dropna()})
    year_cols = [str(y) for y in all_years]
    columns = ["town", "measure", "unit", *year_cols, "change", "change_pct"]
    if not towns:
        return pd.DataFrame(columns=columns)
    subset = reports[reports["town"].isin(towns)]
    sub_rows = rows[rows["doc_id"].isin(subset["doc_id"])]
    figures: dict[tuple[str, str, str], dict[str, float | None]] = {}
    for r in summary(sub_rows, subset).itertuples(index=False):
        if pd.isna(r.year):
            continue
        cell = figures.setdefault((r.town, r.indicator, r.unit or "?"), {})
        cell[str(int(r.year))] = None if pd.isna(r.value) else float(r.value)
    for r in specificity(sub_rows, subset).itertuples(index=False):
        if pd.isna(r.year):
            continue
        figures.setdefault((r.town, "specificity: quantities per 1000 chars", ""), {})[str(int(r.year))] = float(r.per_1000_chars)
        figures.setdefault((r.town, "specificity: share of sentences with a number", ""), {})[str(int(r.year))] = float(
            r.share_sentences_with_number
        )
    out = []
    for (town, measure, unit), by_year in figures.items():
        record = {"town": town, "measure": measure, "unit": unit, **{y: by_year.get(y) for y in year_cols}}
        present = [y for y in year_cols if y in by_year]
        change = change_pct = None
        if len(present) >= 2:
            old, new = by_year[present[-2]], by_year[present[-1]]
            if old is not None and new is not None:
                change = round(new - old, 3)
                change_pct = round(100 * (new - old) / old, 1) if old else None
        record.update(change=change, change_pct=change_pct)
        out.append(record)
    table = pd.DataFrame(out, columns=columns)
    table["_k"] = key_position(table["measure"])
    return table.sort_values(["town", "_k", "measure"]).drop(columns="_k").reset_index(drop=True)


def provenance(rows: pd.DataFrame, *, keys: Sequence[str] | None = None, towns: Sequence[str] | None = None) -> pd.DataFrame:
    """Each number with its sentence and section, for checking a figure against the text."""
    table = rows
    if keys is not None:
        table = table[table["indicator"].isin(list(keys))]
    if towns is not None:
        table = table[table["town"].isin(list(towns))]
    return table[PROVENANCE_COLUMNS].sort_values(["town", "doc_id", "start", "indicator"]).reset_index(drop=True)


def export(tables: dict[str, pd.DataFrame], folder: str | Path, *, stem: str = "indicators", figures: dict | None = None) -> list[Path]:
    """Write each table as ``{stem}_{name}.csv`` (UTF-8 with BOM, for Excel), all of them as
    sheets of ``{stem}.xlsx``, and each figure as ``{stem}_{name}.png``; returns the paths
    (``export.export``; ``display.files_note`` names them for the reader)."""
    from .export import export as write_tables

    return write_tables(tables, folder, stem=stem, figures=figures)


# ------------------------------------------------------- tables for many reports


def key_overview(table: pd.DataFrame) -> pd.DataFrame:
    """Per key and unit, over the reports of a ``summary`` table: how many state it, and their spread.

    Columns: indicator, unit, reports, towns, median, min, max.  Figures that
    cannot be summed (``?``) form a row of their own with unit ``?`` and no
    spread.  Keys reported most come first; within a key, its most used unit.
    """
    columns = ["indicator", "unit", "reports", "towns", "median", "min", "max"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    decided = table["value"].notna() & (table["unit"] != "")
    unit = table["unit"].where(decided, "?")
    out = (
        table.assign(unit=unit, value=table["value"].where(decided))
        .groupby(["indicator", "unit"])
        .agg(
            reports=("doc_id", "nunique"), towns=("town", "nunique"), median=("value", "median"), min=("value", "min"), max=("value", "max")
        )
        .reset_index()
    )
    totals = out.groupby("indicator")["reports"].transform("sum")
    out = out.assign(_total=totals, _k=key_position(out["indicator"]), _undecided=out["unit"] == "?")
    out = out.sort_values(["_total", "_k", "indicator", "_undecided", "reports", "unit"], ascending=[False, True, True, True, False, True])
    out = out[columns].reset_index(drop=True)
    for column in ("median", "min", "max"):  # 4 and 32.5 as written, nothing for the undecided
        out[column] = pd.Series([_number(v) for v in out[column]], index=out.index, dtype="object")
    return out


def _number(value: float) -> object:
    if value is None or math.isnan(value):
        return ""
    return int(value) if float(value).is_integer() else round(float(value), 3)


def status_counts(table: pd.DataFrame) -> pd.DataFrame:
    """How the figures of a ``summary`` table were made: status (``sum of N`` as ``sum of several``), figures, share."""
    status = table["status"].str.replace(r"^sum of \d+$", "sum of several", regex=True)
    out = status.value_counts().rename_axis("status").rename("figures").reset_index()
    out = out.sort_values(["figures", "status"], ascending=[False, True], kind="stable")
    out["share"] = (out["figures"] / max(len(table), 1)).round(3)
    return out.reset_index(drop=True)


def year_over_year_overview(table: pd.DataFrame) -> pd.DataFrame:
    """Per measure and unit of a ``year_over_year`` table: towns with the measure, how many went up, down or stayed.

    Columns: measure, unit, towns, compared (towns with a change), up, down,
    same, median_change.  Measures compared in most towns come first.
    """
    columns = ["measure", "unit", "towns", "compared", "up", "down", "same", "median_change"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    change = pd.to_numeric(table["change"], errors="coerce")
    out = (
        table.assign(_c=change, _up=change > 0, _down=change < 0, _same=change == 0)
        .groupby(["measure", "unit"])
        .agg(
            towns=("town", "nunique"),
            compared=("_c", "count"),
            up=("_up", "sum"),
            down=("_down", "sum"),
            same=("_same", "sum"),
            median_change=("_c", "median"),
        )
        .reset_index()
    )
    out[["up", "down", "same"]] = out[["up", "down", "same"]].astype("int64")
    out["median_change"] = pd.Series([_number(v) for v in out["median_change"]], index=out.index, dtype="object")
    return out.sort_values(["compared", "towns", "measure", "unit"], ascending=[False, False, True, True])[columns].reset_index(drop=True)


def provenance_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per key of a ``provenance`` table: mentions, reports, towns, and the first mention as an example (raw, sentence)."""
    columns = ["indicator", "mentions", "reports", "towns", "example", "sentence"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    first = table.sort_values(["doc_id", "start", "indicator"], kind="stable").groupby("indicator").head(1).set_index("indicator")
    out = table.groupby("indicator").agg(mentions=("raw", "size"), reports=("doc_id", "nunique"), towns=("town", "nunique")).reset_index()
    out["example"] = out["indicator"].map(first["town"].astype(str) + "：" + first["raw"].astype(str))
    out["sentence"] = out["indicator"].map(first["sentence"])
    return out.sort_values(["mentions", "indicator"], ascending=[False, True])[columns].reset_index(drop=True)


# ------------------------------------------------------------- shared figures


def shared_keys(rows: pd.DataFrame, reports: pd.DataFrame, *, keys: Sequence[str] | None = None, min_towns: int = 2) -> pd.DataFrame:
    """The summary figures of the keys that at least *min_towns* towns report in one unit (for comparison)."""
    table = summary(rows, reports)
    table = table[table["value"].notna() & (table["unit"] != "")]
    if keys is not None:
        table = table[table["indicator"].isin(list(keys))]
    unit_towns = table.groupby(["indicator", "unit"])["town"].nunique()
    keep = unit_towns[unit_towns >= min_towns].reset_index()[["indicator", "unit"]]
    table = table.merge(keep, on=["indicator", "unit"])
    table["_k"] = key_position(table["indicator"])
    return table.sort_values(["_k", "unit", "town", "year"]).drop(columns="_k").reset_index(drop=True)
