"""A town's profile: its reports, figures, problems and plans next to the corpus.

The tables of ``notebooks/04_town_profile.ipynb`` (one briefing per town):

town_reports  the reports of one town (an error names the corpus's towns when it has none)
versus_median year, indicator, label, figure, value, unit, median, reports, ratio
              each figure the town states, next to the median of the OTHER
              towns' reports of the same year that state the same indicator in
              the same unit (``reports`` of them); ``town_figures`` gives a
              town's from the pipeline's results, as its briefing shows them
verdict       the opening of a town briefing: town and year, total score and rank
              among the towns of the same year (``analysis.scorecard``)
improvements  the 需改进 list of a town: each point with its evidence, and its flags
problems_beside_plans  each problem with the text of the plan items that answer it
problem_plans doc_id, year, item_no, problem, themes, plans
              each problem item with its themes and the plan items that answer it
plan_list     doc_id, year, item_no, plan — the plan items, one line each
links_for     the problem → plan links of every report (``alignment.align`` over
              the whole corpus): what the scorecard's 问题有对应措施 counts;
              ``town_links`` gives a town's, which its briefing shows

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
So are the problem → plan links (``LINKS_FILE``): one IDF over every
problem and plan item of the corpus, so that a town's page shows the links
its score counts.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import config
from .cache import corpus_key, read_work_table, write_work_table
from .display import markdown_text, one_line, say
from .errors import OptionError
from .indicators import indicator_labels, summary
from .pipeline import DEFAULT_STAGES, Results, current_keys
from .structure import ROLES
from .tables import records, rows_by
from .themes import code_items, load_themes, summarize

BRIEFING_STAGES = (*DEFAULT_STAGES, "checklist", "coverage")  # what the briefings read from the pipeline's cache
PLAN_COLUMNS = ["doc_id", "year", "item_no", "plan"]
MEDIAN_COLUMNS = ["year", "indicator", "label", "figure", "value", "unit", "median", "reports", "ratio"]
PROBLEM_PLAN_COLUMNS = ["doc_id", "year", "item_no", "problem", "themes", "plans"]
NO_YEAR = -1.0  # the year of a report whose year is unknown, as a key of versus_median's groups
SUMMARY_FILE = "indicator_summary.parquet"  # in the work folder: indicators.summary of every report
LINKS_FILE = "alignment_links.parquet"  # in the work folder: the problem → plan links of every report
WORDING_FILES = {  # in the work folder: the wording the reports share (shared_wording)
    "passages": "shared_passages.parquet",
    "shares": "shared_shares.parquet",
    "items": "shared_items.parquet",
}


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
    for r in records(mine):
        year = "" if pd.isna(r.year) else f"{int(r.year)}年度，"
        title = f"《{markdown_text(str(r.title))}》，" if isinstance(r.title, str) and r.title else ""
        parts.append(f"{year}{title}{int(r.n_chars):,} 字")
    town = markdown_text(str(mine["town"].iloc[0]))
    return say(f"**{town}**：{'；'.join(parts)}。")


def _number(value: float, unit: str) -> str:
    if pd.isna(value):
        return ""
    text = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"  # written like the figures: 2242件
    return f"{text}{unit}"


def versus_median(summary: pd.DataFrame, town: str, *, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """The town's figures (``indicators.summary`` rows) next to the median of the other towns of the same year.

    ``median`` is over the reports of OTHER towns of the same year with a
    figure for that indicator in that unit (the town itself is left out, so a
    figure only it reports has nothing to compare with), ``reports`` how many
    there are, and ``ratio`` the town's value over the median.  A figure the
    summary could not decide (``?``) has no value and no median.
    """
    return _Medians(summary)(town, labels=labels)


class _Medians:
    """``versus_median(summary, town)`` for many towns of one summary, its figures grouped once.

    Every figure that can be compared (a value and a unit) is filed under
    (year, indicator, unit) with its town, the values in order; a town's
    median then leaves out that town's own values from each group it asks
    about, instead of grouping the whole summary again for every town.
    """

    def __init__(self, summary: pd.DataFrame) -> None:
        comparable = summary[summary["value"].notna() & (summary["unit"].fillna("") != "")]
        years = pd.to_numeric(comparable["year"]).astype(float).fillna(NO_YEAR).tolist()
        groups: dict[tuple, list[tuple[float, object]]] = {}
        for year, indicator, unit, town, value in zip(
            years, comparable["indicator"].tolist(), comparable["unit"].tolist(), comparable["town"].tolist(), comparable["value"].tolist()
        ):
            groups.setdefault((year, indicator, unit), []).append((value, town))
        for values in groups.values():
            values.sort(key=lambda pair: pair[0])
        self.groups = groups
        self.rows_of = rows_by(summary, "town")

    def others(self, key: tuple, town: str) -> tuple[int, float]:
        """How many figures of other towns the group *key* holds, and their median (NaN when none)."""
        values = [value for value, other in self.groups.get(key, ()) if other != town]
        n = len(values)
        if not n:
            return 0, float("nan")
        middle = n // 2
        return n, float(values[middle]) if n % 2 else (values[middle - 1] + values[middle]) / 2

    def __call__(self, town: str, *, labels: dict[str, str] | None = None) -> pd.DataFrame:
        labels = indicator_labels() if labels is None else labels
        order = {key: i for i, key in enumerate(labels)}
        rows = []
        for r in records(self.rows_of(town)):
            key = (NO_YEAR if pd.isna(r.year) else float(r.year), r.indicator, r.unit)
            has_value = pd.notna(r.value) and bool(r.unit)
            same, median = self.others(key, town) if has_value else (0, float("nan"))
            rows.append(
                {
                    "year": r.year,
                    "indicator": r.indicator,
                    "label": labels.get(r.indicator, r.indicator),
                    "figure": r.display,
                    "value": r.value if has_value else float("nan"),
                    "unit": r.unit if has_value else "",
                    "median": _number(median, r.unit) if has_value else "",
                    "reports": same,
                    "ratio": round(r.value / median, 2) if has_value and median else float("nan"),
                }
            )
        table = pd.DataFrame(rows, columns=MEDIAN_COLUMNS)
        if table.empty:
            return table
        table["_order"] = table["indicator"].map(order).fillna(len(order))
        return table.sort_values(["year", "_order", "indicator"]).drop(columns="_order").reset_index(drop=True)


def ratio_or_say(figures: pd.DataFrame):
    """The ratio chart of *figures* (``versus_median``), or one sentence when no figure has anything to compare with."""
    from .plots import ratio_chart_html
    from .plots.profile import ratios_drawn

    if ratios_drawn(figures, top=None)[0].empty:  # no figure with a ratio and another report to compare with
        return say("本镇报告的数字在同一年度的其他乡镇报告中都没有可比较的同类数字，因此不画对比图。")
    return ratio_chart_html(figures)


def problem_plans(problems: pd.DataFrame, links: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """Each problem item (``themes.code_problems``) with the plan items that answer it (``alignment.align``)."""
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


def problems_beside_plans(problems: pd.DataFrame, plans: pd.DataFrame, links: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """Each problem item beside the text of the plan items that answer it (``alignment.align``): year, item_no, problem, plans.

    ``plans`` joins the answering plan items' texts (each with its number:
    ``（2）深化法治宣传教育…``); a problem no plan answers says so.
    """
    texts = {(d, int(n)): str(t) for d, n, t in zip(plans["doc_id"].tolist(), plans["item_no"].tolist(), plans["text"].tolist())}
    numbers: dict[tuple[str, int], dict[int, None]] = {}  # each plan once per problem number, in link order
    for d, p, q in zip(links["doc_id"].tolist(), links["problem_no"].tolist(), links["plan_no"].tolist()):
        numbers.setdefault((d, int(p)), {})[int(q)] = None
    # joined once per problem number: a report that repeats its numbering repeats keys, not the work
    answered = {key: "；".join(f"（{q}）{texts.get((key[0], q), '')}" for q in plans_of) for key, plans_of in numbers.items()}
    years = dict(zip(reports["doc_id"].tolist(), reports["year"].tolist()))
    rows = [
        {
            "year": years.get(d),
            "item_no": int(n),
            "problem": str(t),
            "plans": answered.get((d, int(n))) or "（没有对应的下一步措施）",
        }
        for d, n, t in zip(problems["doc_id"].tolist(), problems["item_no"].tolist(), problems["text"].tolist())
    ]
    table = one_line(pd.DataFrame(rows, columns=["year", "item_no", "problem", "plans"]), ["problem", "plans"])
    return table.sort_values(["year", "item_no"], kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------ the verdict (scorecard and flags)


def verdict(scores: pd.DataFrame, totals: pd.DataFrame, town: str, *, flag_table: pd.DataFrame | None = None):
    """The opening of a town briefing (Markdown): per report, town and year as a heading, total, rank in its year, flags.

    *scores* and *totals* are ``scorecard.assess``'s; the rank is among the
    reports of the same year.  Text from the reports is escaped.
    """
    mine = totals[totals["town"] == town]
    if mine.empty:
        return say(f"## {markdown_text(town)}\n\n没有评分结果。")
    parts = []
    for r in records(mine.sort_values("year")):
        year = "年度不详" if pd.isna(r.year) else f"{int(r.year)}年度"
        line = f"## {markdown_text(town)} · {year}法治政府建设年度报告评议\n\n"
        line += f"**总分 {r.total:g} 分**（满分 {r.max:g} 分，得分率 {r.percent:.1f}%）"
        if r.reports > 1:
            line += f"，在{year}的 {r.reports} 份乡镇报告中排第 **{r.rank}** 名。"
        else:
            line += f"；{year}只有这一份报告，没有可排名的对象。"
        if r.overrides:
            line += f" 其中 {r.overrides} 项得分经复核改动。"
        if flag_table is not None:
            flagged = flag_table[flag_table["doc_id"] == r.doc_id]
            if len(flagged):
                line += "\n\n**请先注意：** " + "；".join(markdown_text(str(d)) for d in flagged["detail"]) + "。"
        parts.append(line)
    return say("\n\n".join(parts))


def improvements(issues: pd.DataFrame, town: str, *, flag_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The 需改进 list of *town*: 年度, 需改进, 依据 — the scorecard's points (``assess(...).issues``) and the town's flags."""
    mine = issues[issues["town"] == town]
    rows = [
        {"year": y, "point": p, "evidence": e} for y, p, e in zip(mine["year"].tolist(), mine["point"].tolist(), mine["evidence"].tolist())
    ]
    if flag_table is not None:
        flagged = flag_table[flag_table["town"] == town]
        rows += [
            {"year": y, "point": d, "evidence": e}
            for y, d, e in zip(flagged["year"].tolist(), flagged["detail"].tolist(), flagged["evidence"].tolist())
        ]
    table = pd.DataFrame(rows, columns=["year", "point", "evidence"])
    table["year"] = table["year"].map(lambda y: "" if pd.isna(y) else f"{int(y)}")
    table = one_line(table, ["point", "evidence"])
    return table.rename(columns={"year": "年度", "point": "需改进", "evidence": "依据"}).reset_index(drop=True)


