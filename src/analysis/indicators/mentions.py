"""Every stated quantity of the reports as a row: ``extract`` (the contract's columns) and ``printable``.

``extract(reports)`` returns one row per quantity mention with exactly the
columns of the contract (``docs/indicators-contract.md``), in order::

    doc_id, town, year, raw, value, value_max, unit, qualifier, indicator,
    sentence, start, end, section

``raw == text[start:end]`` of the cleaned report text; the sentence and the
section come from ``structure.sentence_at`` (the sentences of ``structure.sentences``).
"""

from __future__ import annotations

import math

import pandas as pd

from ..structure import sentence_at
from .grammar import map_text
from .rules import IndicatorRules, load_rules

COLUMNS = ["doc_id", "town", "year", "raw", "value", "value_max", "unit", "qualifier", "indicator", "sentence", "start", "end", "section"]


def extract(reports: pd.DataFrame, *, rules: IndicatorRules | None = None) -> pd.DataFrame:
    """One row per quantity mention (contract columns, in order), sorted by doc_id and offset.

    *reports* needs doc_id and text (town and year are used when present).
    Text without numbers gives an empty table with the same columns.
    """
    rules = rules or load_rules()
    rows = []
    towns = reports["town"] if "town" in reports else pd.Series([None] * len(reports))
    years = reports["year"] if "year" in reports else pd.Series([None] * len(reports))
    for doc_id, town, year, text in zip(reports["doc_id"].tolist(), towns, years, reports["text"].tolist()):
        if not isinstance(text, str):
            continue
        names = [town] if isinstance(town, str) else []  # the report's own town: 三张镇 is no 三张
        for order, (q, key) in enumerate(map_text(text, rules=rules, names=names)):
            rows.append((doc_id, town, year, q.raw, q.value, q.value_max, q.unit, q.qualifier, key, q.start, q.end, order))
    table = pd.DataFrame(
        rows, columns=["doc_id", "town", "year", "raw", "value", "value_max", "unit", "qualifier", "indicator", "start", "end", "_order"]
    )
    table = table.astype({"value": "float64", "value_max": "float64", "start": "int64", "end": "int64"})
    table["year"] = pd.array(table["year"].tolist(), dtype="Int64") if len(table) else pd.Series(dtype="Int64")
    if table.empty:
        table["sentence"] = pd.Series(dtype="object")
        table["section"] = pd.Series(dtype="object")
        return table[COLUMNS]
    table["sentence"], table["section"] = sentence_at(table["doc_id"].tolist(), table["start"].tolist(), reports)
    table = table.sort_values(["doc_id", "start", "_order"], kind="stable").reset_index(drop=True)
    return table[COLUMNS]


def printable(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows with whole values written as integers (110, not 110.0) for CSV and JSON."""

    def tidy(v: object) -> object:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return None
        return int(v) if float(v).is_integer() else float(v)

    out = rows.copy()
    for column in ("value", "value_max"):
        if column in out:
            out[column] = pd.Series([tidy(v) for v in out[column]], index=out.index, dtype="object")
    return out
