"""The tables built from the rows of ``extract``: one figure per report and key, and the views of them.

summary          doc_id, town, year, indicator, value, value_max, unit, qualifier,
                 mentions, nested, status, display — one figure per report and key
pivot            town (× year) by key, cells like ``50+次``; ``?`` marks what cannot be summed
specificity      quantified statements per 1,000 characters, share of sentences with a number
year_over_year   a town's figures for each year side by side, with the change
provenance       each number with its sentence and section
shared_keys      the summary figures of the keys several towns report in one unit (for the figures)
export           the tables as CSV and one workbook, the figures as PNG (``analysis.export``)
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..corpus import town_labels
from ..export import export as write_tables
from ..structure import sentences
from ..tables import records
from .grammar import NESTED_RE
from .rules import key_position, sorted_keys

SUMMARY_COLUMNS = [
    "doc_id",
    "town",
    "year",
    "indicator",
    "value",
    "value_max",
    "unit",
    "qualifier",
    "mentions",
    "nested",
    "status",
    "display",
]
SPECIFICITY_COLUMNS = [
    "doc_id",
    "town",
    "year",
    "n_chars",
    "n_sentences",
    "n_quantities",
    "per_1000_chars",
    "sentences_with_number",
    "share_sentences_with_number",
]
PROVENANCE_COLUMNS = ["town", "year", "indicator", "raw", "value", "unit", "qualifier", "sentence", "section", "doc_id", "start", "end"]
QUALIFIER_MARK = {"exact": "{}", "more_than": "{}+", "at_least": "≥{}", "approx": "≈{}"}


def nested(rows: pd.DataFrame, reports: pd.DataFrame) -> pd.Series:
    """For each row, True when it is a part of an earlier mention of the same key and unit.

    A part stands in a parenthesis right after the whole (网格员308人（专职网格员291人，
    兼职17人）) or after 其中 in the same sentence (中心组12次，其中专题研学3次).
    """
    texts = dict(zip(reports["doc_id"].tolist(), reports["text"].tolist()))
    flags = pd.Series(False, index=rows.index)
    found = []
    for position, mentions in _groups(rows, ("doc_id", "indicator", "unit")).items():
        text = texts.get(position[0], "")
        found.extend(_nested_in(sorted(mentions, key=lambda m: m[1]), text))
    if found:
        flags.iloc[sorted(found)] = True
    return flags


def _groups(rows: pd.DataFrame, by: Sequence[str]) -> dict[tuple, list[tuple[int, int, int]]]:
    """The keyed rows (indicator not empty) grouped by the *by* columns: (row position, start, end) in row order.

    Rows with a missing value in a *by* column are left out, as pandas' groupby does.
    """
    groups: dict[tuple, list[tuple[int, int, int]]] = {}
    columns = [rows[c].tolist() for c in by]
    keys = rows["indicator"].tolist()
    for i, (start, end, *values) in enumerate(zip(rows["start"].tolist(), rows["end"].tolist(), *columns)):
        if not isinstance(keys[i], str) or not keys[i] or any(v is None or v is pd.NA or v != v for v in values):
            continue
        groups.setdefault(tuple(values), []).append((i, start, end))
    return groups


MAX_MENTION_CHARS = 64  # no quantity mention is longer: the bisection looks this far back for mentions ending past a mark
_OPEN_RE = re.compile(r"[（(]")
_CLOSE_RE = re.compile(r"[）)]")


@lru_cache(maxsize=4)
def _parens(text: str) -> tuple[list[int], list[int]]:
    """Offsets of the opening and of the closing parentheses of *text*."""
    return [m.start() for m in _OPEN_RE.finditer(text)], [m.start() for m in _CLOSE_RE.finditer(text)]


def _nested_in(mentions: list[tuple[int, int, int]], text: str) -> list[int]:
    """Positions of the mentions (position, start, end; sorted by start) that are parts of an earlier one.

    A mention is a part of the first earlier one in its sentence that a
    parenthesis or 其中 follows (``NESTED_RE``), unless a parenthesis opens and
    closes between them.  Only the earlier mentions of the same sentence that
    such a marker follows are looked at, found by bisection: the cost grows
    with the mentions, not with every pair of them.
    """
    ends, _ = _marks(text)
    opens, closes = _parens(text)
    starts = [m[1] for m in mentions]
    marked = [NESTED_RE.match(text[a_end : a_end + 256]) is not None for _, _, a_end in mentions]  # a part marker right after it
    marked_at = [j for j, flag in enumerate(marked) if flag]
    parts = []
    for i, (position, b_start, _) in enumerate(mentions):
        sentence = bisect_left(ends, b_start)
        last_end = ends[sentence - 1] if sentence else -1
        last_open = opens[bisect_left(opens, b_start) - 1] if bisect_left(opens, b_start) else -1
        last_close = closes[bisect_left(closes, b_start) - 1] if bisect_left(closes, b_start) else -1
        # a qualifies when it ends past the sentence's start and past the last opening or the last closing parenthesis before b
        after = max(last_end, min(last_open, last_close))
        first = bisect_left(starts, after + 1 - MAX_MENTION_CHARS, 0, i)
        for j in marked_at[bisect_left(marked_at, first) : bisect_left(marked_at, i)]:
            a_end = mentions[j][2]
            if a_end <= after or a_end > b_start:
                continue
            if NESTED_RE.match(text[a_end : min(b_start, a_end + 256)]):
                parts.append(position)
                break
    return parts


def _fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def display(value: float, value_max: float | None, unit: str, qualifier: str) -> str:
    """``50+次``, ``≥1000人次``, ``≈300人``, ``1–2个``, ``100%``."""
    number = _fmt(value)
    if value_max is not None and not (isinstance(value_max, float) and math.isnan(value_max)):
        number = f"{number}–{_fmt(value_max)}"
    return QUALIFIER_MARK.get(qualifier, "{}").format(number) + (unit or "")


def _combined_qualifier(qualifiers: Iterable[str]) -> str:
    found = set(qualifiers)
    if found <= {"exact"}:
        return "exact"
    if "approx" in found:
        return "approx"
    return "more_than" if "more_than" in found else "at_least"


def _conflict(top: pd.DataFrame, text: str) -> str | None:
    """Why several mentions of one key in one report may not be added, or None.

    - the same figure after the same words in two sentences is a restatement
      (党委专题研究部署法治建设工作6次 … 党委专题研究部署法治建设工作6次);
    - two figures in one sentence split by a comma may count the same cases
      at two stages (排查矛盾10件，已化解10件).  Figures in a 、 list are added.
    """
    mentions = top.sort_values("start")
    return _conflict_in(
        list(zip(mentions["start"].tolist(), mentions["end"].tolist(), mentions["value"].tolist(), mentions["unit"].tolist())), text
    )


_SENTENCE_END_RE = re.compile(r"[。；;！？!?\n]")
_COMMA_RE = re.compile(r"[，,]")


@lru_cache(maxsize=4)
def _marks(text: str) -> tuple[list[int], list[int]]:
    """Offsets of the sentence ends and of the commas of *text* (one pass, shared by every key of a report)."""
    return [m.start() for m in _SENTENCE_END_RE.finditer(text)], [m.start() for m in _COMMA_RE.finditer(text)]


def _conflict_in(mentions: list[tuple[int, int, float, str]], text: str) -> str | None:
    """``_conflict`` of mentions given as (start, end, value, unit), sorted by start.

    Looks at each mention with the earlier ones it may conflict with, found
    by bisection over the sentence ends and commas (and a dictionary of
    figures for restatements): the cost grows as n log n with the number of
    mentions, never with the number of pairs.
    """
    ends, commas = _marks(text)
    starts = [m[0] for m in mentions]
    seen: dict[tuple, list[int]] = {}  # (value, unit, six characters before) → earlier mentions, in order

    def sentence(pos: int) -> int:
        return bisect_left(ends, pos)

    for i, (b_start, _, b_value, b_unit) in enumerate(mentions):
        found: list[tuple[int, str]] = []
        key = (b_value, b_unit, text[max(0, b_start - 6) : b_start])
        for j in seen.get(key, ())[:2]:  # the earliest one or two: a restatement sits in an earlier sentence
            a_end = mentions[j][1]
            if a_end <= b_start and sentence(a_end) != sentence(b_start):
                found.append((j, "same figure stated twice (a restatement?)"))
                break
        last_end = ends[sentence(b_start) - 1] if sentence(b_start) else -1  # the sentence end before b
        j = bisect_left(starts, last_end + 1, 0, i)  # the first earlier mention in b's sentence
        if j < i:
            a_end = mentions[j][1]
            if a_end <= b_start and sentence(a_end) == sentence(b_start) and bisect_left(commas, a_end) < bisect_left(commas, b_start):
                found.append((j, "several figures in one sentence (stages of the same cases?)"))
        if found:
            return min(found)[1]
        seen.setdefault(key, []).append(i)
    return None


def summary(rows: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """One figure per report and key, summing only what may be summed.

    Mentions of one key in one report are summed when they share a unit, are
    not parts of another mention (see ``nested``), are not rates, and are
    neither a restatement nor stages of the same cases (see ``_conflict``);
    otherwise the status says why the figure is left undecided and
    ``display`` lists the mentions after a leading ``?``.
    """
    keyed = rows[rows["indicator"].fillna("") != ""]
    if keyed.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    parts = nested(keyed, reports).to_numpy()
    texts = dict(zip(reports["doc_id"].tolist(), reports["text"].tolist()))
    town, year = keyed["town"].tolist(), keyed["year"].tolist()
    value, value_max = keyed["value"].to_numpy(dtype="float64"), keyed["value_max"].to_numpy(dtype="float64")
    unit, qualifier = keyed["unit"].tolist(), keyed["qualifier"].tolist()
    out = []
    groups = _groups(keyed, ("doc_id", "indicator"))
    for doc_id, key in sorted(groups):
        group = sorted(groups[(doc_id, key)], key=lambda m: m[1])  # in text order, whatever the order of the rows
        top = [i for i, _, _ in group if not parts[i]]
        first = group[0][0]
        record = {"doc_id": doc_id, "town": town[first], "year": year[first], "indicator": key, "mentions": len(group)}
        record["nested"] = len(group) - len(top)
        units = sorted({unit[i] for i in top})
        listing = "; ".join(display(value[i], value_max[i], unit[i], qualifier[i]) for i in top)
        figure = figure_max = None
        shared_unit = units[0] if len(units) == 1 else ""
        combined = ""
        if len(top) == 1:
            i = top[0]
            figure, figure_max, combined = value[i], value_max[i], qualifier[i]
            status = "single" if not record["nested"] else "single (parts not added)"
        elif len(units) > 1:
            status = "undecidable: units differ"
        elif shared_unit == "%":
            rates = {value[i] for i in top if not math.isnan(value[i])}
            if len(rates) == 1 and len({qualifier[i] for i in top if isinstance(qualifier[i], str)}) == 1:
                figure, combined, status = value[top[0]], qualifier[top[0]], "same rate repeated"
            else:
                status = "undecidable: rates are not added"
        elif conflict := _conflict_in(
            sorted(((start, end, value[i], unit[i]) for i, start, end in group if not parts[i]), key=lambda m: m[0]),
            texts.get(doc_id, ""),
        ):
            status = f"undecidable: {conflict}"
        else:
            figure = float(np.nansum(value[top]))
            if not np.isnan(value_max[top]).all():
                figure_max = float(np.nansum(np.where(np.isnan(value_max[top]), value[top], value_max[top])))
            combined = _combined_qualifier(qualifier[i] for i in top)
            status = f"sum of {len(top)}"
        record.update(value=figure, value_max=figure_max, unit=shared_unit, qualifier=combined, status=status)
        record["display"] = display(figure, figure_max, shared_unit, combined) if figure is not None else f"? ({listing})"
        out.append(record)
    table = pd.DataFrame(out, columns=SUMMARY_COLUMNS)
    table["value"] = table["value"].astype("float64")
    table["value_max"] = table["value_max"].astype("float64")
    return _in_order(table)


def _in_order(table: pd.DataFrame) -> pd.DataFrame:
    """*table* (summary lines) in ``summary``'s order: by report, then by the keys' order in indicators.yml."""
    table = table.assign(_k=key_position(table["indicator"]))
    return table.sort_values(["doc_id", "_k", "indicator"]).drop(columns="_k").reset_index(drop=True)


def summary_from(figures: pd.DataFrame) -> pd.DataFrame:
    """``summary`` of a corpus from the pipeline's ``figures`` stage (its lines made report by report): the same table.

    A summary line depends on its report's rows and text only (``_summary_of``),
    so the lines the stage made and cached for each report are those of the
    whole corpus; put in ``summary``'s order here.
    """
    if figures.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)  # as ``summary`` gives it of no figure
    return _in_order(figures[SUMMARY_COLUMNS])


def _summary_of(rows: pd.DataFrame, reports: pd.DataFrame, summary_table: pd.DataFrame | None) -> pd.DataFrame:
    """``summary(rows, reports)``; or, when the caller has made the summary of these rows or of more
    (*summary_table*, e.g. of every row of the corpus), its lines for the reports of *rows*.

    A summary line depends on its report's rows and text only, so the lines
    of a part of the rows are those of the whole (``pivot``, ``shared_keys``
    and ``year_over_year`` of one corpus need not sum its figures each again).
    """
    if summary_table is None:
        return summary(rows, reports)
    return summary_table[summary_table["doc_id"].isin(rows["doc_id"])].reset_index(drop=True)


def pivot(
    rows: pd.DataFrame,
    reports: pd.DataFrame,
    *,
    keys: Sequence[str] | None = None,
    towns: Sequence[str] | None = None,
    summary_table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Town × key table of figures (``50+次``; ``?`` where mentions cannot be summed).

    The index is the town, or (town, year) when a town is reported for
    several years.  Keys follow the order of indicators.yml; *keys* and
    *towns* restrict the table.  *summary_table* is ``summary(rows, reports)``
    when already made (it is then not made again).
    """
    table = _summary_of(rows, reports, summary_table)
    reports = reports.assign(town=town_labels(reports))  # a report that never names its town is shown by its doc_id
    shown = reports if towns is None else reports[reports["town"].isin(list(towns))]
    table = table[table["doc_id"].isin(shown["doc_id"])]
    if keys is not None:
        table = table[table["indicator"].isin(list(keys))]
    columns = list(keys) if keys is not None else sorted_keys(table["indicator"])
    several_years = bool((shown.groupby("town")["year"].nunique() > 1).any()) if len(shown) else False
    if several_years:
        index = pd.MultiIndex.from_frame(shown[["town", "year"]].drop_duplicates().sort_values(["town", "year"]))
    else:
        index = pd.Index(sorted(shown["town"].unique()), name="town")
    if table.empty:
        return pd.DataFrame("", columns=columns, index=index)
    wide = table.pivot_table(index=list(index.names), columns="indicator", values="display", aggfunc="first")
    wide = wide.reindex(index=index, columns=columns).fillna("")
    wide.columns.name = None
    return wide


