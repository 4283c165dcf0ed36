"""Find a report's outline: headings, sections and their roles, items, sentences.

Outline markers, from the top down: ``一、`` → ``（一）``/``(一)`` → ``1.``/``1、``
→ ``（1）`` → ``①``.  A level may be skipped; a heading's depth is its place in
the stack of open headings.  Two irregular forms are handled: a top-level
heading run onto the end of a paragraph (``…满意度达到90% 。二、党政主要…``) and
a list that restarts at ``一、`` inside a section (report 001's plans), which is
read as a list of sub-items.

Tables (all keyed by ``doc_id``; offsets are into the cleaned ``text``):

sections   — doc_id, section_no, level, marker, number, heading, role, path, start, end
paragraphs — doc_id, para_no, start, end, text, is_heading, section, role
items      — doc_id, town, role, item_no, marker, text, start, end, section
sentences  — doc_id, sent_no, start, end, text, section, role
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import pandas as pd
import pyarrow as pa

from . import config
from .chinese import CIRCLED, OUTLINE_NUMERALS, outline_number, to_simplified
from .errors import LexiconError, OptionError
from .lexicon import load_yaml, longest_word_re
from .metadata import head_spans

SECTION_COLUMNS = ["doc_id", "section_no", "level", "marker", "number", "heading", "role", "path", "start", "end"]
PARAGRAPH_COLUMNS = ["doc_id", "para_no", "start", "end", "text", "is_heading", "section", "role"]
ITEM_COLUMNS = ["doc_id", "town", "role", "item_no", "marker", "text", "start", "end", "section"]
SENTENCE_COLUMNS = ["doc_id", "sent_no", "start", "end", "text", "section", "role"]
ROLES = ("achievements", "responsibility", "problems", "plans", "other")

CN_NUM = OUTLINE_NUMERALS
# (rank, regex) — the marker at the start of a paragraph.
MARKERS = [
    (1, re.compile(rf"^第([{CN_NUM}]{{1,3}})部分[、，,：:.．\s]*")),
    (1, re.compile(rf"^([{CN_NUM}]{{1,3}})\s*[、，,．.]\s*")),
    (2, re.compile(rf"^[（(]\s*([{CN_NUM}]{{1,3}})\s*[）)]\s*")),
    (3, re.compile(r"^(\d{1,2})\s*(?:[、．]|\.(?!\d))\s*")),
    (4, re.compile(r"^[（(]\s*(\d{1,2})\s*[）)]\s*|^(\d{1,2})[)）]\s*")),
    (5, re.compile(r"^([①②③④⑤⑥⑦⑧⑨⑩])\s*")),
]
MARKER_FIRST = frozenset(f"第{CN_NUM}（({CIRCLED}")  # a marker starts with one of these or a digit (most lines do not)
# A heading line with no marker (存在的问题 / 下一步工作打算 alone on a line): short,
# no sentence punctuation, and a role cue near its start.
UNMARKED_MAX = 30
UNMARKED_ROLES = ("problems", "plans", "responsibility")
UNMARKED_STOP_RE = re.compile(r"[。；;！!？?，,]")  # sentence punctuation: no heading
# A top-level heading run onto the end of the previous paragraph.
# (the sentence's end taken into the match, not looked behind for: the scan then skips to each end mark in C)
EMBEDDED_TOP_RE = re.compile(rf"[。！？；!?]\s*([{CN_NUM}]{{1,3}})、")
# Inline list items: 一是… 二是…, 第一，… 第二，…, 其一，…
INLINE_ITEM_RE = re.compile(
    rf"(?:^|(?<=[。；;！!？?\n]))\s*(?:([{CN_NUM}]{{1,2}})是|第([{CN_NUM}]{{1,2}})[，,、：:]|其([{CN_NUM}])[，,、：:])"
)
SENTENCE_END_RE = re.compile(r"[^。！？!?；;\n]*(?:[。！？!?；;]+[”’」』）)]*|\n|$)")
HEADING_END_RE = re.compile(r"[。；;！!？?]")


@dataclass(frozen=True)
class SectionRules:
    """Role cues and closing-paragraph patterns (from ``sections.yml``)."""

    roles: dict[str, tuple[str, ...]]
    closing: tuple[re.Pattern[str], ...]

    def role_of(self, heading: str) -> str | None:
        """The role of the cue that comes first in *heading* (the longer at the same place; the role listed
        first for a cue of two roles), or None when it has no cue."""
        cue_re, role_of_cue = self._cues
        match = cue_re.search(to_simplified(heading)) if cue_re is not None else None
        return role_of_cue[match.group()] if match else None

    @cached_property
    def _cues(self) -> tuple[re.Pattern[str] | None, dict[str, str]]:
        """The cues as one pattern (the longest at the first place any stands; None when there are none) and each
        cue's role, made once."""
        role_of_cue: dict[str, str] = {}
        for role, cues in self.roles.items():
            for cue in cues:
                role_of_cue.setdefault(cue, role)
        return (re.compile(longest_word_re(role_of_cue)) if role_of_cue else None), role_of_cue


