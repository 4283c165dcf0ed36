"""Command line: ``python -m analysis COMMAND PATH... [options]``.

A thin wrapper over the Python API.  Stdout carries data only (CSV or JSON);
messages go to stderr.  The exit status is 1 when any input file could not
be read (after the rest were processed), 2 on a usage or lexicon error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import pandas as pd

from . import __version__
from .corpus import Corpus, load_corpus
from .errors import AnalysisError


def _load(args: argparse.Namespace) -> Corpus:
    corpus = load_corpus(args.paths or [], warn=True)
    args.unreadable = bool((corpus.problems["action"] == "skipped").any())
    return corpus


def _write(table: pd.DataFrame, args: argparse.Namespace) -> None:
    if getattr(args, "format", "csv") == "json":
        sys.stdout.write(table.to_json(orient="records", force_ascii=False, indent=1))
        sys.stdout.write("\n")
    else:
        table.to_csv(sys.stdout, index=False, lineterminator="\n")


# --------------------------------------------------------------- commands


def cmd_corpus(args: argparse.Namespace) -> None:
    reports = _load(args).reports
    _write(reports.drop(columns=["text"]), args)


def cmd_sections(args: argparse.Namespace) -> None:
    from .structure import sections

    table = sections(_load(args).reports)
    _write(table[["doc_id", "level", "marker", "heading", "role", "start", "end"]], args)


def cmd_items(args: argparse.Namespace) -> None:
    from .structure import items

    table = items(_load(args).reports, role=args.role)
    _write(table.drop(columns=["start", "end"]), args)


def cmd_tokens(args: argparse.Namespace) -> None:
    from .tokenize import tokenize

    _write(tokenize(_load(args).reports, pos=args.pos), args)


def _paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=None, help="report files or folders (default: data/raw)")
    parser.add_argument("--format", choices=["csv", "json"], default="csv", help="output format (default csv)")


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], None], str, Callable[[argparse.ArgumentParser], None] | None]] = {
    "corpus": (cmd_corpus, "the reports table (no text) as CSV", None),
    "sections": (cmd_sections, "outline headings: doc_id, level, marker, heading, role, start, end", None),
    "items": (cmd_items, "problem and plan items, one row each", lambda p: p.add_argument("--role", choices=["problems", "plans"])),
    "tokens": (
        cmd_tokens,
        "tokens with section role and offsets",
        lambda p: p.add_argument("--pos", action="store_true", help="add POS tags"),
    ),
}


def register(
    name: str,
    handler: Callable[[argparse.Namespace], None],
    help_text: str,
    options: Callable[[argparse.ArgumentParser], None] | None = None,
) -> None:
    """Add a command (used by the stage modules' ``cli_*`` hooks below)."""
    COMMANDS[name] = (handler, help_text, options)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description="Analyse 法治政府建设年度报告.")
    parser.add_argument("--version", action="version", version=f"analysis {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (handler, help_text, options) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        _paths(command)
        if options:
            options(command)
        command.set_defaults(handler=handler)
    return parser


def main(argv: list[str] | None = None) -> int:
    _register_stages()
    args = build_parser().parse_args(argv)
    args.unreadable = False
    if not args.paths:
        args.paths = None
    try:
        if args.paths is None:
            from . import config

            args.paths = [config.DATA_RAW]
        args.handler(args)
    except AnalysisError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    return 1 if args.unreadable else 0


def _register_stages() -> None:
    """Let each stage module add its commands (a module without ``cli_commands`` adds none)."""
    import importlib

    for module in ("indicators", "frequency", "themes", "compliance", "briefings", "cache", "pipeline"):
        try:
            mod = importlib.import_module(f".{module}", __package__)
        except ModuleNotFoundError as exc:
            if exc.name == f"{__package__}.{module}":
                continue
            raise
        hook = getattr(mod, "cli_commands", None)
        if hook is not None:
            for name, handler, help_text, options in hook():
                register(name, handler, help_text, options)
