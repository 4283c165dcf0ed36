"""Time the per-report stages on real reports, each run in a fresh process (nothing kept from an earlier run).

    python benchmarks/stage_times.py                       # data/raw and ../shared/corpus-dev (when present)
    python benchmarks/stage_times.py --runs 15 --data DIR [--data DIR ...]
    python benchmarks/stage_times.py --stage indicators      # one stage alone (nothing made before it to reuse)

``benchmarks/pipeline.py`` times the stages on the synthetic corpus of
``make_corpus.py``, which repeats lines from report to report (at 10,000
reports, 67,566 different lines of 324,576): what a stage keeps from one line
or report to the next (the quantities of a line, the paragraphs of a chunk)
looks better there than it is on real reports.  This script times the same
stages on real text.

Each run is a new Python process.  It loads the reports, sets up the
tokenizer and has each stage read its lexicon files (on a copy of one
report whose every line differs), then times the default stages in order, the way a pipeline worker
computes a chunk (``pipeline.stages.Context``: a stage reuses the tables the
earlier ones made).  The result is the CPU time of each stage, in ms.  Prints
each stage's fastest and median run, and as its last line exactly::

    reports=N runs=R stages_ms=FASTEST median_ms=MEDIAN

where FASTEST and MEDIAN are those of the stages' sum.  Other work on the
machine slows every figure: compare two versions with alternating runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEV = ROOT.parent / "shared" / "corpus-dev" / "reports"


def one_run(folders: list[str], stages: list[str] | None) -> dict[str, float]:
    """In the child: the CPU seconds of each stage (default: the default stages) over the reports of *folders*."""
    import importlib

    import pandas as pd

    from analysis.corpus import load_corpus
    from analysis.pipeline.stages import Context, available_stages

    importlib.import_module("analysis.tokenize").tokenizer()
    reports = pd.concat([load_corpus(folder, warn=False).reports for folder in folders], ignore_index=True)
    # The stages first read their lexicon files: do that on a copy of one report whose every line differs
    # (an indent added), so nothing of the reports themselves is kept before the clock starts.
    warm_up = reports.head(1).assign(doc_id="warm-up", text=lambda t: "\u3000" + t["text"].str.replace("\n", "\n\u3000"))
    warm_context = Context()
    for name in available_stages(stages):
        warm_context.get(name, warm_up)
    context = Context()
    spent = {}
    for name in available_stages(stages):
        started = time.process_time()
        context.get(name, reports)
        spent[name] = time.process_time() - started
    spent["_reports"] = len(reports)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", action="append", help="a folder of reports (repeatable; default: data/raw and corpus-dev)")
    parser.add_argument("--runs", type=int, default=15, help="runs, each in a new process (default 15)")
    parser.add_argument("--stage", action="append", help="time only these stages, in this order (repeatable; default: the default stages)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    folders = args.data or [str(ROOT / "data" / "raw")] + ([str(DEV)] if DEV.is_dir() else [])
    if args.child:
        print(json.dumps(one_run(folders, args.stage)))
        return
    if not args.data and not DEV.is_dir():
        print(f"corpus-dev not found at {DEV}: timing data/raw alone", file=sys.stderr)
    runs = []
    for _ in range(args.runs):
        command = [sys.executable, __file__, "--child", *[arg for folder in folders for arg in ("--data", folder)]]
        command += [arg for stage in args.stage or () for arg in ("--stage", stage)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"a run failed:\n{done.stderr.strip()}")
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    reports = int(runs[0].pop("_reports"))
    for run in runs[1:]:
        run.pop("_reports")
    print(f"{reports} reports from {', '.join(folders)}; {args.runs} runs, each in a new process")
    print(f"{'stage':<14}{'fastest_ms':>12}{'median_ms':>12}")
    for name in runs[0]:
        values = [run[name] * 1000 for run in runs]
        print(f"{name:<14}{min(values):>12.1f}{statistics.median(values):>12.1f}")
    sums = [sum(run.values()) * 1000 for run in runs]
    print(f"reports={reports} runs={args.runs} stages_ms={min(sums):.1f} median_ms={statistics.median(sums):.1f}")


if __name__ == "__main__":
    main()
