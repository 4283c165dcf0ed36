"""What a briefing worker keeps of a run: the pipeline's results read once, and the rows taken from them.

The briefings runner writes many pages in one worker (every town's, one
after another); each asks for the same run.  ``results_for`` reads the
pipeline's results from its cache once and keeps them while the reports,
the lexicon and the code are unchanged; the tables a page takes from them are
kept for those results too, so that a page does not pass over the whole
corpus again:

results_for   ``pipeline.run(data_dir, stages=BRIEFING_STAGES)`` in this process, kept
hold          in a briefings worker: a folder's inputs checked once, not once a page
town_rows     the rows of a per-report table for some reports, in their order
cached_rows   the rows of a cached stage table for some reports, in the table's order
town_items    ``structure.items(mine, role=...)`` from the cached ``items`` table
problem_codes ``themes.code_items`` of their problem items (the cached ``theme_codes``)
coded_problems ``themes.code_problems(mine)`` from the cached tables
corpus_terms  ``frequency.terms`` of every report; ``town_terms`` a town's rows of it,
              ``town_keyness`` each town's words against the rest
keep, store   how a module keeps something for a run's results (``analysis.workfolder``
              and ``analysis.profile`` keep theirs here): ``results_for``
              empties every store when it reads a new run
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from . import config
from .errors import OptionError
from .pipeline import DEFAULT_STAGES, Results, current_keys
from .structure import ROLES
from .tables import rows_by
from .themes import code_items, load_themes, summarize

# what the briefings read from the pipeline's cache; the sections, items, paragraphs and sentences are read by the modules that
# ask ``structure`` for them (``pipeline.run`` offers them), not parsed again in every notebook
BRIEFING_STAGES = (*DEFAULT_STAGES, "figures", "plan_codes", "paragraphs", "sentences", "checklist", "coverage")

_STORES: list[dict] = []  # every store of things kept for a run's results (``store``)


def store() -> dict:
    """A new store for ``keep``: emptied with the others when ``results_for`` reads a new run."""
    stored: dict = {}
    _STORES.append(stored)
    return stored


def keep(stored: dict, results: Results, make, *, tag: object = None, last_only: bool = False):
    """``make()``, kept in *stored* (a ``store()``) for these *results* (the very object) and *tag*; made again otherwise.

    *last_only*: the store keeps the latest results only.  ``results_for`` empties
    the stores when it reads a new run.
    """
    entry = stored.get(id(results))
    if entry is None or entry[0] is not results or entry[1] != tag:
        if last_only:
            stored.clear()
        entry = stored[id(results)] = (results, tag, make())
    return entry[2]


_RUNS: dict[str, tuple[tuple, Results]] = {}
_HELD = False  # ``hold``: a folder's files, lexicon and code checked once in this process
_TERMS = store()  # id(results) -> (results, None, the corpus's terms)
_KEYNESS = store()
_TOWN_ROWS = store()
_BY_REPORT = store()  # id(results) -> (results, None, {table name: (table, its rows by report)})


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
    if _HELD and str(data_dir) in _RUNS:
        return _RUNS[str(data_dir)][1]
    key = _inputs(data_dir)
    kept = _RUNS.get(str(data_dir))
    if kept is None or kept[0] != key:
        _RUNS.clear()
        for stored in _STORES:
            stored.clear()
        _RUNS[str(data_dir)] = (key, run(data_dir, stages=BRIEFING_STAGES, workers=1, progress=False, warn=False))
    return _RUNS[str(data_dir)][1]


def hold() -> None:
    """From now on in this process, ``results_for`` checks a folder's files, lexicon and code only the first time.

    For a briefings worker (``briefings.runner``), which writes the pages of
    one build and ends with it: a build shows the reports as they were when it
    started, and checking every file of the corpus again for every page was
    about 6 ms of a town page at 1,000 reports.
    """
    global _HELD
    _HELD = True


def corpus_terms(results: Results) -> pd.DataFrame:
    """``frequency.terms(results.reports, tokens=results["tokens"])``, kept for these results."""
    from .frequency import terms

    return keep(_TERMS, results, lambda: terms(results.reports, tokens=results["tokens"]))


def town_terms(results: Results, town: str) -> pd.DataFrame:
    """The rows of ``corpus_terms(results)`` of *town*, in their order: the table split by town once, not filtered once a town."""
    return keep(_TOWN_ROWS, results, lambda: rows_by(corpus_terms(results), "town"))(town)


def town_keyness(results: Results):
    """``keyness.GroupKeyness`` of the corpus's terms by town, kept for these results: ``town_keyness(results)(town, top=20)``."""
    from .keyness import GroupKeyness

    return keep(_KEYNESS, results, lambda: GroupKeyness(corpus_terms(results), by="town"))


def town_rows(table: pd.DataFrame, mine: pd.DataFrame) -> pd.DataFrame:
    """The rows of a per-report *table* (with ``doc_id``) for the reports *mine*, in *mine*'s order."""
    order = {doc_id: i for i, doc_id in enumerate(mine["doc_id"])}
    rows = table[table["doc_id"].isin(order.keys())]
    rows = rows.iloc[rows["doc_id"].map(order).argsort(kind="stable")]
    return rows.reset_index(drop=True)


def report_rows(results: Results, name: tuple, table_of, mine: pd.DataFrame) -> pd.DataFrame:
    """``town_rows(table_of(), mine)``, from that table split by report once for these *results* (*name* names it).

    Every town page of a build asks for its rows of the same corpus tables
    (items, theme codes, links); filtering each whole table once a page was a
    pass over the corpus a page.
    """
    splits = keep(_BY_REPORT, results, dict, last_only=True)
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
    return report_rows(results, ("items", role), lambda: results["items"][results["items"]["role"] == role], mine)


def coded_problems(results: Results, mine: pd.DataFrame) -> pd.DataFrame:
    """``themes.code_problems(mine)``, from the pipeline's cached ``items`` and ``theme_codes`` tables."""
    return summarize(town_items(results, mine, role="problems"), problem_codes(results, mine))


def problem_codes(results: Results, mine: pd.DataFrame, *, themes_file: str | Path | None = None) -> pd.DataFrame:
    """``themes.code_items`` of *mine*'s problem items: the cached ``theme_codes`` for the package's codebook,
    coded anew with *themes_file* when it names another."""
    if package_codebook(themes_file):
        return report_rows(results, ("theme_codes",), lambda: results["theme_codes"], mine)
    return code_items(town_items(results, mine, role="problems"), codebook=load_themes(themes_file))


def package_codebook(themes_file: str | Path | None) -> bool:
    """True when *themes_file* is None or names the package's codebook (the same file, however named)."""
    return themes_file is None or config.resolve_path(themes_file).resolve() == config.THEMES_FILE.resolve()
