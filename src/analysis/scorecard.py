"""The scorecard: each report scored on transparent criteria, each score with the heading or sentence behind it.

Criteria and weights: ``data/lexicon/scorecard.yml`` (validated on load; an
error names the entry).  The criteria the code knows:

elements      the five required elements (``compliance.checklist``): points per element by status
outline       the Outline's task areas A1–A10 covered (``compliance.coverage``)
concreteness  quantities per 1,000 characters and share of sentences with a figure (``indicators.specificity``)
answered      the share of stated problems a plan item answers (``alignment.align``)
own_wording   wording the report does not share with other reports (``boilerplate``; the report it shares most with is named)
figures       figures that cannot be right (``flags.impossible_figures``): points off per figure
timeliness    published by the deadline (default 31 March) of the year after the year reported on;
              only scored when the reports table has a ``published`` date

A reviewer's corrections (``doc_id, criterion, score, reason`` in a CSV) are
re-applied on every run (``read_overrides``, ``apply_overrides``): the score
is replaced, ``override`` holds the reason and ``computed`` the score the
criteria gave.

Tables:

scores  — doc_id, town, year, criterion, label, score, max, evidence, override, computed
totals  — doc_id, town, year, total, max, percent, rank, reports, overrides
          total over the criteria that could be scored, percent of their maximum,
          rank among the reports of the same year (1 = best; ties share a rank)
issues  — doc_id, town, year, criterion, label, point, evidence
          what to improve (需改进), one row per point, each with its evidence
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import config
from .errors import LexiconError, OptionError
from .tables import records, records_by

SCORE_COLUMNS = ["doc_id", "town", "year", "criterion", "label", "score", "max", "evidence", "override", "computed"]
TOTAL_COLUMNS = ["doc_id", "town", "year", "total", "max", "percent", "rank", "reports", "overrides"]
ISSUE_COLUMNS = ["doc_id", "town", "year", "criterion", "label", "point", "evidence"]
OVERRIDE_COLUMNS = ["doc_id", "criterion", "score", "reason"]
KNOWN = {
    "elements": {"status_points"},
    "outline": {"full_areas"},
    "concreteness": {"full_per_1000", "full_share", "low"},
    "answered": set(),
    "own_wording": {"full_at", "zero_at"},
    "figures": {"per_figure"},
    "timeliness": {"deadline"},
}
STATUS_WORDS = {"section": "单列标题", "subsection": "小标题或条目", "mentioned": "仅在正文提到", "absent": "未找到"}
DEADLINE_RE = re.compile(r"^(\d{2})-(\d{2})$")


# ------------------------------------------------------------------ the criteria file


@dataclass(frozen=True)
class Criterion:
    """One criterion of ``scorecard.yml``: its id, Chinese label, weight and own settings."""

    id: str
    label: str
    weight: float
    settings: Mapping[str, object] = field(default_factory=dict)
    help: str = ""


@dataclass(frozen=True)
class Criteria:
    """The criteria of a scorecard file, in file order, and the Chinese column names."""

    path: str
    items: tuple[Criterion, ...]
    columns: Mapping[str, str]

    def __iter__(self):
        return iter(self.items)

    def get(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.items if c.id == criterion_id), None)

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.items]

    def table(self) -> pd.DataFrame:
        """The criteria for the reader: 评分项, 满分, 怎样评分."""
        return pd.DataFrame({"评分项": [c.label for c in self], "满分": [_fmt(c.weight) for c in self], "怎样评分": [c.help for c in self]})


def _number(path: str, value: object, entry: str, name: str, *, low: float = 0.0, high: float = math.inf) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= float(value) <= high:
        bound = f"between {low:g} and {high:g}" if high != math.inf else f"at least {low:g}"
        raise LexiconError(path, f"'{name}' must be a number {bound}", entry=entry)
    return float(value)


def _check_settings(path: str, cid: str, settings: dict) -> dict:
    if cid == "elements":
        points = settings.get("status_points")
        statuses = set(STATUS_WORDS)
        if not isinstance(points, dict) or set(points) != statuses:
            raise LexiconError(path, f"'status_points' must give points (0–1) to each of {', '.join(STATUS_WORDS)}", entry=cid)
        for status, value in points.items():
            _number(path, value, cid, f"status_points.{status}", high=1.0)
    elif cid == "outline":
        _number(path, settings.get("full_areas"), cid, "full_areas", low=1)
    elif cid == "concreteness":
        _number(path, settings.get("full_per_1000"), cid, "full_per_1000", low=0.001)
        _number(path, settings.get("full_share"), cid, "full_share", low=0.001, high=1.0)
        _number(path, settings.get("low"), cid, "low", high=1.0)
    elif cid == "own_wording":
        full = _number(path, settings.get("full_at"), cid, "full_at", high=1.0)
        zero = _number(path, settings.get("zero_at"), cid, "zero_at", high=1.0)
        if zero <= full:
            raise LexiconError(path, "'zero_at' must be above 'full_at'", entry=cid)
    elif cid == "figures":
        _number(path, settings.get("per_figure"), cid, "per_figure", low=0.001)
    elif cid == "timeliness":
        deadline = settings.get("deadline")
        match = DEADLINE_RE.match(str(deadline)) if isinstance(deadline, str) else None
        if not match or not (1 <= int(match.group(1)) <= 12 and 1 <= int(match.group(2)) <= 31):
            raise LexiconError(path, '\'deadline\' must be a month and day as "MM-DD" (e.g. "03-31")', entry=cid)
    return settings


@lru_cache(maxsize=8)
def _load(path: str) -> Criteria:
    from .lexicon import load_yaml

    data = load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("criteria"), list) or not data["criteria"]:
        raise LexiconError(path, "needs a non-empty list 'criteria' (and 'columns')")
    unknown = sorted(set(data) - {"criteria", "columns"})
    if unknown:
        raise LexiconError(path, "unknown key; use criteria, columns", entry=unknown[0])
    items = []
    seen = set()
    for number, raw in enumerate(data["criteria"], start=1):
        if not isinstance(raw, dict) or "id" not in raw:
            raise LexiconError(path, "each criterion needs an id, a label and a weight", entry=f"criterion {number}")
        cid = str(raw["id"])
        if cid not in KNOWN:
            raise LexiconError(path, f"unknown criterion; the criteria are: {', '.join(KNOWN)}", entry=cid)
        if cid in seen:
            raise LexiconError(path, "criterion given twice", entry=cid)
        seen.add(cid)
        label = raw.get("label")
        if not isinstance(label, str) or not label.strip():
            raise LexiconError(path, "needs a 'label' (the Chinese name the reader sees)", entry=cid)
        weight = _number(path, raw.get("weight"), cid, "weight", low=0.001)
        help_text = raw.get("help")
        if not isinstance(help_text, str) or not help_text.strip():
            raise LexiconError(path, "needs a 'help' (how it is scored, in plain Chinese)", entry=cid)
        settings = {k: v for k, v in raw.items() if k not in ("id", "label", "weight", "help")}
        extra = sorted(set(settings) - KNOWN[cid])
        if extra:
            allowed = ", ".join(sorted(KNOWN[cid])) or "none"
            raise LexiconError(path, f"unknown setting {extra[0]!r}; this criterion takes: {allowed}", entry=cid)
        items.append(Criterion(cid, label.strip(), weight, _check_settings(path, cid, settings), help_text.strip()))
    columns = data.get("columns") or {}
    if not isinstance(columns, dict) or not all(isinstance(k, str) and isinstance(v, str) and v for k, v in columns.items()):
        raise LexiconError(path, "'columns' must map column names to Chinese names", entry="columns")
    missing = [c for c in (*SCORE_COLUMNS, *TOTAL_COLUMNS) if c not in columns]
    if missing:
        raise LexiconError(path, f"'columns' has no Chinese name for {', '.join(dict.fromkeys(missing))}", entry="columns")
    return Criteria(path, tuple(items), dict(columns))


def load_criteria(path: str | Path = config.SCORECARD_FILE) -> Criteria:
    """Read and validate ``scorecard.yml`` (criteria, weights, settings, Chinese column names)."""
    return _load(str(config.resolve_path(path)))


def _criteria(criteria: Criteria | str | Path | None) -> Criteria:
    return criteria if isinstance(criteria, Criteria) else load_criteria(criteria or config.SCORECARD_FILE)


def column_names(criteria: Criteria | str | Path | None = None) -> dict[str, str]:
    """The Chinese names of the scorecard's columns (``scorecard.yml`` ``columns``): the header row of its exports."""
    return {**_criteria(criteria).columns, "point": "需改进"}


