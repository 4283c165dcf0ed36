"""One place for paths and defaults.

Every other module asks this one where the project's folders are; nothing
else hard-codes a path.  The project root is found from this file's location
(``src/analysis/config.py``), or from ``ANALYSIS_ROOT`` when the package is
installed somewhere else.

Both folders are absolute from the start: a relative ``ANALYSIS_ROOT`` or
``ANALYSIS_CACHE_DIR`` is read from the folder the process was started in, so
that the briefings' workers, which run each notebook from the notebooks'
folder, find the same cache and the same run font as the command that
started them.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT_ENV = "ANALYSIS_ROOT"
CACHE_DIR_ENV = "ANALYSIS_CACHE_DIR"
ROOT = Path(os.environ.get(ROOT_ENV, Path(__file__).resolve().parents[2])).absolute()
DATA_DIR = ROOT / "data"
DATA_RAW = DATA_DIR / "raw"
LEXICON_DIR = DATA_DIR / "lexicon"
REPORTS_DIR = ROOT / "reports"
NOTEBOOKS_DIR = ROOT / "notebooks"
CACHE_DIR = Path(os.environ.get(CACHE_DIR_ENV, ROOT / ".cache" / "analysis")).absolute()  # the env var: benchmarks, clusters

PACKAGE_DIR = Path(__file__).resolve().parent  # the package's own code (its hash keys the cache)
TEMPLATES_DIR = PACKAGE_DIR / "templates"  # the HTML template of the briefings
TOKENIZER_CACHE_DIR = CACHE_DIR / "tokenizer"  # jieba's words worked out once (segmenter)
FONT_CACHE_DIR = CACHE_DIR / "fonts"  # the CJK font cut down for a run of briefings (fonts.write_run_font)

# Report files the loader reads; anything else is reported as unsupported.
SUPPORTED_SUFFIXES = (".doc", ".docx", ".htm", ".html", ".mht", ".mhtml", ".pdf", ".shtml", ".txt", ".wps", ".xhtml")

# What one report may be (a year of a county's reports in one file fits well under both; raise them with
# --max-report-chars / --max-docx-bytes or ANALYSIS_MAX_REPORT_CHARS / ANALYSIS_MAX_DOCX_BYTES).
MAX_REPORT_CHARS = 5_000_000  # characters once decoded
MAX_DOCX_BYTES = 100_000_000  # bytes of XML a .docx expands to

# Deterministic outputs: every random choice (word-cloud layout, sampling) uses it.
RANDOM_SEED = 42

# What the briefings' workers import before their first briefing: the pipeline's workers' own module, then
# the engine, the page writer and what the notebooks import.  Their fork server imports them once
# (``workers.start_server``), beside the process that started it: ``python -m analysis briefings`` forks it
# from itself once its parser has imported most of the package (``cli.start_early``), so it imports only the
# rest, beside the command's own work; a caller that goes on starts it as a new interpreter before the parser.
BRIEFING_PRELOAD = (
    "analysis.pipeline",
    "analysis.briefings.run",
    "analysis.briefings.engine",
    "papermill",
    "nbconvert",
    "analysis.kept",
    "analysis.workfolder",
    "analysis.profile",
    "analysis.display",
    "analysis.plots",
    "analysis.wordclouds",
    "analysis.keyness",  # 01's key terms and every town page's
    "analysis.briefings.warm",  # last: importing it loads the lexicon's rules and the tokenizer, once for every worker
)


def resolve_path(path: str | os.PathLike[str]) -> Path:
    """Return *path* as given when it exists, else relative to the project root.

    Notebooks run with their own folder as the working directory, so a
    parameter such as ``data/raw`` is read relative to the project root.
    """
    candidate = Path(path).expanduser()
    if candidate.is_absolute() or candidate.exists():
        return candidate
    return ROOT / candidate


# ------------------------------------------------------------ the lexicon files
# Knowledge as data: what each file is for, its format and how to edit it is
# in data/lexicon/README.md.  Every module reads its files through these names.

# Reading the reports: page furniture, place names.
PAGE_FURNITURE_FILE = LEXICON_DIR / "page_furniture.yml"
PLACES_FILE = LEXICON_DIR / "places.yml"

# Structure and words: section roles, domain terms, stopwords, units.
SECTIONS_FILE = LEXICON_DIR / "sections.yml"
TERMS_FILE = LEXICON_DIR / "terms.txt"
STOPWORDS_DOMAIN_FILE = LEXICON_DIR / "stopwords_domain.txt"
UNITS_FILE = LEXICON_DIR / "units.txt"

# Quantities and indicators (the contract: docs/indicators-contract.md).
QUALIFIERS_FILE = LEXICON_DIR / "qualifiers.yml"
NOT_QUANTITIES_FILE = LEXICON_DIR / "not_quantities.yml"
INDICATORS_FILE = LEXICON_DIR / "indicators.yml"
INDICATOR_LABELS_FILE = LEXICON_DIR / "indicator_labels.yml"
LABELS_FILE = LEXICON_DIR / "labels.yml"  # what a briefing shows instead of column names, values and parameters (display.labels)

# Codebooks of the themes stage (problem themes, report elements, Outline areas),
# the cues of concrete detail used by the boilerplate stage, and the cues of
# follow-through between one year's plans and the next year's report (panel).
THEMES_FILE = LEXICON_DIR / "themes.yml"
ELEMENTS_FILE = LEXICON_DIR / "elements.yml"
OUTLINE_FILE = LEXICON_DIR / "outline.yml"
SPECIFICS_FILE = LEXICON_DIR / "specifics.yml"
FOLLOWTHROUGH_FILE = LEXICON_DIR / "followthrough.yml"
CITATIONS_FILE = LEXICON_DIR / "citations.yml"  # laws, documents and plans reports cite (citations)
SCORECARD_FILE = LEXICON_DIR / "scorecard.yml"  # criteria and weights of the scorecard (scorecard)
FLAGS_FILE = LEXICON_DIR / "flags.yml"  # what makes a report flagged: copies, another town, impossible figures (flags)
# A reviewer's corrections of scorecard scores (doc_id, criterion, score, reason), re-applied on every run when present.
SCORECARD_OVERRIDES_FILE = ROOT / "data" / "reviews" / "scorecard_overrides.csv"

# The lexicon files each pipeline stage reads: a stage's cached rows are keyed
# by them, so editing one of these files recomputes exactly the stages listed.
_SECTIONS = (SECTIONS_FILE, PAGE_FURNITURE_FILE, PLACES_FILE)  # the outline starts past the furniture and the title
_QUANTITIES = (UNITS_FILE, TERMS_FILE, QUALIFIERS_FILE, NOT_QUANTITIES_FILE)
STAGE_LEXICON: dict[str, tuple[Path, ...]] = {
    "reports": (PAGE_FURNITURE_FILE, PLACES_FILE),  # the read files: page columns, town, year and title
    "sections": _SECTIONS,
    "items": _SECTIONS,
    "paragraphs": _SECTIONS,
    "sentences": _SECTIONS,
    "tokens": (*_SECTIONS, *_QUANTITIES, STOPWORDS_DOMAIN_FILE),
    "doc_counts": (*_SECTIONS, *_QUANTITIES, STOPWORDS_DOMAIN_FILE),
    "indicators": (*_SECTIONS, *_QUANTITIES, INDICATORS_FILE),
    "figures": (*_SECTIONS, *_QUANTITIES, INDICATORS_FILE),
    "theme_codes": (*_SECTIONS, THEMES_FILE),
    "plan_codes": (*_SECTIONS, THEMES_FILE),
    "checklist": (*_SECTIONS, ELEMENTS_FILE),
    "coverage": (*_SECTIONS, OUTLINE_FILE),
}
