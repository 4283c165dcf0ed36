"""Small operations on the package's tables that stages and briefings share.

rows_by   a table split once by the values of one column: ``rows_by(table, "doc_id")(doc_id)``
          gives the rows of that report, in the table's order (an empty table for a value it lacks)
records   the rows of a table as named tuples, as ``itertuples(index=False)`` gives them, a column at a time
spans_of  for each row of a table with offsets (a word), the span of its report it starts in (a sentence, a paragraph)
sort_rank a code per distinct text value, numbered in the order ``sorted()`` puts the values

Filtering a whole table once per report or per town (``table[table["doc_id"] == doc_id]``)
costs a pass over the table for each of them; at 1,000 reports and more that was most of
the scorecard's, the flags' and the town briefings' time for these lookups.

Reading a table row by row (``itertuples``, ``zip`` over columns, ``set(column)``) makes pandas
iterate each column; a text column is Arrow-backed (pandas 3) and is iterated one ``as_py`` call
a value, about 1 µs each, five times what ``tolist()`` costs.  A build of 1,000 reports read some
seven million values that way.  ``records`` and the modules read columns with ``tolist()``.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Hashable, Iterator
from functools import lru_cache

import numpy as np
import pandas as pd


def rows_by(table: pd.DataFrame, column: str = "doc_id") -> Callable[[Hashable], pd.DataFrame]:
    """``lambda value: table[table[column] == value]``, with *table* split by *column* once.

    The rows keep the table's order and index; a value the column does not
    hold (a missing value included) gives the table's empty slice.
    """
    groups = {value: rows for value, rows in table.groupby(column, sort=False)} if len(table) else {}
    empty = table.iloc[0:0]
    return lambda value: groups.get(value, empty)  # missing values are no key of groupby


def records(table: pd.DataFrame, name: str | None = "Row") -> Iterator[tuple]:
    """The rows of *table* as ``table.itertuples(index=False, name=name)`` gives them, a column read at a time.

    Named tuples (fields named as itertuples names them: a column name that is
    no identifier becomes ``_0``, ``_1`` …), or plain tuples when *name* is
    None.  The values are each column's ``tolist()``: Python scalars, missing
    values as pandas gives them (``NaN``, ``None``, ``pd.NA``, ``NaT``).
    """
    if table.shape[1] == 0:  # no column to zip: as many empty rows as the table has
        return table.itertuples(index=False, name=name)
    columns = zip(*(table.iloc[:, k].tolist() for k in range(table.shape[1])))
    if name is None:
        return columns
    return map(_row_type(name, tuple(table.columns))._make, columns)


def records_by(table: pd.DataFrame | None, column: str = "doc_id") -> dict[Hashable, list]:
    """*table*'s rows as ``records`` gives them (named tuples), listed by their *column*, in table order.

    The rows of one report, read a report at a time (the compliance
    checklist, the scorecard's criteria), without a table cut per report.
    Nothing for no table.
    """
    grouped: dict[Hashable, list] = {}
    if table is None or not len(table):
        return grouped
    for key, row in zip(table[column].tolist(), records(table)):
        grouped.setdefault(key, []).append(row)
    return grouped


@lru_cache(maxsize=256)
def _row_type(name: str, fields: tuple) -> type:
    """The named tuple of these fields, made once (making one takes longer than reading a short table)."""
    return namedtuple(name, fields, rename=True)


def spans_of(rows: pd.DataFrame, spans: pd.DataFrame) -> np.ndarray:
    """For each row of *rows* (doc_id, start), the position in *spans* (doc_id, start, end) of the span it starts in; -1 for none.

    That is the last span of the row's report starting at or before it, when
    the row starts before that span's end (a report's spans do not overlap:
    sentences, paragraphs).  A ``merge_asof`` by report did this; reports and
    offsets numbered and found with ``searchsorted`` take a fraction of its
    time on 800,000 words.
    """
    if not len(spans):
        return np.full(len(rows), -1, dtype=np.int64)
    span_docs, docs = pd.factorize(spans["doc_id"])
    row_docs = docs.get_indexer(rows["doc_id"])  # -1: a report without spans
    span_starts = spans["start"].to_numpy(dtype=np.int64)
    row_starts = rows["start"].to_numpy(dtype=np.int64)
    width = int(max(span_starts.max(initial=0), row_starts.max(initial=0))) + 1
    span_keys = span_docs.astype(np.int64) * width + span_starts
    order = np.argsort(span_keys, kind="stable")
    at = np.searchsorted(span_keys[order], row_docs.astype(np.int64) * width + row_starts, side="right") - 1
    found = order[np.maximum(at, 0)]
    inside = (row_docs >= 0) & (at >= 0) & (span_docs[found] == row_docs)
    inside &= row_starts < spans["end"].to_numpy(dtype=np.int64)[found]
    return np.where(inside, found, -1)


def sort_rank(column: pd.Series) -> tuple[np.ndarray, list]:
    """(code of each value, the distinct values in sorted order): ``values[codes[i]] == column[i]``.

    The codes number the distinct values as Python's ``sorted()`` orders them
    (by code point), so sorting by code sorts by text.  The column has no
    missing value (a report's id, a word).
    """
    codes, distinct = pd.factorize(column)
    names = distinct.tolist()
    rank = np.empty(len(names), dtype=np.int64)
    rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
    return rank[codes], sorted(names)
