"""The laws, regulations, Party and government documents and plans each report cites.

A citation is a title in book-title marks (``《中华人民共和国行政处罚法》``,
also the inner ``〈…〉`` of a notice that forwards a document), a document
number (``国办发〔2022〕27号``, any bracket) or a plan named without marks
(``“八五”普法规划``).  Each is normalised to one name with the table of
``data/lexicon/citations.yml``: traditional characters folded, brackets as
``（）`` and ``〔〕``, dashes between years as ``—``, a period written
``（2021-2025）`` as ``（2021—2025年）``, short forms (``《行政处罚法》``) and
``中华人民共和国`` prefixes mapped to the full name.  An article (``第二十四条``)
right after the title is kept.  A name not in the table is typed by the
table's ``guess`` rules.

A citation is ``outdated`` when it cites a plan whose period ended before the
year reported on, or an instrument by a name it no longer had in that year
(``《信访条例》`` after 2021, ``《婚姻法》`` after 2020); ``reason`` says which.

Tables:

citations — doc_id, town, year, raw, name, kind, kind_label, article, article_no, number,
            period, outdated, reason, sentence, start, end
counts    — (per report or town) name, kind, n
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import config, display
from .chinese import fold, outline_number, to_simplified
from .errors import LexiconError
from .lexicon import load_yaml

COLUMNS = [
    "doc_id",
    "town",
    "year",
    "raw",
    "name",
    "kind",
    "kind_label",
    "article",
    "article_no",
    "number",
    "period",
    "outdated",
    "reason",
    "sentence",
    "start",
    "end",
]
COUNT_COLUMNS = ["name", "kind", "kind_label", "n", "reports"]
KINDS_REQUIRED = ("law", "regulation", "party", "state", "plan", "local", "other")
CITATIONS_FILE = config.CITATIONS_FILE

TITLE_RE = re.compile(r"《([^《》\n]{2,80})》")
INNER_RE = re.compile(r"〈([^〈〉\n]{2,60})〉")
ARTICLE_RE = re.compile(r"^\s*第([零〇一二两三四五六七八九十百千\d]{1,6})条(?:第([零〇一二两三四五六七八九十\d]{1,4})款)?")
OPEN = "(（[［【〔<＜"
CLOSE = ")）]］】〕>＞"
NUMBER_RE = re.compile(
    rf"([\u4e00-\u9fff]{{1,10}})\s*[{re.escape(OPEN)}]\s*((?:19|20)\d{{2}})\s*[{re.escape(CLOSE)}]\s*第?\s*(\d{{1,4}})\s*号"
)
# words that stand before a document number but are not part of its issuer's abbreviation
NUMBER_LEAD_RE = re.compile(r"^.*(?:根据|按照|依据|依照|贯彻|落实|印发|转发|文号|字号|备注|以|的|和|及|与|是|为|按)")
# a label before a document number that makes it the page's own number
OWN_NUMBER_RE = re.compile(r"(?:文号|字号|索引号)\s*[\]］】:：]?\s*$")
# a document number of a Party body: 中发, 中办发, 厅字, 党 anywhere, or a committee (委, 委发, 委文, 委办)
PARTY_NUMBER_RE = re.compile(r"^(?:中|厅字)|党|委(?:发|文|办|办发)?〔")
DASHES = "-‐‑‒–—―－~～〜至"
PERIOD_RE = re.compile(rf"[（(]?\s*((?:19|20)\d{{2}})\s*年?\s*[{DASHES}]+\s*((?:19|20)\d{{2}})\s*年?\s*[)）]?\s*$")
PERIOD_ANYWHERE_RE = re.compile(rf"((?:19|20)\d{{2}})\s*年?\s*[{DASHES}]+\s*((?:19|20)\d{{2}})\s*年?")
SPACES_RE = re.compile(r"[\s\u3000]+")
LAW_PREFIX = "中华人民共和国"


# ------------------------------------------------------------------ the table


@dataclass(frozen=True)
class Document:
    name: str
    kind: str
    period: tuple[int, int] | None = None
    number: str | None = None


@dataclass(frozen=True)
class Former:
    name: str  # the former name, normalised
    until: int  # the last year it was right
    document: str  # the current name


@dataclass(frozen=True)
class CitationTable:
    """``citations.yml`` read and checked."""

    kinds: dict[str, str]
    documents: dict[str, Document]  # by full name
    names: dict[str, tuple[str, ...]]  # any known name (normalised, period dropped) → full names
    numbers: dict[str, str]  # document number → full name
    formers: dict[str, Former]
    bare: dict[str, str]  # phrase → full name
    not_documents: frozenset[str]
    guess: tuple[tuple[re.Pattern[str], str], ...] = field(default=())


@lru_cache(maxsize=65536)
def normalise(name: str) -> str:
    """One spelling of a cited name: simplified, no spaces, brackets （）, a period as ``（2021—2025年）``."""
    text = to_simplified(SPACES_RE.sub("", name))
    text = text.replace("(", "（").replace(")", "）").replace("[", "（").replace("]", "）").replace("〈", "《").replace("〉", "》")
    match = PERIOD_RE.search(text)
    if match:
        text = f"{text[: match.start()]}（{match.group(1)}—{match.group(2)}年）"
    return text


def base_name(name: str) -> str:
    """A normalised name without its period: ``法治政府建设实施纲要（2021—2025年）`` → ``法治政府建设实施纲要``."""
    match = PERIOD_RE.search(name)
    return name[: match.start()] if match else name


def period_of(name: str) -> tuple[int, int] | None:
    match = PERIOD_ANYWHERE_RE.search(name)
    if not match:
        return None
    first, last = int(match.group(1)), int(match.group(2))
    return (first, last) if first <= last else None


def normalise_number(raw: str) -> str:
    """``国办发[2022]27号`` → ``国办发〔2022〕27号``."""
    match = NUMBER_RE.search(to_simplified(raw))
    if not match:
        return raw
    return f"{match.group(1)}〔{match.group(2)}〕{int(match.group(3))}号"


def _strings(path: str, value: object, entry: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise LexiconError(path, "must be a list of non-empty names", entry=entry)
    return list(value)


@lru_cache(maxsize=4)
def _load(path: str) -> CitationTable:
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise LexiconError(path, "must be a mapping with kinds, documents, bare, not_documents and guess")
    unknown = sorted(set(data) - {"kinds", "documents", "bare", "not_documents", "guess"})
    if unknown:
        raise LexiconError(path, "unknown top-level key", entry=unknown[0])
    kinds = data.get("kinds")
    if not isinstance(kinds, dict) or not all(isinstance(v, str) and v for v in kinds.values()):
        raise LexiconError(path, "'kinds' must map each kind to its Chinese label", entry="kinds")
    missing = [k for k in KINDS_REQUIRED if k not in kinds]
    if missing:
        raise LexiconError(path, "a required kind has no label", entry=f"kinds: {missing[0]}")
    documents: dict[str, Document] = {}
    names: dict[str, list[str]] = {}
    numbers: dict[str, str] = {}
    formers: dict[str, Former] = {}
    entries = data.get("documents")
    if not isinstance(entries, list) or not entries:
        raise LexiconError(path, "'documents' must be a non-empty list", entry="documents")
    for position, entry in enumerate(entries, start=1):
        label = f"documents #{position}"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise LexiconError(path, "each document needs a name", entry=label)
        raw_name = entry["name"]
        label = f"documents: {raw_name}"
        extra = sorted(set(entry) - {"name", "kind", "short", "period", "number", "replaces"})
        if extra:
            raise LexiconError(path, f"unknown field {extra[0]!r}", entry=label)
        name = normalise(raw_name)
        if name in documents:
            raise LexiconError(path, "duplicate document", entry=label)
        kind = entry.get("kind")
        if kind not in kinds:
            raise LexiconError(path, f"kind must be one of {', '.join(kinds)}, not {kind!r}", entry=label)
        period = entry.get("period")
        if period is not None:
            if not (isinstance(period, list) and len(period) == 2 and all(isinstance(y, int) for y in period) and period[0] <= period[1]):
                raise LexiconError(path, "period must be [first year, last year]", entry=label)
            period = (period[0], period[1])
            if period_of(name) not in (None, period):
                raise LexiconError(path, "the period in the name differs from 'period'", entry=label)
        number = entry.get("number")
        if number is not None:
            if not isinstance(number, str) or not NUMBER_RE.search(number):
                raise LexiconError(path, "number must look like 中发〔2021〕33号", entry=label)
            number = normalise_number(number)
            if number in numbers:
                raise LexiconError(path, f"document number already given to {numbers[number]}", entry=label)
            numbers[number] = name
        documents[name] = Document(name, kind, period, number)
        known = {base_name(name), *(base_name(normalise(s)) for s in _strings(path, entry.get("short"), label))}
        if kind == "law" and name.startswith(LAW_PREFIX):
            known.add(name[len(LAW_PREFIX) :])
        for alias in known:
            names.setdefault(alias, []).append(name)
        replaces = entry.get("replaces") or []
        if not isinstance(replaces, list):
            raise LexiconError(path, "replaces must be a list of {name, until}", entry=label)
        for former in replaces:
            if not (isinstance(former, dict) and isinstance(former.get("name"), str) and isinstance(former.get("until"), int)):
                raise LexiconError(path, "each former name needs name and until (a year)", entry=label)
            old = normalise(former["name"])
            for alias in {old, old[len(LAW_PREFIX) :] if old.startswith(LAW_PREFIX) else old}:
                if alias in formers:
                    raise LexiconError(path, "former name listed twice", entry=f"{label}: {former['name']}")
                formers[alias] = Former(old, former["until"], name)
    for alias, targets in names.items():
        clash = [t for t in targets if documents[t].period is None]
        if len(targets) > 1 and clash:
            raise LexiconError(path, f"name points to several documents: {', '.join(targets)}", entry=alias)
    for alias in formers:
        if alias in names:
            raise LexiconError(path, "a former name is also a current name", entry=alias)
    bare: dict[str, str] = {}
    for phrase, target in (data.get("bare") or {}).items():
        if normalise(str(target)) not in documents:
            raise LexiconError(path, "points to no document of the table", entry=f"bare: {phrase}")
        bare[str(phrase)] = normalise(str(target))
    not_documents = frozenset(normalise(n) for n in _strings(path, data.get("not_documents"), "not_documents"))
    guess = []
    for position, rule in enumerate(data.get("guess") or [], start=1):
        label = f"guess #{position}"
        if not isinstance(rule, dict) or rule.get("kind") not in kinds or not isinstance(rule.get("pattern"), str):
            raise LexiconError(path, "each rule needs a pattern and a known kind", entry=label)
        try:
            guess.append((re.compile(rule["pattern"]), rule["kind"]))
        except re.error as exc:
            raise LexiconError(path, f"bad regular expression: {exc}", entry=label) from exc
    return CitationTable(
        dict(kinds),
        documents,
        {k: tuple(v) for k, v in names.items()},
        numbers,
        formers,
        bare,
        not_documents,
        tuple(guess),
    )


def load_table(path: str | Path = CITATIONS_FILE) -> CitationTable:
    """Read and check ``data/lexicon/citations.yml`` (an error names the bad entry)."""
    return _load(str(path))


# ------------------------------------------------------------------ resolving one name


@dataclass(frozen=True)
class Resolved:
    name: str
    kind: str
    period: tuple[int, int] | None
    outdated: bool
    reason: str


def _pick(candidates: Sequence[str], cited: tuple[int, int] | None, year: int | None, table: CitationTable) -> str:
    """Of documents sharing a name (plans of several periods): the cited period, else the one in force in *year*."""
    if len(candidates) == 1:
        return candidates[0]
    docs = [table.documents[c] for c in candidates]
    if cited is not None:
        overlap = sorted(docs, key=lambda d: -max(0, min(d.period[1], cited[1]) - max(d.period[0], cited[0]) + 1))
        return overlap[0].name
    if year is not None:
        current = [d for d in docs if d.period[0] <= year <= d.period[1]]
        if current:
            return current[0].name
        ended = sorted((d for d in docs if d.period[1] < year), key=lambda d: d.period[1])
        if ended:
            return ended[-1].name
    return sorted(docs, key=lambda d: d.period[0])[0].name


def resolve(raw: str, *, year: int | None = None, table: CitationTable | None = None) -> Resolved | None:
    """The normalised name, kind and outdated flag of a cited title (without its 《》); None when it is no document."""
    table = table or load_table()
    name = normalise(raw)
    if name in table.not_documents or base_name(name) in table.not_documents:
        return None
    cited = period_of(name)
    base = base_name(name)
    outdated, reason = False, ""
    candidates = table.names.get(base) or (table.names.get(base[len(LAW_PREFIX) :]) if base.startswith(LAW_PREFIX) else None)
    former = table.formers.get(base)
    if candidates:
        full = _pick(candidates, cited, year, table)
        doc = table.documents[full]
        kind, period = doc.kind, doc.period
        if cited and period and cited != period:
            reason = f"所写规划期（{cited[0]}—{cited[1]}年）与正式名称不符"
        name = full
    elif former is not None:
        doc = table.documents[former.document]
        kind, period, name = doc.kind, doc.period, doc.name
        if year is not None and year > former.until:
            outdated = True
            reason = f"旧称：{former.until + 1}年起应为《{doc.name}》"
    else:
        kind = next((k for pattern, k in table.guess if pattern.search(base)), "other")
        period = cited
    if period is not None and year is not None and period[1] < year and not outdated:
        outdated = True
        reason = f"规划期已于{period[1]}年结束" + (f"；{reason}" if reason else "")
    return Resolved(name, kind, period, outdated, reason)


# ------------------------------------------------------------------ the table of citations


def _article(text: str, at: int) -> tuple[str, int | None]:
    match = ARTICLE_RE.match(text[at : at + 16])
    if not match:
        return "", None
    number = match.group(1)
    value = int(number) if number.isdigit() else outline_number(number) or None
    return match.group(0).strip(), value


def _issuer(prefix: str) -> str:
    return NUMBER_LEAD_RE.sub("", prefix)


def find(text: str, *, year: int | None = None, table: CitationTable | None = None) -> list[dict]:
    """Every citation of one text: raw, name, kind, article, number, period, outdated, reason, start, end."""
    table = table or load_table()
    found: list[dict] = []
    taken: list[tuple[int, int]] = []

    def add(raw: str, start: int, end: int, resolved: Resolved, *, article: str = "", article_no: int | None = None, number: str = ""):
        found.append(
            {
                "raw": raw,
                "name": resolved.name,
                "kind": resolved.kind,
                "article": article,
                "article_no": article_no,
                "number": number,
                "period": f"{resolved.period[0]}—{resolved.period[1]}" if resolved.period else "",
                "outdated": resolved.outdated,
                "reason": resolved.reason,
                "start": start,
                "end": end,
            }
        )
        taken.append((start, end))

    for match in TITLE_RE.finditer(text):
        inner = match.group(1)
        resolved = resolve(inner, year=year, table=table)
        if resolved is not None:
            article, article_no = _article(text, match.end())
            add(match.group(0), match.start(), match.end(), resolved, article=article, article_no=article_no)
        for sub in INNER_RE.finditer(inner):
            nested = resolve(sub.group(1), year=year, table=table)
            if nested is not None:
                start = match.start(1) + sub.start()
                add(sub.group(0), start, start + len(sub.group(0)), nested)
    for match in NUMBER_RE.finditer(text):
        issuer = _issuer(match.group(1))
        if not issuer:
            continue
        start = match.end(1) - len(issuer)
        if any(a <= start < b for a, b in taken):
            continue
        if OWN_NUMBER_RE.search(text[max(0, start - 12) : start]):
            continue  # the report's own number in the page's furniture (文号：…, [ 发文字号 ] …), not a citation
        line_start, line_end = text.rfind("\n", 0, start) + 1, text.find("\n", match.end())
        if not text[line_start:start].strip() and not text[match.end() : len(text) if line_end < 0 else line_end].strip():
            continue  # a number alone on its line: the report's own number at its head
        number = f"{to_simplified(issuer)}〔{match.group(2)}〕{int(match.group(3))}号"
        known = table.numbers.get(number)
        if known:
            resolved = resolve(known, year=year, table=table)
        else:
            kind = "party" if PARTY_NUMBER_RE.search(number) else ("state" if number.startswith("国") else "local")
            resolved = Resolved(number, kind, None, False, "")
        add(text[start : match.end()], start, match.end(), resolved, number=number)
    simple = fold(text)  # same length as text: offsets stay valid
    for phrase, target in table.bare.items():
        for match in re.finditer(re.escape(phrase), simple):
            if any(a <= match.start() < b for a, b in taken):
                continue
            resolved = resolve(target, year=year, table=table)
            add(text[match.start() : match.end()], match.start(), match.end(), resolved)
    return sorted(found, key=lambda row: (row["start"], row["end"]))


def extract(reports: pd.DataFrame, *, table: CitationTable | str | Path | None = None) -> pd.DataFrame:
    """One row per citation in *reports*, with its sentence (see the module's docstring for the columns)."""
    from .structure import sentences

    book = table if isinstance(table, CitationTable) else load_table(table or CITATIONS_FILE)
    sents = sentences(reports)
    by_doc = {d: (g["start"].to_numpy(), g["end"].to_numpy(), g["text"].tolist()) for d, g in sents.groupby("doc_id")}
    rows = []
    towns = reports["town"] if "town" in reports else [None] * len(reports)
    years = reports["year"] if "year" in reports else [None] * len(reports)
    for doc_id, town, year, text in zip(reports["doc_id"].tolist(), towns, years, reports["text"].tolist()):
        y = int(year) if pd.notna(year) else None
        starts, ends, texts = by_doc.get(doc_id, (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), []))
        for row in find(str(text), year=y, table=book):
            at = int(np.searchsorted(starts, row["start"], side="right")) - 1  # the last sentence starting at or before it
            sentence = texts[at] if at >= 0 and ends[at] >= row["start"] else ""
            rows.append({"doc_id": doc_id, "town": town, "year": y, **row, "kind_label": book.kinds[row["kind"]], "sentence": sentence})
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["year"] = pd.array(out["year"].tolist(), dtype="Int64")
    out["article_no"] = pd.array(out["article_no"].tolist(), dtype="Int64")
    out["outdated"] = out["outdated"].astype(bool)
    return out.sort_values(["doc_id", "start", "end"]).reset_index(drop=True)