@lru_cache(maxsize=4)
def load_section_rules(path: str = str(config.SECTIONS_FILE)) -> SectionRules:
    """Read and validate ``sections.yml``."""
    data = load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("roles"), dict):
        raise LexiconError(path, "needs a 'roles' mapping of role → list of cue words")
    roles = {}
    for role, cues in data["roles"].items():
        if role not in ROLES:
            raise LexiconError(path, f"unknown role; use one of {', '.join(ROLES)}", entry=role)
        if not isinstance(cues, list) or not cues or not all(isinstance(c, str) and c for c in cues):
            raise LexiconError(path, "a role needs a non-empty list of cue words", entry=role)
        roles[role] = tuple(cues)
    closing = []
    for pattern in data.get("closing") or []:
        try:
            closing.append(re.compile(pattern))
        except re.error as exc:
            raise LexiconError(path, f"bad regular expression: {exc}", entry=pattern) from exc
    return SectionRules(roles, tuple(closing))


# ------------------------------------------------------------------ parsing


@dataclass
class _Heading:
    rank: float
    marker: str
    number: int
    heading: str
    start: int
    depth: int = 0
    role: str = "other"
    path: str = ""
    end: int = 0
    children: list[int] = field(default_factory=list)


def _lines(text: str, skip_until: int) -> list[tuple[int, int]]:
    spans = []
    offset = 0
    for line in text.split("\n"):
        start, end = offset, offset + len(line)
        offset = end + 1
        if start >= skip_until and line.strip():
            spans.append((start, end))
    return spans


def _heading_text(text: str) -> str:
    match = HEADING_END_RE.search(text)
    head = text[: match.start()] if match and text[match.end() :].strip() else text
    return head.strip().rstrip("。；;：:，,")


def _is_unmarked_heading(line: str, rules: SectionRules) -> bool:
    line = line.strip()
    if not line or len(line) > UNMARKED_MAX or UNMARKED_STOP_RE.search(line):
        return False
    simple = to_simplified(line)
    for role in UNMARKED_ROLES:
        for cue in rules.roles.get(role, ()):
            pos = simple.find(cue)
            if 0 <= pos <= 8 and len(cue) >= 2:
                return True
    return False


def parse(text: str, *, rules: SectionRules | None = None) -> tuple[list[_Heading], list[tuple[int, int, int | None]]]:
    """Headings and paragraphs of one cleaned text.

    Returns the headings in order and the paragraphs as (start, end, index
    of the heading the paragraph opens or None).
    """
    rules = rules or load_section_rules()
    _, body_start = head_spans(text)  # past furniture, the title, an addressee line
    headings: list[_Heading] = []
    paragraphs: list[tuple[int, int, int | None]] = []
    last_top = 0
    restart = False  # inside a list that restarted at 一、
    last_sub = 0
    pending = list(_lines(text, body_start))
    while pending:
        start, end = pending.pop(0)
        line = text[start:end]
        # split a top-level heading run onto the end of this paragraph
        for match in EMBEDDED_TOP_RE.finditer(line):
            if outline_number(match.group(1)) == last_top + 1 and last_top > 0:
                cut = start + match.start(1)
                pending.insert(0, (cut, end))
                end = cut
                while end > start and text[end - 1] in " \u3000":
                    end -= 1
                line = text[start:end]
                break
        found = None
        if line[:1] in MARKER_FIRST or line[:1].isdecimal():  # a digit as \d reads it (１．as 1.)
            for rank, regex in MARKERS:
                match = regex.match(line)
                if match:
                    found = (rank, match)
                    break
        if found is None:
            if _is_unmarked_heading(line, rules):
                headings.append(_Heading(1, "", last_top + 1, _heading_text(line), start))
                last_top, restart = last_top + 1, False
                paragraphs.append((start, end, len(headings) - 1))
            else:
                paragraphs.append((start, end, None))
            continue
        rank, match = found
        number = outline_number(next(g for g in match.groups() if g))
        if rank == 1:
            if restart and number == last_sub + 1 and number != last_top + 1:
                rank, last_sub = 1.5, number
            elif number == 1 and last_top >= 1:
                rank, restart, last_sub = 1.5, True, 1
            else:
                restart, last_top = False, number
        heading = _Heading(rank, match.group(0).strip(), number, _heading_text(line[match.end() :]), start)
        headings.append(heading)
        paragraphs.append((start, end, len(headings) - 1))
    _nest(headings, len(text), rules)
    return headings, paragraphs


