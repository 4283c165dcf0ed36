"""What every command shares: reading the reports, writing a table, the common options."""

from __future__ import annotations

import argparse
import datetime
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd

from ..corpus import Corpus, load_corpus


@dataclass(frozen=True)
class Command:
    """One ``python -m analysis NAME`` command.

    name      the command's name
    run       the handler; it writes data on stdout, messages on stderr
    help      one line for ``python -m analysis --help``
    example   shown at the end of the command's ``--help``
    options   adds the command's own options to its parser
    reads     takes report files or folders (positional, default data/raw)
    table     writes a table on stdout (so takes ``--format``)
    """

    name: str
    run: Callable[[argparse.Namespace], None]
    help: str
    example: str
    options: Callable[[argparse.ArgumentParser], None] | None = None
    reads: bool = True
    table: bool = True


def add_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=None, help="report files or folders (default: data/raw)")


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=["csv", "json"], default="csv", help="output format (default csv)")


def load(args: argparse.Namespace) -> Corpus:
    """The reports of ``args.paths``; notes on ``args`` whether a file had to be skipped (exit status 1)."""
    corpus = load_corpus(args.paths or [], warn=True)
    args.unreadable = bool((corpus.problems["action"] == "skipped").any())
    return corpus


def _iso(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime.date) else value


def write(table: pd.DataFrame, args: argparse.Namespace) -> None:
    """*table* on stdout as CSV, or JSON records with ``--format json``."""
    if getattr(args, "format", "csv") == "json":
        # dates as 2026-01-20 (the reports table's published), not milliseconds since 1970
        table = table.apply(lambda column: column.map(_iso) if column.dtype == object else column)
        sys.stdout.write(table.to_json(orient="records", force_ascii=False, indent=1))
        sys.stdout.write("\n")
    else:
        table.to_csv(sys.stdout, index=False, lineterminator="\n")


def split(values: Sequence[str] | None) -> list[str]:
    """Values of a repeatable option, each possibly comma-separated, as one list."""
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


@contextmanager
def warnings_to_stderr(category: type[Warning]) -> Iterator[None]:
    """Print the warnings of *category* raised inside as ``warning: ...`` lines on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", category)
        yield
    for item in caught:
        print(f"warning: {item.message}", file=sys.stderr)
