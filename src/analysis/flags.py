"""Flags: reports a reviewer should look at before reading their scores.

Codebook: ``data/lexicon/flags.yml`` (thresholds, the words a report uses for
itself, rate units, the Chinese name of each flag), validated on load.

Tables:

partners — doc_id, town, year, partner, partner_town, partner_year, share
           for each report, the one other report it shares most wording with
           (boilerplate's shared n-grams) and the share of its wording shared
           with that report alone
impossible_figures — doc_id, town, year, flag, detail, evidence, start
           figures that cannot be right: a rate over 100 % (``rate_over_100``),
           a part larger than its whole (``part_over_whole``: ``共10件，其中12件…``)
flags    — doc_id, town, year, flag, detail, evidence
           ``near_duplicate`` (shares at least the threshold of its wording with
           one report, named in detail), ``other_town`` (the body names another
           town of the corpus as itself), ``year_mismatch`` (the title's year is
           not the year the body reports on), and the impossible figures
readable — the flags as the reader sees them: Chinese column names and flag names

What the flags and the scorecard's own-wording and figures criteria both read
(the shared-wording index, the partners, the shared sentences, the impossible
figures) is ``gather_evidence(reports, rows)``; pass it to ``flags`` and to
``scorecard.assess`` and it is computed once for both.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import config
from .chinese import fold
from .errors import LexiconError
from .tables import records, rows_by

FLAG_COLUMNS = ["doc_id", "town", "year", "flag", "detail", "evidence"]
FIGURE_COLUMNS = ["doc_id", "town", "year", "flag", "detail", "evidence", "start"]
PARTNER_COLUMNS = ["doc_id", "town", "year", "partner", "partner_town", "partner_year", "share"]
FLAGS = ("near_duplicate", "other_town", "year_mismatch", "rate_over_100", "part_over_whole")
YEAR_RE = re.compile(r"(20\d{2})\s*年")
READABLE_COLUMNS = {"town": "乡镇", "year": "年度", "flag": "问题类型", "detail": "说明", "evidence": "依据（报告原文）"}


@dataclass(frozen=True)
class FlagRules:
    """The settings of ``flags.yml``."""

    path: str
    share: float
    self_words: tuple[str, ...]
    window: int
    joiners: tuple[str, ...]
    rate_units: tuple[str, ...]
    part_markers: tuple[str, ...]
    labels: dict[str, str]


def _words(path: str, value: object, entry: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise LexiconError(path, "must be a non-empty list of words", entry=entry)
    return tuple(v.strip() for v in value)


@lru_cache(maxsize=4)
def _load(path: str) -> FlagRules:
    from .lexicon import load_yaml

    data = load_yaml(path)
    if not isinstance(data, dict):
        raise LexiconError(path, "needs near_duplicate, self_reference, rate_units, part_markers and labels")
    known = {"near_duplicate", "self_reference", "rate_units", "part_markers", "labels"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise LexiconError(path, f"unknown key; use {', '.join(sorted(known))}", entry=unknown[0])
    near = data.get("near_duplicate") or {}
    share = near.get("share") if isinstance(near, dict) else None
    if not isinstance(share, (int, float)) or isinstance(share, bool) or not 0 < share <= 1:
        raise LexiconError(path, "'share' must be a number above 0 and at most 1", entry="near_duplicate")
    self_ref = data.get("self_reference")
    if not isinstance(self_ref, dict):
        raise LexiconError(path, "needs 'words', 'window' and 'joiners'", entry="self_reference")
    window = self_ref.get("window")
    if not isinstance(window, int) or isinstance(window, bool) or window < 0:
        raise LexiconError(path, "'window' must be a whole number of characters (0 or more)", entry="self_reference")
    labels = data.get("labels")
    if not isinstance(labels, dict) or set(labels) != set(FLAGS) or not all(isinstance(v, str) and v for v in labels.values()):
        raise LexiconError(path, f"'labels' must give a Chinese name to each of {', '.join(FLAGS)}", entry="labels")
    return FlagRules(
        path=path,
        share=float(share),
        self_words=_words(path, self_ref.get("words"), "self_reference.words"),
        window=window,
        joiners=_words(path, self_ref.get("joiners"), "self_reference.joiners"),
        rate_units=_words(path, data.get("rate_units"), "rate_units"),
        part_markers=_words(path, data.get("part_markers"), "part_markers"),
        labels=dict(labels),
    )


def load_rules(path: str | Path = config.FLAGS_FILE) -> FlagRules:
    """Read and validate ``flags.yml``."""
    return _load(str(config.resolve_path(path)))


def _year(value: object) -> object:
    return int(value) if isinstance(value, (int, float, np.integer)) and not pd.isna(value) else pd.NA


def _meta(reports: pd.DataFrame) -> dict[str, tuple[object, object]]:
    towns = reports["town"] if "town" in reports else [None] * len(reports)
    years = reports["year"] if "year" in reports else [None] * len(reports)
    return {d: (t, _year(y)) for d, t, y in zip(reports["doc_id"].tolist(), towns, years)}


def _short(text: str, limit: int = 80) -> str:
    text = re.sub(r"\s+", " ", str(text)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------ what the flags and the scorecard share


@dataclass(frozen=True)
class Evidence:
    """The corpus-wide tables behind the flags and the scorecard's own-wording and figures criteria (see ``gather_evidence``)."""

    shared_index: object  # boilerplate.SharedIndex of the reports
    partners: pd.DataFrame  # partners(reports)
    shared: pd.DataFrame  # boilerplate.shared_sentences(reports)
    figures: pd.DataFrame  # impossible_figures(rows)