# ------------------------------------------------------------------ helpers


def _short(text: object, limit: int = 60) -> str:
    text = re.sub(r"\s+", " ", str(text or "")).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _quote(text: object, limit: int = 60) -> str:
    return f"「{_short(text, limit)}」"


def _year(value: object) -> object:
    return pd.NA if value is None or pd.isna(value) else int(value)


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


# ------------------------------------------------------------------ the criteria, one report at a time


def _elements(c: Criterion, checks: list) -> tuple[float, str, list[tuple[str, str]]]:
    """*checks*: the report's rows of ``compliance.checklist`` (named tuples)."""
    points = c.settings["status_points"]
    got, parts, issues = 0.0, [], []
    for r in checks:
        got += float(points[r.status])
        if r.status == "absent":
            parts.append(f"{r.element} 未找到")
            issues.append((f"缺少必备内容 {r.element}：{r.label}", "报告中没有找到这一部分"))
        else:
            parts.append(f"{r.element}（{STATUS_WORDS[r.status]}）{_quote(r.evidence, 40)}")
            if r.status == "mentioned":
                issues.append((f"必备内容 {r.element} 只在正文中提到，没有单列：{r.label}", _quote(r.evidence)))
    n = len(checks)
    return (c.weight * got / n if n else 0.0), "；".join(parts) or "没有检查结果", issues