def _nest(headings: list[_Heading], text_end: int, rules: SectionRules) -> None:
    stack: list[int] = []
    seen_problem_or_plan = False
    for index, heading in enumerate(headings):
        while stack and headings[stack[-1]].rank >= heading.rank:
            headings[stack.pop()].end = heading.start
        if stack:
            parent = headings[stack[-1]]
            parent.children.append(index)
            heading.role = parent.role
            heading.path = f"{parent.path} > {heading.marker}{heading.heading}"
        else:
            role = rules.role_of(heading.heading)
            if role is None:
                role = "other" if seen_problem_or_plan else "achievements"
            seen_problem_or_plan |= role in ("problems", "plans")
            heading.role = role
            heading.path = f"{heading.marker}{heading.heading}"
        stack.append(index)
        heading.depth = len(stack)
    for index in stack:
        headings[index].end = text_end


# Reports whose parse is kept (with the package's rules).  A notebook of 1,000 reports asks for the sections,
# the items and the paragraphs of every report: 256 kept parsed each report three times over (06: 2,937 parses
# for 1,000 reports).  A parse holds about 16 KB (16 MB for 1,000 reports, measured with tracemalloc).
PARSES_KEPT = 2048


@lru_cache(maxsize=PARSES_KEPT)
def _parse_cached(text: str) -> tuple[list[_Heading], list[tuple[int, int, int | None]]]:
    return parse(text)


def _parsed(text: str, rules: SectionRules | None) -> tuple[list[_Heading], list[tuple[int, int, int | None]]]:
    return _parse_cached(text) if rules is None else parse(text, rules=rules)


def sections(reports: pd.DataFrame, *, rules: SectionRules | None = None) -> pd.DataFrame:
    """One row per heading: its level (depth), marker, heading, role, path and span."""
    return _made_once("sections", reports, rules, _sections)


def _sections(reports: pd.DataFrame, rules: SectionRules | None) -> pd.DataFrame:
    columns: dict[str, list] = {c: [] for c in SECTION_COLUMNS}  # filled column by column: no dict a heading
    doc_ids, numbers_in_doc, levels, markers, numbers, texts, roles, paths, starts, ends = columns.values()
    for doc_id, text in zip(reports["doc_id"].tolist(), reports["text"].tolist()):
        headings, _ = _parsed(text, rules)
        for number, h in enumerate(headings, start=1):
            doc_ids.append(doc_id)
            numbers_in_doc.append(number)
            levels.append(h.depth)
            markers.append(h.marker)
            numbers.append(h.number)
            texts.append(h.heading)
            roles.append(h.role)
            paths.append(h.path)
            starts.append(h.start)
            ends.append(h.end)
    return pd.DataFrame(columns) if doc_ids else pd.DataFrame([], columns=SECTION_COLUMNS)


@lru_cache(maxsize=1)
def _last_tables() -> dict[str, list]:
    """The last tables of ``OFFERED_TABLES`` made with the lexicon's rules, with what they were made for.

    name → [rules, doc_id dtype, doc_id → position, the reports' texts as Arrow, table].  The tokeniser and
    the indicator stage read the same chunk's paragraphs; a briefing's flags, boilerplate and compliance
    the same sentences.  An lru cache, so that clearing the package's caches forgets them too.
    """
    return {}


