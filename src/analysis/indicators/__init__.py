"""Indicators: every stated quantity as an auditable row, mapped to a canonical key.

The package reads in the order of the work:

rules      ``data/lexicon/indicators.yml`` read and checked (``load_rules``), the order of keys, their Chinese names
grammar    which key a quantity counts: the clause grammar (``keys_for``, ``map_text``)
mentions   ``extract(reports)``: one row per quantity mention, the contract's columns
tables     summary (summary_from: of the pipeline's figures stage), pivot, specificity, year_over_year, provenance, shared_keys, export
overviews  their summaries for many reports: key_overview, status_counts, year_over_year_overview, provenance_summary
unkeyed    what got no key: key_coverage (share per report), unkeyed_phrasings (the commonest phrasings)

Every public name is importable from here (``from analysis.indicators import
extract``); the figures are in ``analysis.plots.indicators``.  The contract
of the rows is ``docs/indicators-contract.md``.
"""

from __future__ import annotations

from .grammar import keys_for, map_text
from .mentions import COLUMNS, extract, printable
from .overviews import key_overview, provenance_summary, status_counts, year_over_year_overview
from .rules import (
    CONTRACT_KEYS,
    INDICATORS_FILE,
    LABELS_FILE,
    IndicatorRules,
    Key,
    indicator_labels,
    key_position,
    load_rules,
    sorted_keys,
)
from .tables import (
    PROVENANCE_COLUMNS,
    QUALIFIER_MARK,
    SPECIFICITY_COLUMNS,
    SUMMARY_COLUMNS,
    display,
    export,
    nested,
    pivot,
    provenance,
    shared_keys,
    specificity,
    summary,
    summary_from,
    year_over_year,
)
from .unkeyed import COVERAGE_COLUMNS, PHRASING_COLUMNS, key_coverage, unkeyed_phrasings

__all__ = [
    "COLUMNS",
    "COVERAGE_COLUMNS",
    "PHRASING_COLUMNS",
    "CONTRACT_KEYS",
    "INDICATORS_FILE",
    "LABELS_FILE",
    "PROVENANCE_COLUMNS",
    "QUALIFIER_MARK",
    "SPECIFICITY_COLUMNS",
    "SUMMARY_COLUMNS",
    "IndicatorRules",
    "Key",
    "display",
    "export",
    "extract",
    "indicator_labels",
    "key_coverage",
    "key_overview",
    "key_position",
    "keys_for",
    "load_rules",
    "map_text",
    "nested",
    "pivot",
    "printable",
    "provenance",
    "provenance_summary",
    "shared_keys",
    "sorted_keys",
    "specificity",
    "status_counts",
    "summary",
    "summary_from",
    "unkeyed_phrasings",
    "year_over_year",
    "year_over_year_overview",
]