AREA_RE = re.compile(r"^A\d+$")  # the Outline's task areas (A1–A10), not the other rows of the coverage table


def _outline(c: Criterion, cover: list) -> tuple[float, str, list[tuple[str, str]]]:
    """*cover*: the report's rows of ``compliance.coverage`` (named tuples)."""
    areas = [r for r in cover if AREA_RE.match(str(r.area))]
    covered = [r for r in areas if r.covered]
    full = float(c.settings["full_areas"])
    score = c.weight * min(1.0, len(covered) / full)
    shown = "；".join(f"{r.area} {r.label}（{r.top_cues}）" for r in covered)
    missing = "、".join(f"{r.area} {r.label}" for r in areas if not r.covered)
    evidence = f"覆盖 {len(covered)}/{len(areas)} 个任务领域（满 {full:.0f} 个得满分）：{shown or '无'}" + (
        f"；未覆盖：{missing}" if missing else ""
    )
    issues = [(f"《纲要》任务领域覆盖少：{len(covered)} 个", f"未覆盖：{missing}")] if score < c.weight / 2 else []
    return score, evidence, issues


def _concreteness(c: Criterion, spec: pd.Series | None, example: str) -> tuple[float, str, list[tuple[str, str]]]:
    if spec is None:
        return 0.0, "没有正文", []
    per_1000, share = float(spec["per_1000_chars"]), float(spec["share_sentences_with_number"])
    part_a = min(1.0, per_1000 / float(c.settings["full_per_1000"]))
    part_b = min(1.0, share / float(c.settings["full_share"]))
    score = c.weight * (part_a + part_b) / 2
    said = (
        f"每千字 {per_1000:.1f} 个数字（满分 {float(c.settings['full_per_1000']):g} 个）；"
        f"{int(spec['n_sentences'])} 句中 {int(spec['sentences_with_number'])} 句有数字（{share:.0%}）"
    )
    evidence = said + (f"；例：{_quote(example)}" if example else "；全文没有数字")
    issues = [("具体数字偏少", said)] if score < c.weight * float(c.settings["low"]) else []
    return score, evidence, issues


def _answered(c: Criterion, problems: list, answered: set[int]) -> tuple[float, str, list[tuple[str, str]]]:
    """*problems*: the report's problem items (named tuples of ``structure.items`` rows)."""
    if not problems:
        return 0.0, "没有找到“存在的问题”部分的条目", [("没有写出存在的问题", "没有找到“存在的问题”部分的条目")]
    open_texts = [r.text for r in problems if r.item_no not in answered]
    score = c.weight * (len(problems) - len(open_texts)) / len(problems)
    evidence = f"{len(problems)} 条问题中 {len(problems) - len(open_texts)} 条有对应的下一步措施"
    if open_texts:
        evidence += "；没有对应措施的：" + "；".join(_quote(t, 40) for t in open_texts)
    issues = [("问题没有对应的下一步措施", _quote(t)) for t in open_texts]
    return score, evidence, issues


