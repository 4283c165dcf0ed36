"""Command line: ``python -m analysis COMMAND [PATH...] [options]``.

The top of the package: it imports the stages, nothing imports it.  Each
command is a thin wrapper over the Python API, defined in the module of its
family (``reports``: what the reader finds in the reports; ``measures``: the
measuring stages; ``years``: across years and across words; ``runs``: the pipeline, its cache and the briefings;
``reviews``: the scorecard and the flags).
Stdout carries data only (CSV or JSON); messages go to stderr.  The exit
status is 1 when any input file could not be read (after the rest were
processed) or a briefing failed, 2 on a usage or lexicon error.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from typing import TYPE_CHECKING

from .._version import __version__
from ..errors import AnalysisError

if TYPE_CHECKING:  # imported by the parser only: ``start_early`` may run before it
    from .common import Command

# The options before the command that take a value (``build_parser``), skipped when looking for the command.
GLOBAL_VALUES = ("--max-report-chars", "--max-docx-bytes")


def commands() -> list[Command]:
    """Every command, in the order ``--help`` lists them."""
    from . import measures, reports, reviews, runs, years

    return [*reports.COMMANDS, *measures.COMMANDS, *years.COMMANDS, *runs.COMMANDS, *reviews.COMMANDS]


def build_parser() -> argparse.ArgumentParser:
    from .common import add_format, add_paths

    parser = argparse.ArgumentParser(prog="python -m analysis", description="Analyse 法治政府建设年度报告.")
    parser.add_argument("--version", action="version", version=f"analysis {__version__}")
    parser.add_argument(
        "--max-report-chars", type=int, metavar="N", help="a report longer than N characters once read is skipped (default 5,000,000)"
    )
    parser.add_argument(
        "--max-docx-bytes", type=int, metavar="N", help="a .docx whose XML expands past N bytes is skipped (default 100,000,000)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for command in commands():
        child = sub.add_parser(
            command.name,
            help=command.help,
            description=command.help,
            epilog=f"example:\n  {command.example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if command.reads:
            add_paths(child)
        if command.table:
            add_format(child)
        if command.options:
            command.options(child)
        child.set_defaults(handler=command.run, reads=command.reads)
    return parser


def command_of(argv: list[str]) -> str | None:
    """The command *argv* names (its first word that is neither an option nor an option's value), or None."""
    words = iter(argv)
    for word in words:
        if word in GLOBAL_VALUES:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def start_early(argv: list[str], *, here: bool = False) -> None:
    """For ``briefings`` (not its ``--help``): start the fork server and its workers' imports now, before the work.

    As a new interpreter (``main`` calls it before the parser): the parser
    imports every command's module, and those most of the package (0.4–0.6
    s); the server's imports (about 1 s) then run beside them, on the other
    core, and the workers start that much sooner.  With *here* (``main`` of
    a process that runs the command and ends, on Linux, once its parser has
    imported those modules and read the arguments): the server is this
    process forked (``workers.start_server``) and imports only what the
    parser did not, 0.5 s of CPU less in a build whose cores are both busy.
    The workers get the environment the command sets later
    (``workers.process_pool``).
    """
    if command_of(argv) == "briefings" and not {"-h", "--help"} & set(argv):
        from .. import config
        from ..workers import start_server

        start_server(config.BRIEFING_PRELOAD, here=here)


def main(argv: list[str] | None = None, *, alone: bool = False) -> int:
    """Run the command *argv* names (default: this program's arguments); its exit status.

    *alone*: this process runs the command and ends (``run``), so where it
    can (``workers.can_fork_here``: Linux) the briefings' fork server is
    this process forked, once the parser has imported most of the package
    and read the arguments (``start_early``); a caller that goes on (a test,
    a notebook), or a process that cannot fork its server, gets a server
    that is a new interpreter, started before the parser so that its
    imports run beside the parser's.
    """
    from ..workers import can_fork_here  # imported by the parser's command modules too

    words = sys.argv[1:] if argv is None else argv
    fork = alone and can_fork_here()
    if not fork:
        start_early(words)
    args = build_parser().parse_args(argv)
    if fork:
        start_early(words, here=True)
    args.unreadable = False
    from ..loaders import MAX_CHARS_ENV, MAX_DOCX_ENV

    for value, name in ((args.max_report_chars, MAX_CHARS_ENV), (args.max_docx_bytes, MAX_DOCX_ENV)):
        if value is not None:  # the environment: worker processes and the notebooks they run read it too
            os.environ[name] = str(value)
    try:
        if args.reads and not args.paths:
            from .. import config

            args.paths = [config.DATA_RAW]
        args.handler(args)
    except AnalysisError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("interrupted: stopped; the outputs written before stay as they were", file=sys.stderr)
        return 130
    except OSError as exc:  # a full disk, a read-only folder, --out naming a file: one line naming the path
        where = exc.filename if exc.filename is not None else ""
        print(f"error: {where}: {exc.strerror or exc}" if where else f"error: {exc}", file=sys.stderr)
        return 2
    return 1 if args.unreadable else 0


def run() -> int:
    """The program: ``main`` with the collector settled as a pipeline worker's, then every object it made frozen
    where the garbage collector does not look.

    Like a pipeline worker, this process runs one job and ends: young
    collections every ``workers.YOUNG_COLLECTION`` new objects instead of
    700 (``workers.settle_collector``).  A briefings build of the 1,000
    synthetic reports spent 0.65 s of its calling process's 7.1 s of CPU
    collecting (986 young, 90 middle and 6 full collections); settled, 0.24
    of 6.5 s (79, 7 and none), its peak memory the same.

    The interpreter's exit collects every object for cycles and takes the
    module tables apart: after a briefings build, 0.3–0.4 s of a command that
    has done its work.  Frozen, what only that collection would free (objects
    in reference cycles) is left to the operating system; what the module
    tables' teardown frees by reference count is freed as before.  Nothing
    is lost by it: the commands write their files in ``with`` blocks (or
    ``output.write_atomic``) and clean their temporary folders in
    ``finally``, ``atexit`` handlers still run, and the interpreter flushes
    stdout and stderr itself.  Not in ``main``: a caller that goes on (a
    test, a notebook) keeps its garbage collected.  For the same reason the
    briefings' fork server is this process forked (``main(alone=True)``).
    """
    from ..workers import settle_collector

    settle_collector()
    code = main(alone=True)
    gc.freeze()
    return code
