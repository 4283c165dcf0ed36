"""Load reports into the reports table: read (``analysis.loaders``), clean, find metadata.

``load_corpus(paths)`` returns ``Corpus(reports, problems)``:

reports — one row per readable report:
    doc_id, path, sha256, town, level, county, year, title,
    publisher, published, index_no, doc_no, source_url, text, n_chars, encoding
problems — one row per file that could not be read or needed a fallback:
    file, problem, action

Files are read by the reader of their type (``.txt``, ``.docx``, saved pages,
``.pdf``, ``.doc``/``.wps``: ``analysis.loaders``); town, level, county, year
and title come from ``analysis.metadata`` (empty, with a problem row, where the
text does not say); the page columns from the furniture of the page or the
pasted text (``analysis.pagemeta``).  Offsets in ``text`` (the cleaned text)
are what every later stage uses.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import config, loaders
from . import metadata as metadata_stage
from .errors import InputError
from .pagemeta import COLUMNS as PAGE_COLUMNS
from .tables import records

REPORT_COLUMNS = [
    "doc_id",
    "path",
    "sha256",
    "town",
    "level",
    "county",
    "year",
    "title",
    *PAGE_COLUMNS,
    "text",
    "n_chars",
    "encoding",
]
PROBLEM_COLUMNS = ["file", "problem", "action"]

# Conversion artefacts left by docx→txt tools, e.g. ``[bookmark: _GoBack]``.
ARTEFACT_RE = re.compile(r"\[(?:bookmark|image|footnote|endnote|comment|anchor)[^\]\n]{0,80}\]", re.IGNORECASE)
INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\u00ad"
INVISIBLE_RE = re.compile(f"[{INVISIBLE}]")
INNER_SPACE_RE = re.compile(r"[ \u00a0\u3000]{2,}")
BLANK_LINES_RE = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Corpus:
    """What ``load_corpus`` returns: the reports and the problems met."""

    reports: pd.DataFrame
    problems: pd.DataFrame

    def __iter__(self):  # allows ``reports, problems = load_corpus(...)``
        return iter((self.reports, self.problems))


# --------------------------------------------------------------------- reading


def read_file(path: str | Path) -> tuple[str, str]:
    """Return (raw text, how it was read) of a report file, or raise InputError (``loaders.read``)."""
    loaded = loaders.read(path)
    return loaded.text, loaded.encoding


def clean(text: str) -> str:
    """Normalise line ends and whitespace, drop conversion artefacts.

    The cleaned text keeps the report's own characters (traditional stays
    traditional, full-width stays full-width); only layout noise goes.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if any(char in text for char in INVISIBLE):  # a search per character finds none sooner than the pattern
        text = INVISIBLE_RE.sub("", text)
    text = ARTEFACT_RE.sub("", text)
    # each line stripped, then runs of spaces inside lines made one (a run never reaches across a line end): one
    # pass over the text, not one a line
    text = INNER_SPACE_RE.sub(" ", "\n".join([line.strip(" \t\u00a0\u3000") for line in text.split("\n")]))
    if "\n\n\n" in text:
        text = BLANK_LINES_RE.sub("\n\n", text)
    return text.strip("\n")


# ---------------------------------------------------------------------- corpus


def _expand(paths: str | Path | Iterable[str | Path]) -> tuple[list[Path], list[dict[str, str]]]:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[Path] = []
    problems = []
    for item in paths:
        item = config.resolve_path(item)
        if item.is_dir():
            names, unreadable, ignored = [], [], []
            inside = item.resolve()
            with os.scandir(item) as entries:  # no stat per file where the folder listing tells
                for entry in entries:
                    if entry.name.startswith("."):
                        ignored.append((entry.path, "hidden (its name starts with a dot)"))
                        continue
                    try:
                        if entry.is_symlink() and not Path(os.path.realpath(entry.path)).is_relative_to(inside):
                            unreadable.append(
                                (entry.path, f"is a link to {os.path.realpath(entry.path)}, outside the folder: not followed")
                            )
                        elif entry.is_file():
                            names.append(entry.name)
                        elif entry.is_dir():
                            unreadable.append((entry.path, "is a folder: the reports in it are not read; give it as a path of its own"))
                        elif entry.is_symlink():
                            unreadable.append((entry.path, "is a link to nothing"))
                        else:
                            unreadable.append((entry.path, "is not a regular file"))
                    except OSError as exc:  # a loop of links, say
                        unreadable.append((entry.path, f"cannot be read ({exc.strerror})"))
            problems.extend({"file": path, "problem": problem, "action": "skipped"} for path, problem in sorted(unreadable))
            problems.extend({"file": path, "problem": problem, "action": "ignored"} for path, problem in sorted(ignored))
            files.extend(item / name for name in sorted(names))
        elif item.is_file():
            files.append(item)
        else:
            problems.append({"file": str(item), "problem": "does not exist", "action": "skipped"})
    return files, problems


