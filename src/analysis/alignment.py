"""Plan alignment: the plan items of a report that answer each of its problem items.

A plan answers a problem when the plan's ``plan_cues`` find a theme the
problem was coded with (``analysis.themes``), or when their TF-IDF cosine over
the package's tokens is at least ``SIMILARITY_THRESHOLD``.

Tables:

links       — doc_id, town, problem_no, plan_no, problem, plan, shared_themes,
              similarity, via (``theme``, ``similarity`` or ``both``)
unanswered  — doc_id, town, item_no, text: the problems no plan answers
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import tfidf
from .cues import Codebook
from .themes import _codebook, code_items

LINK_COLUMNS = ["doc_id", "town", "problem_no", "plan_no", "problem", "plan", "shared_themes", "similarity", "via"]

# TF-IDF cosine at or above which a plan item is taken to answer a problem item of
# the same report even without a shared theme.  Calibrated on tests/data/plan_items_gold.csv
# by benchmarks/themes_alignment.py: by similarity alone, every threshold from 0.12 to
# 0.155 gives precision 1.00 and recall 0.69 (the best F1); 0.14 sits between the most
# similar non-link (0.119) and the least similar link above it (0.155).
SIMILARITY_THRESHOLD = 0.14
MAX_ANSWERS = 10  # plans linked to one problem at most (a report of five real ones links at most 3)


def _token_lists(texts: list[str]) -> list[list[str]]:
    from .lexicon import stopwords
    from .tokenize import Decisions, cut, lexicon_terms

    decided = Decisions(stop=stopwords(), terms=lexicon_terms(), drop_stopwords=True, drop_punct=True, drop_single=True, drop_numbers=True)
    # Each distinct text is cut once: items repeat (a report that repeats its outline, wording shared across a county).
    made: dict[str, list[str]] = {}
    lists = []
    for text in texts:
        tokens = made.get(text)
        if tokens is None:
            tokens = made[text] = [tok for tok, pos, _, _ in cut(text) if decided[tok, pos]]
        lists.append(list(tokens))
    return lists


def similarity_matrix(left: list[str], right: list[str], *, corpus: list[str] | None = None) -> np.ndarray:
    """TF-IDF cosine similarity of each *left* text to each *right* text.

    Tokens come from ``analysis.tokenize`` (stopwords, punctuation, numbers and
    single characters dropped); IDF is smoothed (``log((1+N)/(1+df)) + 1``) over
    *corpus* (default: *left* + *right*) and term frequencies are sublinear.
    """
    if not left or not right:
        return np.zeros((len(left), len(right)))
    idf, unseen = tfidf.fit(_token_lists(list(corpus) if corpus is not None else [*left, *right]))
    lv = [tfidf.vector(t, idf, unseen) for t in _token_lists(list(left))]
    rv = [tfidf.vector(t, idf, unseen) for t in _token_lists(list(right))]
    return np.array([[tfidf.cosine(a, b) for b in rv] for a in lv])


_ROUNDING = 1e-9  # more than the rounding error of a cosine summed in another order


def _candidates(
    problems: pd.DataFrame,
    plans: pd.DataFrame,
    p_vec: list[dict[str, float]],
    q_vec: list[dict[str, float]],
    p_themes: dict,
    q_themes: dict,
    *,
    threshold: float,
    max_answers: int,
) -> dict[int, list[int]]:
    """For each problem (by position), the plans (by position, ascending) of its report that may answer it.

    A superset of the answering pairs of ``align``: those sharing a theme, and
    those whose cosine, computed for all pairs at once as a sparse product,
    comes within rounding of *threshold*; at most *max_answers* per problem
    (those sharing a theme, then the most similar, then the first; copies of
    one plan, same number and text, count once).  ``align`` then checks each
    candidate as before, so the links are the same wherever the cap is not
    reached; but a long report's P problems × Q plans are no longer P × Q
    cosines in Python, nor P × Q rows of links.

    A word (a theme) is a column of its own in each report, so one product of
    the whole corpus holds the pairs of one report and no others: a product
    per report took 0.66–0.92 s for the synthetic 1,000 reports, the one
    product 0.11–0.12 s.  Each row keeps its words in its vector's order, as a product per
    report did, so every cosine is summed in the same order.
    """
    from scipy import sparse

    def rows_of(vectors: list[dict[str, float]], docs: list[str], names: dict) -> tuple[list[int], list[int], list[float]]:
        indptr, indices, values = [0], [], []
        for vec, doc in zip(vectors, docs, strict=True):
            for tok, weight in vec.items():
                indices.append(names.setdefault((doc, tok), len(names)))
                values.append(weight)
            indptr.append(len(indices))
        return indptr, indices, values

    def matrices(p_rows: list[dict[str, float]], q_rows: list[dict[str, float]]) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        names: dict = {}
        parts = rows_of(p_rows, p_docs, names), rows_of(q_rows, q_docs, names)
        return tuple(sparse.csr_matrix((v, i, p), shape=(len(p) - 1, len(names))) for p, i, v in parts)

    p_docs, q_docs = problems["doc_id"].tolist(), plans["doc_id"].tolist()
    p_keys = [(d, int(n)) for d, n in zip(p_docs, problems["item_no"].tolist())]
    q_keys = [(d, int(n)) for d, n in zip(q_docs, plans["item_no"].tolist())]
    p_words, q_words = matrices(p_vec, q_vec)
    p_codes, q_codes = matrices(
        [dict.fromkeys(p_themes.get(k, []), 1.0) for k in p_keys], [dict.fromkeys(q_themes.get(k, []), 1.0) for k in q_keys]
    )
    same_plan = pd.factorize(pd.Series(plans["item_no"].astype(str).to_numpy()) + "\0" + plans["text"].astype(str).to_numpy())[0]
    if threshold <= _ROUNDING:  # every pair of a report answers, sharing a word or not
        in_report = {}
        for j, doc_id in enumerate(q_docs):
            in_report.setdefault(doc_id, []).append(j)
        pairs = [(i, j) for i, doc_id in enumerate(p_docs) for j in in_report.get(doc_id, [])]
        rows, cols = (np.array(x, dtype=np.int64) for x in zip(*pairs)) if pairs else (np.zeros(0, dtype=np.int64),) * 2
        every = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(p_docs), len(q_docs)))
        score = (every + p_words @ q_words.T + 2.0 * ((p_codes @ q_codes.T) > 0)).tocsr()
    else:
        sims = (p_words @ q_words.T).tocsr()
        sims.data[sims.data < threshold - _ROUNDING] = 0.0
        sims.eliminate_zeros()
        score = (sims + 2.0 * ((p_codes @ q_codes.T) > 0)).tocsr()  # a shared theme first, then the most similar
    score.sort_indices()
    found: dict[int, list[int]] = {}
    for i in range(score.shape[0]):
        cols, values = score.indices[score.indptr[i] : score.indptr[i + 1]], score.data[score.indptr[i] : score.indptr[i + 1]]
        if len(cols) > max_answers:  # the best first; a plan repeated word for word counts once
            cols = cols[np.lexsort((cols, -values))]
            _, first = np.unique(same_plan[cols], return_index=True)
            cols = cols[np.sort(first)[:max_answers]]
        if len(cols):
            found[i] = sorted(cols.tolist())
    return found


def align(
    problems: pd.DataFrame,
    plans: pd.DataFrame,
    *,
    codebook: Codebook | str | Path | None = None,
    threshold: float = SIMILARITY_THRESHOLD,
    max_answers: int = MAX_ANSWERS,
    problem_codes: pd.DataFrame | None = None,
    plan_codes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The plan items of the same report that answer each problem item.

    A plan answers a problem when the plan's ``plan_cues`` find a theme the
    problem was coded with, or when their TF-IDF cosine is at least *threshold*.
    Returns the links table (one row per problem × answering plan), at most
    *max_answers* plans per problem: those sharing a theme, then the most
    similar (a report that repeats itself would otherwise link every copy of
    a problem to every copy of a plan); a link repeated word for word (same
    report, numbers and texts) is kept once.  *problem_codes* are the
    problems' codes when already made with *codebook* (``themes.code_items``,
    or the pipeline's ``theme_codes`` for the package's codebook): the
    problems are then not coded again; *plan_codes* likewise the plans' codes
    by their ``plan_cues`` (``code_items(plans, field="plan_cues")``, the
    pipeline's ``plan_codes``).
    """
    book = _codebook(codebook)
    problem_codes = code_items(problems, codebook=book) if problem_codes is None else problem_codes
    plan_codes = code_items(plans, codebook=book, field="plan_cues") if plan_codes is None else plan_codes
    # a report that repeats its outline repeats item numbers: each theme once per key, looked up in a set
    p_themes = (
        problem_codes.groupby(["doc_id", "item_no"])["theme"].agg(lambda s: list(dict.fromkeys(s))).to_dict() if len(problem_codes) else {}
    )
    q_themes = plan_codes.groupby(["doc_id", "item_no"])["theme"].agg(set).to_dict() if len(plan_codes) else {}
    # one IDF over every problem and plan item of the corpus; one vector per item
    p_tokens = _token_lists(list(problems["text"].astype(str)))
    q_tokens = _token_lists(list(plans["text"].astype(str)))
    idf, unseen = tfidf.fit([*p_tokens, *q_tokens])
    p_vec = [tfidf.vector(t, idf, unseen) for t in p_tokens]
    q_vec = [tfidf.vector(t, idf, unseen) for t in q_tokens]
    candidates = _candidates(problems, plans, p_vec, q_vec, p_themes, q_themes, threshold=threshold, max_answers=max_answers)
    towns = problems["town"].tolist() if "town" in problems else [None] * len(problems)
    rows = []
    for i, (doc_id, town, p_no, p_text) in enumerate(
        zip(problems["doc_id"].tolist(), towns, problems["item_no"].tolist(), problems["text"].tolist())
    ):
        mine = p_themes.get((doc_id, int(p_no)), [])
        for j in candidates.get(i, []):
            q_no = int(plans["item_no"].iat[j])
            shared = [t for t in mine if t in q_themes.get((doc_id, q_no), ())]
            sim = tfidf.cosine(p_vec[i], q_vec[j])
            by_theme, by_text = bool(shared), sim >= threshold
            if not (by_theme or by_text):
                continue
            rows.append(
                {
                    "doc_id": doc_id,
                    "town": town,
                    "problem_no": int(p_no),
                    "plan_no": q_no,
                    "problem": p_text,
                    "plan": plans["text"].iat[j],
                    "shared_themes": ";".join(shared),
                    "similarity": round(sim, 3),
                    "via": "both" if by_theme and by_text else ("theme" if by_theme else "similarity"),
                }
            )
    # a report that repeats itself word for word repeats its links: each is kept once
    table = pd.DataFrame(rows, columns=LINK_COLUMNS).drop_duplicates(["doc_id", "problem_no", "plan_no", "problem", "plan"])
    return table.sort_values(["doc_id", "problem_no", "plan_no"]).reset_index(drop=True).astype({"problem_no": "int64", "plan_no": "int64"})


def unanswered(problems: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """The problem items no plan item answers: doc_id, town, item_no, text."""
    answered = set(zip(links["doc_id"].tolist(), links["problem_no"].tolist()))
    keep_rows = [(d, int(n)) not in answered for d, n in zip(problems["doc_id"].tolist(), problems["item_no"].tolist())]
    columns = [c for c in ("doc_id", "town", "item_no", "text") if c in problems.columns]
    return problems.loc[keep_rows, columns].sort_values(["doc_id", "item_no"]).reset_index(drop=True)
