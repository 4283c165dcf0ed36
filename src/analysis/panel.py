"""The same town across years: follow-through of plans, recurring problems, carried-over wording, indicator trends.

Reports are grouped into a panel by town + county, so that two towns of one
name stay apart, and ordered by the year reported on.  A report whose title
names no county joins the one county its town name has elsewhere in the
corpus; when the name appears under several counties it stays apart (the
``panel`` column says so).  Each report is paired with the latest report of
the same panel from an earlier year (``gap`` says how many years lie between).

Tables:

panel          — panel, town, county, doc_id, year, prev_doc_id, prev_year, gap
follow_through — town, county, year, evidence_year, plan_doc_id, doc_id, plan_no, plan_item,
                 status, evidence, similarity
                 each plan item of year N against the achievements of year N+1:
                 ``done`` (a matching measure is reported, with the sentence),
                 ``mentioned`` (the subject comes up, no matching measure) or
                 ``no evidence``
fulfilment     — town, county, year, evidence_year, plans, done, mentioned, no_evidence, rate
recurring      — town, county, year, doc_id, problem_no, problem, prev_year, prev_doc_id,
                 prev_problem_no, prev_problem, similarity, recurring
carried_over   — town, county, year, prev_year, doc_id, prev_doc_id, n_chars, carried_chars, share
carried_passages — town, county, year, prev_year, doc_id, passage, n_chars
trends         — town, county, indicator, label, year, value, unit, display, prev_year,
                 prev_value, change, change_pct, note

Matching is TF-IDF cosine over character bigrams (see ``Vectors`` and ``_sims``);
the thresholds were calibrated on year pairs labelled by reading
(``tests/data/followthrough_gold.csv``, docs/readme/years.md).
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

from . import config, display
from .chinese import char_bigrams
from .errors import LexiconError
from .lexicon import load_yaml
from .tables import records, rows_by

PANEL_COLUMNS = ["panel", "town", "county", "doc_id", "year", "prev_doc_id", "prev_year", "gap"]
FOLLOW_COLUMNS = [
    "town",
    "county",
    "year",
    "evidence_year",
    "plan_doc_id",
    "doc_id",
    "plan_no",
    "plan_item",
    "status",
    "evidence",
    "similarity",
]
FULFILMENT_COLUMNS = ["town", "county", "year", "evidence_year", "plans", "done", "mentioned", "no_evidence", "rate"]
RECURRING_COLUMNS = [
    "town",
    "county",
    "year",
    "doc_id",
    "problem_no",
    "problem",
    "prev_year",
    "prev_doc_id",
    "prev_problem_no",
    "prev_problem",
    "similarity",
    "recurring",
]
CARRIED_COLUMNS = ["town", "county", "year", "prev_year", "doc_id", "prev_doc_id", "n_chars", "carried_chars", "share"]
CARRIED_PASSAGE_COLUMNS = ["town", "county", "year", "prev_year", "doc_id", "passage", "n_chars"]
TREND_COLUMNS = [
    "town",
    "county",
    "indicator",
    "label",
    "year",
    "value",
    "unit",
    "display",
    "prev_year",
    "prev_value",
    "change",
    "change_pct",
    "note",
]

STATUSES = ("done", "mentioned", "no evidence")
NO_COUNTY = ""  # the county of a panel whose reports name none
EVIDENCE_ROLES_EXCLUDED = ("problems", "plans", "title")  # sentences of these roles are never evidence
FOLLOWTHROUGH_FILE = config.FOLLOWTHROUGH_FILE

# Calibrated on the synthetic pairs of tests/data/followthrough_gold.csv (see docs/readme/years.md).
DONE_THRESHOLD = 0.13  # a concrete sentence at least this similar to the plan: done
MENTION_THRESHOLD = 0.10  # any sentence at least this similar: mentioned
RECURRING_THRESHOLD = 0.15  # a problem of year N+1 at least this similar to one of year N restates it


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of a table of this module for the reader: Chinese headers and statuses (``labels.yml`` tables: panel)."""
    return display.readable(table, kind="panel")


CLAUSE_RE = re.compile(r"[^。；;！!？?\n，,]+")
SENTENCE_SPLIT_RE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]*")


# ------------------------------------------------------------------ knowledge


