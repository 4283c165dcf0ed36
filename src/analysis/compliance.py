"""What each report contains: the five required elements, and the Outline's task areas.

Codebooks: ``data/lexicon/elements.yml`` (E1–E5 of 厅字〔2019〕28号) and
``data/lexicon/outline.yml`` (A1–A10 of the 2021–2025 Outline, plus X1, X2).

Tables:

checklist — doc_id, town, element, label, status, evidence, start
            status is ``section`` (its own top-level heading), ``subsection`` (a
            lower heading or a listed item covers it), ``mentioned`` (only in
            running text) or ``absent``; evidence is the heading, item or sentence
            that satisfies it (empty when absent); start its offset in the text.
coverage  — doc_id, town, area, label, hits, n_chars, per_1000, covered, top_cues
            cue hits of each Outline area in the report's achievement sections
            (overlapping hits counted once), per 1,000 characters of those sections.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import config
from .chinese import fold, outline_number
from .cues import Codebook, Entry, load_codebook
from .structure import INLINE_ITEM_RE, SENTENCE_END_RE, paragraphs, sections
from .tables import records_by

STATUSES = ("section", "subsection", "mentioned", "absent")
CHECK_COLUMNS = ["doc_id", "town", "element", "label", "status", "evidence", "start"]
COVERAGE_COLUMNS = ["doc_id", "town", "area", "label", "hits", "n_chars", "per_1000", "covered", "top_cues"]
ACHIEVEMENT_ROLES = ("achievements", "responsibility")
TITLE_END_RE = re.compile(r"[。；;！!？?]")


@lru_cache(maxsize=8)
def _load_elements(path: str) -> Codebook:
    return load_codebook(
        path,
        key="elements",
        cue_fields=("heading_cues", "text_cues"),
        required=("heading_cues", "text_cues"),
        other_fields=("roles",),
        id_pattern=r"E\d+",
    )


def load_elements(path: str | Path = config.ELEMENTS_FILE) -> Codebook:
    """Read and validate the report-element codebook (E1–E5)."""
    book = _load_elements(str(config.resolve_path(path)))
    from .errors import LexiconError
    from .structure import ROLES

    for entry in book:
        roles = entry.extra.get("roles", [])
        if not isinstance(roles, list) or any(r not in ROLES for r in roles):
            raise LexiconError(book.path, f"'roles' must be a list of {', '.join(ROLES)}", entry=entry.id)
    return book


@lru_cache(maxsize=8)
def _load_outline(path: str) -> Codebook:
    return load_codebook(path, key="areas")


def load_outline(path: str | Path = config.OUTLINE_FILE) -> Codebook:
    """Read and validate the Outline task-area codebook (A1–A10, X1, X2)."""
    return _load_outline(str(config.resolve_path(path)))


# ------------------------------------------------------------------ list units


def _units(doc_sections: list, doc_paras: list, text: str) -> list[dict[str, object]]:
    """The report's list units below the top level: sub-headings and inline 一是… items.

    Each unit: title (heading or item title), opening (its first sentence of
    body text), evidence (marker + title, or the item's first sentences), start.
    """
    units = []
    for row in doc_sections:
        if row.level < 2:
            continue
        line_end = text.find("\n", row.start, row.end)
        line_end = row.end if line_end < 0 else line_end
        line = text[row.start : line_end]
        after = line[len(row.marker) :].lstrip()
        rest = after[len(row.heading) :].lstrip("。；;：: ")
        if not rest:
            body_end = text.find("\n", line_end + 1, row.end)
            rest = text[line_end + 1 : body_end if body_end >= 0 else row.end]
        units.append(
            {"title": row.heading, "opening": _first_sentence(rest), "evidence": f"{row.marker}{row.heading}", "start": int(row.start)}
        )
    for para in doc_paras:
        found = []
        expect = 1
        for match in INLINE_ITEM_RE.finditer(para.text):
            number = outline_number(next(g for g in match.groups() if g))
            if number == expect:
                found.append(match)
                expect += 1
        for i, match in enumerate(found):
            end = found[i + 1].start() if i + 1 < len(found) else len(para.text)
            lead = len(match.group(0)) - len(match.group(0).lstrip())
            body = para.text[match.end() : end]
            cut = TITLE_END_RE.search(body)
            title = body[: cut.start()] if cut else body
            opening = _first_sentence(body[cut.end() :]) if cut else ""
            marker = match.group(0).strip()
            evidence = f"{marker}{title}" + (f"{body[cut.start()]}{opening}" if cut else "")
            units.append(
                {"title": title, "opening": opening, "evidence": evidence.strip(), "start": int(para.start + match.start() + lead)}
            )
    return units


def _first_sentence(text: str) -> str:
    text = text.strip()
    match = SENTENCE_END_RE.match(text)
    return (match.group(0) if match else text).strip()


def _hits(cues: tuple, text: str, folded: dict[str, str]) -> bool:
    """True when a cue fires on *text*; *folded* keeps the simplified texts of a report (every element reads them)."""
    simple = folded.get(text)
    if simple is None:
        simple = folded[text] = fold(text)
    return any(cue.spans(simple, simplified=True) is not None for cue in cues)


def _check_one(
    entry: Entry, doc_sections: list, units: list[dict[str, object]], sents: list, folded: dict[str, str]
) -> tuple[str, str, int]:
    heading_cues = entry.extra["heading_cues"]
    text_cues = entry.extra["text_cues"]
    roles = entry.extra.get("roles", [])
    for row in doc_sections:
        if row.level == 1 and (row.role in roles or _hits(heading_cues, row.heading, folded)):
            return "section", f"{row.marker}{row.heading}", int(row.start)
    for unit in units:
        if _hits(heading_cues, unit["title"], folded) or (unit["opening"] and _hits(text_cues, unit["opening"], folded)):
            return "subsection", str(unit["evidence"]), int(unit["start"])
    for sent in sents:
        if _hits(text_cues, sent.text, folded):
            return "mentioned", sent.text, int(sent.start)
    return "absent", "", -1


def checklist(reports: pd.DataFrame, *, elements: Codebook | str | Path | None = None) -> pd.DataFrame:
    """The compliance checklist: one row per report × element (see module doc)."""
    from .structure import sentences

    book = elements if isinstance(elements, Codebook) else load_elements(elements or config.ELEMENTS_FILE)
    all_sections = records_by(sections(reports))
    paras = paragraphs(reports)
    all_paras = records_by(paras[paras["role"] != "title"])
    sents = sentences(reports)
    all_sents = records_by(sents[sents["role"] != "title"])
    rows = []
    towns = reports["town"] if "town" in reports else [None] * len(reports)
    for doc_id, town, text in zip(reports["doc_id"].tolist(), towns, reports["text"].tolist()):
        doc_sections = all_sections.get(doc_id, [])
        units = sorted(_units(doc_sections, all_paras.get(doc_id, []), text), key=lambda u: u["start"])
        doc_sents = all_sents.get(doc_id, [])
        folded: dict[str, str] = {}  # the report's texts simplified once, for every element
        for entry in book:
            status, evidence, start = _check_one(entry, doc_sections, units, doc_sents, folded)
            rows.append(
                {
                    "doc_id": doc_id,
                    "town": town,
                    "element": entry.id,
                    "label": entry.label,
                    "status": status,
                    "evidence": evidence,
                    "start": start,
                }
            )
    table = pd.DataFrame(rows, columns=CHECK_COLUMNS)
    return table.sort_values(["doc_id", "element"], key=_element_key, kind="stable").reset_index(drop=True).astype({"start": "int64"})


def _element_key(column: pd.Series) -> pd.Series:
    if column.name == "element":
        return column.str.extract(r"(\d+)", expand=False).astype("int64")
    return column


def status_table(checklist_table: pd.DataFrame) -> pd.DataFrame:
    """Report (town) × element table of statuses, for reading at a glance."""
    table = checklist_table.pivot(index=["doc_id", "town"], columns="element", values="status")
    order = sorted(table.columns, key=lambda e: int(re.sub(r"\D", "", e) or 0))
    return table[order].reset_index()


def checklist_counts(checklist_table: pd.DataFrame) -> pd.DataFrame:
    """Element × status counts (the view that stays readable at 1,000 reports)."""
    table = pd.crosstab(checklist_table["element"], checklist_table["status"]).reindex(columns=list(STATUSES), fill_value=0)
    order = sorted(table.index, key=lambda e: int(re.sub(r"\D", "", e) or 0))
    return table.loc[order]


# ------------------------------------------------------------------ Outline coverage


def _merge_spans(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    merged: list[tuple[int, int, str]] = []
    for start, end, cue in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2])
        else:
            merged.append((start, end, cue))
    return merged


def coverage(
    reports: pd.DataFrame,
    *,
    outline: Codebook | str | Path | None = None,
    roles: tuple[str, ...] = ACHIEVEMENT_ROLES,
    min_hits: int = 1,
) -> pd.DataFrame:
    """Outline coverage: cue hits of each area in the achievement sections of each report.

    ``per_1000`` normalises by the length of those sections, so long and short
    reports compare; ``covered`` is ``hits >= min_hits``; ``top_cues`` lists the
    three cues that hit most.  A report without achievement sections has
    ``n_chars`` 0 and no hits.
    """
    book = outline if isinstance(outline, Codebook) else load_outline(outline or config.OUTLINE_FILE)
    paras = paragraphs(reports)
    paras = paras[paras["role"].isin(roles)]
    texts = paras.groupby("doc_id")["text"].agg("\n".join).to_dict() if len(paras) else {}
    rows = []
    towns = reports["town"] if "town" in reports else [None] * len(reports)
    for doc_id, town in zip(reports["doc_id"].tolist(), towns):
        simple = fold(texts.get(doc_id, ""))
        for entry in book:
            spans = []
            for cue in entry.cues:
                found = cue.spans(simple, simplified=True) or []
                spans.extend((a, b, cue.source) for a, b in found)
            merged = _merge_spans(spans)
            counts = Counter(simple[a:b] for a, b, _ in merged)
            top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
            hits = len(merged)
            rows.append(
                {
                    "doc_id": doc_id,
                    "town": town,
                    "area": entry.id,
                    "label": entry.label,
                    "hits": hits,
                    "n_chars": len(simple),
                    "per_1000": round(hits * 1000 / len(simple), 2) if simple else 0.0,
                    "covered": hits >= min_hits,
                    "top_cues": "、".join(f"{k}×{v}" for k, v in top),
                }
            )
    table = pd.DataFrame(rows, columns=COVERAGE_COLUMNS)
    return table.astype({"hits": "int64", "n_chars": "int64", "per_1000": "float64", "covered": "bool"})


def coverage_summary(coverage_rows: pd.DataFrame) -> pd.DataFrame:
    """Per Outline area: reports covering it, mean hits and mean hits per 1,000 characters (readable at any corpus size)."""
    grouped = coverage_rows.groupby(["area", "label"], sort=False)
    table = pd.DataFrame(
        {
            "reports_covering": grouped["covered"].sum().astype("int64"),
            "mean_hits": grouped["hits"].mean().round(2),
            "mean_per_1000": grouped["per_1000"].mean().round(2),
        }
    )
    return table.reset_index()


def coverage_table(coverage_rows: pd.DataFrame, *, value: str = "per_1000", index: str = "town") -> pd.DataFrame:
    """Report × area table of *value* (``per_1000``, ``hits`` or ``covered``), areas in codebook order."""
    order = list(dict.fromkeys(coverage_rows["area"]))
    table = coverage_rows.pivot_table(index=index, columns="area", values=value, aggfunc="sum", sort=True)
    return table.reindex(columns=order)
