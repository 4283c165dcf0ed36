"""Topics: what the reports talk about, found by a topic model over paragraphs.

Every paragraph (headings and title lines left out) is a document of the
package's tokens (``frequency.terms``).  scikit-learn's NMF (on TF-IDF) or
LDA (on counts) finds *n_topics* topics; each topic is shown by its top
terms, and each report by the share of its paragraphs' weight that goes to
each topic.  The seed is fixed, so the same reports give the same topics.

Tables:

Topics.terms      — topic, rank, term, weight
Topics.topics     — topic, label, top_terms, share   (share of all paragraph weight)
Topics.paragraphs — doc_id, para_no, topic, weight
Topics.shares     — doc_id, town, county, year, topic, label, share   (per report; shares sum to 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import config, display
from .errors import OptionError
from .tables import sort_rank, spans_of

METHODS = ("nmf", "lda")
TERM_COLUMNS = ["topic", "rank", "term", "weight"]
TOPIC_COLUMNS = ["topic", "label", "top_terms", "share"]
PARAGRAPH_COLUMNS = ["doc_id", "para_no", "topic", "weight"]
SHARE_COLUMNS = ["doc_id", "town", "county", "year", "topic", "label", "share"]
N_TOPICS = 8
TOP_TERMS = 10
MIN_DF = 2  # a term must occur in at least this many paragraphs
MAX_DF = 0.5  # … and in at most this share of them
MIN_TOKENS = 5  # paragraphs with fewer tokens are left out


@dataclass(frozen=True)
class Topics:
    """A fitted topic model's tables (see the module docstring)."""

    terms: pd.DataFrame
    topics: pd.DataFrame
    paragraphs: pd.DataFrame
    shares: pd.DataFrame
    method: str
    seed: int

    def share_table(self) -> pd.DataFrame:
        """Reports (rows) × topic labels (columns): each report's topic shares."""
        if self.shares.empty:
            return pd.DataFrame()
        table = self.shares.pivot_table(index=["doc_id", "town"], columns="label", values="share", fill_value=0.0)
        order = [label for label in self.topics["label"] if label in table.columns]
        table = table[order]
        table.columns.name = None
        return table.reset_index()


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of a topics, network or correspondence table for the reader (``labels.yml`` tables: talk)."""
    return display.readable(table, kind="talk")


def documents(
    reports: pd.DataFrame, *, terms: pd.DataFrame | None = None, min_tokens: int = MIN_TOKENS, keep_places: bool = False
) -> pd.DataFrame:
    """One row per paragraph with its tokens: doc_id, para_no, tokens (headings and title left out).

    The reports' own town and county names are left out unless *keep_places*
    (a topic of one town's name says nothing about what it talks about).
    """
    from .frequency import own_places, place_tokens
    from .frequency import terms as count_terms
    from .structure import paragraphs

    table = terms if terms is not None else count_terms(reports)
    if not keep_places and len(table):
        places = place_tokens(own_places(table, by="doc_id", reports=reports)["place"])
        table = table[~table["token"].isin(places)]
    paras = paragraphs(reports)
    paras = paras[~paras["is_heading"] & (paras["role"] != "title")][["doc_id", "para_no", "start", "end"]]
    if table.empty or paras.empty:
        return pd.DataFrame(columns=["doc_id", "para_no", "tokens"])
    paras = paras.reset_index(drop=True)
    para = spans_of(table, paras)
    placed = para >= 0
    para = para[placed]
    # in the order groupby would give: by report (as text), paragraph, offset
    doc_codes, _ = sort_rank(paras["doc_id"])
    numbers = paras["para_no"].to_numpy(dtype=np.int64)
    order = np.lexsort((table["start"].to_numpy(dtype=np.int64)[placed], numbers[para], doc_codes[para]))
    para = para[order]
    tokens = np.asarray(table["token"].tolist(), dtype=object)[placed][order].tolist()
    cuts = np.flatnonzero(np.r_[True, para[1:] != para[:-1]]) if len(para) else np.zeros(0, dtype=np.int64)
    bounds = [*cuts.tolist(), len(tokens)]
    firsts = para[cuts]
    docs = pd.DataFrame(
        {
            "doc_id": pd.Series(paras["doc_id"].take(firsts).tolist(), dtype=table["doc_id"].dtype),
            "para_no": numbers[firsts],
            "tokens": pd.Series([tokens[a:b] for a, b in zip(bounds[:-1], bounds[1:])], dtype=object),
        }
    )
    return docs[docs["tokens"].map(len) >= min_tokens].reset_index(drop=True)


def fit(
    reports: pd.DataFrame,
    *,
    n_topics: int = N_TOPICS,
    method: str = "nmf",
    top_terms: int = TOP_TERMS,
    min_df: int = MIN_DF,
    max_df: float = MAX_DF,
    seed: int = config.RANDOM_SEED,
    terms: pd.DataFrame | None = None,
    extra_stopwords: Sequence[str] = (),
) -> Topics:
    """Fit a topic model over the paragraphs of *reports* (see the module docstring)."""
    from sklearn.decomposition import NMF, LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

    if method not in METHODS:
        raise OptionError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if n_topics < 2:
        raise OptionError(f"n_topics must be at least 2, not {n_topics}")
    docs = documents(reports, terms=terms)
    stop = set(extra_stopwords)
    token_lists = [[t for t in tokens if t not in stop] for tokens in docs["tokens"].tolist()]
    if len(token_lists) < n_topics:
        raise OptionError(f"{len(token_lists)} paragraphs are too few for {n_topics} topics")
    vectorizer = CountVectorizer(analyzer=lambda tokens: tokens, min_df=min(min_df, len(token_lists)), max_df=max_df)
    try:
        counts = vectorizer.fit_transform(token_lists)
    except ValueError as exc:
        raise OptionError(f"no term is left for the topic model with min_df={min_df}, max_df={max_df}: {exc}") from exc
    vocab = vectorizer.get_feature_names_out()
    if method == "nmf":
        model = NMF(n_components=n_topics, init="nndsvda", random_state=seed, max_iter=500)
        weights = model.fit_transform(TfidfTransformer(sublinear_tf=True).fit_transform(counts))
    else:
        model = LatentDirichletAllocation(n_components=n_topics, random_state=seed, learning_method="batch", max_iter=50)
        weights = model.fit_transform(counts)
    components = model.components_
    term_rows, topic_rows = [], []
    total = weights.sum() or 1.0
    for k in range(n_topics):
        order = np.argsort(-components[k], kind="stable")[:top_terms]
        words = [str(vocab[i]) for i in order]
        norm = components[k].sum() or 1.0
        for rank, i in enumerate(order, start=1):
            term_rows.append({"topic": k + 1, "rank": rank, "term": str(vocab[i]), "weight": round(float(components[k, i] / norm), 5)})
        topic_rows.append(
            {
                "topic": k + 1,
                "label": f"主题{k + 1}：" + "·".join(words[:3]),
                "top_terms": "、".join(words),
                "share": round(float(weights[:, k].sum() / total), 4),
            }
        )
    topics = pd.DataFrame(topic_rows, columns=TOPIC_COLUMNS)
    paragraphs = docs[["doc_id", "para_no"]].copy()
    row_sums = weights.sum(axis=1)
    paragraphs["topic"] = np.where(row_sums > 0, weights.argmax(axis=1) + 1, 0)
    paragraphs["weight"] = np.round(np.where(row_sums > 0, weights.max(axis=1) / np.where(row_sums > 0, row_sums, 1), 0.0), 4)
    per_doc = pd.DataFrame(weights, columns=range(1, n_topics + 1))
    per_doc["doc_id"] = docs["doc_id"].to_numpy()
    per_doc = per_doc.groupby("doc_id").sum()
    per_doc = per_doc.div(per_doc.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0)
    shares = per_doc.stack().rename("share").reset_index().rename(columns={"level_1": "topic"})
    shares["share"] = shares["share"].round(4)
    meta = reports.set_index("doc_id")
    for column in ("town", "county", "year"):
        shares[column] = shares["doc_id"].map(meta[column]) if column in meta else None
    shares["label"] = shares["topic"].map(dict(zip(topics["topic"].tolist(), topics["label"].tolist())))
    shares = shares[SHARE_COLUMNS].sort_values(["doc_id", "topic"]).reset_index(drop=True)
    return Topics(pd.DataFrame(term_rows, columns=TERM_COLUMNS), topics, paragraphs[PARAGRAPH_COLUMNS], shares, method, seed)
