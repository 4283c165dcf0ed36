"""One place for paths and defaults.

Every other module asks this one where the project's folders are; nothing
else hard-codes a path.  The project root is found from this file's location
(``src/analysis/config.py``), or from ``ANALYSIS_ROOT`` when the package is
installed somewhere else.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("ANALYSIS_ROOT", Path(__file__).resolve().parents[2]))
DATA_DIR = ROOT / "data"
DATA_RAW = DATA_DIR / "raw"
LEXICON_DIR = DATA_DIR / "lexicon"
REPORTS_DIR = ROOT / "reports"
NOTEBOOKS_DIR = ROOT / "notebooks"
CACHE_DIR = ROOT / ".cache" / "analysis"

# Lexicon files (knowledge as data; see data/lexicon/README.md).
TERMS_FILE = LEXICON_DIR / "terms.txt"
STOPWORDS_DOMAIN_FILE = LEXICON_DIR / "stopwords_domain.txt"
SECTIONS_FILE = LEXICON_DIR / "sections.yml"
UNITS_FILE = LEXICON_DIR / "units.txt"

# Report files the loader reads; anything else is reported as unsupported.
SUPPORTED_SUFFIXES = (".txt", ".docx")

# Deterministic outputs: every random choice (word-cloud layout, sampling) uses it.
RANDOM_SEED = 42


def resolve_path(path: str | os.PathLike[str]) -> Path:
    """Return *path* as given when it exists, else relative to the project root.

    Notebooks run with their own folder as the working directory, so a
    parameter such as ``data/raw`` is read relative to the project root.
    """
    candidate = Path(path).expanduser()
    if candidate.is_absolute() or candidate.exists():
        return candidate
    return ROOT / candidate


# Codebooks of the themes stage (problem themes, report elements, Outline areas)
# and the cues of concrete detail used by the boilerplate stage.
THEMES_FILE = LEXICON_DIR / "themes.yml"
ELEMENTS_FILE = LEXICON_DIR / "elements.yml"
OUTLINE_FILE = LEXICON_DIR / "outline.yml"
SPECIFICS_FILE = LEXICON_DIR / "specifics.yml"
