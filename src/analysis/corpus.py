"""Load reports into the reports table: read, decode, clean, find metadata.

``load_corpus(paths)`` returns ``Corpus(reports, problems)``:

reports — one row per readable report:
    doc_id, path, sha256, town, level, county, year, title, text, n_chars, encoding
problems — one row per file that could not be read or needed a fallback:
    file, problem, action

Offsets in ``text`` (the cleaned text) are what every later stage uses.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import config
from .chinese import YEAR_DIGITS, digits, to_simplified
from .errors import InputError, LexiconError
from .lexicon import load_yaml

REPORT_COLUMNS = ["doc_id", "path", "sha256", "town", "level", "county", "year", "title", "text", "n_chars", "encoding"]
PROBLEM_COLUMNS = ["file", "problem", "action"]

# Conversion artefacts left by docx→txt tools, e.g. ``[bookmark: _GoBack]``.
ARTEFACT_RE = re.compile(r"\[(?:bookmark|image|footnote|endnote|comment|anchor)[^\]\n]{0,80}\]", re.IGNORECASE)
INVISIBLE_RE = re.compile("[\ufeff\u200b\u200c\u200d\u2060\u00ad]")
INNER_SPACE_RE = re.compile(r"[ \u00a0\u3000]{2,}")
BLANK_LINES_RE = re.compile(r"\n{3,}")

OUTLINE_START_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+[、，,.．]|第[一二三四五六七八九十]+部分|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、)）])"
)
TITLE_WORD_RE = re.compile(r"报告|汇报|总结|情况")

YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")
CN_YEAR_RE = re.compile(rf"([{YEAR_DIGITS}]{{4}})\s*年")
# A township-level name: the shortest run of Han characters ending in a
# township suffix (at least two characters before it).
TOWN_RE = re.compile(r"^[\u4e00-\u9fff]{2,20}?(?:街道办事处|街道|苏木|镇|乡)")
COUNTY_RE = re.compile(r"^[\u4e00-\u9fff]{2,20}?(?:自治县|自治旗|县|区|旗|市)")
COUNTY_SUFFIX_RE = re.compile(r"(?:自治县|自治旗|县|区|旗|市|盟|州)")
NAME_PREFIX_RE = re.compile(r"^(?:中共|关于|[\s\W_])+")
YEAR_SPAN_RE = re.compile(rf"[（(]?\s*(?:(?:19|20)\d{{2}}|[{YEAR_DIGITS}]{{4}})\s*(?:年度|年)[）)]?")
NOT_A_NAME = (
    "政府",
    "委",
    "人民",
    "领导",
    "法治",
    "建设",
    "我镇",
    "我乡",
    "全镇",
    "全乡",
    "本镇",
    "本乡",
    "乡镇",
    "各镇",
    "各乡",
    "城镇",
    "村镇",
    "全区",
    "全县",
)
CLAUSE_SPLIT_RE = re.compile(r"[，,、。：:；;！!？?\s]+")
LEAD_WORDS_RE = re.compile(r"^(?:今年以来|近年来|一年来|年初以来|本年度|今年|全年|去年|过去一年|在)")
DATE_LINE_RE = re.compile(rf"^[（(]?\s*(?:(?:19|20)\d{{2}}|[{YEAR_DIGITS}]{{4}})\s*年[^）)]{{0,8}}日?\s*[）)]?$")


@dataclass(frozen=True)
class Corpus:
    """What ``load_corpus`` returns: the reports and the problems met."""

    reports: pd.DataFrame
    problems: pd.DataFrame

    def __iter__(self):  # allows ``reports, problems = load_corpus(...)``
        return iter((self.reports, self.problems))


# --------------------------------------------------------------------- reading

CJK_COMMON = set(
    "的法治建设政府工作年镇乡村在和是为了推进依法行政开展群众宣传提升加强落实"
    "的法治建設政府工作年鎮鄉村在和是為了推進依法行政開展群眾宣傳提升加強落實"
)


def _score(text: str) -> float:
    """Share of common report characters: tells a right decoding from mojibake."""
    if not text:
        return 0.0
    return sum(ch in CJK_COMMON for ch in text) / len(text)


def decode(data: bytes, path: str | Path = "<bytes>") -> tuple[str, str]:
    """Decode report bytes: UTF-8 (with or without BOM), UTF-16, GB18030, Big5, or detected."""
    if not data.strip():
        raise InputError(path, "is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:8192]:
        raise InputError(path, "looks like a binary file (it contains NUL bytes), not a text report")
    try:
        return data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for encoding in ("gb18030", "big5"):
        try:
            candidates.append((data.decode(encoding), encoding))
        except UnicodeDecodeError:
            continue
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    if best is not None:
        candidates.append((str(best), best.encoding))
    if candidates:
        text, encoding = max(candidates, key=lambda c: _score(c[0]))
        if _score(text) > 0:
            return text, encoding
    tried = ", ".join(["UTF-8", "GB18030", "Big5"] + ([best.encoding] if best is not None else []))
    raise InputError(path, f"cannot be decoded as Chinese text (tried {tried}); save it as UTF-8")


def read_docx(path: str | Path, data: bytes | None = None) -> str:
    """Paragraphs and tables of a .docx in document order, one paragraph a line (*data*: its bytes, if read)."""
    import io
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data) if data is not None else str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(path, f"is not a readable .docx file ({exc.__class__.__name__})") from exc
    lines = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                cells = []
                for cell in row.cells:
                    value = cell.text.strip()
                    if not cells or cells[-1] != value:  # merged cells repeat
                        cells.append(value)
                lines.append("\t".join(cells))
    return "\n".join(lines)


def read_file(path: str | Path) -> tuple[str, str]:
    """Return (raw text, encoding) of a report file, or raise InputError."""
    path = Path(path)
    return _decode_file(path, _read_bytes(path))


def _read_bytes(path: Path) -> bytes:
    suffix = path.suffix.lower()
    if suffix not in config.SUPPORTED_SUFFIXES:
        kind = suffix or "no extension"
        raise InputError(path, f"unsupported format ({kind}); save the report as .txt or .docx")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror})") from exc


def _decode_file(path: Path, data: bytes) -> tuple[str, str]:
    if path.suffix.lower() == ".docx":
        if not data:
            raise InputError(path, "is empty")
        return read_docx(path, data), "docx"
    return decode(data, path)


def clean(text: str) -> str:
    """Normalise line ends and whitespace, drop conversion artefacts.

    The cleaned text keeps the report's own characters (traditional stays
    traditional, full-width stays full-width); only layout noise goes.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = INVISIBLE_RE.sub("", text)
    text = ARTEFACT_RE.sub("", text)
    lines = [INNER_SPACE_RE.sub(" ", line.strip(" \t\u00a0\u3000")) for line in text.split("\n")]
    text = "\n".join(lines)
    text = BLANK_LINES_RE.sub("\n\n", text)
    return text.strip("\n")


