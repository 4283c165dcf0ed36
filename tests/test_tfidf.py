"""The one TF-IDF (analysis.tfidf) behind frequency.tfidf and the similarity of problem and plan items."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis import frequency, tfidf


def test_smoothed_idf_by_hand():
    # three texts: a token in one of them weighs ln(4/2) + 1, in all three ln(4/4) + 1 = 1
    assert tfidf.idf(3, 1) == pytest.approx(1 + math.log(2))
    assert tfidf.idf(3, 3) == pytest.approx(1.0)
    assert list(tfidf.idf(3, np.array([1.0, 3.0]))) == pytest.approx([1 + math.log(2), 1.0])


def test_fit_and_vector_of_items():
    docs = [["普法", "宣传", "形式", "单一"], ["普法", "宣传", "宣传"], ["执法", "人员", "不足"]]
    weights, unseen = tfidf.fit(docs)
    assert weights["普法"] == pytest.approx(1 + math.log(4 / 3))  # in two of three texts
    assert weights["执法"] == pytest.approx(1 + math.log(2))
    assert unseen == pytest.approx(1 + math.log(4))
    v = tfidf.vector(docs[1], weights, unseen)  # 宣传 twice: 1 + ln 2, sublinear
    assert sum(w * w for w in v.values()) == pytest.approx(1.0)
    assert v["宣传"] / v["普法"] == pytest.approx(1 + math.log(2))
    raw = tfidf.vector(docs[1], weights, unseen, sublinear=False)
    assert raw["宣传"] / raw["普法"] == pytest.approx(2.0)
    assert tfidf.vector([], weights, unseen) == {}
    assert tfidf.cosine(v, v) == pytest.approx(1.0)
    assert tfidf.cosine(v, tfidf.vector(docs[2], weights, unseen)) == 0.0


def test_unit_rows_weigh_each_text_as_vector_does():
    docs = [["普法", "宣传", "宣传"], ["执法", "人员", "不足", "不足", "不足"]]
    weights, unseen = tfidf.fit([*docs, ["普法", "形式"]])
    # the (text, token) pairs of the two texts with their counts, as arrays
    rows = np.array([0, 0, 1, 1, 1])
    tokens = ["普法", "宣传", "执法", "人员", "不足"]
    counts = np.array([1, 2, 1, 1, 3])
    idf = np.array([weights[t] for t in tokens])
    got = tfidf.unit_rows(counts, idf, rows, 2)
    for row, token, w in zip(rows, tokens, got):
        assert w == pytest.approx(tfidf.vector(docs[row], weights, unseen)[token])
    assert np.bincount(rows, weights=got * got) == pytest.approx([1.0, 1.0])
    raw = tfidf.unit_rows(counts, idf, rows, 2, sublinear=False)
    assert raw[1] / raw[0] == pytest.approx(2 * weights["宣传"] / weights["普法"])


def test_the_frequency_table_and_the_item_vectors_weigh_alike():
    terms = pd.DataFrame(
        {
            "doc_id": ["a", "a", "a", "b", "b", "c"],
            "town": ["甲镇", "甲镇", "甲镇", "乙镇", "乙镇", "丙镇"],
            "token": ["普法", "宣传", "宣传", "普法", "调解", "执法"],
            "start": [0, 2, 4, 0, 2, 0],
        }
    )
    table = frequency.tfidf(terms, top=None, keep_places=True)
    weights, unseen = tfidf.fit([["普法", "宣传", "宣传"], ["普法", "调解"], ["执法"]])
    a = tfidf.vector(["普法", "宣传", "宣传"], weights, unseen, sublinear=False)
    got = table[table["doc_id"] == "a"].set_index("token")["tfidf"]
    assert got.to_dict() == pytest.approx({k: round(w, 6) for k, w in a.items()})