def counts(citations: pd.DataFrame, *, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """How often each document is cited (in how many reports), overall or per *by* (doc_id, town, year…)."""
    keys = [by] if isinstance(by, str) else list(by or [])
    columns = [*keys, *COUNT_COLUMNS]
    if citations.empty:
        return pd.DataFrame(columns=columns)
    grouped = citations.groupby([*keys, "name", "kind", "kind_label"], dropna=False)
    table = grouped.agg(n=("raw", "size"), reports=("doc_id", "nunique")).reset_index()
    order = [*keys, "n", "name"]
    return table.sort_values(order, ascending=[True] * len(keys) + [False, True]).reset_index(drop=True)[columns]


def by_kind_and_year(citations: pd.DataFrame) -> pd.DataFrame:
    """Citations per year and kind (Chinese labels as columns): how citing changes over time."""
    if citations.empty:
        return pd.DataFrame()
    table = citations.pivot_table(index="year", columns="kind_label", values="raw", aggfunc="size", fill_value=0)
    table.columns.name = None
    return table.reset_index()


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of a citations table for the reader: Chinese headers, 是/否 for ``outdated`` (``labels.yml`` tables: citations)."""
    return display.readable(table, kind="citations")


def outdated(citations: pd.DataFrame) -> pd.DataFrame:
    """The outdated citations only, with why."""
    columns = ["doc_id", "town", "year", "raw", "name", "reason", "sentence"]
    return citations.loc[citations["outdated"], columns].reset_index(drop=True)
