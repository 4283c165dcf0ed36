"""Commands for the reviewer of the reports: the scorecard and the flags."""

from __future__ import annotations

import argparse

from .. import config
from ..flags import FLAG_COLUMNS
from ..scorecard import SCORE_COLUMNS
from .common import Command, load, write


def scorecard(args: argparse.Namespace) -> None:
    from ..scorecard import assess

    overrides = args.overrides
    if overrides is None and config.SCORECARD_OVERRIDES_FILE.is_file():
        overrides = config.SCORECARD_OVERRIDES_FILE
    card = assess(load(args).reports, criteria=args.criteria, overrides=overrides)
    if args.totals:
        write(card.totals, args)
    else:
        write(card.scores, args)


def flags(args: argparse.Namespace) -> None:
    from ..flags import flags

    write(flags(load(args).reports, rules=None if args.flags_file is None else _rules(args.flags_file)), args)


def _rules(path: str):
    from ..flags import load_rules

    return load_rules(path)


def _scorecard_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--criteria", default=str(config.SCORECARD_FILE), help="criteria and weights (default data/lexicon/scorecard.yml)")
    parser.add_argument(
        "--overrides",
        default=None,
        help="a reviewer's corrections, CSV with doc_id, criterion, score, reason "
        "(default data/reviews/scorecard_overrides.csv when it exists)",
    )
    parser.add_argument("--totals", action="store_true", help="one row per report: total, max, percent, rank within its year")


def _flags_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--flags-file", default=None, help="flag settings (default data/lexicon/flags.yml)")


COMMANDS = [
    Command(
        "scorecard",
        scorecard,
        "each report scored on the criteria of scorecard.yml, with evidence: " + ", ".join(SCORE_COLUMNS),
        "python -m analysis scorecard data/raw --overrides reviews.csv",
        _scorecard_options,
    ),
    Command(
        "flags",
        flags,
        "reports to look at first (copies, another town, wrong year, impossible figures): " + ", ".join(FLAG_COLUMNS),
        "python -m analysis flags data/raw --format json",
        _flags_options,
    ),
]