_CARDS: dict[tuple, tuple[Results, object, pd.DataFrame]] = {}
OVERRIDES_DEFAULT = object()  # scorecard_for's overrides: the reviewer's file, config.SCORECARD_OVERRIDES_FILE
CARD_FILES = {
    "scores": "scorecard_scores.parquet",
    "totals": "scorecard_totals.parquet",
    "issues": "scorecard_issues.parquet",
    "flags": "flags.parquet",
}


def _default_overrides() -> Path | None:
    return config.SCORECARD_OVERRIDES_FILE if config.SCORECARD_OVERRIDES_FILE.is_file() else None


def _file_sha(path: Path | None) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest() if path is not None else "-"


def _card_key(results: Results, criteria: Path, overrides: Path | None) -> str:
    """The key of the scorecard and flags of *results*: the reports, the code and lexicon of the stage tables
    they are made from, the flags' rules, the criteria and the overrides."""
    keys = current_keys(["indicators", "items", "theme_codes", "checklist", "coverage"])
    files = [criteria, overrides, config.FLAGS_FILE]
    return corpus_key(results.reports, "|".join([*(keys[name] for name in sorted(keys)), *map(_file_sha, files)]))


def _compute_card(results: Results, criteria: Path, overrides: Path | None, *, evidence=None):
    """The scorecard and flags of every report; *evidence* is ``flags.gather_evidence`` of them when already made."""
    from .flags import flags, gather_evidence
    from .scorecard import assess, load_criteria

    rows = results["indicators"]
    if evidence is None:
        evidence = gather_evidence(results.reports, rows)  # the shared wording and impossible figures: once for both tables
    cached = {name: results[name] for name in ("checklist", "coverage") if name in results.tables}  # from the cache when run
    if "theme_codes" in results.tables:
        cached["codes"] = results["theme_codes"]
    if "answered" in load_criteria(criteria).ids:
        cached["links"] = links_for(results)  # the links the town briefings show
    card = assess(results.reports, criteria=criteria, rows=rows, items=results["items"], overrides=overrides, evidence=evidence, **cached)
    return card, flags(results.reports, rows=rows, evidence=evidence)