def gather_evidence(reports: pd.DataFrame, rows: pd.DataFrame, *, rules: FlagRules | None = None) -> Evidence:
    """The shared-wording index, partners, shared sentences and impossible figures of *reports*, each computed once.

    *rows* are the indicator rows of the same reports (``indicators.extract``).
    """
    from .boilerplate import SENTENCE_COLUMNS, index, shared_sentences

    idx = index(reports)
    shared = shared_sentences(reports, shared_index=idx) if len(reports) > 1 else pd.DataFrame(columns=SENTENCE_COLUMNS)
    return Evidence(idx, partners(reports, shared_index=idx), shared, impossible_figures(rows, rules=rules))


def most_shared_sentences(shared: pd.DataFrame) -> dict[str, str]:
    """Each report's sentence most made of shared wording (the longest of equal shares), from ``boilerplate.shared_sentences``."""
    if shared.empty:
        return {}
    ranked = shared.assign(_len=shared["text"].str.len()).sort_values(["shared", "_len"], ascending=False, kind="stable")
    return {doc_id: str(text) for doc_id, text in records(ranked.drop_duplicates("doc_id")[["doc_id", "text"]])}


# ------------------------------------------------------------------ shared wording with one report


def partners(reports: pd.DataFrame, *, shared_index=None) -> pd.DataFrame:
    """For each report, the other report it shares most wording with, and the share of its wording shared with it."""
    from .boilerplate import index

    idx = shared_index if shared_index is not None else index(reports)
    meta = _meta(reports)
    rows = []
    in_sets = _set_arrays(idx)
    for doc, doc_id in enumerate(idx.doc_ids):
        best, best_share = _best_partner(idx, doc, in_sets=in_sets)
        town, year = meta.get(doc_id, (None, pd.NA))
        partner = idx.doc_ids[best] if best is not None else ""
        p_town, p_year = meta.get(partner, ("", pd.NA)) if partner else ("", pd.NA)
        rows.append(
            {
                "doc_id": doc_id,
                "town": town,
                "year": year,
                "partner": partner,
                "partner_town": p_town or "",
                "partner_year": p_year,
                "share": round(best_share, 3),
            }
        )
    table = pd.DataFrame(rows, columns=PARTNER_COLUMNS)
    return table.astype({"year": "Int64", "partner_year": "Int64", "share": "float64"}).sort_values("doc_id").reset_index(drop=True)


def _set_arrays(idx) -> list[np.ndarray]:
    """Each set of reports of *idx* (``idx.sets``) as an array, made once for all reports' partners."""
    return [np.asarray(members, dtype=np.int64) for members in idx.sets]


