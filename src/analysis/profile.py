"""A town's profile: its reports, figures, problems and plans next to the corpus.

The tables of ``notebooks/04_town_profile.ipynb`` (one briefing per town):

town_reports  the reports of one town (an error names the corpus's towns when it has none)
versus_median year, indicator, label, figure, value, unit, median, reports, ratio
              each figure the town states, next to the median of the reports
              that state the same indicator in the same unit (``reports`` of them)
problem_plans doc_id, year, item_no, problem, themes, plans
              each problem item with its themes and the plan items that answer it
plan_list     doc_id, year, item_no, plan — the plan items, one line each

Indicator names for the reader come from ``data/lexicon/indicator_labels.yml``.

At scale the briefing reads the stage tables from the pipeline's cache
(``pipeline.run``) rather than computing them: ``town_items`` and
``coded_problems`` give what ``structure.problem_items`` and
``themes.code_problems`` give, from the cached items and theme codes (and
``frequency.terms(reports, tokens=results.tokens)`` the terms).  The figures
of every report (``indicators.summary``, which the medians need) are computed
once per build: ``prepare`` writes them into the run's work folder and
``indicator_summary`` (first named ``corpus_summary``) reads them back,
checking they were made from the same reports under the same code and
lexicon (the work-folder files themselves are ``cache.write_work_table``).
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from .cache import corpus_key, read_work_table, write_work_table
from .display import one_line, say
from .errors import OptionError
from .indicators import indicator_labels, summary
from .pipeline import Results, current_keys
from .structure import ROLES
from .themes import summarize

PLAN_COLUMNS = ["doc_id", "year", "item_no", "plan"]
MEDIAN_COLUMNS = ["year", "indicator", "label", "figure", "value", "unit", "median", "reports", "ratio"]
PROBLEM_PLAN_COLUMNS = ["doc_id", "year", "item_no", "problem", "themes", "plans"]
SUMMARY_FILE = "indicator_summary.parquet"  # in the work folder: indicators.summary of every report


def town_reports(reports: pd.DataFrame, town: str) -> pd.DataFrame:
    """The reports of *town*, by year; an error lists the towns when there is none."""
    mine = reports[reports["town"] == town]
    if mine.empty:
        towns = "、".join(dict.fromkeys(t for t in reports["town"] if isinstance(t, str))) or "（无）"
        raise OptionError(f"town {town!r} has no report in the corpus; its towns are: {towns}")
    return mine.sort_values(["year", "doc_id"]).reset_index(drop=True)


def heading(mine: pd.DataFrame):
    """One sentence naming the town, its reports and their length (report text escaped)."""
    parts = []
    for r in mine.itertuples(index=False):
        year = "" if pd.isna(r.year) else f"{int(r.year)}年度，"
        title = f"《{html.escape(str(r.title))}》，" if isinstance(r.title, str) and r.title else ""
        parts.append(f"{year}{title}{int(r.n_chars):,} 字")
    town = html.escape(str(mine["town"].iloc[0]))
    return say(f"**{town}**：{'；'.join(parts)}。")


def _number(value: float, unit: str) -> str:
    if pd.isna(value):
        return ""
    text = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"  # written like the figures: 2242件
    return f"{text}{unit}"


def versus_median(summary: pd.DataFrame, town: str, *, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """The town's figures (``indicators.summary`` rows) next to the corpus median of the same indicator and unit.

    ``median`` is over every report with a figure for that indicator in that
    unit (the town's own included), ``reports`` how many there are, and
    ``ratio`` the town's value over the median.  A figure the summary could
    not decide (``?``) has no value and no median.
    """
    labels = indicator_labels() if labels is None else labels
    order = {key: i for i, key in enumerate(labels)}
    mine = summary[summary["town"] == town]
    comparable = summary[summary["value"].notna() & (summary["unit"].fillna("") != "")]
    rows = []
    for r in mine.itertuples(index=False):
        same = comparable[(comparable["indicator"] == r.indicator) & (comparable["unit"] == r.unit)]
        has_value = pd.notna(r.value) and bool(r.unit)
        median = float(same["value"].median()) if has_value and len(same) else float("nan")
        rows.append(
            {
                "year": r.year,
                "indicator": r.indicator,
                "label": labels.get(r.indicator, r.indicator),
                "figure": r.display,
                "value": r.value if has_value else float("nan"),
                "unit": r.unit if has_value else "",
                "median": _number(median, r.unit) if has_value else "",
                "reports": len(same) if has_value else 0,
                "ratio": round(r.value / median, 2) if has_value and median else float("nan"),
            }
        )
    table = pd.DataFrame(rows, columns=MEDIAN_COLUMNS)
    if table.empty:
        return table
    table["_order"] = table["indicator"].map(order).fillna(len(order))
    return table.sort_values(["year", "_order", "indicator"]).drop(columns="_order").reset_index(drop=True)


def problem_plans(problems: pd.DataFrame, links: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """Each problem item (``themes.code_problems``) with the plan items that answer it (``themes.align``)."""
    answered = (
        links.sort_values(["doc_id", "problem_no", "plan_no"])
        .groupby(["doc_id", "problem_no"])["plan_no"]
        .agg(lambda numbers: "、".join(str(n) for n in numbers))
        .rename("plans")
    )
    table = problems.merge(answered, left_on=["doc_id", "item_no"], right_index=True, how="left")
    table = table.merge(reports[["doc_id", "year"]], on="doc_id", how="left")
    table["plans"] = table["plans"].fillna("（无）")
    table = table.rename(columns={"text": "problem"})
    table = one_line(table.fillna({"problem": ""}), ["problem"])
    return table[PROBLEM_PLAN_COLUMNS].sort_values(["year", "doc_id", "item_no"]).reset_index(drop=True)


def plan_list(plans: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """The plan items (``structure.plan_items``) as the reader sees them: doc_id, year, item_no, plan."""
    table = plans.merge(reports[["doc_id", "year"]], on="doc_id", how="left").rename(columns={"text": "plan"})
    table = one_line(table.fillna({"plan": ""}), ["plan"])
    return table[PLAN_COLUMNS].sort_values(["year", "doc_id", "item_no"]).reset_index(drop=True)


def or_say(table: pd.DataFrame, sentence: str):
    """*table*, or *sentence* for the reader when the table is empty."""
    return say(html.escape(sentence)) if table.empty else table


# ------------------------------------------------------------------ from the pipeline's cache


def town_rows(table: pd.DataFrame, mine: pd.DataFrame) -> pd.DataFrame:
    """The rows of a per-report *table* (with ``doc_id``) for the reports *mine*, in *mine*'s order."""
    order = {doc_id: i for i, doc_id in enumerate(mine["doc_id"])}
    rows = table[table["doc_id"].isin(order.keys())]
    rows = rows.iloc[rows["doc_id"].map(order).argsort(kind="stable")]
    return rows.reset_index(drop=True)


def town_items(results: Results, mine: pd.DataFrame, *, role: str) -> pd.DataFrame:
    """``structure.items(mine, role=role)``, taken from the pipeline's cached ``items`` table."""
    if role not in ROLES:
        raise OptionError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    items = results["items"]
    return town_rows(items[items["role"] == role], mine)


def coded_problems(results: Results, mine: pd.DataFrame) -> pd.DataFrame:
    """``themes.code_problems(mine)``, from the pipeline's cached ``items`` and ``theme_codes`` tables."""
    return summarize(town_items(results, mine, role="problems"), town_rows(results["theme_codes"], mine))


def _summary_key(results: Results) -> str:
    """The key of the figures of *results*' reports: the reports, and the code and lexicon of the indicators table."""
    return corpus_key(results.reports, current_keys(["indicators"])["indicators"])


def prepare(results: Results, work_dir: str | Path) -> list[Path]:
    """Write the corpus-level tables every town briefing shares into *work_dir* (once per build).

    Now one file: ``indicators.summary`` of every report (``SUMMARY_FILE``),
    which ``versus_median`` compares each town with.  Returns the files written.
    """
    table = summary(results["indicators"], results.reports)
    return [write_work_table(table, Path(work_dir) / SUMMARY_FILE, key=_summary_key(results))]


def indicator_summary(results: Results, *, work_dir: str | Path | None = None) -> pd.DataFrame:
    """``indicators.summary`` of every report of *results*.

    Read from *work_dir* when ``prepare`` wrote it there for the same reports
    under the same code and lexicon; computed otherwise (no *work_dir*, no
    file, or a file made from other reports).
    """
    if work_dir:
        table = read_work_table(Path(work_dir) / SUMMARY_FILE, key=_summary_key(results))
        if table is not None:
            return table
    return summary(results["indicators"], results.reports)


# ---------------------------------------------------------------- what every town briefing of a run shares
#
# The briefings runner writes the towns one after another in one kernel: the
# pipeline's results and the corpus's terms are read once in that kernel and
# kept while nothing they come from changed, not read again for every town.

_RUNS: dict[str, tuple[tuple, Results]] = {}
_TERMS: dict[int, tuple[Results, pd.DataFrame]] = {}
_KEYNESS: dict[int, tuple[Results, object]] = {}


def _inputs(data_dir: Path) -> tuple:
    """What ``pipeline.run`` reads: every file under *data_dir* (name, size, time), the lexicon, the code."""
    from .lexicon import files_hash

    paths = [data_dir] if data_dir.is_file() else sorted(p for p in data_dir.rglob("*") if p.is_file())
    files = tuple((str(p), st.st_size, st.st_mtime_ns) for p in paths for st in [p.stat()])
    return files, files_hash(), tuple(sorted(current_keys().items()))


def results_for(data_dir: str | Path) -> Results:
    """``pipeline.run(data_dir)`` in this process (reading the cache), kept while its files, lexicon and code are unchanged."""
    from .pipeline import run

    data_dir = Path(data_dir)
    key = _inputs(data_dir)
    kept = _RUNS.get(str(data_dir))
    if kept is None or kept[0] != key:
        _RUNS.clear()
        _TERMS.clear()
        _KEYNESS.clear()
        _RUNS[str(data_dir)] = (key, run(data_dir, workers=1, progress=False, warn=False))
    return _RUNS[str(data_dir)][1]


def corpus_terms(results: Results) -> pd.DataFrame:
    """``frequency.terms(results.reports, tokens=results["tokens"])``, kept for these results."""
    from .frequency import terms

    kept = _TERMS.get(id(results))
    if kept is None or kept[0] is not results:
        kept = _TERMS[id(results)] = (results, terms(results.reports, tokens=results["tokens"]))
    return kept[1]


def town_keyness(results: Results):
    """``frequency.GroupKeyness`` of the corpus's terms by town, kept for these results: ``town_keyness(results)(town, top=20)``."""
    from .frequency import GroupKeyness

    kept = _KEYNESS.get(id(results))
    if kept is None or kept[0] is not results:
        kept = _KEYNESS[id(results)] = (results, GroupKeyness(corpus_terms(results), by="town"))
    return kept[1]