def read_report(path: str | Path) -> dict[str, object]:
    """Read one report file: sha256 (of its bytes), text (cleaned), encoding, metadata, page columns.

    Returns the columns of the reports table that come from the file (town,
    level, county, year, title, publisher, published, index_no, doc_no,
    source_url; None where the text does not say), ``fingerprint`` (equal for
    two copies of one report however saved) and ``problems`` (what the
    metadata stage could not find).  Raises InputError when the file cannot be
    read or has no text.  ``load_corpus`` calls it for every file.
    """
    path = Path(path)
    if path.suffix.lower() not in loaders.READERS:
        loaders.read(path)  # raises: unsupported format, with the formats read
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror})") from exc
    loaded = loaders.read(path, data)
    text = clean(loaded.text)
    if not text.strip():
        raise InputError(path, "has no text after cleaning")
    view = metadata_stage.matching_view(text)  # simplified, width-folded, same length: read once
    meta = metadata_stage.describe(text, page=loaded.page, view=view)
    return {
        "sha256": hashlib.sha256(data).hexdigest(),
        "text": text,
        "encoding": loaded.encoding,
        **{key: meta[key] for key in ("town", "level", "county", "year", "title")},
        **{key: meta["page"].get(key) for key in PAGE_COLUMNS},
        "fingerprint": metadata_stage.fingerprint(text, view=view),
        "problems": list(meta["problems"]),
    }


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
    return _load_files(*_expand(paths), warn=warn, read=read)


def _load_files(files: list[Path], problems: list[dict[str, str]], *, warn: bool, read: Callable[[Path], dict[str, object]]) -> Corpus:
    """``load_corpus`` of the *files* that ``_expand`` listed, with its *problems* (the list is added to)."""
    rows = []
    seen_text: dict[str, str] = {}
    seen_report: dict[str, str] = {}
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
        # The same body under another town or year is a copy to flag (analysis.flags), not a duplicate to drop.
        fingerprint = (report.get("fingerprint") or text_hash, report.get("town"), report.get("year"))
        if fingerprint in seen_report:
            # the saved page and the text pasted from it, or two downloads of one report
            problems.append(
                {"file": str(path), "problem": f"duplicate: the same report as {seen_report[fingerprint]}", "action": "skipped"}
            )
            continue
        seen_text[text_hash] = str(path)
        seen_report[fingerprint] = str(path)
        doc_id = path.stem
        if doc_id in seen_ids:
            doc_id, n = f"{path.stem}{path.suffix.lower().replace('.', '_')}", 2
            while doc_id in seen_ids:  # the same name in several folders given at once
                doc_id, n = f"{path.stem}{path.suffix.lower().replace('.', '_')}_{n}", n + 1
            problems.append({"file": str(path), "problem": f"another file is named {path.stem}", "action": f"loaded as {doc_id}"})
        seen_ids.add(doc_id)
        said = list(report.get("problems") or ())
        if report["town"] is None:
            detail = next((p for p in said if "town" in p), "")
            problems.append(
                {
                    "file": str(path),
                    "problem": "town not found in the text" + (f": {detail}" if detail else ""),
                    "action": "loaded; town left empty",
                }
            )
        if loaders.BAD_BYTES_NOTE in encoding:  # nothing dropped silently: say how many bytes were replaced, and where
            problems.append({"file": str(path), "problem": f"not valid text: read as {encoding}", "action": "loaded; bad bytes shown as �"})
        if report["year"] is None:
            problems.append({"file": str(path), "problem": "year reported on not found", "action": "loaded; year left empty"})
        rows.append(
            {
                "doc_id": doc_id,
                "path": str(path),
                "sha256": report["sha256"],
                **{key: report.get(key) for key in ("town", "level", "county", "year", "title", *PAGE_COLUMNS)},
                "text": text,
                "n_chars": len(text),
                "encoding": encoding,
            }
        )
    reports = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    reports["year"] = reports["year"].astype("Int64")
    for column in ("town", "level", "county", *PAGE_COLUMNS):
        reports[column] = reports[column].astype(object).where(reports[column].notna(), None)
    reports["n_chars"] = reports["n_chars"].astype("int64")
    reports = reports.sort_values("doc_id", kind="stable").reset_index(drop=True)
    problems_df = pd.DataFrame(problems, columns=PROBLEM_COLUMNS)
    if warn:
        for row in records(problems_df):
            print(f"warning: {row.file}: {row.problem} ({row.action})", file=sys.stderr)
    return Corpus(reports, problems_df)


UNNAMED = "（未写明名称）"  # after the doc_id of a report whose text never names its town


def town_labels(reports: pd.DataFrame) -> pd.Series:
    """The town to show for each report: its town, or its doc_id marked 未写明名称 where the text never names it.

    The reports table leaves such a town empty; a table grouped by town
    shows the report under this label instead of dropping it.
    """
    towns = reports["town"] if "town" in reports else pd.Series([None] * len(reports), index=reports.index)
    named = towns.map(lambda t: isinstance(t, str) and bool(t.strip()))
    return towns.where(named, reports["doc_id"].astype(str) + UNNAMED).rename("town")


def read_reports(paths: str | Path | Iterable[str | Path] = config.DATA_RAW, *, warn: bool = True) -> pd.DataFrame:
    """The reports table alone (problems go to stderr)."""
    return load_corpus(paths, warn=warn).reports
