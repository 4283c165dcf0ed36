"""Small operations on the package's tables that stages and briefings share.

rows_by   a table split once by the values of one column: ``rows_by(table, "doc_id")(doc_id)``
          gives the rows of that report, in the table's order (an empty table for a value it lacks)
records   the rows of a table as named tuples, as ``itertuples(index=False)`` gives them, a column at a time

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


@lru_cache(maxsize=256)
def _row_type(name: str, fields: tuple) -> type:
    """The named tuple of these fields, made once (making one takes longer than reading a short table)."""
    return namedtuple(name, fields, rename=True)
