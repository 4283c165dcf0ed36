"""Commands that run the whole analysis: briefings, pipeline, and the pipeline's cache."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .. import config
from ..errors import InputError
from ..output import atomic_path
from ..runlock import output_folder
from ..tables import records
from .common import Command, add_format, write


def _shown(path: str | Path) -> str:
    """*path* relative to the working folder when it is inside it, else absolute."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def briefings(args: argparse.Namespace) -> None:
    from ..briefings import INDEX_NAME, build  # the fork server and its imports were started before the parser (cli.start_early)

    parameters = {name: value for name, value in (args.parameter or [])}
    started = time.perf_counter()
    summary = build(
        args.data,
        out=args.out,
        towns=args.town,
        parameters=parameters,
        notebooks=args.notebook,
        notebooks_dir=args.notebooks_dir,
        jobs=args.jobs,
        progress=not args.quiet,
        wait=args.wait,
    )
    wall = time.perf_counter() - started
    write(summary.assign(html=[_shown(p) for p in summary["html"]]), args)
    from ..pipeline import run

    problems = run(args.data or config.DATA_RAW, stages=[], progress=False, warn=False).problems  # read from the cache: no cost
    for row in records(problems):  # as the other commands do: named on stderr, exit 1 when a file was skipped
        print(f"warning: {row.file}: {row.problem} ({row.action})", file=sys.stderr)
    args.unreadable = bool((problems["action"] == "skipped").any())
    failed = summary[summary["status"] == "failed"]
    for message in failed["message"]:
        print(f"error: {message}", file=sys.stderr)
    if not args.quiet:
        out = Path(args.out) if args.out else config.REPORTS_DIR
        print(
            f"{len(summary) - len(failed)} of {len(summary)} briefings written to {_shown(out)}/ in {wall:.1f} s; index: {_shown(out / INDEX_NAME)}",
            file=sys.stderr,
        )
    if len(failed):
        raise SystemExit(1)


def pipeline(args: argparse.Namespace) -> None:
    from ..pipeline import run

    results = run(
        args.paths,
        stages=args.stage or None,
        workers=args.workers,
        cache=not args.no_cache,
        cache_dir=args.cache_dir,
        progress=False if args.quiet else None,
        engine=args.engine,
        scheduler=args.scheduler,
    )
    args.unreadable = bool((results.problems["action"] == "skipped").any())
    if args.out and results.reports.empty:  # never replace good tables with tables of nothing
        raise InputError(
            ", ".join(map(str, args.paths)), f"no report could be read: nothing written, the tables in {args.out} are unchanged"
        )
    if args.out:
        out = output_folder(args.out)
        for name in [*results.tables, *(["counts"] if results.counts is not None else []), "reports"]:
            table = results.reports if name == "reports" else results[name]
            with atomic_path(out / f"{name}.parquet", suffix=".parquet") as tmp:
                table.to_parquet(tmp, index=False)
        if not args.quiet:
            print(f"{len(results.tables) + 1 + (results.counts is not None)} tables written to {out}/", file=sys.stderr)
    write(results.timings, args)


def cache(args: argparse.Namespace) -> None:
    from ..cache import cache_root, clear, info, prune
    from ..pipeline import current_keys

    root = cache_root(args.cache_dir)
    if args.action == "info":
        write(info(root, current=current_keys()), args)
    elif args.action == "clear":
        freed = clear(root)
        print(f"cache {root} cleared ({freed / 1e6:.1f} MB freed)", file=sys.stderr)
    else:
        freed = prune(current_keys(), root)
        print(f"cache {root} pruned ({freed / 1e6:.1f} MB freed)", file=sys.stderr)


def _briefings_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", help="folder of reports (default: data/raw)")
    parser.add_argument("--out", help="folder for the HTML briefings (default: reports/)")
    parser.add_argument("--town", action="append", help="build only this town's briefings (repeatable; default: every town)")
    parser.add_argument("--notebook", action="append", help="only this notebook, by name or number such as 04 (repeatable)")
    parser.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="pass a parameter to the notebooks that have it (repeatable)",
    )
    parser.add_argument("--notebooks-dir", help="folder of the report notebooks (default: notebooks/)")
    parser.add_argument("-j", "--jobs", type=int, help="notebooks executed at once (default: one per CPU)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no closing line (errors are still printed)")
    parser.add_argument("--wait", action="store_true", help="when another run is writing into --out, wait for it (default: stop)")
    add_format(parser)


def _pipeline_options(parser: argparse.ArgumentParser) -> None:
    from ..pipeline import STAGES

    parser.add_argument("--stage", action="append", help=f"run only this stage (repeatable): {', '.join(STAGES)}")
    parser.add_argument("--workers", type=int, help="processes (default: one per core)")
    parser.add_argument(
        "--engine",
        choices=("processes", "dask"),
        default="processes",
        help="where the work runs: this machine's processes, or Dask (extra [dask])",
    )
    parser.add_argument("--scheduler", help="with --engine dask: the scheduler's address, tcp://HOST:8786 (default: a LocalCluster)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor keep the on-disk cache")
    parser.add_argument("--cache-dir", help=f"the cache folder (default {config.CACHE_DIR})")
    parser.add_argument("--out", help="write every table as parquet into this folder")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def _cache_options(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="{info,prune,clear}")
    for action, help_text in (
        ("info", "what is cached: table, key, current, files, entries, rows, bytes (CSV)"),
        ("prune", "delete what the present code and lexicon can no longer use"),
        ("clear", "delete the whole cache"),
    ):
        sub = actions.add_parser(
            action,
            help=help_text,
            description=help_text,
            epilog=f"example:\n  python -m analysis cache {action} --cache-dir .cache/analysis",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.add_argument("--cache-dir", help=f"the cache folder (default {config.CACHE_DIR})")
        if action == "info":
            add_format(sub)


COMMANDS = [
    Command(
        "briefings",
        briefings,
        "run every report notebook and write the HTML briefings and reports/index.html; stdout: what was written, where, how long",
        "python -m analysis briefings --data data/raw --out reports --town 神树镇 -p top_n 30",
        _briefings_options,
        reads=False,
        table=False,
    ),
    Command(
        "cache",
        cache,
        "the pipeline's on-disk cache: info (CSV), prune or clear",
        "python -m analysis cache info\n  python -m analysis cache prune --cache-dir .cache/analysis",
        _cache_options,
        reads=False,
        table=False,
    ),
    Command(
        "pipeline",
        pipeline,
        "run every stage over the reports, cached and on every core; stdout: the timings table",
        "python -m analysis pipeline data/raw --out /tmp/tables --workers 2",
        _pipeline_options,
    ),
]
