"""Correspondence analysis: which towns (or years) lean towards which terms or problem themes.

A contingency table (rows: towns, years or reports; columns: terms or
themes) is reduced to two dimensions with prince's ``CA`` (SVD of the
standardised residuals).  Rows and columns that sit close together in the
biplot go together more often than chance.  The test suite checks the
method against a textbook result (Greenacre's smoking data: principal
inertias 0.0748 and 0.0100, 87.8 % and 11.8 % of the total 0.0852).

Tables:

contingency  — rows × columns of counts (index named after the rows, e.g. ``town``)
Biplot.rows / .columns — label, dim1, dim2, mass, quality (share of its inertia the two dimensions show)
Biplot.inertia — dimension, eigenvalue, share
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import config
from .errors import OptionError

POINT_COLUMNS = ["label", "dim1", "dim2", "mass", "quality"]
INERTIA_COLUMNS = ["dimension", "eigenvalue", "share"]
TOP_TERMS = 40
ROWS = ("town", "year", "doc_id", "county", "level", "role")


@dataclass(frozen=True)
class Biplot:
    """Coordinates of the rows and columns on the first two dimensions, and the inertia each dimension shows."""

    rows: pd.DataFrame
    columns: pd.DataFrame
    inertia: pd.DataFrame
    row_name: str
    column_name: str

    @property
    def total_inertia(self) -> float:
        return float(self.inertia["eigenvalue"].sum()) if "total" not in self.inertia.attrs else float(self.inertia.attrs["total"])


def term_table(
    reports: pd.DataFrame,
    *,
    rows: str = "town",
    top: int = TOP_TERMS,
    terms: pd.DataFrame | None = None,
    role: str | Sequence[str] | None = None,
    extra_stopwords: Sequence[str] = (),
    keep_places: bool = False,
) -> pd.DataFrame:
    """Counts of the *top* most frequent terms (columns) per town, year, report… (rows).

    The towns' own names are left out unless *keep_places* (they would only
    say that 神树镇 writes 神树镇).  *terms* is a ``frequency.terms`` table
    (computed when not given).
    """
    from .frequency import own_places, place_tokens
    from .frequency import terms as count_terms

    if rows not in ROWS:
        raise OptionError(f"rows must be one of {', '.join(ROWS)}, not {rows!r}")
    table = terms if terms is not None else count_terms(reports, role=role, extra_stopwords=extra_stopwords)
    if not keep_places and len(table):
        places = place_tokens(own_places(table, by="doc_id", reports=reports)["place"])
        table = table[~table["token"].isin(places)]
    if table.empty:
        return pd.DataFrame()
    table = table[table[rows].notna()]
    best = table["token"].value_counts()
    best = best.sort_index(kind="stable").sort_values(ascending=False, kind="stable").head(top).index
    labels = table[rows].astype(str)
    # Only the top terms are counted (a crosstab of every term took 2–4 s at 1,000 reports); every row stays, even one
    # without any of them.
    chosen = table["token"].isin(best)
    counts = labels[chosen].to_frame(rows).assign(term=table.loc[chosen, "token"]).value_counts().unstack(fill_value=0)
    counts = counts.reindex(index=sorted(labels.unique()), columns=list(best), fill_value=0)
    counts.index.name, counts.columns.name = rows, "term"
    return counts


def theme_table(
    reports: pd.DataFrame, *, rows: str = "town", codes: pd.DataFrame | None = None, items: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Problem items per town (or year…) and theme, with the themes' Chinese labels as columns."""
    from . import themes
    from .structure import problem_items

    items = items if items is not None else problem_items(reports)
    codes = codes if codes is not None else themes.code_items(items)
    table = themes.theme_table(codes, items, by=rows, reports=reports)
    labels = {e.id: short_label(e.label) for e in themes.load_themes().entries}
    table = table.rename(columns=labels)
    table.columns.name = "theme"
    return table


def short_label(label: str, *, width: int = 10) -> str:
    """The first phrase of a theme's label (``普法宣传形式单一、针对性…`` → ``普法宣传形式单一``), for a readable biplot."""
    head = re.split(r"[、，,；;（(]", label, maxsplit=1)[0]
    return head[:width] or label[:width]


def fit(table: pd.DataFrame, *, seed: int = config.RANDOM_SEED) -> Biplot:
    """Correspondence analysis of a contingency table (rows and columns that are all zero are dropped)."""
    import prince

    counts = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0].astype("float64")
    if counts.shape[0] < 3 or counts.shape[1] < 3:
        raise OptionError(
            f"correspondence analysis needs at least 3 rows and 3 columns with counts, not {counts.shape[0]} × {counts.shape[1]}"
        )
    counts.index = counts.index.astype(str)
    counts.columns = counts.columns.astype(str)
    model = prince.CA(n_components=2, random_state=seed).fit(counts)
    total = float(model.total_inertia_)
    eigen = np.asarray(model.eigenvalues_, dtype="float64")
    inertia = pd.DataFrame({"dimension": [1, 2][: len(eigen)], "eigenvalue": eigen.round(6), "share": (eigen / total).round(4)})
    inertia.attrs["total"] = total
    grand = counts.to_numpy().sum()

    def points(coords: pd.DataFrame, masses: np.ndarray, profile_inertia: np.ndarray) -> pd.DataFrame:
        xy = coords.to_numpy()
        if xy.shape[1] < 2:
            xy = np.column_stack([xy, np.zeros(len(xy))])
        shown = (masses * (xy**2).sum(axis=1)) / np.where(profile_inertia > 0, profile_inertia, np.nan)
        return pd.DataFrame(
            {
                "label": coords.index,
                "dim1": xy[:, 0].round(5),
                "dim2": xy[:, 1].round(5),
                "mass": masses.round(5),
                "quality": np.round(shown, 4),
            }
        )

    observed = counts.to_numpy() / grand
    row_mass, col_mass = observed.sum(axis=1), observed.sum(axis=0)
    residual = (observed - np.outer(row_mass, col_mass)) ** 2 / np.outer(row_mass, col_mass)
    rows = points(model.row_coordinates(counts), row_mass, residual.sum(axis=1))
    columns = points(model.column_coordinates(counts), col_mass, residual.sum(axis=0))
    return Biplot(rows, columns, inertia, str(table.index.name or "row"), str(table.columns.name or "column"))
