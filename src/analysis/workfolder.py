"""The corpus tables a build of briefings makes once, into its work folder, and reads back.

Every town page compares its town with the whole corpus, and several
briefings show the same scorecard; ``prepare`` computes those tables once per
build, before the notebooks run, and writes them into the run's work folder
(``cache.write_work_table``, each file keyed by the reports, the code and the
lexicon it was made from).  Each reader takes them from there when the key
matches, and computes them otherwise (no work folder, no file, other reports),
so the same functions serve a build and a user in Jupyter:

prepare            write every table below into the work folder; returns the files
indicator_summary  ``indicators.summary`` of every report (``SUMMARY_FILE``), which
                   a town's figures are compared with; ``figures`` the same from the
                   pipeline's ``figures`` stage when the run has it
links_for          ``alignment.align`` over every problem and plan item (``LINKS_FILE``):
                   one IDF over the corpus, the links the scorecard's 问题有对应措施
                   counts; ``town_links`` a town's rows of them, ``problem_links``
                   the links of any selection of reports
shared_wording     the passages the reports share, each report's share of them and
                   the problem items' detail (``WORDING_FILES``), from one index of
                   the shared wording: the flags' own
scorecard_for      ``(scorecard.assess(...), flags.flags(...))`` of every report under the
                   package's criteria and the reviewer's overrides (``CARD_FILES``);
                   ``flags_for`` the flags alone

What is read or computed is kept for the run's results in this process
(``kept.keep``): every town page of a build asks for the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import config
from .cache import corpus_key, read_work_table, table_key, write_work_table
from .indicators import summary, summary_from
from .kept import keep, package_codebook, problem_codes, report_rows, store, town_items
from .pipeline import Results, current_keys
from .themes import load_themes

SUMMARY_FILE = "indicator_summary.parquet"  # in the work folder: indicators.summary of every report
LINKS_FILE = "alignment_links.parquet"  # in the work folder: the problem → plan links of every report
WORDING_FILES = {  # in the work folder: the wording the reports share (shared_wording)
    "passages": "shared_passages.parquet",
    "shares": "shared_shares.parquet",
    "items": "shared_items.parquet",
}


_CARDS = store()  # (id(results), criteria, its sha, the overrides' sha) -> (results, scorecard, flags)
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


_LINKS = store()  # id(results) -> (results, work folder, the links)
_LINK_KEYS = store()


def _links_key(results: Results) -> str:
    """The key of the links of *results*' reports: the reports, and the code and lexicon of the tables they are made from."""
    return _tables_key(_LINK_KEYS, results, ["items", "theme_codes", "plan_codes", "tokens"])  # the items, their codes, the words compared


def _links(results: Results, work_dir: str | Path | None) -> pd.DataFrame:
    from .alignment import align

    if work_dir:
        table = read_work_table(Path(work_dir) / LINKS_FILE, key=_links_key(results))
        if table is not None:
            return table
    items = results["items"]
    problems = items[items["role"] == "problems"].reset_index(drop=True)
    plans = items[items["role"] == "plans"].reset_index(drop=True)
    return align(
        problems,
        plans,
        problem_codes=results["theme_codes"] if "theme_codes" in results.tables else None,
        plan_codes=results["plan_codes"] if "plan_codes" in results.tables else None,
    )


def links_for(results: Results, *, work_dir: str | Path | None = None) -> pd.DataFrame:
    """``alignment.align`` over every problem and plan item of *results*: the links the scorecard counts.

    One IDF over the whole corpus, as the scorecard's 问题有对应措施 has it:
    a town's items alone would weigh words otherwise and could link a plan the
    score does not count.  Read from *work_dir* when ``prepare`` wrote them
    there for the same reports, code and lexicon; computed otherwise.  Kept
    for these results (and this *work_dir*): every town page of a build asks.
    """
    return keep(_LINKS, results, lambda: _links(results, work_dir), tag=folder_tag(work_dir), last_only=True)


def folder_tag(work_dir: str | Path | None) -> str:
    """The work folder as the tables read from it are kept under it (the links, the medians; '' for none)."""
    return str(Path(work_dir).resolve()) if work_dir else ""


def town_links(results: Results, mine: pd.DataFrame, *, work_dir: str | Path | None = None) -> pd.DataFrame:
    """The rows of ``links_for(results)`` of the reports *mine*, in *mine*'s order: what a town's briefing shows beside its problems."""
    return report_rows(results, ("links", folder_tag(work_dir)), lambda: links_for(results, work_dir=work_dir), mine)


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

    if package_codebook(themes_file) and _all_reports(results, reports):
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
    tag = table_key("shared_wording", lexicon=(config.SPECIFICS_FILE.name,)) + "|" + current_keys(["items"])["items"]
    return corpus_key(results.reports, tag)


_SUMMARY_KEYS = store()  # id(results) -> (results, the indicators' table key, the summary's key)


def _summary_key(results: Results) -> str:
    """The key of the figures of *results*' reports: the reports, and the code and lexicon of the indicators table."""
    return _tables_key(_SUMMARY_KEYS, results, ["indicators"])


def _tables_key(stored: dict, results: Results, tables: list[str]) -> str:
    """``corpus_key`` of *results*' reports under the cache keys of the stage *tables*, kept in *stored*.

    Kept for these results while those keys are the same: hashing 1,000 reports' entries took 19–26 ms of every
    town page.  The last results only: a key is not worth keeping tables alive for.
    """
    keys = current_keys(tables)
    tag = "|".join(keys[name] for name in sorted(tables))
    return keep(stored, results, lambda: corpus_key(results.reports, tag), tag=tag, last_only=True)


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
    table = figures(results)
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
    return figures(results)


def figures(results: Results) -> pd.DataFrame:
    """``indicators.summary`` of every report of *results*: from the pipeline's ``figures`` stage when the run has
    it (made per report beside the other stages, and cached), made from the indicator rows otherwise."""
    if "figures" in results.tables:
        return summary_from(results["figures"])
    return summary(results["indicators"], results.reports)