def _own_wording(c: Criterion, share: float, partner: Mapping | None, example: str) -> tuple[float, str, list[tuple[str, str]]]:
    from .flags import report_name

    full, zero = float(c.settings["full_at"]), float(c.settings["zero_at"])
    score = c.weight * float(np.clip((zero - share) / (zero - full), 0.0, 1.0))
    evidence = f"{share:.0%} 的措辞与其他报告相同（{full:.0%} 以下得满分，{zero:.0%} 以上不得分）"
    issues = []
    if partner and partner["share"] > 0:
        name = report_name(partner["partner_town"], partner["partner_year"])
        evidence += f"；与{name}相同最多（{partner['share']:.0%}）"
        if share > full:
            issues.append((f"措辞与{name}大量相同（{partner['share']:.0%}）", _quote(example) if example else evidence))
    if example:
        evidence += f"；例：{_quote(example)}"
    elif share == 0:
        evidence += "；没有与其他报告相同的措辞"
    return score, evidence, issues


def _figures(c: Criterion, bad: list) -> tuple[float, str, list[tuple[str, str]]]:
    """*bad*: the report's rows of ``flags.impossible_figures`` (named tuples)."""
    if not bad:
        return c.weight, "没有发现不可能的数字（比率超过100%、分项大于总数）", []
    score = max(0.0, c.weight - float(c.settings["per_figure"]) * len(bad))
    evidence = "；".join(f"{r.detail}：{_quote(r.evidence, 50)}" for r in bad)
    return score, evidence, [(f"数字有误：{r.detail}", _quote(r.evidence)) for r in bad]


def _timeliness(c: Criterion, year: object, published: object) -> tuple[float, str, list[tuple[str, str]]]:
    date = pd.to_datetime(published, errors="coerce") if published is not None and not pd.isna(published) else pd.NaT
    if pd.isna(date) or pd.isna(year):
        return math.nan, "发布日期不详，不计分", []
    month, day = (int(x) for x in str(c.settings["deadline"]).split("-"))
    deadline = pd.Timestamp(int(year) + 1, month, day)
    said = f"发布于 {date:%Y-%m-%d}，期限 {deadline:%Y-%m-%d}"
    if date.normalize() <= deadline:
        return c.weight, said + "，按时", []
    late = (date.normalize() - deadline).days
    return 0.0, said + f"，晚 {late} 天", [(f"公开晚了 {late} 天", said)]


# ------------------------------------------------------------------ the scorecard


@dataclass
class Scorecard:
    """What ``assess`` gives: the scores, the totals and what to improve."""

    scores: pd.DataFrame
    totals: pd.DataFrame
    issues: pd.DataFrame