@dataclass(frozen=True)
class FollowRules:
    """``followthrough.yml``: the cues that make a sentence report a measure as carried out."""

    done_cues: tuple[str, ...]
    vague_cues: tuple[str, ...]


@lru_cache(maxsize=4)
def _load_rules(path: str) -> FollowRules:
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise LexiconError(path, "must be a mapping with 'done_cues' and 'vague_cues'")
    found = {}
    for key in ("done_cues", "vague_cues"):
        words = data.get(key)
        if not isinstance(words, list) or not words:
            raise LexiconError(path, "needs a non-empty list of words", entry=key)
        seen = set()
        for word in words:
            if not isinstance(word, str) or not word.strip():
                raise LexiconError(path, f"every cue must be a non-empty string, not {word!r}", entry=key)
            if word in seen:
                raise LexiconError(path, "duplicate cue", entry=f"{key}: {word}")
            seen.add(word)
        found[key] = tuple(sorted(seen, key=lambda w: (-len(w), w)))
    unknown = sorted(set(data) - {"done_cues", "vague_cues"})
    if unknown:
        raise LexiconError(path, "unknown key; expected 'done_cues' and 'vague_cues'", entry=unknown[0])
    return FollowRules(found["done_cues"], found["vague_cues"])


def load_rules(path: str | Path = FOLLOWTHROUGH_FILE) -> FollowRules:
    """Read and check ``data/lexicon/followthrough.yml``."""
    return _load_rules(str(path))


def concrete(sentence: str, *, rules: FollowRules | None = None) -> bool:
    """Does *sentence* report a measure as carried out (a quantity or a completion cue, no mere 'continued')?"""
    from .quantities import quantity_spans

    rules = rules or load_rules()
    if quantity_spans(sentence):
        return True
    return any(cue in sentence for cue in rules.done_cues) and not any(cue in sentence for cue in rules.vague_cues)


# ------------------------------------------------------------------ panel


def _county(value: object) -> str:
    return value.strip() if isinstance(value, str) and value.strip() else NO_COUNTY


def panel(reports: pd.DataFrame) -> pd.DataFrame:
    """One row per report with a town: its panel (town + county) and the report of the year before.

    A report without a year is listed with an empty ``prev_doc_id`` and is
    never paired.  Two reports of one panel and one year: the later is paired
    with the earlier year, not with its twin (both are listed).
    """
    if reports.empty:
        return pd.DataFrame(columns=PANEL_COLUMNS)
    table = reports[["doc_id", "town"]].copy()
    table["county"] = [_county(c) for c in reports["county"].tolist()] if "county" in reports else NO_COUNTY
    table["year"] = pd.array(reports["year"].tolist() if "year" in reports else [None] * len(reports), dtype="Int64")
    table = table[table["town"].notna() & (table["town"].astype(str) != "")]
    counties = table[table["county"] != NO_COUNTY].groupby("town")["county"].agg(lambda s: sorted(set(s)))
    county, label = [], []
    for town, own in zip(table["town"].tolist(), table["county"].tolist()):
        known = counties.get(town, [])
        if own == NO_COUNTY and len(known) == 1:
            own = known[0]
        county.append(own)
        if own == NO_COUNTY and len(known) > 1:
            label.append(f"{town}（县名不详）")
        else:
            label.append(f"{own}{town}" if own else str(town))
    table["county"], table["panel"] = county, label
    table = table.sort_values(["panel", "year", "doc_id"], na_position="last").reset_index(drop=True)
    prev_doc, prev_year = [], []
    panels, years, docs = table["panel"].tolist(), table["year"].tolist(), table["doc_id"].tolist()
    first = 0  # sorted by panel: each panel's rows follow one another (lists, not a frame a panel: 325 panels took 0.05–0.09 s)
    for i, year in enumerate(years):
        if panels[i] != panels[first]:
            first = i
        earlier = [j for j in range(first, i) if pd.notna(years[j]) and pd.notna(year) and years[j] < year]
        if earlier:
            last = max(years[j] for j in earlier)
            j = max(j for j in earlier if years[j] == last)
            prev_doc.append(docs[j])
            prev_year.append(last)
        else:
            prev_doc.append(None)
            prev_year.append(None)
    table["prev_doc_id"] = prev_doc
    table["prev_year"] = pd.array(prev_year, dtype="Int64")
    table["gap"] = table["year"] - table["prev_year"]
    return table[PANEL_COLUMNS]