def scorecard_for(
    results: Results,
    *,
    work_dir: str | Path | None = None,
    criteria: str | Path | None = None,
    overrides: str | Path | None | object = OVERRIDES_DEFAULT,
):
    """``(scorecard.assess(...), flags.flags(...))`` of every report of *results*, kept for these results.

    Uses the pipeline's indicator rows and items; *criteria* (default
    ``config.SCORECARD_FILE``) and the reviewer's *overrides* (default
    ``config.SCORECARD_OVERRIDES_FILE``; ``None`` or a file that does not
    exist changes nothing).  Read from *work_dir* when ``prepare`` wrote them there for the
    same reports, code, lexicon, criteria and overrides; computed otherwise.
    """
    from .scorecard import Scorecard

    criteria = config.resolve_path(criteria) if criteria is not None else config.SCORECARD_FILE
    overrides = _default_overrides() if overrides is OVERRIDES_DEFAULT else config.resolve_path(overrides) if overrides else None
    overrides = overrides if overrides is not None and overrides.is_file() else None
    memo = (id(results), str(criteria), _file_sha(criteria), _file_sha(overrides))
    kept = _CARDS.get(memo)
    if kept is not None and kept[0] is results:
        return kept[1], kept[2]
    tables = None
    if work_dir:
        key = _card_key(results, criteria, overrides)
        tables = {name: read_work_table(Path(work_dir) / file, key=key) for name, file in CARD_FILES.items()}
        tables = None if any(t is None for t in tables.values()) else tables
    if tables is not None:
        card, flag_table = Scorecard(tables["scores"], tables["totals"], tables["issues"]), tables["flags"]
    else:
        card, flag_table = _compute_card(results, criteria, overrides)
    _CARDS[memo] = (results, card, flag_table)
    return card, flag_table