def _best_partner(idx, doc: int, *, in_sets: Sequence[np.ndarray] | None = None) -> tuple[int | None, float]:
    """(the other report sharing most of report *doc*'s wording, the share of its characters shared with that one report).

    The wording report *doc* shares with report p is the union of its shared
    windows ``[start, start + n)`` whose set of reports holds p.  Consecutive
    windows of one set are taken as one run ``[first start, last start + n)``;
    the union of a partner's runs, sorted by start (their ends then rise too),
    is the sum of each run's length cut at the next run's start.  Equal shares:
    the partner listed first wins.
    """
    norm, starts, sets = idx.texts[doc], idx.window_starts[doc], idx.window_sets[doc]
    length = len(norm)
    chars = length - norm.count("\n")
    if not len(starts) or not chars:
        return None, 0.0
    starts = starts.astype(np.int64)
    new_run = np.ones(len(starts), dtype=bool)
    new_run[1:] = (starts[1:] != starts[:-1] + 1) | (sets[1:] != sets[:-1])
    first = np.flatnonzero(new_run)
    last = np.append(first[1:], len(starts)) - 1
    run_start, run_end, run_set = starts[first], np.minimum(starts[last] + idx.n, length), sets[first]
    set_ids, which = np.unique(run_set, return_inverse=True)
    in_sets = in_sets if in_sets is not None else _set_arrays(idx)
    members = [in_sets[s][in_sets[s] != doc] for s in set_ids.tolist()]  # the other reports of each set, in order
    sizes = np.array([len(m) for m in members], dtype=np.int64)
    per_run = sizes[which]
    pairs = int(per_run.sum())
    if not pairs:
        return None, 0.0
    # one (partner, run) pair for each other report of each run's set
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    within = np.arange(pairs) - np.repeat(np.cumsum(per_run) - per_run, per_run)
    partner = np.concatenate(members)[np.repeat(offsets[which], per_run) + within]
    start, end = np.repeat(run_start, per_run), np.repeat(run_end, per_run)
    order = np.lexsort((start, partner))
    partner, start, end = partner[order], start[order], end[order]
    same_next = np.zeros(pairs, dtype=bool)
    same_next[:-1] = partner[1:] == partner[:-1]
    next_start = np.append(start[1:], 0)
    covered = np.where(same_next, np.minimum(end, next_start), end) - start
    group = np.flatnonzero(np.concatenate([[True], ~same_next[:-1]]))
    shares = np.add.reduceat(covered, group) / chars
    best = int(np.argmax(shares))
    return (int(partner[group[best]]), float(shares[best])) if shares[best] > 0 else (None, 0.0)


def report_name(town: object, year: object) -> str:
    """How the reader calls a report: ``神树镇2025年度报告`` (town or year left out when unknown)."""
    town = town if isinstance(town, str) and town else ""
    year = f"{int(year)}年度" if not pd.isna(year) else ""
    return f"{town}{year}报告" if town or year else "另一份报告"


# ------------------------------------------------------------------ impossible figures