def pairs(reports: pd.DataFrame) -> pd.DataFrame:
    """The consecutive pairs of the panel: rows of ``panel`` that have a report of an earlier year."""
    table = panel(reports)
    return table[table["prev_doc_id"].notna()].reset_index(drop=True)


# ------------------------------------------------------------------ similarity


NOT_WORD_RE = re.compile(r"[\W\d_]+")


def _letters(text: str) -> str:
    """The text with punctuation, digits and spaces as one space (bigrams never span them)."""
    from .chinese import to_simplified

    return NOT_WORD_RE.sub(" ", to_simplified(str(text)))


class Vectors:
    """TF-IDF vectors of character bigrams (sublinear tf, smoothed idf, unit length), IDF fitted on a background.

    Character bigrams, not words: a plan's 政务公开 and a report's 公开政务信息,
    or 普法宣传 and 普法, share bigrams whatever the segmenter makes of them
    (words were measured too and did worse on the labelled pairs, docs/readme/years.md).
    The weights are scikit-learn's ``TfidfVectorizer(analyzer="char", ngram_range=(2, 2),
    sublinear_tf=True)`` (tested equal), written out with scipy so that
    this stage does not load scikit-learn.
    """

    def __init__(self, background: Sequence[str]) -> None:
        df: Counter[str] = Counter()  # documents per bigram, in the order first seen (counted in C)
        n_docs = 0
        # each text's letters, kept for _row: the background is what is transformed (a third of the time, simplified and cleaned twice)
        self._letters: dict[str, str] = {}
        for text in background:
            letters = self._letters.get(text)
            if letters is None:
                letters = self._letters[text] = _letters(text)
            grams = set(char_bigrams(letters))  # a space (punctuation, digits) included: " 普" marks a run's start
            if grams:
                n_docs += 1
                df.update(grams)
        self._vocab = {gram: index for index, gram in enumerate(df)}
        self._rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        counts = np.fromiter(df.values(), dtype="float64", count=len(df))
        self._idf = np.log((1 + n_docs) / (1 + counts)) + 1 if len(df) else np.zeros(0)

    def _row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        found = self._rows.get(text)
        if found is None:
            letters = self._letters.get(text)
            # each known bigram's index and count, in the order first seen (counted in C; None: not in the vocabulary)
            counts = Counter(map(self._vocab.get, char_bigrams(_letters(text) if letters is None else letters)))
            counts.pop(None, None)
            keys = np.fromiter(counts, dtype=np.int64, count=len(counts))
            weights = (1 + np.log(np.fromiter(counts.values(), dtype="float64", count=len(counts)))) * self._idf[keys]
            if len(weights):
                weights /= np.sqrt((weights * weights).sum())
            found = self._rows[text] = (keys, weights)
        return found

    def transform(self, texts: Sequence[str]):
        from scipy import sparse

        rows = [self._row(str(text)) for text in texts]
        indptr = np.cumsum([0, *[len(k) for k, _ in rows]])
        indices = np.concatenate([k for k, _ in rows]) if rows else np.zeros(0, dtype=np.int64)
        data = np.concatenate([w for _, w in rows]) if rows else np.zeros(0)
        return sparse.csr_matrix((data, indices, indptr), shape=(len(texts), len(self._vocab)))


def similarity(left: Sequence[str], right: Sequence[str], *, background: Sequence[str] | None = None) -> np.ndarray:
    """TF-IDF cosine of each *left* text to each *right* text (IDF over *background*, default both)."""
    if not len(left) or not len(right):
        return np.zeros((len(left), len(right)))
    vectors = Vectors(list(background) if background is not None else [*left, *right])
    return (vectors.transform(left) @ vectors.transform(right).T).toarray()


def measures(plan: str) -> list[str]:
    """The clauses of a plan item (its heading and each measure), for matching one by one."""
    parts = [c.strip() for c in CLAUSE_RE.findall(plan)]
    return [c for c in parts if len(c) >= 4] or [plan]


# ------------------------------------------------------------------ follow-through