def assess(
    reports: pd.DataFrame,
    *,
    criteria: Criteria | str | Path | None = None,
    overrides: pd.DataFrame | str | Path | None = None,
    rows: pd.DataFrame | None = None,
    items: pd.DataFrame | None = None,
    checklist: pd.DataFrame | None = None,
    coverage: pd.DataFrame | None = None,
    evidence=None,
    codes: pd.DataFrame | None = None,
    links: pd.DataFrame | None = None,
) -> Scorecard:
    """Score every report of *reports* (see the module doc).

    The stage tables (*rows* of ``indicators.extract``, *items* of
    ``structure.items``, the problems' theme *codes* of ``themes.code_items``
    under the package's codebook, the compliance *checklist* and *coverage*, and the
    shared wording and impossible figures of ``flags.gather_evidence``, which
    ``flags.flags`` reads too, and the problem → plan *links* of
    ``alignment.align`` over every problem and plan item of *reports*, which
    the town briefings show) are computed when not given.  *overrides* is a table or a CSV file of
    ``doc_id, criterion, score, reason``.
    """
    from . import alignment, boilerplate, compliance, flags, indicators, structure

    book = _criteria(criteria)
    ids = set(book.ids)
    docs = list(reports["doc_id"])
    need = lambda name: name in ids  # noqa: E731
    rows = indicators.extract(reports) if rows is None and (need("concreteness") or need("figures")) else rows
    if need("answered") and items is None:
        items = structure.items(reports)
    checks = compliance.checklist(reports) if need("elements") and checklist is None else checklist
    cover = compliance.coverage(reports) if need("outline") and coverage is None else coverage
    spec = indicators.specificity(rows, reports).set_index("doc_id") if need("concreteness") else None
    examples: dict[str, str] = {}
    if rows is not None and len(rows):
        per_doc = rows.drop_duplicates(["doc_id", "start"]).groupby(["doc_id", "sentence"], sort=False).size().reset_index(name="n")
        for doc_id, group in per_doc.groupby("doc_id", sort=False):
            examples[doc_id] = str(group.sort_values("n", ascending=False, kind="stable")["sentence"].iloc[0])
    given, links = links, pd.DataFrame(columns=["doc_id", "problem_no"])
    problems = plans = pd.DataFrame(columns=["doc_id", "item_no", "text"])
    if need("answered"):
        problems = items[items["role"] == "problems"].reset_index(drop=True)
        plans = items[items["role"] == "plans"].reset_index(drop=True)
        links = alignment.align(problems, plans, problem_codes=codes) if given is None else given
    answered = {d: set(g["problem_no"]) for d, g in links.groupby("doc_id")} if len(links) else {}
    if evidence is None and (need("own_wording") and len(reports) > 1 or need("figures")):
        evidence = flags.gather_evidence(reports, rows if rows is not None else indicators.extract(reports))
    shares, partner_rows, shared_examples = {}, {}, {}
    if need("own_wording") and len(reports) > 1:
        idx = evidence.shared_index
        shares = dict(zip(*boilerplate.shares(idx)[["doc_id", "share"]].T.values))
        partner_rows = {r["doc_id"]: r for r in evidence.partners.to_dict("records")}
        shared_examples = flags.most_shared_sentences(evidence.shared)
        # no sentence mostly shared: the longest passage the report shares names the wording instead
        for p in records(boilerplate.passages(idx).sort_values("n_chars", ascending=False, kind="stable")):
            for doc_id in str(p.doc_ids).split(";"):
                shared_examples.setdefault(doc_id, str(p.passage))
    bad = evidence.figures if need("figures") else None
    towns = reports["town"] if "town" in reports else [None] * len(reports)
    years = reports["year"] if "year" in reports else [None] * len(reports)
    published = reports["published"] if "published" in reports else [None] * len(reports)
    out, issues = [], []
    # each report's rows of the tables read per report, as named tuples: split once, not a table cut per report
    check_rows, problem_rows, bad_rows, cover_rows = (records_by(t) for t in (checks, problems, bad, cover))
    for doc_id, town, year, when in zip(docs, towns, years, published):
        for c in book:
            if c.id == "elements":
                result = _elements(c, check_rows.get(doc_id, []))
            elif c.id == "outline":
                result = _outline(c, cover_rows.get(doc_id, []))
            elif c.id == "concreteness":
                result = _concreteness(c, spec.loc[doc_id] if doc_id in spec.index else None, examples.get(doc_id, ""))
            elif c.id == "answered":
                result = _answered(c, problem_rows.get(doc_id, []), answered.get(doc_id, set()))
            elif c.id == "own_wording":
                result = _own_wording(c, float(shares.get(doc_id, 0.0)), partner_rows.get(doc_id), shared_examples.get(doc_id, ""))
            elif c.id == "figures":
                result = _figures(c, bad_rows.get(doc_id, []))
            else:
                result = _timeliness(c, year, when)
            score, shown, points = result
            score = score if math.isnan(score) else round(score, 1)
            out.append(
                {
                    "doc_id": doc_id,
                    "town": town,
                    "year": _year(year),
                    "criterion": c.id,
                    "label": c.label,
                    "score": score,
                    "max": c.weight,
                    "evidence": shown,
                    "override": "",
                    "computed": score,
                }
            )
            issues += [
                {"doc_id": doc_id, "town": town, "year": _year(year), "criterion": c.id, "label": c.label, "point": p, "evidence": e}
                for p, e in points
            ]
    scores = pd.DataFrame(out, columns=SCORE_COLUMNS).astype({"year": "Int64", "score": "float64", "max": "float64", "computed": "float64"})
    if overrides is not None:
        table = overrides if isinstance(overrides, pd.DataFrame) else read_overrides(overrides, criteria=book)
        scores = apply_overrides(scores, table)
    issue_table = pd.DataFrame(issues, columns=ISSUE_COLUMNS).astype({"year": "Int64"})
    overridden = set(zip(scores.loc[scores["override"] != "", "doc_id"], scores.loc[scores["override"] != "", "criterion"]))
    keep = [(d, c) not in overridden for d, c in zip(issue_table["doc_id"].tolist(), issue_table["criterion"].tolist())]
    return Scorecard(scores, totals(scores), issue_table[keep].reset_index(drop=True))