def impossible_figures(rows: pd.DataFrame, *, rules: FlagRules | None = None) -> pd.DataFrame:
    """Figures that cannot be right, from the indicator rows (``indicators.extract``).

    A rate over 100 (its unit a rate unit of ``flags.yml``), and a part larger
    than its whole: in one sentence, a figure after a part marker (其中) larger
    than the last figure before the marker in the same unit.
    """
    rules = rules or load_rules()
    out = []
    mentions = rows.drop_duplicates(["doc_id", "start"]).sort_values(["doc_id", "start"])
    for r in records(mentions):
        top = r.value_max if not pd.isna(r.value_max) else r.value
        if r.unit in rules.rate_units and not pd.isna(top) and float(top) > 100:
            out.append(
                {
                    "doc_id": r.doc_id,
                    "town": r.town,
                    "year": _year(r.year),
                    "flag": "rate_over_100",
                    "detail": f"{r.raw}：比率不可能超过100%",
                    "evidence": r.sentence,
                    "start": int(r.start),
                }
            )
    # only the sentences with a part marker and two figures or more can hold a part over its whole; each is
    # read as plain records (pandas' selections, once per sentence, took a second at 1,000 reports)
    marked = mentions["sentence"].map(lambda s: any(m in s for m in rules.part_markers), na_action="ignore").fillna(False).astype(bool)
    candidates = mentions[marked & mentions.duplicated(["doc_id", "sentence"], keep=False)]
    sentences: dict[tuple[str, str], list] = {}
    for r in records(candidates[["doc_id", "sentence", "start", "raw", "unit", "value", "town", "year"]]):
        sentences.setdefault((r.doc_id, r.sentence), []).append(r)
    for (doc_id, sentence), group in sentences.items():
        marker = next(m for m in rules.part_markers if m in sentence)
        first = group[0]
        sentence_start = int(first.start) - _offset_in(sentence, str(first.raw))
        cut = sentence_start + sentence.index(marker)
        before = [r for r in group if r.start < cut]
        after = [r for r in group if r.start >= cut]
        if not before or not after:
            continue
        whole = before[-1]
        parts = [r for r in after if _same(r.unit, whole.unit) and _larger(r.value, whole.value)]
        if parts and whole.unit not in rules.rate_units:
            part = parts[0]
            out.append(
                {
                    "doc_id": doc_id,
                    "town": whole.town,
                    "year": _year(whole.year),
                    "flag": "part_over_whole",
                    "detail": f"{marker}{part.raw}大于总数{whole.raw}",
                    "evidence": sentence,
                    "start": int(part.start),
                }
            )
    table = pd.DataFrame(out, columns=FIGURE_COLUMNS)
    return table.astype({"year": "Int64", "start": "int64"}).sort_values(["doc_id", "start"]).reset_index(drop=True)


def _same(a, b) -> bool:
    return not pd.isna(a) and not pd.isna(b) and a == b


def _larger(a, b) -> bool:
    return not pd.isna(a) and not pd.isna(b) and a > b


def _offset_in(sentence: str, raw: str) -> int:
    at = sentence.find(raw)
    return max(at, 0)


# ------------------------------------------------------------------ another town, another year


def _body_sentences(reports: pd.DataFrame) -> pd.DataFrame:
    from .structure import sentences

    sents = sentences(reports)
    return sents[sents["role"] != "title"]


@lru_cache(maxsize=4)
def _name_ends(towns: tuple[str, ...]) -> tuple[re.Pattern[str], list[int]]:
    """A pattern of the last characters of the *towns*' names, and their lengths: made once for a corpus's towns,
    not once a report (every report's other towns are the corpus's but its own)."""
    names = [town for town in towns if town]
    return re.compile("[" + "".join(sorted({re.escape(name[-1]) for name in names})) + "]"), sorted({len(name) for name in names})


def _other_town(doc_id: str, town: str, sents: pd.DataFrame, towns: list[str], rules: FlagRules) -> tuple[str, str] | None:
    """(other town, the sentence) when the body names another town of the corpus as itself, else None."""
    others = [t for t in towns if t and t != town and t not in town and town not in t]
    if not others:
        return None
    counts: Counter[str] = Counter()
    first: dict[str, str] = {}
    near: dict[str, str] = {}
    rank = {other: i for i, other in enumerate(others)}
    ends, lengths = _name_ends(tuple(towns))  # of every town: the substrings they give hold the other towns' names
    texts = [str(t) for t in sents["text"].tolist()]
    simples = [fold(t) for t in texts]
    for text, simple in zip(texts, simples):
        # the other towns this sentence names, in the order of *others*: only the substrings ending
        # in a character a town name ends in, of a town name's length, can be one
        named = {simple[m.end() - n : m.end()] for m in ends.finditer(simple) for n in lengths if n <= m.end()}
        for other in sorted((name for name in named if name in rank), key=rank.__getitem__):
            counts[other] += simple.count(other)
            first.setdefault(other, text)
            for match in re.finditer(re.escape(other), simple):
                lo, hi = max(0, match.start() - rules.window), match.end() + rules.window
                for word in rules.self_words:
                    for w in re.finditer(re.escape(word), simple[lo:hi]):
                        a, b = sorted((lo + w.start(), match.start()))
                        between = simple[a + (len(word) if a == lo + w.start() else len(other)) : b]
                        if not any(j in between for j in rules.joiners) and word not in other:
                            near.setdefault(other, text)
    own = sum(simple.count(town) for simple in simples) if town else 0
    for other in others:
        if other in near:
            return other, near[other]
        if counts[other] > own:
            return other, first[other]
    return None


