"""Shared wording: passages several reports share (nearly) verbatim, and how much of each report is such wording.

The reports are compared as normalised character strings: simplified
characters, punctuation and spaces dropped, Arabic digits as ``#`` and the
report's own town name as ``某地`` (so ``神树镇将…`` and ``双庙镇将…`` read
alike).  Every run of *n* consecutive characters (default 12) found in at
least *min_reports* reports is shared wording.

Tables:

passages — passage, n_chars, n_reports, towns, doc_ids
           maximal runs of shared wording, with the reports that share them
shares   — doc_id, town, n_chars, shared_chars, share
           per report, the share of its (normalised) characters that are shared wording
shared_sentences — doc_id, town, sent_no, text, shared, towns
           sentences at least 80 % made of wording shared with other reports
item_detail — doc_id, town, item_no, text, shared_share, numbers, places, cases, specific, kind
           per problem item: how much of it is shared wording, and the places,
           numbers and cases it names; kind is ``specific`` (names one),
           ``generic`` (no specifics and mostly shared wording) or ``plain``
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import config
from .chinese import fold
from .cues import Cue, CueSyntaxError
from .errors import LexiconError, OptionError
from .lexicon import load_yaml, longest_word_re
from .tables import records

NGRAM = 12
MIN_REPORTS = 2
GENERIC_SHARE = 0.5
SENTENCE_SHARE = 0.8
PLACEHOLDER = "某地"
PASSAGE_COLUMNS = ["passage", "n_chars", "n_reports", "towns", "doc_ids"]
SHARE_COLUMNS = ["doc_id", "town", "n_chars", "shared_chars", "share"]
SENTENCE_COLUMNS = ["doc_id", "town", "sent_no", "text", "shared", "towns"]
ITEM_DETAIL_COLUMNS = ["doc_id", "town", "item_no", "text", "shared_share", "numbers", "places", "cases", "specific", "kind"]
_BASE = np.uint64(1_000_003)


# ------------------------------------------------------------------ specifics codebook


@dataclass(frozen=True)
class Specifics:
    """The cues of ``specifics.yml``: place suffixes, non-name characters, case cues, date patterns."""

    suffixes: tuple[str, ...]
    not_name_chars: frozenset[str]
    case_cues: tuple[Cue, ...]
    date_res: tuple[re.Pattern[str], ...]

    @cached_property
    def place_re(self) -> re.Pattern[str]:
        # overlapping matches: a lookahead holding a 2–3 character name and its suffix (the longest at a position)
        return re.compile(rf"(?=([\u4e00-\u9fff]{{2,3}}?)({longest_word_re(self.suffixes)}))")


@lru_cache(maxsize=4)
def _load_specifics(path: str) -> Specifics:
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise LexiconError(path, "needs place_suffixes, not_name_chars, case_cues and date_patterns")
    unknown = set(data) - {"place_suffixes", "not_name_chars", "case_cues", "date_patterns"}
    if unknown:
        raise LexiconError(path, "unknown key; use place_suffixes, not_name_chars, case_cues, date_patterns", entry=sorted(unknown)[0])
    suffixes = data.get("place_suffixes")
    if not isinstance(suffixes, list) or not suffixes or not all(isinstance(s, str) and s for s in suffixes):
        raise LexiconError(path, "'place_suffixes' must be a non-empty list of words", entry="place_suffixes")
    chars = data.get("not_name_chars")
    if not isinstance(chars, str) or not chars.strip():
        raise LexiconError(path, "'not_name_chars' must be a string of characters", entry="not_name_chars")
    cues = []
    for cue in data.get("case_cues") or []:
        try:
            cues.append(Cue.parse(cue))
        except CueSyntaxError as exc:
            raise LexiconError(path, f"bad cue: {exc}", entry=str(cue)) from exc
    dates = []
    for pattern in data.get("date_patterns") or []:
        try:
            dates.append(re.compile(pattern))
        except (re.error, TypeError) as exc:
            raise LexiconError(path, f"bad regular expression: {exc}", entry=str(pattern)) from exc
    return Specifics(tuple(suffixes), frozenset(chars.strip()), tuple(cues), tuple(dates))


def load_specifics(path: str | Path = config.SPECIFICS_FILE) -> Specifics:
    """Read and validate ``specifics.yml`` (place suffixes, case cues, date patterns)."""
    return _load_specifics(str(config.resolve_path(path)))


def places(text: str, *, exclude: tuple[str, ...] = (), specifics: Specifics | None = None) -> list[str]:
    """Place names in *text*: 锦山村, 新华社区 (not 部分村, 各村, 全镇, nor the names in *exclude*)."""
    spec = specifics or load_specifics()
    found: list[str] = []
    for match in spec.place_re.finditer(fold(text)):
        name, suffix = match.group(1), match.group(2)
        if any(ch in spec.not_name_chars for ch in name):
            continue
        full = name + suffix
        if any(e and (full in e or e in full) for e in exclude):
            continue
        if not any(full in f for f in found):
            found.append(full)
    return found


# ------------------------------------------------------------------ normalised texts


_DIGIT_RE = re.compile("[0-9０-９]")  # each masked as "#": a scan in C (str.translate looks up every character: 6× slower)
_KEPT_RUN_RE = re.compile(r"[^\W_]+")


def _normalise(text: str, names: list[str]) -> list[tuple[int, str]]:
    """The runs of kept characters of *text* normalised (the town's *names* and the digits masked): (offset in *text*, run)."""
    simple = fold(text)
    for name in names:
        simple = simple.replace(name, PLACEHOLDER + "_" * (len(name) - len(PLACEHOLDER)))  # same length: offsets stay valid
    simple = _DIGIT_RE.sub("#", simple)
    return [(m.start(), m.group(0)) for m in _KEPT_RUN_RE.finditer(simple)]


def _town_names(town: str | None) -> list[str]:
    """The names of *town* masked in its text, longest first."""
    return sorted({n for n in (town, fold(town) if town else None) if n and len(n) >= len(PLACEHOLDER)}, key=len, reverse=True)


def _offsets(starts: list[int], lengths: list[int]) -> np.ndarray:
    """For runs of characters at *starts* in a text, *lengths* long: each character's offset, in one pass.

    A run at start -1 of length 1 stands for a line end, whose offset is -1.
    """
    if not lengths:
        return np.zeros(0, dtype=np.int64)
    sizes = np.asarray(lengths, dtype=np.int64)
    before = np.cumsum(sizes) - sizes
    return np.repeat(np.asarray(starts, dtype=np.int64) - before, sizes) + np.arange(int(sizes.sum()), dtype=np.int64)


def _hashes(codes: np.ndarray, n: int) -> np.ndarray:
    """Polynomial hash of every window of *n* code points (uint64, wrapping)."""
    length = len(codes) - n + 1
    if length <= 0:
        return np.zeros(0, dtype=np.uint64)
    h = np.zeros(length, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            h = h * _BASE + codes[k : k + length]
    return h


@dataclass(frozen=True)
class SharedIndex:
    """Where each report's wording is shared with other reports (see ``index``)."""

    doc_ids: tuple[str, ...]
    towns: tuple[str, ...]
    texts: tuple[str, ...]  # normalised, paragraphs separated by a line end
    raw: tuple[str, ...]  # the reports' cleaned texts
    offsets: tuple[np.ndarray, ...]  # normalised position → offset in the report text (-1 at line ends)
    masks: tuple[np.ndarray, ...]  # normalised position → part of shared wording
    window_starts: tuple[np.ndarray, ...]  # start of each shared window (sorted)
    window_sets: tuple[np.ndarray, ...]  # for each shared window, the index in ``sets`` of the reports sharing it
    sets: tuple[tuple[int, ...], ...]  # sets of reports (indices into doc_ids) that share a window
    n: int
    min_reports: int


@dataclass(frozen=True)
class Normalised:
    """Reports as the shared wording is compared (see ``normalise``): made once, indexed in any grouping."""

    doc_ids: tuple[str, ...]
    towns: tuple[str | None, ...]
    texts: tuple[str, ...]  # normalised, paragraphs separated by a line end
    raw: tuple[str, ...]  # the reports' cleaned texts
    offsets: tuple[np.ndarray, ...]  # normalised position → offset in the report text (-1 at line ends)

    def select(self, doc_ids: Sequence[str]) -> Normalised:
        """These reports, in this order (a report's normalised text does not depend on the others)."""
        at = {d: i for i, d in enumerate(self.doc_ids)}
        rows = [at[d] for d in doc_ids]
        return Normalised(*(tuple(part[i] for i in rows) for part in (self.doc_ids, self.towns, self.texts, self.raw, self.offsets)))


def normalise(reports: pd.DataFrame) -> Normalised:
    """Each report's normalised text (title lines left out) and where its characters stand in the report."""
    from .structure import paragraphs

    paras = paragraphs(reports)
    paras = paras[paras["role"] != "title"]
    towns = dict(zip(reports["doc_id"].tolist(), reports["town"] if "town" in reports else [None] * len(reports)))
    by_doc: dict[str, list[tuple[int, str]]] = {}
    for doc_id, start, text in zip(paras["doc_id"].tolist(), paras["start"].tolist(), paras["text"].tolist()):
        by_doc.setdefault(doc_id, []).append((int(start), text))
    doc_ids = list(reports["doc_id"])
    texts, offsets = [], []
    for doc_id in doc_ids:
        names = _town_names(towns.get(doc_id))
        parts: list[str] = []
        starts: list[int] = []
        lengths: list[int] = []
        for start, text in by_doc.get(doc_id, []):
            for at, run in _normalise(text, names):
                parts.append(run)
                starts.append(start + at)
                lengths.append(len(run))
            parts.append("\n")  # the line end stops windows from spanning paragraphs
            starts.append(-1)
            lengths.append(1)
        texts.append("".join(parts))
        offsets.append(_offsets(starts, lengths))
    return Normalised(tuple(doc_ids), tuple(towns.get(d) for d in doc_ids), tuple(texts), tuple(reports["text"]), tuple(offsets))


def index(reports: pd.DataFrame | Normalised, *, n: int = NGRAM, min_reports: int = MIN_REPORTS) -> SharedIndex:
    """Find the shared n-grams of *reports* (title lines left out), or of reports already ``normalise``d."""
    if n < 2:
        raise OptionError("n must be at least 2")
    prepared = reports if isinstance(reports, Normalised) else normalise(reports)
    doc_ids, texts = prepared.doc_ids, prepared.texts
    # all reports in one array: hash every window once, drop those spanning a line end
    whole = "".join(texts)
    codes = np.frombuffer(whole.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    h = _hashes(codes, n)
    breaks = np.cumsum(codes == ord("\n"))
    if len(h):
        valid = (breaks[n - 1 :] - np.concatenate([[0], breaks])[: len(h)]) == 0
    else:
        valid = np.zeros(0, dtype=bool)
    window_doc = np.searchsorted(bounds, np.arange(len(h)), side="right") - 1
    hv, dv = h[valid], window_doc[valid]
    order = np.lexsort((dv, hv))
    hv, dv = hv[order], dv[order]
    first_pair = np.ones(len(hv), dtype=bool)
    first_pair[1:] = (hv[1:] != hv[:-1]) | (dv[1:] != dv[:-1])
    hv, dv = hv[first_pair], dv[first_pair]  # unique (hash, report) pairs, sorted by hash
    starts_of_hash = np.flatnonzero(np.concatenate([[True], hv[1:] != hv[:-1]])) if len(hv) else np.zeros(0, dtype=np.int64)
    counts = np.diff(np.append(starts_of_hash, len(hv)))
    shared_at = starts_of_hash[counts >= min_reports]
    shared_hashes = hv[shared_at]
    set_ids: dict[tuple[int, ...], int] = {}
    hash_set = np.empty(len(shared_at), dtype=np.int64)
    for i, (at, count) in enumerate(zip(shared_at, counts[counts >= min_reports])):
        hash_set[i] = set_ids.setdefault(tuple(dv[at : at + count].tolist()), len(set_ids))
    masks, window_starts, window_sets = [], [], []
    for d, norm in enumerate(texts):
        lo, hi = bounds[d], min(bounds[d + 1] - n + 1, len(h))
        local = h[lo:hi] if hi > lo else np.zeros(0, dtype=np.uint64)
        local_valid = valid[lo:hi] if hi > lo else np.zeros(0, dtype=bool)
        pos = np.searchsorted(shared_hashes, local)
        found = local_valid & (pos < len(shared_hashes))
        found[found] = shared_hashes[pos[found]] == local[found]
        starts = np.flatnonzero(found)
        cover = np.zeros(len(norm) + 1, dtype=np.int64)
        np.add.at(cover, starts, 1)
        np.add.at(cover, starts + n, -1)
        masks.append(np.cumsum(cover)[: len(norm)] > 0)
        window_starts.append(starts)
        window_sets.append(hash_set[pos[starts]])
    return SharedIndex(
        tuple(doc_ids),
        tuple(t or d for t, d in zip(prepared.towns, doc_ids)),
        tuple(texts),
        prepared.raw,
        prepared.offsets,
        tuple(masks),
        tuple(window_starts),
        tuple(window_sets),
        tuple(sorted(set_ids, key=set_ids.get)),
        n,
        min_reports,
    )


def _index(reports: pd.DataFrame | SharedIndex, n: int, min_reports: int) -> SharedIndex:
    return reports if isinstance(reports, SharedIndex) else index(reports, n=n, min_reports=min_reports)


# ------------------------------------------------------------------ tables


def share_of(idx: SharedIndex, doc: int) -> dict:
    """The ``shares`` row of report *doc* (its position in *idx*)."""
    norm, mask = idx.texts[doc], idx.masks[doc]
    chars = len(norm) - norm.count("\n")
    shared = int(mask.sum())
    return {
        "doc_id": idx.doc_ids[doc],
        "town": idx.towns[doc],
        "n_chars": chars,
        "shared_chars": shared,
        "share": round(shared / chars, 3) if chars else 0.0,
    }


def shares(reports: pd.DataFrame | SharedIndex, *, n: int = NGRAM, min_reports: int = MIN_REPORTS) -> pd.DataFrame:
    """Per report, the share of its normalised characters that are shared wording."""
    idx = _index(reports, n, min_reports)
    rows = [share_of(idx, doc) for doc in range(len(idx.doc_ids))]
    return pd.DataFrame(rows, columns=SHARE_COLUMNS).sort_values("doc_id").reset_index(drop=True)


def passage_rows(idx: SharedIndex) -> list[dict]:
    """The ``passages`` rows of *idx*, in its order: most widely shared first, then longest, then by text."""
    found: dict[tuple[int, str], str] = {}
    for norm, raw, offsets, starts, sets in zip(idx.texts, idx.raw, idx.offsets, idx.window_starts, idx.window_sets):
        if not len(starts):
            continue
        new_run = np.ones(len(starts), dtype=bool)
        new_run[1:] = (starts[1:] != starts[:-1] + 1) | (sets[1:] != sets[:-1])
        heads = np.flatnonzero(new_run)
        tails = np.append(heads[1:], len(starts)) - 1
        for head, tail in zip(heads.tolist(), tails.tolist()):
            a, b = int(starts[head]), int(starts[tail]) + idx.n
            found.setdefault((int(sets[head]), norm[a:b]), raw[offsets[a] : offsets[b - 1] + 1])
    by_set: dict[int, list[str]] = {}
    for set_id, text in found:
        by_set.setdefault(set_id, []).append(text)
    rows = []
    for (set_id, text), original in found.items():
        if any(text != other and text in other for other in by_set[set_id]):
            continue  # part of a longer passage the same reports share
        docs = idx.sets[set_id]
        rows.append(
            {
                "passage": original,
                "n_chars": len(text),
                "n_reports": len(docs),
                "towns": "、".join(sorted({idx.towns[d] for d in docs})),
                "doc_ids": ";".join(idx.doc_ids[d] for d in docs),
            }
        )
    return sorted(rows, key=lambda row: (-row["n_reports"], -row["n_chars"], row["passage"]))


def passages(reports: pd.DataFrame | SharedIndex, *, n: int = NGRAM, min_reports: int = MIN_REPORTS) -> pd.DataFrame:
    """Maximal runs of shared wording with the towns that share them (most widely shared first).

    A run is cut where the set of reports sharing its windows changes, so every
    passage is shared by exactly the towns listed; a passage contained in a
    longer one shared by the same towns is left out.
    """
    return pd.DataFrame(passage_rows(_index(reports, n, min_reports)), columns=PASSAGE_COLUMNS)


class _Spans:
    """Per report of *idx*, the normalised positions in text order with a running count of shared ones.

    A span's share is then two binary searches and a difference (``_span_share``),
    not a pass over the whole report for every sentence or item: a report of S
    sentences and N characters costs N + S log N, not S × N.
    """

    def __init__(self, idx: SharedIndex) -> None:
        self.idx = idx
        self._docs: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def __call__(self, doc: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if doc not in self._docs:
            offsets = self.idx.offsets[doc]
            kept = np.flatnonzero(offsets >= 0)  # line ends (-1) left out
            shared = np.concatenate([[0], np.cumsum(self.idx.masks[doc][kept], dtype=np.int64)])
            self._docs[doc] = kept, offsets[kept], shared  # offsets rise with the position: paragraphs in order
        return self._docs[doc]


def _span_share(idx: SharedIndex, doc: int, start: int, end: int, spans: _Spans | None = None) -> float:
    """The share of shared wording in the report text *start*:*end* of report *doc*."""
    spans = spans or _Spans(idx)
    return _share_of(spans, doc, *_bounds(spans, doc, start, end))


def _bounds(spans: _Spans, doc: int, start: int, end: int) -> tuple[int, int]:
    """Where the report text *start*:*end* of report *doc* begins and ends among its kept characters."""
    a, b = np.searchsorted(spans(doc)[1], [start, end]).tolist()
    return a, b


def _share_of(spans: _Spans, doc: int, a: int, b: int) -> float:
    """The share of the kept characters *a*:*b* of report *doc* that other reports share."""
    shared = spans(doc)[2]
    return int(shared[b] - shared[a]) / (b - a) if b > a else 0.0


def _sentence_spans(idx: SharedIndex, spans: _Spans, docs: list[int], sents: pd.DataFrame) -> tuple[list, ...]:
    """For each sentence of *sents* (its report's place in *idx* in *docs*, -1 for none): the report, its share of
    shared wording (as ``_share_of`` gives it) and the range of its report's shared windows that cover its kept
    characters (their sets, ``idx.sets``, are those the sentence shares with).

    Found a report at a time (one binary search of all its sentences, not two for each): the same numbers.
    """
    starts, ends = sents["start"].to_numpy(dtype=np.int64), sents["end"].to_numpy(dtype=np.int64)
    share, first, last = np.zeros(len(docs)), np.zeros(len(docs), dtype=np.int64), np.zeros(len(docs), dtype=np.int64)
    rows_of: dict[int, list[int]] = {}
    for row, doc in enumerate(docs):
        if doc >= 0:
            rows_of.setdefault(doc, []).append(row)
    for doc, rows in rows_of.items():
        kept, offsets, shared = spans(doc)
        at = np.asarray(rows, dtype=np.int64)
        a, b = np.searchsorted(offsets, starts[at]), np.searchsorted(offsets, ends[at])
        some = b > a
        share[at[some]] = (shared[b[some]] - shared[a[some]]) / (b[some] - a[some])
        lo, hi = kept[a[some]], kept[b[some] - 1]
        first[at[some]] = np.searchsorted(idx.window_starts[doc], lo - idx.n + 1)
        last[at[some]] = np.searchsorted(idx.window_starts[doc], hi + 1)
    return docs, share.tolist(), first.tolist(), last.tolist()


def shared_sentences(
    reports: pd.DataFrame,
    *,
    n: int = NGRAM,
    min_reports: int = MIN_REPORTS,
    min_share: float = SENTENCE_SHARE,
    shared_index: SharedIndex | None = None,
) -> pd.DataFrame:
    """Sentences made (nearly) entirely of wording other reports share, with those towns."""
    from .structure import sentences

    idx = shared_index or index(reports, n=n, min_reports=min_reports)
    position = {d: i for i, d in enumerate(idx.doc_ids)}
    spans = _Spans(idx)
    named: dict[tuple[int, ...], tuple[set[int], Counter, list[str], str]] = {}  # the towns of a combination of sets, named once
    rows = []
    sents = sentences(reports)
    doc_ids, roles = sents["doc_id"].tolist(), sents["role"].tolist()
    where = _sentence_spans(idx, spans, [position.get(d, -1) if r != "title" else -1 for d, r in zip(doc_ids, roles)], sents)
    columns = (sents[c].tolist() for c in ("sent_no", "text"))
    for doc_id, doc, share, first, last, sent_no, text in zip(doc_ids, *where, *columns, strict=True):
        if doc < 0 or share < min_share:
            continue
        # the sets of the windows that cover it: a few each, sorted(set()) a quarter of np.unique's time
        set_ids = tuple(sorted(set(idx.window_sets[doc][first:last].tolist()))) if last > first else ()
        if set_ids not in named:
            members = {d for set_id in set_ids for d in idx.sets[set_id]}
            counts = Counter(idx.towns[d] for d in members)
            names = sorted(counts)
            named[set_ids] = members, counts, names, "、".join(names)
        members, counts, names, towns = named[set_ids]
        own = idx.towns[doc]
        if doc in members and counts[own] == 1:  # the report's own town is there only through the report itself
            at = bisect_left(names, own)
            towns = "、".join(names[:at] + names[at + 1 :])
        if towns:
            rows.append({"doc_id": doc_id, "town": own, "sent_no": int(sent_no), "text": text, "shared": round(share, 3), "towns": towns})
    return pd.DataFrame(rows, columns=SENTENCE_COLUMNS)


def item_detail(
    items: pd.DataFrame,
    reports: pd.DataFrame,
    *,
    n: int = NGRAM,
    min_reports: int = MIN_REPORTS,
    generic_share: float = GENERIC_SHARE,
    shared_index: SharedIndex | None = None,
    specifics: Specifics | None = None,
) -> pd.DataFrame:
    """Per problem item: shared-wording share and the places, numbers and cases it names."""
    from .quantities import quantity_spans

    spec = specifics or load_specifics()
    idx = shared_index or index(reports, n=n, min_reports=min_reports)
    position = {d: i for i, d in enumerate(idx.doc_ids)}
    spans = _Spans(idx)
    rows = []
    for item in records(items):
        text = str(item.text)
        doc = position.get(item.doc_id)
        share = _span_share(idx, doc, int(item.start), int(item.end), spans) if doc is not None else 0.0
        simple = fold(text)
        numbers = [text[a:b] for a, b in quantity_spans(text)]
        town = getattr(item, "town", None)
        named = places(text, exclude=tuple(t for t in (town,) if t), specifics=spec)
        cases = [simple[a:b] for cue in spec.case_cues for a, b in (cue.spans(simple, simplified=True) or [])]
        cases += [m.group(0) for regex in spec.date_res for m in regex.finditer(simple)]
        specific = bool(numbers or named or cases)
        kind = "specific" if specific else ("generic" if share >= generic_share else "plain")
        rows.append(
            {
                "doc_id": item.doc_id,
                "town": town,
                "item_no": int(item.item_no),
                "text": text,
                "shared_share": round(share, 3),
                "numbers": "、".join(numbers),
                "places": "、".join(named),
                "cases": "、".join(dict.fromkeys(cases)),
                "specific": specific,
                "kind": kind,
            }
        )
    table = pd.DataFrame(rows, columns=ITEM_DETAIL_COLUMNS)
    return table.sort_values(["doc_id", "item_no"]).reset_index(drop=True).astype({"item_no": "int64", "specific": "bool"})