def specificity(rows: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """Per report: quantity mentions per 1,000 characters and the share of sentences with a number.

    A mention is counted once even when it carries several keys; sentences
    are those of ``structure.sentences`` outside the title.
    """
    sents = sentences(reports)
    sents = sents[sents["role"] != "title"]
    mentions = rows.drop_duplicates(["doc_id", "start"])
    spans: dict[str, list[tuple[int, int]]] = {}
    for doc_id, start, end in zip(sents["doc_id"].tolist(), sents["start"].tolist(), sents["end"].tolist()):
        spans.setdefault(doc_id, []).append((start, end))
    starts: dict[str, list[int]] = {}
    for doc_id, start in zip(mentions["doc_id"].tolist(), mentions["start"].tolist()):
        starts.setdefault(doc_id, []).append(start)
    towns = reports["town"].tolist() if "town" in reports else [None] * len(reports)
    years = reports["year"].tolist() if "year" in reports else [None] * len(reports)
    out = []
    for doc_id, town, year, text in zip(reports["doc_id"].tolist(), towns, years, reports["text"].tolist()):
        doc_sents = spans.get(doc_id, [])
        numbers = sorted(starts.get(doc_id, []))
        with_number = sum(bisect_left(numbers, end) > bisect_left(numbers, start) for start, end in doc_sents)
        n_chars = len(text)
        out.append(
            {
                "doc_id": doc_id,
                "town": town,
                "year": year,
                "n_chars": n_chars,
                "n_sentences": len(doc_sents),
                "n_quantities": len(numbers),
                "per_1000_chars": round(1000 * len(numbers) / n_chars, 3) if n_chars else 0.0,
                "sentences_with_number": with_number,
                "share_sentences_with_number": round(with_number / len(doc_sents), 3) if len(doc_sents) else 0.0,
            }
        )
    table = pd.DataFrame(out, columns=SPECIFICITY_COLUMNS)
    table["year"] = pd.array(table["year"].tolist(), dtype="Int64") if len(table) else pd.Series(dtype="Int64")
    return table.sort_values("doc_id").reset_index(drop=True)


def year_over_year(rows: pd.DataFrame, reports: pd.DataFrame, *, summary_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """For towns reported in several years: each figure per year side by side, and the change.

    Columns: town, measure, unit, one column per year (as text, e.g. ``2024``),
    change and change_pct (last year against the one before; empty when a
    figure is missing or undecided).  Measures are the keys and the two
    specificity figures.  No town with several years gives an empty table.
    *summary_table* is ``summary(rows, reports)`` when already made.
    """
    years = reports.groupby("town")["year"].nunique() if len(reports) else pd.Series(dtype="int64")
    towns = sorted(years[years > 1].index)
    all_years = sorted({int(y) for y in reports.loc[reports["town"].isin(towns), "year"].dropna()})
    year_cols = [str(y) for y in all_years]
    columns = ["town", "measure", "unit", *year_cols, "change", "change_pct"]
    if not towns:
        return pd.DataFrame(columns=columns)
    subset = reports[reports["town"].isin(towns)]
    sub_rows = rows[rows["doc_id"].isin(subset["doc_id"])]
    figures: dict[tuple[str, str, str], dict[str, float | None]] = {}
    for r in records(_summary_of(sub_rows, subset, summary_table)):
        if pd.isna(r.year):
            continue
        cell = figures.setdefault((r.town, r.indicator, r.unit or "?"), {})
        cell[str(int(r.year))] = None if pd.isna(r.value) else float(r.value)
    for r in records(specificity(sub_rows, subset)):
        if pd.isna(r.year):
            continue
        figures.setdefault((r.town, "specificity: quantities per 1000 chars", ""), {})[str(int(r.year))] = float(r.per_1000_chars)
        figures.setdefault((r.town, "specificity: share of sentences with a number", ""), {})[str(int(r.year))] = float(
            r.share_sentences_with_number
        )
    out = []
    for (town, measure, unit), by_year in figures.items():
        record = {"town": town, "measure": measure, "unit": unit, **{y: by_year.get(y) for y in year_cols}}
        present = [y for y in year_cols if y in by_year]
        change = change_pct = None
        if len(present) >= 2:
            old, new = by_year[present[-2]], by_year[present[-1]]
            if old is not None and new is not None:
                change = round(new - old, 3)
                change_pct = round(100 * (new - old) / old, 1) if old else None
        record.update(change=change, change_pct=change_pct)
        out.append(record)
    table = pd.DataFrame(out, columns=columns)
    table["_k"] = key_position(table["measure"])
    return table.sort_values(["town", "_k", "measure"]).drop(columns="_k").reset_index(drop=True)


def provenance(rows: pd.DataFrame, *, keys: Sequence[str] | None = None, towns: Sequence[str] | None = None) -> pd.DataFrame:
    """Each number with its sentence and section, for checking a figure against the text."""
    table = rows
    if keys is not None:
        table = table[table["indicator"].isin(list(keys))]
    if towns is not None:
        table = table[table["town"].isin(list(towns))]
    return table[PROVENANCE_COLUMNS].sort_values(["town", "doc_id", "start", "indicator"]).reset_index(drop=True)


def export(
    tables: dict[str, pd.DataFrame],
    folder: str | Path,
    *,
    stem: str = "indicators",
    figures: dict | None = None,
    headers: dict[str, str] | None = None,
) -> list[Path]:
    """Write each table as ``{stem}_{name}.csv`` (UTF-8 with BOM, for Excel), all of them as
    sheets of ``{stem}.xlsx``, and each figure as ``{stem}_{name}.png``; returns the paths
    (``export.export``, *headers* naming columns of the Chinese header row; ``display.files_note`` names them for the reader)."""
    return write_tables(tables, folder, stem=stem, figures=figures, headers=headers)


def shared_keys(
    rows: pd.DataFrame,
    reports: pd.DataFrame,
    *,
    keys: Sequence[str] | None = None,
    min_towns: int = 2,
    summary_table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The summary figures of the keys that at least *min_towns* towns report in one unit (for comparison).

    *summary_table* is ``summary(rows, reports)`` when already made."""
    table = _summary_of(rows, reports, summary_table)
    table = table[table["value"].notna() & (table["unit"] != "")]
    if keys is not None:
        table = table[table["indicator"].isin(list(keys))]
    unit_towns = table.groupby(["indicator", "unit"])["town"].nunique()
    keep = unit_towns[unit_towns >= min_towns].reset_index()[["indicator", "unit"]]
    table = table.merge(keep, on=["indicator", "unit"])
    table["_k"] = key_position(table["indicator"])
    return table.sort_values(["_k", "unit", "town", "year"]).drop(columns="_k").reset_index(drop=True)