class _Candidates:
    """The sentences that may report a plan's measures, vectorised once: whole, and clause by clause."""

    def __init__(self, vectors: Vectors, sentences: list[str]) -> None:
        self.sentences = sentences
        pieces = [measures(c) for c in sentences]
        self.whole = vectors.transform(sentences).T.tocsr()
        self.clauses = vectors.transform([p for piece in pieces for p in piece]).T.tocsr()
        self.starts = np.cumsum([0, *[len(p) for p in pieces[:-1]]])


def _sims(vectors: Vectors, plans: Sequence[str], candidates: _Candidates) -> np.ndarray:
    """Similarity of each plan item (a row) to each candidate sentence (a column).

    The mean of two scores: the best cosine of one of the plan's clauses with
    the whole sentence, and the best cosine of one of its clauses with one of
    the sentence's clauses (a short measure found inside a long sentence).
    The clauses of every plan of a report are compared in one product, each
    cosine the same sum as alone: ``follow_through`` of the synthetic 1,000
    reports took 2.89–3.78 s with a product per plan, 2.15–3.08 s so (six
    runs each, alternately).
    """
    pieces = [measures(plan) for plan in plans]
    clauses = vectors.transform([clause for piece in pieces for clause in piece])
    starts = np.cumsum([0, *[len(piece) for piece in pieces[:-1]]])
    whole = np.maximum.reduceat((clauses @ candidates.whole).toarray(), starts, axis=0)
    by_clause = np.maximum.reduceat((clauses @ candidates.clauses).toarray(), starts, axis=0)
    return 0.5 * whole + 0.5 * np.maximum.reduceat(by_clause, candidates.starts, axis=1)


def evidence_sentences(reports: pd.DataFrame) -> pd.DataFrame:
    """The sentences that may report a measure: not headings, not problems, plans or the title (``structure.sentences`` rows)."""
    from .structure import sections, sentences

    sents = sentences(reports)
    heads = sections(reports)
    head_len = {
        (d, int(s)): len(str(m)) + len(str(h)) + 2
        for d, s, m, h in zip(heads["doc_id"].tolist(), heads["start"].tolist(), heads["marker"].tolist(), heads["heading"].tolist())
    }
    is_heading = [
        len(t) <= head_len.get((d, int(s)), -1)
        for d, s, t in zip(sents["doc_id"].tolist(), sents["start"].tolist(), sents["text"].tolist())
    ]
    keep = ~sents["role"].isin(EVIDENCE_ROLES_EXCLUDED) & ~pd.Series(is_heading, index=sents.index, dtype=bool)
    return sents[keep].reset_index(drop=True)


def _evidence_of(reports: pd.DataFrame, evidence: pd.DataFrame | None) -> pd.DataFrame:
    """``evidence_sentences(reports)``, or its rows in *evidence* (made for these reports or more)."""
    if evidence is None:
        return evidence_sentences(reports)
    return evidence[evidence["doc_id"].isin(set(reports["doc_id"]))].reset_index(drop=True)


def _meta(reports: pd.DataFrame) -> dict[str, tuple[str, str, object]]:
    table = panel(reports)
    return {
        d: (t, c, y)
        for d, t, c, y in zip(table["doc_id"].tolist(), table["town"].tolist(), table["county"].tolist(), table["year"].tolist())
    }


def _pair_list(reports: pd.DataFrame, explicit: pd.DataFrame | Sequence[tuple[str, str]] | None) -> list[tuple[str, str]]:
    if explicit is None:
        table = pairs(reports)
        return list(zip(table["prev_doc_id"].tolist(), table["doc_id"].tolist()))
    if isinstance(explicit, pd.DataFrame):
        return list(zip(explicit["prev_doc_id"].tolist(), explicit["doc_id"].tolist()))
    return [(a, b) for a, b in explicit]