def flags_for(results: Results, *, work_dir: str | Path | None = None) -> pd.DataFrame:
    """``flags.flags`` of every report of *results*: read from *work_dir* when ``prepare`` wrote it for these reports, computed otherwise."""
    from .flags import flags

    if work_dir:
        overrides = _default_overrides()
        table = read_work_table(Path(work_dir) / CARD_FILES["flags"], key=_card_key(results, config.SCORECARD_FILE, overrides))
        if table is not None:
            return table
    return flags(results.reports, rows=results["indicators"])


_LINKS: dict[int, tuple[Results, object, pd.DataFrame]] = {}
_LINK_KEYS: dict[int, tuple[Results, object, str]] = {}


def _links_key(results: Results) -> str:
    """The key of the links of *results*' reports: the reports, and the code and lexicon of the tables they are made from."""
    return _tables_key(_LINK_KEYS, results, ["items", "theme_codes", "tokens"])  # the items, their codes, the words compared


def _links(results: Results, work_dir: str | Path | None) -> pd.DataFrame:
    from .alignment import align

    if work_dir:
        table = read_work_table(Path(work_dir) / LINKS_FILE, key=_links_key(results))
        if table is not None:
            return table
    items = results["items"]
    problems = items[items["role"] == "problems"].reset_index(drop=True)
    plans = items[items["role"] == "plans"].reset_index(drop=True)
    return align(problems, plans, problem_codes=results["theme_codes"] if "theme_codes" in results.tables else None)


