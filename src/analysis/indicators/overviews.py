"""Summaries of the indicator tables for many reports (a briefing shows these at scale).

key_overview             per key and unit: reports stating it, their median and spread
status_counts            how the figures of a ``summary`` table were made
year_over_year_overview  per measure: towns compared, up, down, same, median change
provenance_summary       per key: mentions, reports, towns, one example sentence
"""

from __future__ import annotations

import math

import pandas as pd

from .rules import key_position


def key_overview(table: pd.DataFrame) -> pd.DataFrame:
    """Per key and unit, over the reports of a ``summary`` table: how many state it, and their spread.

    Columns: indicator, unit, reports, towns, median, min, max.  Figures that
    cannot be summed (``?``) form a row of their own with unit ``?`` and no
    spread.  Keys reported most come first; within a key, its most used unit.
    """
    columns = ["indicator", "unit", "reports", "towns", "median", "min", "max"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    decided = table["value"].notna() & (table["unit"] != "")
    unit = table["unit"].where(decided, "?")
    out = (
        table.assign(unit=unit, value=table["value"].where(decided))
        .groupby(["indicator", "unit"])
        .agg(
            reports=("doc_id", "nunique"), towns=("town", "nunique"), median=("value", "median"), min=("value", "min"), max=("value", "max")
        )
        .reset_index()
    )
    totals = out.groupby("indicator")["reports"].transform("sum")
    out = out.assign(_total=totals, _k=key_position(out["indicator"]), _undecided=out["unit"] == "?")
    out = out.sort_values(["_total", "_k", "indicator", "_undecided", "reports", "unit"], ascending=[False, True, True, True, False, True])
    out = out[columns].reset_index(drop=True)
    for column in ("median", "min", "max"):  # 4 and 32.5 as written, nothing for the undecided
        out[column] = pd.Series([_number(v) for v in out[column]], index=out.index, dtype="object")
    return out


def _number(value: float) -> object:
    if value is None or math.isnan(value):
        return ""
    return int(value) if float(value).is_integer() else round(float(value), 3)


def status_counts(table: pd.DataFrame) -> pd.DataFrame:
    """How the figures of a ``summary`` table were made: status (``sum of N`` as ``sum of several``), figures, share."""
    status = table["status"].str.replace(r"^sum of \d+$", "sum of several", regex=True)
    out = status.value_counts().rename_axis("status").rename("figures").reset_index()
    out = out.sort_values(["figures", "status"], ascending=[False, True], kind="stable")
    out["share"] = (out["figures"] / max(len(table), 1)).round(3)
    return out.reset_index(drop=True)


def year_over_year_overview(table: pd.DataFrame) -> pd.DataFrame:
    """Per measure and unit of a ``year_over_year`` table: towns with the measure, how many went up, down or stayed.

    Columns: measure, unit, towns, compared (towns with a change), up, down,
    same, median_change.  Measures compared in most towns come first.
    """
    columns = ["measure", "unit", "towns", "compared", "up", "down", "same", "median_change"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    change = pd.to_numeric(table["change"], errors="coerce")
    out = (
        table.assign(_c=change, _up=change > 0, _down=change < 0, _same=change == 0)
        .groupby(["measure", "unit"])
        .agg(
            towns=("town", "nunique"),
            compared=("_c", "count"),
            up=("_up", "sum"),
            down=("_down", "sum"),
            same=("_same", "sum"),
            median_change=("_c", "median"),
        )
        .reset_index()
    )
    out[["up", "down", "same"]] = out[["up", "down", "same"]].astype("int64")
    out["median_change"] = pd.Series([_number(v) for v in out["median_change"]], index=out.index, dtype="object")
    return out.sort_values(["compared", "towns", "measure", "unit"], ascending=[False, False, True, True])[columns].reset_index(drop=True)


def provenance_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per key of a ``provenance`` table: mentions, reports, towns, and the first mention as an example (raw, sentence)."""
    columns = ["indicator", "mentions", "reports", "towns", "example", "sentence"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    first = table.sort_values(["doc_id", "start", "indicator"], kind="stable").groupby("indicator").head(1).set_index("indicator")
    out = table.groupby("indicator").agg(mentions=("raw", "size"), reports=("doc_id", "nunique"), towns=("town", "nunique")).reset_index()
    out["example"] = out["indicator"].map(first["town"].astype(str) + "：" + first["raw"].astype(str))
    out["sentence"] = out["indicator"].map(first["sentence"])
    return out.sort_values(["mentions", "indicator"], ascending=[False, True])[columns].reset_index(drop=True)