# -------------------------------------------------------------------- metadata

CLUTTER_FIELDS = ("line_starts", "publisher_labels", "navigation_marks")


@dataclass(frozen=True)
class Clutter:
    """The web-page clutter of ``clutter.yml``, compiled (lines are matched in simplified form)."""

    line_start_re: re.Pattern[str]  # a line starting with one of the words is furniture
    publisher_re: re.Pattern[str]  # `label：name`, group 1 the publishing unit
    navigation_re: re.Pattern[str]  # a breadcrumb mark


def _alternatives(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=4)
def load_clutter(path: str = str(config.CLUTTER_FILE)) -> Clutter:
    """Read and validate ``clutter.yml``; an error names the list and the entry."""
    file = Path(path)
    data = load_yaml(file)
    if not isinstance(data, dict):
        raise LexiconError(file, f"needs the lists {', '.join(CLUTTER_FIELDS)}")
    for field in data:
        if field not in CLUTTER_FIELDS:
            raise LexiconError(file, f"unknown list; use {', '.join(CLUTTER_FIELDS)}", entry=str(field))
    lists: dict[str, list[str]] = {}
    for field in CLUTTER_FIELDS:
        value = data.get(field)
        if not isinstance(value, list) or not value:
            raise LexiconError(file, "needs a non-empty list of words", entry=field)
        words: list[str] = []
        for word in value:
            if not isinstance(word, str) or not word.strip() or word != word.strip():
                raise LexiconError(file, f"{word!r} is not a word (text without surrounding spaces)", entry=field)
            if word in words:
                raise LexiconError(file, f"{word!r} is listed twice", entry=field)
            if to_simplified(word) != word:
                raise LexiconError(file, f"{word!r} is not in simplified characters (write {to_simplified(word)!r})", entry=field)
            words.append(word)
        lists[field] = words
    return Clutter(
        line_start_re=re.compile(f"^(?:{_alternatives(lists['line_starts'])})"),
        publisher_re=re.compile(rf"^(?:{_alternatives(lists['publisher_labels'])})\s*[：:]\s*(\S+)"),
        navigation_re=re.compile(_alternatives(lists["navigation_marks"])),
    )