def links_for(results: Results, *, work_dir: str | Path | None = None) -> pd.DataFrame:
    """``alignment.align`` over every problem and plan item of *results*: the links the scorecard counts.

    One IDF over the whole corpus, as the scorecard's 问题有对应措施 has it:
    a town's items alone would weigh words otherwise and could link a plan the
    score does not count.  Read from *work_dir* when ``prepare`` wrote them
    there for the same reports, code and lexicon; computed otherwise.  Kept
    for these results (and this *work_dir*): every town page of a build asks.
    """
    return _kept_for(_LINKS, results, lambda: _links(results, work_dir), tag=_where(work_dir), last_only=True)


def _where(work_dir: str | Path | None) -> str:
    """The work folder as the tables read from it are kept under it (the links, the medians; '' for none)."""
    return str(Path(work_dir).resolve()) if work_dir else ""


def town_links(results: Results, mine: pd.DataFrame, *, work_dir: str | Path | None = None) -> pd.DataFrame:
    """The rows of ``links_for(results)`` of the reports *mine*, in *mine*'s order: what a town's briefing shows beside its problems."""
    return _report_rows(results, ("links", _where(work_dir)), lambda: links_for(results, work_dir=work_dir), mine)


def problem_links(
    results: Results, reports: pd.DataFrame, *, themes_file: str | Path | None = None, work_dir: str | Path | None = None
) -> pd.DataFrame:
    """``alignment.align`` of the problem and plan items of *reports* (``problem_codes`` their codes).

    When *reports* are all of *results*' reports and the codebook is the
    package's, these are the links every page of the build shows
    (``links_for``: read from *work_dir*, made once); otherwise they are
    aligned here, with one IDF over *reports*' own items.
    """
    from .alignment import align

    if _package_codebook(themes_file) and _all_reports(results, reports):
        return links_for(results, work_dir=work_dir)
    problems, plans = town_items(results, reports, role="problems"), town_items(results, reports, role="plans")
    codebook = load_themes(config.resolve_path(themes_file)) if themes_file is not None else None
    return align(problems, plans, codebook=codebook, problem_codes=problem_codes(results, reports, themes_file=themes_file))


@dataclass(frozen=True)
class SharedWording:
    """The wording reports share, from one index of it (``boilerplate.index``).

    ``passages`` is ``boilerplate.passages``, ``shares`` ``boilerplate.shares``
    and ``items`` ``boilerplate.item_detail`` of the problem items.
    """

    passages: pd.DataFrame
    shares: pd.DataFrame
    items: pd.DataFrame


