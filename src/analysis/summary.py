"""The first home of the corpus overview, kept so old notebooks and code still run.

``summary`` mixed three jobs; each now has its own module:

* the overview tables (``overview``, ``counts``, ``extremes``, ``corpus_summary``,
  ``outline``, ``outline_summary``, ``item_counts``, ``item_distribution``)
  → ``analysis.overview``;
* notebook display (``setup_notebook``, ``say``, ``show``, ``shown``,
  ``files_note``, ``problems_note``) → ``analysis.display``;
* CSV / Excel / PNG files (``export``) → ``analysis.export``.

Every name below is the same function as in its new module.
"""

from __future__ import annotations

from .display import files_note, problems_note, say, setup_notebook, show, shown
from .export import export
from .overview import (
    MAX_ITEMS,
    MISSING,
    OVERVIEW_COLUMNS,
    corpus_summary,
    counts,
    extremes,
    item_counts,
    item_distribution,
    outline,
    outline_summary,
    overview,
)

__all__ = [
    "MAX_ITEMS",
    "MISSING",
    "OVERVIEW_COLUMNS",
    "corpus_summary",
    "counts",
    "export",
    "extremes",
    "files_note",
    "item_counts",
    "item_distribution",
    "outline",
    "outline_summary",
    "overview",
    "problems_note",
    "say",
    "setup_notebook",
    "show",
    "shown",
]
