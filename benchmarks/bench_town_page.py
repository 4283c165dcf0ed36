"""Time a town page as a briefings worker writes it, and where its time goes.

    python benchmarks/bench_town_page.py                              # data/raw: the five towns
    python benchmarks/bench_town_page.py --reports 1000 --pages 40    # the synthetic corpus of benchmarks/make_corpus.py

The pages are written in this process as a briefings worker writes them:
after the worker's imports (``config.BRIEFING_PRELOAD``), ``kept.hold`` and
``gc.freeze``, with the corpus tables a build makes once written into a work
folder (``workfolder.prepare``) and the clouds laid out from the run's cut of
the font (``fonts.write_run_font``), each page by
``briefings.run.run_briefing``.  The first ``--warm`` pages (default 3) are
not timed: a worker's first page reads the run's tables and counts the
corpus's words.  The stage tables come from (or are first written to) a
pipeline cache under ``benchmarks/out/`` (git-ignored), unless
``ANALYSIS_CACHE_DIR`` names another.

Every step is timed with ``time.perf_counter``, not a profiler (cProfile
counted the cloud's map update at ten times what it costs): each code cell
(named by its first line of code), the page's HTML (``pages.to_html``) and
the rest of ``run_briefing`` (papermill's steps, writing the file).  Prints
milliseconds a page for each, and as its last line::

    pages=N per_page_ms=M cells_ms=C html_ms=H

Other work on the machine slows every figure: compare two checkouts
alternately, several runs each.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=5, help="5: data/raw; more: the synthetic corpus of that size (default 5)")
    parser.add_argument("--seed", type=int, default=42, help="synthetic corpus seed (default 42, the package's)")
    parser.add_argument("--pages", type=int, default=40, help="town pages timed (default 40, or every town when fewer)")
    parser.add_argument("--warm", type=int, default=3, help="pages written first and not timed (default 3)")
    return parser.parse_args()


def first_line(source: str) -> str:
    """A cell's name in the table: its first line of code."""
    lines = [line for line in source.splitlines() if line.strip() and not line.lstrip().startswith(("#", "%"))]
    return (lines[0] if lines else source.strip()[:40])[:60]


def main() -> None:
    args = arguments()
    # the cache is chosen before the package is imported (config reads it once)
    os.environ.setdefault("ANALYSIS_CACHE_DIR", str(OUT / f"cache-{args.reports}"))
    sys.path.insert(0, str(HERE))

    from make_corpus import make_corpus

    from analysis import config, fonts, kept, pipeline, workfolder

    for module in config.BRIEFING_PRELOAD:
        importlib.import_module(module)
    from analysis.briefings.notebooks import find_notebooks
    from analysis.briefings.plan import plan
    from analysis.briefings.runner import _shown_texts

    corpus = (
        config.DATA_RAW if args.reports == 5 else make_corpus(args.reports, OUT / f"corpus-{args.reports}-seed{args.seed}", seed=args.seed)
    )
    results = pipeline.run(corpus, stages=kept.BRIEFING_STAGES, progress=False, warn=False)
    notebooks = find_notebooks()
    os.environ[fonts.RUN_FONT_ENV] = str(fonts.write_run_font(_shown_texts(results.reports, notebooks)))
    out = Path(tempfile.mkdtemp(prefix="bench-town-page-"))  # the pages and the work folder, removed at the end
    try:
        work = out / ".work"
        work.mkdir()
        workfolder.prepare(results, work)
        town_notebooks = [nb for nb in notebooks if nb.per_town]
        todo = plan(results.reports, town_notebooks, data_dir=corpus, out=out, work=work)[: args.warm + args.pages]
        timed, total, spent = write_pages(todo, args.warm)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    report(timed, total, spent, len(results.reports))


def write_pages(todo: list, warm: int) -> tuple[int, float, dict[str, float]]:
    """Write the pages *todo* as a worker does, the first *warm* untimed: (pages timed, their seconds, seconds by step)."""
    from analysis import kept
    from analysis.briefings import engine
    from analysis.briefings import run as briefing_run

    spent: dict[str, float] = defaultdict(float)
    run_cell, to_html = engine.run_cell, briefing_run.to_html

    def timed_cell(source, **options):
        started = time.perf_counter()
        try:
            return run_cell(source, **options)
        finally:
            spent["cell " + first_line(source)] += time.perf_counter() - started

    def timed_html(*parts, **options):
        started = time.perf_counter()
        try:
            return to_html(*parts, **options)
        finally:
            spent["the page's HTML (pages.to_html)"] += time.perf_counter() - started

    engine.run_cell, briefing_run.to_html = timed_cell, timed_html
    kept.hold()
    gc.freeze()
    total, timed = 0.0, 0
    for k, briefing in enumerate(todo):
        if k == warm:
            spent.clear()
        started = time.perf_counter()
        row = briefing_run.run_briefing(briefing)
        if k >= warm:
            total += time.perf_counter() - started
            timed += 1
        if row["status"] != "written":
            sys.exit(f"error: {row['message']}")
    if not timed:
        sys.exit(f"error: no page timed: the corpus has {len(todo)} towns, --warm is {warm}")
    return timed, total, spent


def report(timed: int, total: float, spent: dict[str, float], n_reports: int) -> None:
    """Milliseconds a page for each step, then the last line."""
    cells = sum(v for name, v in spent.items() if name.startswith("cell "))
    html = spent["the page's HTML (pages.to_html)"]
    rows = [*spent.items(), ("the rest of run_briefing (papermill's steps, the file)", total - cells - html)]
    print(f"{timed} town pages of {n_reports} reports, milliseconds a page:")
    for name, seconds in sorted(rows, key=lambda row: -row[1]):
        print(f"  {seconds / timed * 1000:8.1f}  {name}")
    print(f"pages={timed} per_page_ms={total / timed * 1000:.1f} cells_ms={cells / timed * 1000:.1f} html_ms={html / timed * 1000:.1f}")


if __name__ == "__main__":
    main()
