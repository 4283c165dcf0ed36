"""Analyse Chinese local governments' annual rule-of-law reports (法治政府建设年度报告).

The package reads as the data flows::

    corpus      load the reports (txt in any common Chinese encoding, docx)
    structure   outline headings, section roles, problem and plan items, sentences
    tokenize    jieba with the domain lexicon, quantities kept whole
    indicators  every stated quantity as a row, mapped to canonical keys
    frequency   counts, keyness, KWIC, word clouds
    themes      problem themes, plan alignment, compliance, Outline coverage
    overview    the corpus overview tables (reports, outline, items; summaries at scale)
    plots       figures in a CJK font, one module per subject
    display     what a notebook shows; export: CSV, Excel and PNG files
    briefings   notebooks → self-contained HTML briefings
"""

from __future__ import annotations

from . import summary
from ._version import __version__
from .corpus import Corpus, load_corpus, read_reports
from .display import setup_notebook
from .structure import items, locate, paragraphs, plan_items, problem_items, sections, sentences
from .tokenize import tokenize

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