@lru_cache(maxsize=1)
def _offered_tables() -> dict[str, list]:
    """The tables of ``OFFERED_TABLES`` offered for a set of reports (``offer``), as ``_last_tables`` holds
    its own, the table a function that reads it until it is first asked for.  Kept apart from ``_last_tables``:
    a table made for other reports does not replace the offer."""
    return {}


OFFERED_TABLES = ("sections", "items", "paragraphs", "sentences")


def offer(reports: pd.DataFrame, loads: Mapping[str, Callable[[], pd.DataFrame]]) -> None:
    """Let ``sections``, ``items``, ``paragraphs`` and ``sentences`` of *reports* (the names of *loads*), and the same of any of
    those reports kept in their order, be cut from ``loads[name]()`` instead of made: the pipeline offers its
    cached tables of a run's reports (``pipeline.run`` with those stages), so that every notebook and module
    that asks for them reads them, once, instead of parsing every report again.  Each load must give what
    its name gives for *reports* under the lexicon's section rules as they are now; it is called when the
    table is first asked for.  The offers share one record of the reports (their texts are held once).  An
    offer replaces the last of its name; when the rules are read anew (a lexicon edit), it is no longer
    used; when its load fails, its error reaches the caller who asked, and the offer is dropped.  Nothing
    is offered for reports whose doc_ids repeat or whose texts are not all text.
    """
    for name in loads:
        if name not in OFFERED_TABLES:
            raise OptionError(f"only {', '.join(OFFERED_TABLES)} can be offered, not {name!r}")
    entry = _entry(reports) if loads else None
    if entry is not None:
        for name, load in loads.items():
            _offered_tables()[name] = [*entry, load]