def _year(text: str) -> int | None:
    match = YEAR_RE.search(text)
    if match:
        return int(match.group(1))
    match = CN_YEAR_RE.search(text)
    if match:
        return int(digits(match.group(1)))
    return None


def parse_place(text: str) -> dict[str, str | None] | None:
    """Town, level and county from the start of a title or sentence.

    ``杭锦后旗双庙镇2025年…`` → town 双庙镇, level 镇, county 杭锦后旗.
    A county- or district-level report gives its own name as town.
    """
    text = YEAR_SPAN_RE.sub("", to_simplified(text))
    text = NAME_PREFIX_RE.sub("", text)
    match = TOWN_RE.match(text)
    if match:
        chain = match.group(0)
        suffix = re.search(r"(?:街道办事处|街道|苏木|镇|乡)$", chain).group(0)
        level = "街道" if suffix == "街道办事处" else suffix
        name = chain[: len(chain) - len(suffix)]
        county = None
        cuts = [m.end() for m in COUNTY_SUFFIX_RE.finditer(name) if len(name) - m.end() >= 2]  # a town keeps ≥ 2 characters
        if cuts:
            prefix, name = name[: cuts[-1]], name[cuts[-1] :]
            # the county is the last unit of the prefix: 某某市某某区 → 某某区
            units = [m.end() for m in COUNTY_SUFFIX_RE.finditer(prefix) if m.end() >= 2]
            inner = [u for u in units[:-1] if len(prefix) - u >= 2]
            county = prefix[inner[-1] :] if inner else prefix
        town = name + ("街道" if level == "街道" else level)
        if not any(bad in town for bad in NOT_A_NAME):
            return {"town": town, "level": level, "county": county}
    match = COUNTY_RE.match(text)
    if match:
        town = match.group(0)
        if not any(bad in town for bad in NOT_A_NAME):
            level = re.search(r"(?:自治县|自治旗|县|区|旗|市)$", town).group(0)
            return {"town": town, "level": level, "county": None}
    return None


def split_head(text: str) -> dict[str, object]:
    """Find the title and the opening sentence past any page furniture.

    Returns title, title span (start, end), the first body sentence and the
    publisher named in the furniture (发布机构), if any.
    """
    clutter = load_clutter()
    publisher = None
    title_lines: list[tuple[int, int, str]] = []
    opening = ""
    offset = 0
    for line in text.split("\n"):
        start, end = offset, offset + len(line)
        offset = end + 1
        simple = to_simplified(line.strip())
        if not simple:
            if title_lines:
                continue
            continue
        if not title_lines:
            match = clutter.publisher_re.match(simple)
            if match:
                publisher = publisher or match.group(1)
                continue
            if clutter.line_start_re.match(simple) or (clutter.navigation_re.search(simple) and len(simple) < 80):
                continue
        if DATE_LINE_RE.match(simple):  # a date under the title
            continue
        is_body = len(simple) > 40 or bool(re.search(r"[。；;]", simple)) or bool(OUTLINE_START_RE.match(simple))
        if not is_body and not simple.endswith(("：", ":")) and len(title_lines) < 3:
            title_lines.append((start, end, line.strip()))
            continue
        if simple.endswith(("：", ":")) and len(simple) < 30:  # addressee line, e.g. 县委依法治县办：
            continue
        opening = re.split(r"[。！？!?]", line, maxsplit=1)[0]
        break
    title = "".join(part for _, _, part in title_lines)
    if title and not TITLE_WORD_RE.search(to_simplified(title)):
        # short opening lines that are not a title: treat them as body
        opening = opening or title
        title, title_lines = "", []
    span = (title_lines[0][0], title_lines[-1][1]) if title_lines else (0, 0)
    return {"title": title, "title_span": span, "opening": opening, "publisher": publisher}


def find_place(sentence: str) -> dict[str, str | None] | None:
    """The first place name that opens a clause of *sentence* (今年以来，某某镇… → 某某镇)."""
    for clause in CLAUSE_SPLIT_RE.split(YEAR_SPAN_RE.sub("，", sentence)):
        clause = LEAD_WORDS_RE.sub("", clause)
        if clause:
            place = parse_place(clause)
            if place:
                return place
    return None


def metadata(text: str) -> dict[str, object]:
    """Town, level, county, year and title of a cleaned report text."""
    head = split_head(text)
    title, opening = head["title"], head["opening"]
    place = parse_place(title) if title else None
    if place is None and opening:
        place = find_place(opening)
    if place is None and head["publisher"]:
        place = parse_place(head["publisher"])
    year = _year(to_simplified(title)) if title else None
    if year is None:
        year = _year(to_simplified(opening)) or _year(to_simplified(text[:600]))
    result = {"town": None, "level": None, "county": None, "year": year, "title": title}
    if place:
        result.update(place)
    if result["county"] is None and head["publisher"]:
        other = parse_place(head["publisher"])
        if other and other["county"]:
            result["county"] = other["county"]
    return result


