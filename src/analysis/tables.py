"""Small operations on the package's tables that stages and briefings share.

rows_by   a table split once by the values of one column: ``rows_by(table, "doc_id")(doc_id)``
          gives the rows of that report, in the table's order (an empty table for a value it lacks)

Filtering a whole table once per report or per town (``table[table["doc_id"] == doc_id]``)
costs a pass over the table for each of them; at 1,000 reports and more that was most of
the scorecard's, the flags' and the town briefings' time for these lookups.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import pandas as pd


def rows_by(table: pd.DataFrame, column: str = "doc_id") -> Callable[[Hashable], pd.DataFrame]:
    """``lambda value: table[table[column] == value]``, with *table* split by *column* once.

    The rows keep the table's order and index; a value the column does not
    hold (a missing value included) gives the table's empty slice.
    """
    groups = {value: rows for value, rows in table.groupby(column, sort=False)} if len(table) else {}
    empty = table.iloc[0:0]
    return lambda value: groups.get(value, empty)  # missing values are no key of groupby