def judge(
    plan: str,
    candidates: Sequence[str],
    sims: np.ndarray,
    *,
    done_threshold: float = DONE_THRESHOLD,
    mention_threshold: float = MENTION_THRESHOLD,
    rules: FollowRules | None = None,
) -> tuple[str, str, float]:
    """Status, evidence sentence and similarity of one plan item, given each candidate's similarity."""
    if not len(candidates):
        return "no evidence", "", 0.0
    rules = rules or load_rules()
    order = np.argsort(-sims, kind="stable")
    for i in order:
        if sims[i] < done_threshold:
            break
        if concrete(candidates[i], rules=rules):
            return "done", candidates[i], round(float(sims[i]), 3)
    best = int(order[0])
    if sims[best] >= mention_threshold:
        return "mentioned", candidates[best], round(float(sims[best]), 3)
    return "no evidence", "", round(float(sims[best]), 3)


def follow_through(
    reports: pd.DataFrame,
    *,
    pairs: pd.DataFrame | Sequence[tuple[str, str]] | None = None,
    done_threshold: float = DONE_THRESHOLD,
    mention_threshold: float = MENTION_THRESHOLD,
    rules: FollowRules | None = None,
    evidence: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each plan item of year N matched to the achievements reported in year N+1.

    *pairs* overrides the panel's pairs: (plan doc_id, evidence doc_id)
    tuples or a table with ``prev_doc_id`` and ``doc_id``.  The similarity of
    a plan item to a sentence is the highest TF-IDF cosine between the
    sentence and one of the item's clauses (see ``measures``); IDF comes from
    every sentence of *reports*.  A sentence reports the measure as done when
    it is similar enough and concrete (``concrete``).  *evidence* is
    ``evidence_sentences(reports)`` when already made (``recurring`` reads it too).
    """
    from .structure import plan_items

    rules = rules or load_rules()
    todo = _pair_list(reports, pairs)
    if not todo:
        return pd.DataFrame(columns=FOLLOW_COLUMNS)
    wanted = {d for pair in todo for d in pair}
    subset = reports[reports["doc_id"].isin(wanted)]
    plans = plan_items(subset)
    evidence = _evidence_of(subset, evidence)
    vectors = Vectors(evidence["text"].tolist() + plans["text"].tolist())
    by_doc = evidence.groupby("doc_id")["text"].agg(list).to_dict()
    plans_of = rows_by(plans)
    meta = _meta(reports)
    rows = []
    for plan_doc, doc in todo:
        mine = plans_of(plan_doc)
        cands = by_doc.get(doc, [])
        prepared = _Candidates(vectors, cands) if cands else None
        town, county, year = meta.get(plan_doc, (None, NO_COUNTY, None))
        evidence_year = meta.get(doc, (None, None, None))[2]
        texts = mine["text"].tolist()
        every = _sims(vectors, texts, prepared) if prepared is not None and texts else None
        for k, (plan_no, text) in enumerate(zip(mine["item_no"].tolist(), texts)):
            sims = every[k] if every is not None else np.zeros(0)
            status, sentence, sim = judge(
                text, cands, sims, done_threshold=done_threshold, mention_threshold=mention_threshold, rules=rules
            )
            rows.append(
                {
                    "town": town,
                    "county": county,
                    "year": year,
                    "evidence_year": evidence_year,
                    "plan_doc_id": plan_doc,
                    "doc_id": doc,
                    "plan_no": int(plan_no),
                    "plan_item": text,
                    "status": status,
                    "evidence": sentence,
                    "similarity": sim,
                }
            )
    table = pd.DataFrame(rows, columns=FOLLOW_COLUMNS)
    table["year"] = pd.array(table["year"].tolist(), dtype="Int64")
    table["evidence_year"] = pd.array(table["evidence_year"].tolist(), dtype="Int64")
    return table.sort_values(["town", "county", "year", "plan_doc_id", "plan_no"]).reset_index(drop=True)


def fulfilment(follow: pd.DataFrame) -> pd.DataFrame:
    """Per town and plan year: how many plan items were done, mentioned or left without evidence; rate = done / plans."""
    if follow.empty:
        return pd.DataFrame(columns=FULFILMENT_COLUMNS)
    keys = ["town", "county", "year", "evidence_year"]
    counts = follow.groupby(keys, dropna=False)["status"].value_counts().unstack(fill_value=0)
    counts = counts.reindex(columns=list(STATUSES), fill_value=0)
    table = counts.rename(columns={"no evidence": "no_evidence"}).reset_index()
    table["plans"] = table[["done", "mentioned", "no_evidence"]].sum(axis=1)
    table["rate"] = (table["done"] / table["plans"]).round(3)
    table.columns.name = None
    return table[FULFILMENT_COLUMNS].sort_values(["town", "county", "year"]).reset_index(drop=True)


# ------------------------------------------------------------------ recurring problems


def recurring(
    reports: pd.DataFrame,
    *,
    pairs: pd.DataFrame | Sequence[tuple[str, str]] | None = None,
    threshold: float = RECURRING_THRESHOLD,
    evidence: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each problem item of year N+1 with the most similar problem of year N; ``recurring`` when it restates it.

    The IDF comes from the problems and the ``evidence_sentences`` (*evidence* when already made).
    """
    from .structure import problem_items

    todo = _pair_list(reports, pairs)
    if not todo:
        return pd.DataFrame(columns=RECURRING_COLUMNS)
    subset = reports[reports["doc_id"].isin({d for pair in todo for d in pair})]
    problems = problem_items(subset)
    vectors = Vectors(problems["text"].tolist() + _evidence_of(subset, evidence)["text"].tolist())
    problems_of = rows_by(problems)
    meta = _meta(reports)
    rows = []
    for prev_doc, doc in todo:
        old, new = problems_of(prev_doc), problems_of(doc)
        if new.empty:
            continue
        sims = (vectors.transform(new["text"].tolist()) @ vectors.transform(old["text"].tolist()).T).toarray() if len(old) else None
        town, county, year = meta.get(doc, (None, NO_COUNTY, None))
        prev_year = meta.get(prev_doc, (None, None, None))[2]
        for i, (problem_no, text) in enumerate(zip(new["item_no"].tolist(), new["text"].tolist())):
            best = int(np.argmax(sims[i])) if sims is not None else None
            sim = float(sims[i, best]) if best is not None else 0.0
            rows.append(
                {
                    "town": town,
                    "county": county,
                    "year": year,
                    "doc_id": doc,
                    "problem_no": int(problem_no),
                    "problem": text,
                    "prev_year": prev_year,
                    "prev_doc_id": prev_doc,
                    "prev_problem_no": int(old["item_no"].iat[best]) if best is not None else None,
                    "prev_problem": old["text"].iat[best] if best is not None else "",
                    "similarity": round(sim, 3),
                    "recurring": sim >= threshold,
                }
            )
    table = pd.DataFrame(rows, columns=RECURRING_COLUMNS)
    for column in ("year", "prev_year", "prev_problem_no"):
        table[column] = pd.array(table[column].tolist(), dtype="Int64")
    return table.sort_values(["town", "county", "year", "problem_no"]).reset_index(drop=True)


# ------------------------------------------------------------------ carried-over wording


def carried_over(
    reports: pd.DataFrame,
    *,
    pairs: pd.DataFrame | Sequence[tuple[str, str]] | None = None,
    n: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Share of year N+1's text taken from year N, and the passages (the boilerplate machinery between two years).

    Returns (shares, passages).  Wording is compared as in
    ``analysis.boilerplate``: simplified, punctuation dropped, digits as ``#``,
    the town's own name as a placeholder, runs of *n* characters.
    """
    from . import boilerplate

    n = n or boilerplate.NGRAM
    todo = _pair_list(reports, pairs)
    meta = _meta(reports)
    share_rows, passage_rows = [], []
    normalised = boilerplate.normalise(reports[reports["doc_id"].isin({d for pair in todo for d in pair})])  # each report once
    known = set(normalised.doc_ids)
    for prev_doc, doc in todo:
        if prev_doc not in known or doc not in known:
            continue
        idx = boilerplate.index(normalised.select([doc, prev_doc]), n=n, min_reports=2)  # this year's first: passages quote its text
        mine = boilerplate.share_of(idx, 0)
        town, county, year = meta.get(doc, (None, NO_COUNTY, None))
        prev_year = meta.get(prev_doc, (None, None, None))[2]
        share_rows.append(
            {
                "town": town,
                "county": county,
                "year": year,
                "prev_year": prev_year,
                "doc_id": doc,
                "prev_doc_id": prev_doc,
                "n_chars": int(mine["n_chars"]),
                "carried_chars": int(mine["shared_chars"]),
                "share": float(mine["share"]),
            }
        )
        for found in boilerplate.passage_rows(idx):
            passage, chars = found["passage"], found["n_chars"]
            passage_rows.append(
                {
                    "town": town,
                    "county": county,
                    "year": year,
                    "prev_year": prev_year,
                    "doc_id": doc,
                    "passage": passage,
                    "n_chars": int(chars),
                }
            )
    shares = pd.DataFrame(share_rows, columns=CARRIED_COLUMNS)
    passages = pd.DataFrame(passage_rows, columns=CARRIED_PASSAGE_COLUMNS)
    for table in (shares, passages):
        for column in ("year", "prev_year"):
            table[column] = pd.array(table[column].tolist(), dtype="Int64")
    shares = shares.sort_values(["town", "county", "year"]).reset_index(drop=True)
    passages = passages.sort_values(["town", "county", "year", "n_chars"], ascending=[True, True, True, False]).reset_index(drop=True)
    return shares, passages


# ------------------------------------------------------------------ indicator trends


def trends(
    reports: pd.DataFrame,
    *,
    rows: pd.DataFrame | None = None,
    labels: dict[str, str] | None = None,
    summary_table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each indicator key per town and year, with the change from the panel's previous report when units agree.

    *rows* is the indicator table (``indicators.extract``), computed when not
    given.  One figure per report and key comes from ``indicators.summary``,
    or from *summary_table* when it is already made for these reports or
    more (``indicators.summary_from`` of the pipeline's ``figures`` stage);
    ``note`` says why a change is left empty (单位不同, 数字未定, 上年未报告).
    """
    from . import indicators
    from .indicators import indicator_labels
    from .indicators.tables import _summary_of

    table = panel(reports)
    if table.empty:
        return pd.DataFrame(columns=TREND_COLUMNS)
    subset = reports[reports["doc_id"].isin(table["doc_id"])]
    rows = indicators.extract(subset) if rows is None else rows[rows["doc_id"].isin(table["doc_id"])]
    figures = _summary_of(rows, subset, summary_table)
    labels = labels if labels is not None else indicator_labels()
    figures = figures.merge(table[["doc_id", "panel", "county", "prev_doc_id", "prev_year"]], on="doc_id")
    by_key = {(d, k): r for d, k, r in zip(figures["doc_id"].tolist(), figures["indicator"].tolist(), records(figures))}
    out = []
    for r in records(figures):
        prev = by_key.get((r.prev_doc_id, r.indicator)) if isinstance(r.prev_doc_id, str) else None
        change = change_pct = prev_value = None
        note = ""
        if not isinstance(r.prev_doc_id, str):
            note = "无上年报告"
        elif prev is None:
            note = "上年未报告"
        elif pd.isna(r.value) or pd.isna(prev.value):
            note = "数字未定"
            prev_value = None if pd.isna(prev.value) else float(prev.value)
        elif (r.unit or "") != (prev.unit or ""):
            note = "单位不同"
            prev_value = float(prev.value)
        else:
            prev_value = float(prev.value)
            change = round(float(r.value) - prev_value, 3)
            change_pct = round(100 * change / prev_value, 1) if prev_value else None
            if (r.qualifier or "exact") != "exact" or (prev.qualifier or "exact") != "exact":
                note = "约数"
        out.append(
            {
                "town": r.town,
                "county": r.county,
                "indicator": r.indicator,
                "label": labels.get(r.indicator, r.indicator),
                "year": r.year,
                "value": None if pd.isna(r.value) else float(r.value),
                "unit": r.unit,
                "display": r.display,
                "prev_year": r.prev_year if isinstance(r.prev_doc_id, str) else None,
                "prev_value": prev_value,
                "change": change,
                "change_pct": change_pct,
                "note": note,
            }
        )
    result = pd.DataFrame(out, columns=TREND_COLUMNS)
    for column in ("year", "prev_year"):
        result[column] = pd.array(result[column].tolist(), dtype="Int64")
    for column in ("value", "prev_value", "change", "change_pct"):
        result[column] = result[column].astype("float64")
    result["_k"] = indicators.key_position(result["indicator"])
    return result.sort_values(["town", "county", "_k", "indicator", "year"]).drop(columns="_k").reset_index(drop=True)