def _text_array(reports: pd.DataFrame) -> pa.Array | None:
    """The reports' texts as an Arrow array (immutable: a later change to the caller's table does not reach it);
    None when a text is not one."""
    try:
        texts = pa.array(reports["text"], type=pa.large_string(), from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return None
    return texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts  # a concatenated table gives chunks


def _entry(reports: pd.DataFrame) -> list | None:
    """What a kept table is checked against: [the rules now, doc_id dtype, doc_id → position, texts as Arrow];
    None when the doc_ids repeat or a text is not one."""
    known = {doc_id: position for position, doc_id in enumerate(reports["doc_id"].tolist())}
    texts = _text_array(reports)
    if len(known) != len(reports) or texts is None:
        return None
    return [load_section_rules(), reports["doc_id"].dtype, known, texts]


def _cut(made: list | None, reports: pd.DataFrame) -> pd.DataFrame | None:
    """The kept table of *made* (an entry of ``_last_tables`` or ``_offered_tables``), cut to *reports* when
    every one of them was among its reports, with the same text and in the same order (and doc_ids of the
    same dtype), under the rules it was made with; else None.  An offered table is read here, once."""
    if made is None or made[0] is not load_section_rules() or made[1] != reports["doc_id"].dtype:
        return None
    known, texts = made[2], made[3]
    positions = []
    for doc_id in reports["doc_id"].tolist():
        position = known.get(doc_id, -1)
        if position <= (positions[-1] if positions else -1):
            return None
        positions.append(position)
    asked = _text_array(reports)
    if asked is None or not texts.take(pa.array(positions, type=pa.int64())).equals(asked):
        return None
    if callable(made[4]):
        made[4] = made[4]()
    table = made[4]
    if len(positions) == len(known):
        return table.copy(deep=False)
    return table[table["doc_id"].isin(reports["doc_id"])].reset_index(drop=True)


def _last_made(name: str, reports: pd.DataFrame) -> pd.DataFrame | None:
    """Table *name* as last made (``_last_tables``), else as offered (``_offered_tables``), cut to *reports*
    (``_cut``); None when neither holds them."""
    made = _cut(_last_tables().get(name), reports)
    if made is not None:
        return made
    offered = _offered_tables().get(name)
    try:
        return _cut(offered, reports)
    except BaseException:  # the offered table could not be read: its error is the caller's, and the offer is gone
        if _offered_tables().get(name) is offered:
            del _offered_tables()[name]
        raise


def _keep(name: str, reports: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Keep *table* as the last *name* made for *reports* (when their doc_ids are unique); a copy of it for the caller."""
    entry = _entry(reports)
    if entry is not None:
        _last_tables()[name] = [*entry, table]
    return table.copy(deep=False)


def _made_once(name: str, reports: pd.DataFrame, rules: SectionRules | None, make) -> pd.DataFrame:
    """``make(reports, rules)``; with the lexicon's rules, the table *name* as last made or offered for these
    reports (``_last_made``), or made now and kept (``_keep``)."""
    if rules is not None or not len(reports):
        return make(reports, rules)
    made = _last_made(name, reports)
    return made if made is not None else _keep(name, reports, make(reports, None))


def paragraphs(reports: pd.DataFrame, *, rules: SectionRules | None = None) -> pd.DataFrame:
    """One row per paragraph (a line of the cleaned text) with its section path and role.

    The title is role ``title``; text before the first heading is ``preamble``.
    """
    return _made_once("paragraphs", reports, rules, _paragraphs)


def _paragraphs(reports: pd.DataFrame, rules: SectionRules | None) -> pd.DataFrame:
    columns: dict[str, list] = {c: [] for c in PARAGRAPH_COLUMNS}  # filled column by column: no dict a paragraph
    doc_ids, numbers, starts, ends, texts, is_heading, sections, roles = columns.values()
    numbered: dict[str, int] = {}  # paragraphs of each doc_id so far: para_no counts them in row order

    def add(doc_id: str, start: int, end: int, text: str, heading: bool, section: str, role: str) -> None:
        numbered[doc_id] = numbered.get(doc_id, 0) + 1
        doc_ids.append(doc_id)
        numbers.append(numbered[doc_id])
        starts.append(start)
        ends.append(end)
        texts.append(text)
        is_heading.append(heading)
        sections.append(section)
        roles.append(role)

    for doc_id, text in zip(reports["doc_id"].tolist(), reports["text"].tolist()):
        headings, paras = _parsed(text, rules)
        title, _ = head_spans(text)
        if title is not None:
            t0, t1 = title
            add(doc_id, t0, t1, text[t0:t1], False, "", "title")
        current: _Heading | None = None
        for start, end, index in paras:
            if index is not None:
                current = headings[index]
            add(
                doc_id,
                start,
                end,
                text[start:end],
                index is not None,
                current.path if current else "",
                current.role if current else "preamble",
            )
    if not doc_ids:
        table = pd.DataFrame([], columns=[c for c in PARAGRAPH_COLUMNS if c != "para_no"])
        table.insert(1, "para_no", pd.Series(dtype="int64"))
        return table[PARAGRAPH_COLUMNS]
    return pd.DataFrame(columns)


def _strip_closing(text: str, start: int, end: int, rules: SectionRules) -> int:
    """End of an item with a closing paragraph (下步，…将…) cut off."""
    last_break = text.rfind("\n", start, end)
    if last_break > start:
        last = text[last_break + 1 : end].strip()
        if any(p.search(last) for p in rules.closing):
            return last_break
    return end


def _inline_items(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Spans of 一是…二是… items in text[start:end] (numbers must run 一, 二, 三…)."""
    found = []
    expect = 1
    for match in INLINE_ITEM_RE.finditer(text, start, end):
        number = outline_number(next(g for g in match.groups() if g))
        if number == expect:
            found.append((match.start() + len(match.group(0)) - len(match.group(0).lstrip()), match.end(), match.group(0).strip()))
            expect += 1
    spans = []
    for i, (m_start, _, marker) in enumerate(found):
        item_end = found[i + 1][0] if i + 1 < len(found) else end
        spans.append((m_start, item_end, marker))
    return spans


def items(reports: pd.DataFrame, *, role: str | None = None, rules: SectionRules | None = None) -> pd.DataFrame:
    """One row per stated item of the problems and plans sections (or *role* only).

    Items are the section's direct sub-headings with their text, else its
    inline 一是…二是… items, else its paragraphs.  An introduction before the
    first item and a closing paragraph after the last are not items.  The
    problems' and plans' items are made once a process for the same reports,
    or read from a pipeline run's cached table (``offer``), with the towns of
    the reports given; another section's are made on asking.
    """
    if role is not None and role not in ROLES:
        raise OptionError(f"role must be one of {ROLES}, not {role!r}")
    if role not in (None, *ITEM_ROLES):  # the items of another section (achievements): made now
        return _items(reports, rules, wanted=(role,))
    table = _made_once("items", reports, rules, _items)
    if len(table):  # the towns of the reports asked about (a kept or offered table has those of the reports it was made for)
        table = table.assign(town=table["doc_id"].map(dict(zip(reports["doc_id"], reports["town"]))) if "town" in reports else None)
    return table if role is None else table[table["role"] == role].reset_index(drop=True)


ITEM_ROLES = ("problems", "plans")  # the sections whose items the pipeline's stage keeps


def _items(reports: pd.DataFrame, rules: SectionRules | None, wanted: tuple[str, ...] = ITEM_ROLES) -> pd.DataFrame:
    """``items`` of the *wanted* roles, made now."""
    rules_ = rules or load_section_rules()
    rows = []
    towns = reports["town"] if "town" in reports else [None] * len(reports)
    for doc_id, town, text in zip(reports["doc_id"].tolist(), towns, reports["text"].tolist()):
        headings, paras = _parsed(text, rules)
        for h in headings:
            if h.depth != 1 or h.role not in wanted:
                continue
            body_start = text.find("\n", h.start, h.end)
            body_start = h.end if body_start < 0 else body_start + 1
            section_end = _strip_closing(text, body_start, h.end, rules_)
            spans: list[tuple[int, int, str]] = []
            if h.children:
                for i, child_index in enumerate(h.children):
                    child = headings[child_index]
                    child_end = headings[h.children[i + 1]].start if i + 1 < len(h.children) else section_end
                    spans.append((child.start, child_end, child.marker))
            else:
                spans = _inline_items(text, body_start, section_end)
                if not spans:
                    for start, end, index in paras:
                        if index is None and body_start <= start < section_end:
                            line = text[start:end].strip()
                            if line and not line.endswith(("：", ":")):
                                spans.append((start, end, ""))
            for number, (start, end, marker) in enumerate(spans, start=1):
                while end > start and text[end - 1] in "\n \u3000":
                    end -= 1
                body = text[start:end]
                if marker and body.startswith(marker):
                    body = body[len(marker) :]
                elif marker:
                    body = re.sub(r"^\s*" + re.escape(marker), "", body)
                rows.append(
                    {
                        "doc_id": doc_id,
                        "town": town,
                        "role": h.role,
                        "item_no": number,
                        "marker": marker,
                        "text": body.strip(),
                        "start": start,
                        "end": end,
                        "section": h.path,
                    }
                )
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)


def problem_items(reports: pd.DataFrame, *, rules: SectionRules | None = None) -> pd.DataFrame:
    """The stated problems, one row each (see ``items``)."""
    return items(reports, role="problems", rules=rules)


def plan_items(reports: pd.DataFrame, *, rules: SectionRules | None = None) -> pd.DataFrame:
    """The planned measures, one row each (see ``items``)."""
    return items(reports, role="plans", rules=rules)


def sentences(reports: pd.DataFrame, *, rules: SectionRules | None = None) -> pd.DataFrame:
    """One row per sentence (split at 。！？； and line ends), with section and role."""
    return _made_once("sentences", reports, rules, _sentences)


def _sentence_spans(para_text: str, para_start: int) -> Iterator[tuple[int, int, str]]:
    """(start, end, text) of each sentence of a paragraph at *para_start* (offsets into the report): its pieces
    cut at 。！？； (closing quotes kept), spaces around them stripped, empty ones left out."""
    for match in SENTENCE_END_RE.finditer(para_text):
        piece = match.group(0)
        text = piece.strip()
        if text:
            yield (
                para_start + match.start() + len(piece) - len(piece.lstrip()),
                para_start + match.end() - (len(piece) - len(piece.rstrip())),
                text,
            )


def _sentences(reports: pd.DataFrame, rules: SectionRules | None) -> pd.DataFrame:
    paras = paragraphs(reports, rules=rules)
    columns: dict[str, list] = {c: [] for c in SENTENCE_COLUMNS if c != "sent_no"}
    doc_ids, starts, ends, texts, sections, roles = columns.values()  # filled column by column: no dict a sentence
    for doc_id, para_start, para_text, section, role in zip(
        paras["doc_id"].tolist(), paras["start"].tolist(), paras["text"].tolist(), paras["section"].tolist(), paras["role"].tolist()
    ):
        for start, end, text in _sentence_spans(para_text, para_start):
            doc_ids.append(doc_id)
            starts.append(start)
            ends.append(end)
            texts.append(text)
            sections.append(section)
            roles.append(role)
    table = pd.DataFrame(columns) if doc_ids else pd.DataFrame(columns=list(columns))
    table.insert(1, "sent_no", table.groupby("doc_id").cumcount() + 1 if len(table) else pd.Series(dtype="int64"))
    return table[SENTENCE_COLUMNS]


def sentence_at(
    doc_ids: Sequence[str], starts: Sequence[int], reports: pd.DataFrame, *, rules: SectionRules | None = None
) -> tuple[list[str], list[str]]:
    """The text and section of the sentence each offset stands in: for each (doc_id, start), the last sentence
    of that report (``sentences``) that starts at or before *start*, or "" and "" when none does.

    Only the paragraph that holds an offset is cut into sentences (and the one before, when the offset stands
    before the paragraph's first sentence): the indicator table names the sentence of each quantity, and
    cutting every sentence of every report took a fifth of that stage.  The reports' doc_ids are taken to be
    unique, as ``load_corpus`` makes them.
    """
    asked = set(doc_ids)
    # as a whole table asks, the reports as they are: the paragraphs kept for them, as made
    chosen = reports if all(doc_id in asked for doc_id in reports["doc_id"].tolist()) else reports[reports["doc_id"].isin(asked)]
    paras = paragraphs(chosen, rules=rules) if asked else None
    texts_of = dict(zip(chosen["doc_id"].tolist(), chosen["text"].tolist()))
    where: dict[str, tuple[list[int], list[int]]] = {}  # doc_id → its paragraphs' starts, in order, and their rows
    if paras is not None:
        para_doc, para_start, para_end = paras["doc_id"].tolist(), paras["start"].tolist(), paras["end"].tolist()
        for row in sorted(range(len(paras)), key=para_start.__getitem__):
            starts_rows = where.setdefault(para_doc[row], ([], []))
            starts_rows[0].append(para_start[row])
            starts_rows[1].append(row)
        para_section = paras["section"].tolist()
    cut: dict[int, tuple[list[int], list[str]]] = {}  # paragraph row → its sentences' starts and texts

    def sentences_of(row: int) -> tuple[list[int], list[str]]:
        if row not in cut:  # a paragraph's text is its report's text from its start to its end
            para_text = texts_of[para_doc[row]][para_start[row] : para_end[row]]
            spans = list(_sentence_spans(para_text, para_start[row]))
            cut[row] = ([start for start, _, _ in spans], [text for _, _, text in spans])
        return cut[row]

    texts, sections = [], []
    for doc_id, start in zip(doc_ids, starts):
        para_starts, rows = where.get(doc_id, ((), ()))
        at = bisect.bisect_right(para_starts, start) - 1
        found = ("", "")
        while at >= 0:  # the paragraph the offset is in, else the last earlier one with a sentence
            row = rows[at]
            sentence_starts, sentence_texts = sentences_of(row)
            k = bisect.bisect_right(sentence_starts, start) - 1
            if k >= 0:
                found = (sentence_texts[k], para_section[row])
                break
            at -= 1
        texts.append(found[0])
        sections.append(found[1])
    return texts, sections


def locate(table: pd.DataFrame, reports: pd.DataFrame, *, rules: SectionRules | None = None) -> pd.DataFrame:
    """Add ``section`` and ``role`` to any table with ``doc_id`` and ``start`` offsets.

    Returns a new table; the input is left as it was.
    """
    result = table.drop(columns=[c for c in ("section", "role") if c in table.columns]).copy()
    if result.empty:
        result["section"] = pd.Series(dtype="object")
        result["role"] = pd.Series(dtype="object")
        return result
    paras = paragraphs(reports[reports["doc_id"].isin(result["doc_id"].unique())], rules=rules)
    paras = paras[["doc_id", "start", "section", "role"]].rename(columns={"start": "_para_start"}).sort_values("_para_start")
    result["_order"] = range(len(result))
    merged = pd.merge_asof(result.sort_values("start"), paras, left_on="start", right_on="_para_start", by="doc_id", direction="backward")
    merged["section"] = merged["section"].fillna("")
    merged["role"] = merged["role"].fillna("preamble")
    return merged.sort_values("_order").drop(columns=["_order", "_para_start"]).reset_index(drop=True)