# ---------------------------------------------------------------------- corpus


def _expand(paths: str | Path | Iterable[str | Path]) -> tuple[list[Path], list[dict[str, str]]]:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[Path] = []
    problems = []
    for item in paths:
        item = config.resolve_path(item)
        if item.is_dir():
            names, unreadable = [], []
            with os.scandir(item) as entries:  # no stat per file where the folder listing tells
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    try:
                        if entry.is_file():
                            names.append(entry.name)
                        elif entry.is_symlink() and not entry.is_dir():
                            unreadable.append((entry.path, "is a link to nothing"))
                    except OSError as exc:  # a loop of links, say
                        unreadable.append((entry.path, f"cannot be read ({exc.strerror})"))
            problems.extend({"file": path, "problem": problem, "action": "skipped"} for path, problem in sorted(unreadable))
            files.extend(item / name for name in sorted(names))
        elif item.is_file():
            files.append(item)
        else:
            problems.append({"file": str(item), "problem": "does not exist", "action": "skipped"})
    return files, problems


def read_report(path: str | Path) -> dict[str, object]:
    """Read one report file: sha256 (of its bytes), text (cleaned), encoding, town, level, county, year, title.

    Raises InputError when the file cannot be read or has no text; town and
    year are None when not found.  ``load_corpus`` calls it for every file.
    """
    path = Path(path)
    data = _read_bytes(path)
    raw, encoding = _decode_file(path, data)
    text = clean(raw)
    if not text.strip():
        raise InputError(path, "has no text after cleaning")
    return {"sha256": hashlib.sha256(data).hexdigest(), "text": text, "encoding": encoding, **metadata(text)}


def load_corpus(
    paths: str | Path | Iterable[str | Path] = config.DATA_RAW,
    *,
    warn: bool = True,
    read: Callable[[Path], dict[str, object]] = read_report,
) -> Corpus:
    """Load report files (or folders of them) into the reports table.

    Unreadable files are left out and named in ``problems`` (and on stderr
    when *warn*); the rest load.  *read* reads one file (default
    ``read_report``; the pipeline passes one that answers from its cache).
    """
    files, problems = _expand(paths)
    rows = []
    seen_text: dict[str, str] = {}
    seen_ids: set[str] = set()
    for path in files:
        try:
            report = read(path)
        except InputError as exc:
            problems.append({"file": str(path), "problem": exc.problem, "action": "skipped"})
            continue
        text, encoding = report["text"], report["encoding"]
        text_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if text_hash in seen_text:
            problems.append({"file": str(path), "problem": f"duplicate: same text as {seen_text[text_hash]}", "action": "skipped"})
            continue
        seen_text[text_hash] = str(path)
        doc_id = path.stem
        if doc_id in seen_ids:
            doc_id = f"{path.stem}{path.suffix.lower().replace('.', '_')}"
            problems.append({"file": str(path), "problem": f"another file is named {path.stem}", "action": f"loaded as {doc_id}"})
        seen_ids.add(doc_id)
        meta = dict(report)
        if meta["town"] is None:
            meta["town"] = doc_id
            problems.append(
                {"file": str(path), "problem": "town not found in the title or opening sentence", "action": f"loaded; town set to {doc_id}"}
            )
        if meta["year"] is None:
            problems.append({"file": str(path), "problem": "year reported on not found", "action": "loaded; year left empty"})
        rows.append(
            {
                "doc_id": doc_id,
                "path": str(path),
                "sha256": report["sha256"],
                **{key: meta[key] for key in ("town", "level", "county", "year", "title")},
                "text": text,
                "n_chars": len(text),
                "encoding": encoding,
            }
        )
    reports = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    reports["year"] = reports["year"].astype("Int64")
    reports["n_chars"] = reports["n_chars"].astype("int64")
    reports = reports.sort_values("doc_id", kind="stable").reset_index(drop=True)
    problems_df = pd.DataFrame(problems, columns=PROBLEM_COLUMNS)
    if warn:
        for row in problems_df.itertuples(index=False):
            print(f"warning: {row.file}: {row.problem} ({row.action})", file=sys.stderr)
    return Corpus(reports, problems_df)


def read_reports(paths: str | Path | Iterable[str | Path] = config.DATA_RAW, *, warn: bool = True) -> pd.DataFrame:
    """The reports table alone (problems go to stderr)."""
    return load_corpus(paths, warn=warn).reports