def score(
    reports: pd.DataFrame,
    *,
    criteria: Criteria | str | Path | None = None,
    overrides: pd.DataFrame | str | Path | None = None,
) -> pd.DataFrame:
    """The scores table of *reports*: one row per report × criterion (``assess(...).scores``)."""
    return assess(reports, criteria=criteria, overrides=overrides).scores


# ------------------------------------------------------------------ overrides


def read_overrides(path: str | Path, *, criteria: Criteria | str | Path | None = None) -> pd.DataFrame:
    """A reviewer's overrides CSV (``doc_id, criterion, score, reason``), checked row by row.

    An error names the file and the line: a missing column, an unknown
    criterion, a score that is not a number or is outside 0 – the criterion's
    weight, an empty reason, the same report and criterion twice.
    """
    book = _criteria(criteria)
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise OptionError(f"{path}: the overrides file cannot be read ({exc})") from exc
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in OVERRIDE_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise OptionError(f"{path}, line 1: the header needs the columns {', '.join(OVERRIDE_COLUMNS)} (missing: {', '.join(missing)})")
    rows, seen = [], {}
    for line, row in enumerate(reader, start=2):
        doc_id, cid = (row.get("doc_id") or "").strip(), (row.get("criterion") or "").strip()
        reason = (row.get("reason") or "").strip()
        if not doc_id:
            raise OptionError(f"{path}, line {line}: doc_id is empty")
        c = book.get(cid)
        if c is None:
            raise OptionError(f"{path}, line {line}: unknown criterion {cid!r}; the criteria are: {', '.join(book.ids)}")
        try:
            value = float((row.get("score") or "").strip())
        except ValueError:
            raise OptionError(f"{path}, line {line}: score {row.get('score')!r} is not a number") from None
        if not 0 <= value <= c.weight:
            raise OptionError(f"{path}, line {line}: score {value:g} is outside 0–{c.weight:g} (the weight of {cid})")
        if not reason:
            raise OptionError(f"{path}, line {line}: reason is empty; say why the score is changed")
        if (doc_id, cid) in seen:
            raise OptionError(f"{path}, line {line}: {doc_id} / {cid} was already overridden on line {seen[(doc_id, cid)]}")
        seen[(doc_id, cid)] = line
        rows.append({"doc_id": doc_id, "criterion": cid, "score": value, "reason": reason, "line": line})
    table = pd.DataFrame(rows, columns=[*OVERRIDE_COLUMNS, "line"])
    table.attrs["source"] = str(path)
    return table


def apply_overrides(scores: pd.DataFrame, overrides: pd.DataFrame) -> pd.DataFrame:
    """*scores* with each override's score in place of the computed one and its reason in ``override``.

    An override naming a report or criterion not in *scores* is an error
    (naming the file and line when the overrides came from ``read_overrides``).
    """
    out = scores.copy()
    where = {(d, c): i for i, (d, c) in enumerate(zip(out["doc_id"].tolist(), out["criterion"].tolist()))}
    source = overrides.attrs.get("source", "overrides")
    lines = overrides["line"] if "line" in overrides else [None] * len(overrides)
    for doc_id, cid, value, reason, line in zip(
        overrides["doc_id"].tolist(), overrides["criterion"].tolist(), overrides["score"].tolist(), overrides["reason"].tolist(), lines
    ):
        at = where.get((str(doc_id), str(cid)))
        if at is None:
            place = f"{source}, line {line}" if line is not None else source
            if str(doc_id) not in set(out["doc_id"]):
                raise OptionError(f"{place}: no report {doc_id} among the scored reports")
            raise OptionError(f"{place}: criterion {cid!r} was not scored (not in the criteria file)")
        out.iat[at, out.columns.get_loc("score")] = float(value)
        out.iat[at, out.columns.get_loc("override")] = str(reason)
    return out


