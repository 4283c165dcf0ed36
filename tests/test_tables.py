"""A table split once by a column gives what filtering it would give."""

from __future__ import annotations

import math

import pandas as pd

from analysis.tables import rows_by


def test_rows_by_gives_each_values_rows_in_the_tables_order():
    table = pd.DataFrame(
        {"doc_id": ["b", "a", "b", None, "c", "b"], "text": ["一", "二", "三", "四", "五", "六"]},
        index=[10, 11, 12, 13, 14, 15],
    )
    of = rows_by(table)
    assert of("b")["text"].tolist() == ["一", "三", "六"]
    assert of("b").index.tolist() == [10, 12, 15]
    for value in ("a", "b", "c"):
        pd.testing.assert_frame_equal(of(value), table[table["doc_id"] == value])
    assert of("z").empty and list(of("z").columns) == ["doc_id", "text"]
    assert of(None).empty and of(math.nan).empty  # a missing value is nobody's
    assert rows_by(table, "text")("四")["doc_id"].isna().all()


def test_rows_by_of_an_empty_table_is_empty():
    empty = pd.DataFrame({"town": pd.Series([], dtype=object), "token": pd.Series([], dtype=object)})
    assert rows_by(empty, "town")("神树镇").empty
