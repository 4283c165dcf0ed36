"""Analyse Chinese local governments' annual rule-of-law reports (法治政府建设年度报告).

The package reads as the data flows — files, reading (``corpus``), structure
and words (``structure``, ``quantities``, ``tokenize``), the measuring stages
(``indicators``, ``frequency``, ``themes``, ``compliance``, ``boilerplate``,
``panel`` …), the pipeline and its cache, tables and figures for the reader
(``overview``, ``plots``, ``profile``), briefings, and the command line on top.
docs/architecture.md draws it, says which module owns which table and where a
new stage, loader, figure or notebook goes.
"""

from __future__ import annotations

from . import summary
from ._version import __version__
from .arrowpool import use_jemalloc
from .corpus import Corpus, load_corpus, read_reports
from .display import setup_notebook
from .structure import items, locate, paragraphs, plan_items, problem_items, sections, sentences
from .tokenize import tokenize

use_jemalloc()  # every process that imports the package: Arrow's memory through jemalloc (arrowpool)

__all__ = [
    "Corpus",
    "__version__",
    "items",
    "load_corpus",
    "locate",
    "paragraphs",
    "plan_items",
    "problem_items",
    "read_reports",
    "sections",
    "summary",
    "setup_notebook",
    "sentences",
    "tokenize",
]