def shared_wording(results: Results, reports: pd.DataFrame, *, work_dir: str | Path | None = None) -> SharedWording:
    """The passages *reports* share, each report's share of shared wording, and its problem items' detail.

    Read from *work_dir* when ``prepare`` wrote them there for the same reports
    (all of *results*' reports) under the same code and lexicon: a build
    indexes the shared wording once, for the flags (3–4 s at 1,000 reports).
    Computed from one index otherwise.
    """
    from .boilerplate import index

    if work_dir and _all_reports(results, reports):
        key = _wording_key(results)
        tables = [read_work_table(Path(work_dir) / file, key=key) for file in WORDING_FILES.values()]
        if all(table is not None for table in tables):
            return SharedWording(*tables)
    return _wording(results, reports, index(reports))


def _wording(results: Results, reports: pd.DataFrame, shared) -> SharedWording:
    """``shared_wording`` of *reports* from *shared*, their ``boilerplate.index``."""
    from .boilerplate import item_detail, passages, shares

    problems = town_items(results, reports, role="problems")
    return SharedWording(passages(shared), shares(shared), item_detail(problems, reports, shared_index=shared))


def _all_reports(results: Results, reports: pd.DataFrame) -> bool:
    """True when *reports* are *results*' reports, in their order."""
    return reports is results.reports or reports["doc_id"].tolist() == results.reports["doc_id"].tolist()


def _wording_key(results: Results) -> str:
    """The key of the shared wording of *results*' reports: the reports, their items' cache key, the code and specifics.yml."""
    from .cache import table_key

    tag = table_key("shared_wording", lexicon=(config.SPECIFICS_FILE.name,)) + "|" + current_keys(["items"])["items"]
    return corpus_key(results.reports, tag)


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


def _report_rows(results: Results, name: tuple, table_of, mine: pd.DataFrame) -> pd.DataFrame:
    """``town_rows(table_of(), mine)``, from that table split by report once for these *results* (*name* names it).

    Every town page of a build asks for its rows of the same corpus tables
    (items, theme codes, links); filtering each whole table once a page was a
    pass over the corpus a page.
    """
    splits = _kept_for(_BY_REPORT, results, dict, last_only=True)
    if name not in splits:
        table = table_of()
        splits[name] = (table, rows_by(table, "doc_id"))
    table, rows_of = splits[name]
    order = {doc_id: i for i, doc_id in enumerate(mine["doc_id"].tolist())}  # as town_rows orders them
    parts = [part for part in (rows_of(doc_id) for doc_id in sorted(order, key=order.__getitem__)) if len(part)]
    return pd.concat(parts).reset_index(drop=True) if parts else table.iloc[0:0].reset_index(drop=True)


def cached_rows(table: pd.DataFrame, mine: pd.DataFrame) -> pd.DataFrame:
    """The rows of a cached stage *table* for the reports *mine*, in the table's own order.

    For a stage whose rows do not depend on the other reports (``checklist``,
    ``coverage``) this is what the stage gives for *mine* when *mine* is in
    the corpus's order, as a town's reports or a selection of towns are.
    """
    return table[table["doc_id"].isin(set(mine["doc_id"]))].reset_index(drop=True)


def town_items(results: Results, mine: pd.DataFrame, *, role: str) -> pd.DataFrame:
    """``structure.items(mine, role=role)``, taken from the pipeline's cached ``items`` table."""
    if role not in ROLES:
        raise OptionError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return _report_rows(results, ("items", role), lambda: results["items"][results["items"]["role"] == role], mine)


def coded_problems(results: Results, mine: pd.DataFrame) -> pd.DataFrame:
    """``themes.code_problems(mine)``, from the pipeline's cached ``items`` and ``theme_codes`` tables."""
    return summarize(town_items(results, mine, role="problems"), problem_codes(results, mine))


def problem_codes(results: Results, mine: pd.DataFrame, *, themes_file: str | Path | None = None) -> pd.DataFrame:
    """``themes.code_items`` of *mine*'s problem items: the cached ``theme_codes`` for the package's codebook,
    coded anew with *themes_file* when it names another."""
    if _package_codebook(themes_file):
        return _report_rows(results, ("theme_codes",), lambda: results["theme_codes"], mine)
    return code_items(town_items(results, mine, role="problems"), codebook=load_themes(themes_file))


