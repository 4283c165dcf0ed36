"""Time in CPython's cyclic garbage collector during a pipeline run, at CPython's settings and as the pipeline's workers settle it.

    python benchmarks/collector.py --reports 2000
    python benchmarks/collector.py --reports 10000 --runs 2

Builds (or reuses) the synthetic corpus of ``benchmarks/make_corpus.py``,
then runs ``analysis.pipeline.run(..., workers=1)`` on an empty cache in a new
interpreter, all stages in that one process as a pipeline worker runs them,
alternately:

- ``cpython``: the collector as CPython starts it (young collections every
  700 new objects);
- ``settled``: ``workers.settle_collector()`` called once the tokenizer is
  loaded, as the pipeline's own pool does in each worker (what is loaded
  then frozen, young collections every ``workers.YOUNG_COLLECTION``).

Each run prints the seconds spent collecting (timed by ``gc.callbacks``),
the collections of each generation, the process's CPU seconds and its peak
resident memory; the last line is exactly::

    reports=N runs=R gc_cpython_s=A gc_settled_s=B cpu_cpython_s=C cpu_settled_s=D

the medians over the runs of each setting.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_corpus import OUT_DIR, make_corpus  # noqa: E402

from analysis import config  # noqa: E402

CHILD = """
import gc, json, resource, sys, time
from importlib import import_module

folder, cache, mode = sys.argv[1:4]
from analysis import pipeline, workers

import_module("analysis.tokenize").tokenizer()  # a worker loads it before its first chunk
if mode == "settled":
    workers.settle_collector()
spent, started = [0.0, 0.0, 0.0], [0.0]
counts = [0, 0, 0]

def timed(phase, info):
    if phase == "start":
        started[0] = time.perf_counter()
    else:
        spent[info["generation"]] += time.perf_counter() - started[0]
        counts[info["generation"]] += 1

gc.callbacks.append(timed)
cpu = time.process_time()
pipeline.run(folder, cache_dir=cache, workers=1, progress=False, warn=False)
cpu = time.process_time() - cpu
gc.callbacks.remove(timed)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"gc_s": sum(spent), "by_generation_s": spent, "collections": counts, "cpu_s": cpu, "peak_mb": peak}))
"""


def run_once(folder: Path, mode: str) -> dict:
    root = config.ROOT
    with tempfile.TemporaryDirectory(prefix="collector-") as cache:
        result = subprocess.run(
            [sys.executable, "-c", CHILD, str(folder), cache, mode],
            cwd=root,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(root / "src")},
        )
    if result.returncode != 0:
        raise SystemExit(f"the {mode} run failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=2000, help="reports in the synthetic corpus (default 2000)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each setting, alternately (default 1)")
    parser.add_argument("--seed", type=int, default=config.RANDOM_SEED, help="corpus seed")
    args = parser.parse_args()

    folder = make_corpus(args.reports, OUT_DIR / f"corpus-{args.reports}-seed{args.seed}", seed=args.seed)
    seen: dict[str, list[dict]] = {"cpython": [], "settled": []}
    for run in range(args.runs):
        for mode in ("cpython", "settled"):
            got = run_once(folder, mode)
            seen[mode].append(got)
            young, middle, full = got["collections"]
            print(
                f"run {run + 1} {mode:<8} collecting {got['gc_s']:6.2f} s "
                f"({', '.join(f'{s:.2f}' for s in got['by_generation_s'])} s by generation; "
                f"{young} young, {middle} middle, {full} full collections); CPU {got['cpu_s']:6.2f} s; peak {got['peak_mb']:.0f} MB",
                flush=True,
            )
    med = {mode: (statistics.median(r["gc_s"] for r in rows), statistics.median(r["cpu_s"] for r in rows)) for mode, rows in seen.items()}
    print(
        f"reports={args.reports} runs={args.runs} gc_cpython_s={med['cpython'][0]:.3f} gc_settled_s={med['settled'][0]:.3f} "
        f"cpu_cpython_s={med['cpython'][1]:.2f} cpu_settled_s={med['settled'][1]:.2f}"
    )


if __name__ == "__main__":
    main()
