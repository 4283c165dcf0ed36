"""Briefings: every report notebook, executed and written as self-contained HTML for Chinese officials.

The run, in the order it happens:

notebooks  which report notebooks there are, their titles and parameters (``find_notebooks``)
plan       every briefing to build: a notebook, its town, its parameters, its HTML file (``plan``, ``coerce``)
engine     papermill's engine for the briefings: a notebook's cells in this process's IPython shell
run        one briefing: execute its notebook, write its HTML (``run_briefing``)
pages      an executed notebook as a clean, self-contained HTML page (``to_html``, the embedded font)
index      the index page of a run (``index_html``)
runner     the whole run: the pipeline, every briefing on every core, the index (``build``)

``build(data_dir)`` runs each numbered notebook of ``notebooks/`` with
papermill: once for the corpus, or once per town when the notebook's
``parameters`` cell has a ``town``; a notebook with an ``output_dir``
parameter is given the output folder too.  Each executed notebook becomes
one HTML file in ``reports/`` — no code cells, no prompts, figures embedded,
nothing loaded from outside — and ``reports/index.html`` links them with the
corpus summary, the run's date, the hashes of the input data and of the
lexicons, and the package version.

A notebook that fails stops that briefing only: its previous HTML stays in
place (every file is written whole or not at all), the executed notebook with
the error is kept under ``reports/_failed/``, and the summary names the
notebook, the cell and the error.
"""

from __future__ import annotations

from .index import INDEX_NAME, index_html
from .notebooks import Notebook, find_notebooks, read_notebook
from .pages import embed_font, font_face, page_text, to_html
from .plan import Briefing, coerce, plan
from .run import FAILED_DIR, run_briefing
from .runner import SUMMARY_COLUMNS, batches, build, input_hash, run_batch

__all__ = [
    "FAILED_DIR",
    "INDEX_NAME",
    "SUMMARY_COLUMNS",
    "Briefing",
    "Notebook",
    "batches",
    "build",
    "coerce",
    "embed_font",
    "find_notebooks",
    "font_face",
    "index_html",
    "input_hash",
    "page_text",
    "plan",
    "read_notebook",
    "run_batch",
    "run_briefing",
    "to_html",
]
