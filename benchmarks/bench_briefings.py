"""Time `make briefings` (every briefing of data/raw) the way a user runs it.

    .venv/bin/python benchmarks/bench_briefings.py            # 3 runs of `make briefings`
    .venv/bin/python benchmarks/bench_briefings.py --runs 5 --jobs 1

Each run is `make briefings OUT=<temp folder>` (so reports/ is left alone)
after the first install (the .venv stamp must be up to date: `make install`
once before).  Prints the machine's cores and load before each run, the wall
time of each run and of each briefing (from the runner's summary on stdout),
then the median.  Run it on a quiet machine: other work on the two cores
shows up directly in the figures.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, help="passed as ARGS=--jobs N")
    args = parser.parse_args()
    stale = subprocess.run(["make", "-q", ".venv/.installed"], cwd=ROOT).returncode
    if stale:
        raise SystemExit("the .venv stamp is out of date: run `make install` first (its time is not part of the measure)")
    walls = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory() as out:
            command = [
                "make",
                "--no-print-directory",
                "briefings",
                f"OUT={out}",
                f"ARGS=--quiet{f' --jobs {args.jobs}' if args.jobs else ''}",
            ]
            load = os.getloadavg()[0]
            started = time.perf_counter()
            result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
            wall = time.perf_counter() - started
            if result.returncode != 0:
                raise SystemExit(f"run {run} failed:\n{result.stderr}")
            table = pd.read_csv(io.StringIO(result.stdout.split("\n", 1)[1]))  # the make echo line first
            walls.append(wall)
            each = ", ".join(f"{b}={s:.1f}s" for b, s in zip(table["briefing"], table["seconds"], strict=True))
            print(f"run {run}: {wall:.1f} s wall for {len(table)} briefings (load before {load:.2f} on {os.cpu_count()} cores); {each}")
    print(f"median of {len(walls)} runs: {statistics.median(walls):.1f} s wall")


if __name__ == "__main__":
    main()