# ------------------------------------------------------------------ totals, the reader's tables, the export


def totals(scores: pd.DataFrame) -> pd.DataFrame:
    """Per report: total, maximum of the criteria scored, percent, rank within its year (1 = best), overrides."""
    scored = scores[scores["score"].notna()]
    grouped = scored.groupby("doc_id", sort=False)
    table = scores.drop_duplicates("doc_id")[["doc_id", "town", "year"]].set_index("doc_id")
    table["total"] = grouped["score"].sum().round(1)
    table["max"] = grouped["max"].sum()
    table = table.fillna({"total": 0.0, "max": 0.0})
    table["percent"] = np.where(table["max"] > 0, (100 * table["total"] / table["max"].where(table["max"] > 0, 1)).round(1), 0.0)
    table["overrides"] = scores.assign(_o=scores["override"] != "").groupby("doc_id", sort=False)["_o"].sum().astype("int64")
    table = table.reset_index()
    year_key = table["year"].astype("float64").fillna(-1)
    table["rank"] = table.groupby(year_key)["percent"].rank(method="min", ascending=False).astype("int64")
    table["reports"] = table.groupby(year_key)["doc_id"].transform("size").astype("int64")
    table = table.astype({"year": "Int64", "total": "float64", "max": "float64", "percent": "float64"})
    return table[TOTAL_COLUMNS].sort_values(["year", "rank", "doc_id"], na_position="last").reset_index(drop=True)


def readable(table: pd.DataFrame, *, criteria: Criteria | str | Path | None = None, columns: list[str] | None = None) -> pd.DataFrame:
    """*table* (scores, totals or issues) for the reader: Chinese column names, no code, numbers as shown."""
    book = _criteria(criteria)
    names = {**book.columns, "point": "需改进"}
    if "indicator" in table and "figure" in table:  # versus_median: its label is the indicator's name
        names = {**names, "label": book.columns.get("indicator_label", "label"), "reports": book.columns.get("compared_reports", "reports")}
    chosen = columns or [c for c in table.columns if c not in ("doc_id", "criterion", "computed")]
    out = table[chosen].copy()
    if "status" in out:
        out["status"] = out["status"].map(lambda v: STATUS_WORDS.get(v, v))
    if "ratio" in out:
        out["ratio"] = out["ratio"].map(lambda v: "" if pd.isna(v) else f"{v:g}")
    if "year" in out:
        out["year"] = out["year"].map(lambda y: "" if pd.isna(y) else f"{int(y)}")
    for column in ("score", "max", "total", "computed"):
        if column in out:
            out[column] = out[column].map(lambda v: "不计分" if pd.isna(v) else _fmt(float(v)))
    if "percent" in out:
        out["percent"] = out["percent"].map(lambda v: f"{v:.1f}")
    out = out.fillna("")
    out.columns = [names.get(c, c) for c in out.columns]  # rename's own way looks each name up through an index: a fifth of the time
    default = isinstance(out.index, pd.RangeIndex) and out.index.start == 0 and out.index.step == 1
    return out if default else out.reset_index(drop=True)


def wide(scores: pd.DataFrame, totals_table: pd.DataFrame, *, criteria: Criteria | str | Path | None = None) -> pd.DataFrame:
    """Town × criterion table of scores with total, percent and rank (Chinese labels), best first within each year."""
    book = _criteria(criteria)
    labels = {c.id: f"{c.label}（{_fmt(c.weight)}）" for c in book}
    table = scores.pivot_table(index="doc_id", columns="criterion", values="score", aggfunc="first", dropna=False)
    table = table.reindex(columns=[c for c in book.ids if c in table.columns])
    table = table.map(lambda v: "不计分" if pd.isna(v) else _fmt(float(v)))
    table.columns = [labels[c] for c in table.columns]
    head = totals_table.set_index("doc_id")
    out = pd.DataFrame(
        {
            book.columns["town"]: head["town"].fillna(""),
            book.columns["year"]: head["year"].map(lambda y: "" if pd.isna(y) else f"{int(y)}"),
        }
    )
    out = out.join(table)
    out[book.columns["total"]] = head["total"].map(_fmt)
    out[book.columns["percent"]] = head["percent"].map(lambda v: f"{v:.1f}")
    out[book.columns["rank"]] = [f"{r}/{n}" for r, n in zip(head["rank"].tolist(), head["reports"].tolist())]
    return out.loc[list(totals_table["doc_id"])].reset_index(drop=True)


