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

Indicator names for the reader come from ``data/lexicon/indicator_labels.yml``.

The corpus tables a page is set beside (every report's figures, the problem →
plan links, the scorecard and flags) are made once per build into its work
folder (``analysis.workfolder``); a page takes its town's rows of the
pipeline's cached tables through ``analysis.kept``.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from .display import markdown_text, one_line, say
from .errors import OptionError
from .indicators import indicator_labels
from .kept import keep, store
from .pipeline import Results
from .tables import records, rows_by
from .workfolder import folder_tag, indicator_summary

PLAN_COLUMNS = ["doc_id", "year", "item_no", "plan"]
MEDIAN_COLUMNS = ["year", "indicator", "label", "figure", "value", "unit", "median", "reports", "ratio"]
PROBLEM_PLAN_COLUMNS = ["doc_id", "year", "item_no", "problem", "themes", "plans"]
NO_YEAR = -1.0  # the year of a report whose year is unknown, as a key of versus_median's groups


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


def or_say(table: pd.DataFrame, sentence: str):
    """*table*, or *sentence* for the reader when the table is empty."""
    return say(html.escape(sentence)) if table.empty else table


_MEDIANS = store()  # id(results) -> (results, work folder, the summary's figures filed: _Medians)


def town_figures(results: Results, town: str, *, work_dir: str | Path | None = None) -> pd.DataFrame:
    """``versus_median(indicator_summary(results, work_dir=work_dir), town)``, the summary read and grouped once for these results.

    Every town page of a build compares its town with the same figures: the
    summary is read from *work_dir* (or computed) and filed by indicator once
    (``_Medians``), not read and grouped again for every town.
    """
    medians = keep(
        _MEDIANS, results, lambda: _Medians(indicator_summary(results, work_dir=work_dir)), tag=folder_tag(work_dir), last_only=True
    )
    return medians(town)
