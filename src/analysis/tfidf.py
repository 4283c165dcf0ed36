"""TF-IDF: the one weighting of terms by how much they set a text apart.

Used by ``frequency.tfidf`` (the terms that set a report apart, from a table
of counts), by ``alignment`` (the cosine similarity of problem and plan items,
from token lists: ``vector``) and by ``themes`` (an item's similarity to each
theme's description, from arrays of counts: ``unit_rows``).  All three use
scikit-learn's smoothed IDF and unit-length vectors:

    idf(t) = ln((1 + n) / (1 + df(t))) + 1      n texts, df(t) texts using t
    weight = tf × idf, then scaled so each text's weights have length 1

with tf the raw count (``sublinear=False``, the frequency tables) or
1 + ln(count) (``sublinear=True``, item similarity).  A token no text of the
fitted corpus uses gets the IDF of df = 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = ["cosine", "fit", "idf", "unit_rows", "unit_weights", "vector"]


def idf(n_docs: int, df: np.ndarray | pd.Series | float) -> np.ndarray | pd.Series | float:
    """Smoothed IDF, ln((1 + n_docs) / (1 + df)) + 1, of one document frequency or of many at once."""
    return np.log((1 + n_docs) / (1 + df)) + 1


def fit(docs: Sequence[Sequence[str]]) -> tuple[dict[str, float], float]:
    """The IDF of every token of *docs* (lists of tokens), and the IDF of a token none of them uses."""
    df: dict[str, int] = {}
    for tokens in docs:
        for tok in set(tokens):
            df[tok] = df.get(tok, 0) + 1
    weights = idf(len(docs), np.fromiter(df.values(), dtype="float64", count=len(df)))
    return dict(zip(df, weights.tolist())), float(idf(len(docs), 0.0))


def vector(tokens: Iterable[str], weights: dict[str, float], unseen: float, *, sublinear: bool = True) -> dict[str, float]:
    """The unit-length TF-IDF vector of one text (a list of tokens) as token → weight; {} for no tokens."""
    counts = Counter(tokens)  # counted in C, in order of first appearance as a dict would be
    if not counts:
        return {}
    tf = np.fromiter(counts.values(), dtype="float64", count=len(counts))
    tf = 1 + np.log(tf) if sublinear else tf
    w = tf * np.array([weights.get(tok, unseen) for tok in counts])
    norm = float(np.sqrt((w * w).sum()))
    return dict(zip(counts, (w / norm).tolist())) if norm else {}


def unit_rows(counts: np.ndarray, weights: np.ndarray, rows: np.ndarray, n_rows: int, *, sublinear: bool = True) -> np.ndarray:
    """``vector`` of many texts at once, as arrays: one entry per (text, token) pair.

    *counts* is the token's count in the text, *weights* its IDF, *rows* the
    text (0 … n_rows − 1); the result is each pair's weight in its text's
    unit-length vector.
    """
    tf = 1 + np.log(counts) if sublinear else counts
    w = tf * weights
    norm = np.sqrt(np.bincount(rows, weights=w * w, minlength=n_rows))
    return w / norm[rows]


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine similarity of two unit-length vectors (the dot product)."""
    if len(b) < len(a):
        a, b = b, a
    return sum(w * b.get(tok, 0.0) for tok, w in a.items())


def unit_weights(counts: pd.Series, docs: pd.Series, doc_ids: pd.Series, *, n_docs: int, sublinear: bool = False) -> pd.Series:
    """TF-IDF of a counts table (one row per text and token), scaled to unit length per text.

    *counts* is the token's count in the text, *docs* the number of texts
    using the token, *doc_ids* the text of each row, *n_docs* the number of texts.
    """
    tf = 1 + np.log(counts) if sublinear else counts
    weight = tf * idf(n_docs, docs)
    norm = np.sqrt((weight**2).groupby(doc_ids).transform("sum"))
    return weight / norm