def export(
    scores: pd.DataFrame,
    totals_table: pd.DataFrame,
    folder: str | Path,
    *,
    stem: str = "scorecard",
    criteria: Criteria | str | Path | None = None,
    issues: pd.DataFrame | None = None,
) -> list[Path]:
    """Write ``{stem}_scores.csv`` and ``{stem}_totals.csv`` (English columns, UTF-8 with BOM) and ``{stem}.xlsx``.

    The workbook has one sheet per table, each with a Chinese header row above
    the English one, and the evidence of every score.
    """
    from .export import export as write_tables

    book = _criteria(criteria)
    tables = {"scores": scores, "totals": totals_table}
    if issues is not None:
        tables["issues"] = issues
    return write_tables(tables, folder, stem=stem, headers=column_names(book))


# ------------------------------------------------------------------ the county page


def county_table(
    totals_table: pd.DataFrame,
    rows: pd.DataFrame,
    reports: pd.DataFrame,
    *,
    min_share: float = 0.5,
    max_indicators: int = 8,
    criteria: Criteria | str | Path | None = None,
    labels: Mapping[str, str] | None = None,
    summary_table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Towns × the indicators most towns report, with total and rank: the county page's table (Chinese labels).

    An indicator is shown when at least *min_share* of the reports state it,
    the *max_indicators* most widely reported ones (so the table fits an A4
    page in landscape); the note of the result (``display.note``) names how
    many were left out (they are in the export: ``indicators.pivot``).
    Reports are ordered by year, then rank.  *summary_table* is
    ``indicators.summary(rows, reports)`` when already made (or of more rows:
    its lines of the reports of *rows* are taken, as ``indicators.pivot`` takes
    them).
    """
    from .display import with_note
    from .indicators import indicator_labels, sorted_keys
    from .indicators.tables import _summary_of

    if not 0 < min_share <= 1:
        raise OptionError(f"min_share must be above 0 and at most 1, not {min_share!r}")
    book = _criteria(criteria)
    labels = dict(indicator_labels() if labels is None else labels)
    figures = _summary_of(rows, reports, summary_table)
    n_reports = max(len(reports), 1)
    reach = figures.groupby("indicator")["doc_id"].nunique() if len(figures) else pd.Series(dtype="int64")
    common = reach[reach / n_reports >= min_share]
    order = {k: i for i, k in enumerate(sorted_keys(common.index))}
    chosen = sorted(common.index, key=lambda k: (-int(common[k]), order[k]))[:max_indicators]
    chosen = sorted(chosen, key=order.get)
    cells = figures[figures["indicator"].isin(chosen)].pivot_table(index="doc_id", columns="indicator", values="display", aggfunc="first")
    cells = cells.reindex(index=list(totals_table["doc_id"]), columns=chosen).fillna("—")
    out = pd.DataFrame(
        {
            book.columns["town"]: totals_table["town"].fillna("").tolist(),
            book.columns["year"]: [("" if pd.isna(y) else f"{int(y)}") for y in totals_table["year"]],
        }
    )
    for key in chosen:
        out[labels.get(key, key)] = cells[key].tolist()
    out[book.columns["total"]] = [_fmt(v) for v in totals_table["total"]]
    out[book.columns["rank"]] = [f"{r}/{n}" for r, n in zip(totals_table["rank"].tolist(), totals_table["reports"].tolist())]
    left = int((reach > 0).sum()) - len(chosen)
    note = (
        f"表中是至少 {min_share:.0%} 的报告写到的 {len(chosen)} 项指标；另有 {left} 项指标写到的报告较少，见导出文件。"
        if left > 0
        else f"表中是至少 {min_share:.0%} 的报告写到的 {len(chosen)} 项指标。"
    )
    return with_note(out, note)