def _package_codebook(themes_file: str | Path | None) -> bool:
    """True when *themes_file* is None or names the package's codebook (the same file, however named)."""
    return themes_file is None or config.resolve_path(themes_file).resolve() == config.THEMES_FILE.resolve()


_SUMMARY_KEYS: dict[int, tuple[Results, object, str]] = {}  # id(results) -> (results, the indicators' table key, the summary's key)


def _summary_key(results: Results) -> str:
    """The key of the figures of *results*' reports: the reports, and the code and lexicon of the indicators table."""
    return _tables_key(_SUMMARY_KEYS, results, ["indicators"])


def _tables_key(store: dict, results: Results, tables: list[str]) -> str:
    """``corpus_key`` of *results*' reports under the cache keys of the stage *tables*, kept in *store*.

    Kept for these results while those keys are the same: hashing 1,000 reports' entries took 19–26 ms of every
    town page.  The last results only: a key is not worth keeping tables alive for.
    """
    keys = current_keys(tables)
    tag = "|".join(keys[name] for name in sorted(tables))
    return _kept_for(store, results, lambda: corpus_key(results.reports, tag), tag=tag, last_only=True)


def prepare(results: Results, work_dir: str | Path) -> list[Path]:
    """Write the corpus-level tables the briefings share into *work_dir* (once per build).

    ``indicators.summary`` of every report (``SUMMARY_FILE``), which
    ``versus_median`` compares each town with, the problem → plan links of
    every report (``LINKS_FILE``), the wording the reports share
    (``WORDING_FILES``, ``shared_wording``), and the scorecard and flags of every report
    under the package's criteria and the reviewer's overrides (``CARD_FILES``),
    which the town, scorecard and county briefings show.  Returns the files
    written.
    """
    from .flags import gather_evidence

    work_dir = Path(work_dir)
    table = summary(results["indicators"], results.reports)
    written = [write_work_table(table, work_dir / SUMMARY_FILE, key=_summary_key(results))]
    written.append(write_work_table(links_for(results), work_dir / LINKS_FILE, key=_links_key(results)))
    evidence = gather_evidence(results.reports, results["indicators"])  # its index of shared wording: the flags' and 03's
    wording, key = _wording(results, results.reports, evidence.shared_index), _wording_key(results)
    written += [write_work_table(getattr(wording, name), work_dir / file, key=key) for name, file in WORDING_FILES.items()]
    overrides = _default_overrides()
    card, flag_table = _compute_card(results, config.SCORECARD_FILE, overrides, evidence=evidence)
    key = _card_key(results, config.SCORECARD_FILE, overrides)
    tables = {"scores": card.scores, "totals": card.totals, "issues": card.issues, "flags": flag_table}
    written += [write_work_table(tables[name], work_dir / file, key=key) for name, file in CARD_FILES.items()]
    return written


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


def town_figures(results: Results, town: str, *, work_dir: str | Path | None = None) -> pd.DataFrame:
    """``versus_median(indicator_summary(results, work_dir=work_dir), town)``, the summary read and grouped once for these results.

    Every town page of a build compares its town with the same figures: the
    summary is read from *work_dir* (or computed) and filed by indicator once
    (``_Medians``), not read and grouped again for every town.
    """
    medians = _kept_for(
        _MEDIANS, results, lambda: _Medians(indicator_summary(results, work_dir=work_dir)), tag=_where(work_dir), last_only=True
    )
    return medians(town)


# ---------------------------------------------------------------- what every town briefing of a run shares
#
# The briefings runner writes the towns one after another in one worker: the
# pipeline's results and the corpus's terms are read once in that worker and
# kept while nothing they come from changed, not read again for every town.

