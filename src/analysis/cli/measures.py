"""Commands that measure the reports: indicators, terms, keyness, kwic, themes, compliance."""

from __future__ import annotations

import argparse

from .. import config
from ..frequency import TOKEN_ROLES, FrequencyWarning
from ..indicators import COLUMNS
from ..keyness import MEASURES
from .common import Command, load, split, warnings_to_stderr, write


def indicators(args: argparse.Namespace) -> None:
    from ..indicators import extract, printable

    write(printable(extract(load(args).reports)), args)


def terms(args: argparse.Namespace) -> None:
    from ..frequency import counts, terms

    reports = load(args).reports
    with warnings_to_stderr(FrequencyWarning):
        table = terms(reports, role=split(args.role) or None, extra_stopwords=split(args.stopword), ngram=2 if args.bigrams else 1)
        result = counts(table, by=split(args.by) or None, top=args.top, reports=reports)
    write(result, args)


def keyness(args: argparse.Namespace) -> None:
    from ..frequency import terms
    from ..keyness import keyness

    reports = load(args).reports
    with warnings_to_stderr(FrequencyWarning):
        table = terms(reports, role=split(args.role) or None, extra_stopwords=split(args.stopword))
        target = [int(t) if args.by == "year" and t.isdigit() else t for t in split(args.target)]
        result = keyness(table, target, by=args.by, measure=args.measure, top=args.top, reports=reports, keep_places=args.keep_places)
    write(result, args)


def kwic(args: argparse.Namespace) -> None:
    from ..concordance import kwic

    reports = load(args).reports
    with warnings_to_stderr(FrequencyWarning):
        result = kwic(reports, args.term, regex=args.regex, window=args.window)
    write(result, args)


def themes(args: argparse.Namespace) -> None:
    from ..themes import code_problems

    table = code_problems(load(args).reports, codebook=args.themes_file)
    write(table[["doc_id", "town", "item_no", "text", "themes"]], args)


def compliance(args: argparse.Namespace) -> None:
    from ..compliance import checklist

    table = checklist(load(args).reports, elements=args.elements_file)
    write(table[["doc_id", "town", "element", "status", "evidence"]], args)


def _filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--role", action="append", help=f"count only this section role (repeat or comma-separate): {', '.join(TOKEN_ROLES)}"
    )
    parser.add_argument("--stopword", action="append", help="an extra stopword, removed from every count (repeat or comma-separate)")


def _terms_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--top", type=int, default=None, help="keep the N most frequent terms (of each group)")
    parser.add_argument(
        "--by", action="append", help="count per report column or role: doc_id, town, year, level, role… (repeat or comma-separate)"
    )
    parser.add_argument("--bigrams", action="store_true", help="count pairs of adjacent words instead of words")
    _filter_options(parser)


def _keyness_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", action="append", required=True, help="the report or group to compare with the rest (value of --by)")
    parser.add_argument("--by", default="doc_id", help="the column --target is a value of (default doc_id; town, year…)")
    parser.add_argument("--measure", choices=MEASURES, default="chi2", help="sort by signed chi2 (default) or G²")
    parser.add_argument("--top", type=int, default=None, help="keep the N strongest terms of each direction")
    parser.add_argument(
        "--keep-places",
        action="store_true",
        help="keep the target's own town and county names (left out by default: they would top the list)",
    )
    _filter_options(parser)


def _kwic_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--term", action="append", required=True, help="the word to find (repeat for several)")
    parser.add_argument("--regex", action="store_true", help="read --term as a regular expression")
    parser.add_argument("--window", type=int, default=20, help="characters of context on each side (default 20)")


def _themes_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--themes-file", default=str(config.THEMES_FILE), help="theme codebook (default data/lexicon/themes.yml)")


def _compliance_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--elements-file", default=str(config.ELEMENTS_FILE), help="element codebook (default data/lexicon/elements.yml)")


COMMANDS = [
    Command(
        "indicators",
        indicators,
        "every stated quantity as a row: " + ", ".join(COLUMNS),
        "python -m analysis indicators data/raw --format json",
    ),
    Command(
        "terms",
        terms,
        "term counts (count, rate per 10,000 tokens, docs) as CSV, optionally per group",
        "python -m analysis terms data/raw --top 5 --role problems --by town",
        _terms_options,
    ),
    Command(
        "keyness",
        keyness,
        "key terms of a report or group against the rest (signed chi2, G², p-values)",
        "python -m analysis keyness data/raw --target 神树镇 --by town --top 10",
        _keyness_options,
    ),
    Command(
        "kwic",
        kwic,
        "every occurrence of a term with its left and right context, doc, town and section",
        "python -m analysis kwic data/raw --term 枫桥经验 --window 15",
        _kwic_options,
    ),
    Command(
        "themes",
        themes,
        "problem items with their themes: doc_id, town, item_no, text, themes",
        "python -m analysis themes data/raw --themes-file data/lexicon/themes.yml",
        _themes_options,
    ),
    Command(
        "compliance",
        compliance,
        "the E1–E5 checklist: doc_id, town, element, status, evidence",
        "python -m analysis compliance data/raw --format json",
        _compliance_options,
    ),
]