def _body_year(sents: pd.DataFrame) -> int | None:
    """The year the body reports on: the year named most often outside the plans (ties: the first named)."""
    counts: Counter[int] = Counter()
    order: dict[int, int] = {}
    for role, text in zip(sents["role"].tolist(), sents["text"].tolist()):
        if role == "plans":
            continue
        for match in YEAR_RE.finditer(str(text)):
            year = int(match.group(1))
            counts[year] += 1
            order.setdefault(year, len(order))
    if not counts:
        return None
    return max(counts, key=lambda y: (counts[y], -order[y]))


def flags(
    reports: pd.DataFrame,
    *,
    rows: pd.DataFrame | None = None,
    rules: FlagRules | None = None,
    evidence: Evidence | None = None,
) -> pd.DataFrame:
    """Every flag of every report (see the module doc).

    *rows* are ``indicators.extract(reports)``, computed when not given;
    *evidence* is ``gather_evidence(reports, rows)``, computed when not given.
    """
    from .indicators import extract

    rules = rules or load_rules()
    if evidence is None:
        evidence = gather_evidence(reports, extract(reports) if rows is None else rows, rules=rules)
    meta = _meta(reports)
    out = []
    examples = most_shared_sentences(evidence.shared)
    for r in records(evidence.partners):
        if r.partner and r.share >= rules.share:
            example = examples.get(r.doc_id, "")
            out.append(
                {
                    "doc_id": r.doc_id,
                    "town": r.town,
                    "year": r.year,
                    "flag": "near_duplicate",
                    "detail": f"{r.share:.0%} 的措辞与{report_name(r.partner_town, r.partner_year)}（{r.partner}）相同",
                    "evidence": example,
                }
            )
    sents = _body_sentences(reports)
    sents_of = rows_by(sents)
    towns = sorted({t for t in (reports["town"] if "town" in reports else []) if isinstance(t, str) and t}, key=len, reverse=True)
    titles = reports["title"] if "title" in reports else [""] * len(reports)
    for doc_id, title in zip(reports["doc_id"].tolist(), titles):
        town, year = meta[doc_id]
        doc_sents = sents_of(doc_id)
        if isinstance(town, str) and town:
            found = _other_town(doc_id, town, doc_sents, towns, rules)
            if found:
                other, sentence = found
                out.append(
                    {
                        "doc_id": doc_id,
                        "town": town,
                        "year": year,
                        "flag": "other_town",
                        "detail": f"报告是{town}的，正文却把{other}当作本地",
                        "evidence": sentence,
                    }
                )
        title_years = [int(y) for y in YEAR_RE.findall(str(title or ""))]
        body_year = _body_year(doc_sents)
        if title_years and body_year is not None and body_year not in title_years:
            out.append(
                {
                    "doc_id": doc_id,
                    "town": town,
                    "year": year,
                    "flag": "year_mismatch",
                    "detail": f"标题写{title_years[0]}年，正文报告的是{body_year}年",
                    "evidence": str(title),
                }
            )
    out.extend(evidence.figures[FLAG_COLUMNS].to_dict("records"))
    table = pd.DataFrame(out, columns=FLAG_COLUMNS).astype({"year": "Int64"})
    order = {f: i for i, f in enumerate(FLAGS)}
    table["_order"] = table["flag"].map(order)
    return table.sort_values(["doc_id", "_order"], kind="stable").drop(columns="_order").reset_index(drop=True)


def readable(flag_table: pd.DataFrame, *, rules: FlagRules | None = None) -> pd.DataFrame:
    """The flags for the reader: 乡镇, 年度, 问题类型, 说明, 依据 (flag names in Chinese, evidence on one line)."""
    rules = rules or load_rules()
    table = flag_table.copy()
    table["flag"] = table["flag"].map(lambda f: rules.labels.get(f, f))
    table["evidence"] = table["evidence"].map(lambda t: _short(t, 120))
    table["year"] = table["year"].map(lambda y: "" if pd.isna(y) else f"{int(y)}")
    table["town"] = table["town"].fillna("")
    return table[list(READABLE_COLUMNS)].rename(columns=READABLE_COLUMNS).reset_index(drop=True)