_RUNS: dict[str, tuple[tuple, Results]] = {}
_TERMS: dict[int, tuple[Results, object, pd.DataFrame]] = {}
_KEYNESS: dict[int, tuple[Results, object, object]] = {}
_TOWN_ROWS: dict[int, tuple[Results, object, object]] = {}
_BY_REPORT: dict[int, tuple[Results, object, dict]] = {}  # id(results) -> (results, None, {table name: (table, its rows by report)})
_MEDIANS: dict[int, tuple[Results, object, _Medians]] = {}  # id(results) -> (results, work folder, the summary's figures filed)


def _kept_for(store: dict, results: Results, make, *, tag: object = None, last_only: bool = False):
    """``make()``, kept in *store* for these *results* (the very object) and *tag*; made again otherwise.

    *last_only*: the store keeps the latest results only.  ``results_for`` empties
    the stores when it reads a new run.
    """
    kept = store.get(id(results))
    if kept is None or kept[0] is not results or kept[1] != tag:
        if last_only:
            store.clear()
        kept = store[id(results)] = (results, tag, make())
    return kept[2]


def _inputs(data_dir: Path) -> tuple:
    """What ``pipeline.run`` reads: every file under *data_dir* (name, size, time), the lexicon, the code."""
    from .lexicon import files_hash

    if data_dir.is_file():
        st = data_dir.stat()
        files = ((str(data_dir), st.st_size, st.st_mtime_ns),)
    else:
        files = tuple(sorted(_file_stats(str(data_dir))))
    return files, files_hash(), tuple(sorted(current_keys().items()))


def _file_stats(folder: str) -> list[tuple[str, int, int]]:
    """(path, size, time) of every file under *folder* (links to files followed, links to folders not), with ``os.scandir``:
    a town page asks this of the whole corpus, and 1,000 reports took 18 ms through ``Path.rglob`` against 4 ms."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                found += _file_stats(entry.path)
            elif entry.is_file():
                st = entry.stat()
                found.append((entry.path, st.st_size, st.st_mtime_ns))
    return found


def results_for(data_dir: str | Path) -> Results:
    """``pipeline.run(data_dir, stages=BRIEFING_STAGES)`` in this process (reading the cache), kept while its files, lexicon and code are unchanged."""
    from .pipeline import run

    data_dir = Path(data_dir)
    key = _inputs(data_dir)
    kept = _RUNS.get(str(data_dir))
    if kept is None or kept[0] != key:
        _RUNS.clear()
        _TERMS.clear()
        _KEYNESS.clear()
        _TOWN_ROWS.clear()
        _BY_REPORT.clear()
        _MEDIANS.clear()
        _CARDS.clear()
        _LINKS.clear()
        _LINK_KEYS.clear()
        _SUMMARY_KEYS.clear()
        _RUNS[str(data_dir)] = (key, run(data_dir, stages=BRIEFING_STAGES, workers=1, progress=False, warn=False))
    return _RUNS[str(data_dir)][1]


def corpus_terms(results: Results) -> pd.DataFrame:
    """``frequency.terms(results.reports, tokens=results["tokens"])``, kept for these results."""
    from .frequency import terms

    return _kept_for(_TERMS, results, lambda: terms(results.reports, tokens=results["tokens"]))


def town_terms(results: Results, town: str) -> pd.DataFrame:
    """The rows of ``corpus_terms(results)`` of *town*, in their order: the table split by town once, not filtered once a town."""
    return _kept_for(_TOWN_ROWS, results, lambda: rows_by(corpus_terms(results), "town"))(town)


def town_keyness(results: Results):
    """``frequency.GroupKeyness`` of the corpus's terms by town, kept for these results: ``town_keyness(results)(town, top=20)``."""
    from .frequency import GroupKeyness

    return _kept_for(_KEYNESS, results, lambda: GroupKeyness(corpus_terms(results), by="town"))
