"""A table split once by a column gives what filtering it would give; its rows read a column at a time are itertuples' rows."""

from __future__ import annotations

import math

import pandas as pd

from analysis.indicators import extract
from analysis.tables import records, records_by, rows_by, sort_rank, spans_of


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


def test_records_by_lists_each_values_rows_as_named_tuples_in_the_tables_order():
    table = pd.DataFrame({"doc_id": ["b", "a", "b", "c", "b"], "text": ["一", "二", "三", "五", "六"]}, index=[10, 11, 12, 14, 15])
    by = records_by(table)
    assert list(by) == ["b", "a", "c"]  # first seen first
    assert [r.text for r in by["b"]] == ["一", "三", "六"] and by["a"][0] == ("a", "二") and by["a"][0].doc_id == "a"
    assert [r.doc_id for r in records_by(table, "text")["五"]] == ["c"]
    assert records_by(table.iloc[0:0]) == {} and records_by(None) == {}


def _same(a: object, b: object) -> bool:
    if isinstance(a, tuple):
        return all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(pd.isna(a) and pd.isna(b)) if pd.isna(a) or pd.isna(b) else a == b


def test_records_are_the_rows_itertuples_gives(reports):
    rows = extract(reports)  # text, float, Int64 with missing years, int columns
    rows.loc[rows.index[:3], "year"] = pd.NA
    rows.loc[rows.index[:2], "unit"] = None
    got, want = list(records(rows)), list(rows.itertuples(index=False))
    assert len(got) == len(want) == len(rows) > 50
    assert got[0]._fields == want[0]._fields == tuple(rows.columns)
    assert all(_same(tuple(g), tuple(w)) for g, w in zip(got, want, strict=True))
    assert got[0].year is pd.NA and isinstance(got[-1].year, int) and isinstance(got[-1].value, float)
    assert list(records(rows[["doc_id", "raw"]], name=None))[5] == (rows["doc_id"].iloc[5], rows["raw"].iloc[5])


def test_records_name_fields_as_itertuples_does():
    table = pd.DataFrame({"乡镇": ["神树镇"], "class": [1], 3: [2.5], "两个 词": ["x"]})
    assert list(records(table))[0]._fields == next(table.itertuples(index=False))._fields == ("乡镇", "_1", "_2", "_3")
    assert len(list(records(pd.DataFrame(index=[0, 1])))) == 2  # no column: still one row per row


def test_a_word_is_placed_in_the_span_of_its_report_it_starts_in():
    """The last span of the word's report starting at or before it, if the word starts before its end; -1 otherwise
    (before the first span, in a gap, in a report without spans).  The spans need not be sorted."""

    spans = pd.DataFrame({"doc_id": ["b", "a", "a", "a"], "start": [0, 10, 0, 4], "end": [5, 15, 4, 8]})
    words = pd.DataFrame(
        {
            "doc_id": ["a", "a", "a", "a", "a", "a", "b", "b", "c"],
            "start": [0, 3, 4, 8, 9, 14, 4, 5, 0],
        }
    )
    # a@0 → span 2 (0–4), a@3 → 2, a@4 → 3 (4–8), a@8 and a@9 → the gap 8–10, a@14 → 1 (10–15), b@4 → 0, b@5 → past its end, c → none
    assert spans_of(words, spans).tolist() == [2, 2, 3, -1, -1, 1, 0, -1, -1]
    assert spans_of(words, spans.iloc[0:0]).tolist() == [-1] * len(words)  # no span at all
    assert spans_of(words.iloc[0:0], spans).tolist() == []


def test_sort_rank_numbers_text_in_sorted_order():

    codes, names = sort_rank(pd.Series(["乙", "Z", "甲", "乙", "a"]))
    assert names == ["Z", "a", "乙", "甲"]  # by code point, as sorted() puts them
    assert [names[c] for c in codes.tolist()] == ["乙", "Z", "甲", "乙", "a"]
