"""Time every briefing of a corpus against the floor: one kernel start and one HTML page.

    python benchmarks/bench_briefings.py --reports 5        # data/raw: 4 corpus briefings + one per town
    python benchmarks/bench_briefings.py --reports 1000     # the synthetic corpus of benchmarks/make_corpus.py
    python benchmarks/bench_briefings.py --reports 5 --warm # the cache filled by an untimed run first

One run measures, in this order:

1. the floor: papermill runs a trivial notebook (one parameters cell, one
   print) in a fresh ``python3`` kernel and nbconvert exports it to HTML —
   the least any briefing costs.  Timed ``--floor-runs`` times (default 5;
   the median counts: three runs gave medians from 0.79 to 1.43 s on one day,
   one run of them taking 4.11 s);
2. the briefings: ``python -m analysis briefings --data CORPUS --out TMP
   --quiet`` in a child process, exactly as ``make briefings`` runs it, with
   an empty pipeline cache (``ANALYSIS_CACHE_DIR`` pointed at a new folder;
   jieba's dictionary cache, the tokenizer's resolved terms — made once per
   install — and the run font of the corpus's characters — made once per
   corpus — are copied in when they exist; ``--new-corpus`` copies the
   tokenizer's terms only, so the run cuts its font as a first build of a
   corpus does; ``--bare`` copies nothing), or with ``--warm`` after one
   untimed run filled it.

Prints the load average before and after, the briefings' own seconds (the
runner's summary), the CPU seconds every process of the machine spent while
the briefings ran and the seconds the hypervisor took from its cores
(``/proc/stat``: user and system time, and steal; Linux only), and as its
last line exactly::

    reports=N briefings=B briefings_s=S floor_s=F ratio=S/F

Exits 1 when a briefing failed.  Other work on the machine's cores slows
every figure: run it on a quiet machine and repeat a figure before trusting it.
To compare two checkouts, run them alternately, each with its own
once-per-install files made first (a checkout without them makes them inside
its timed run: 4–7 s more, seen in session 9).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_corpus import OUT_DIR, make_corpus  # noqa: E402

from analysis import config  # noqa: E402


def trivial_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell('town = "某镇"')
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# 简报"), parameters, nbformat.v4.new_code_cell("print(town)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def floor_once(folder: Path) -> float:
    """Seconds for papermill (one fresh kernel) plus nbconvert's HTML export of the trivial notebook."""
    import papermill
    from nbconvert import HTMLExporter

    source, executed = folder / "trivial.ipynb", folder / "trivial-out.ipynb"
    nbformat.write(trivial_notebook(), source)
    started = time.perf_counter()
    papermill.execute_notebook(str(source), str(executed), parameters={"town": "神树镇"}, kernel_name="python3", progress_bar=False)
    body, _ = HTMLExporter().from_notebook_node(nbformat.read(executed, as_version=4))
    (folder / "trivial.html").write_text(body, encoding="utf-8")
    return time.perf_counter() - started


def seeded_cache(folder: Path, *, seed: tuple[str, ...] = ("tokenizer", "fonts")) -> Path:
    """An empty pipeline cache, with what was made before of *seed* copied in: the tokenizer's resolved terms
    (``tokenizer``), the run fonts (``fonts``)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in seed:
        made = config.CACHE_DIR / name
        if made.is_dir():
            shutil.copytree(made, folder / name)
    return folder


def machine_cpu() -> tuple[float, float] | None:
    """(CPU seconds every process of the machine has spent, seconds the hypervisor took from its cores) since boot,
    from ``/proc/stat``; None where there is none.

    The wall time of a build moves by a sixth from one hour to the next on a
    shared machine; its CPU time moves less, and steal says when the cores
    were not all ours.
    """
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = [int(f) for f in fields] + [0] * 8
    user, nice, system, _idle, _iowait, irq, softirq, steal = ticks[:8]
    hz = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / hz, steal / hz


def run_briefings(corpus: Path, out: Path, cache: Path, jobs: int | None) -> tuple[float, pd.DataFrame]:
    command = [sys.executable, "-m", "analysis", "briefings", "--data", str(corpus), "--out", str(out), "--quiet"]
    if jobs:
        command += ["--jobs", str(jobs)]
    root = config.ROOT  # the checkout whose package is imported here (PYTHONPATH=src runs another one)
    path = os.pathsep.join([str(root / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])
    env = {**os.environ, "ANALYSIS_CACHE_DIR": str(cache), "PYTHONPATH": path}
    started = time.perf_counter()
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    try:
        table = pd.read_csv(io.StringIO(result.stdout))
    except pd.errors.EmptyDataError:
        table = pd.DataFrame(columns=["briefing", "status", "seconds"])
    if result.returncode not in (0, 1) or table.empty:
        raise SystemExit(f"the briefings command failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return wall, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=5, help="5: data/raw; more: the synthetic corpus of that size (default 5)")
    parser.add_argument("--seed", type=int, default=config.RANDOM_SEED, help="synthetic corpus seed")
    parser.add_argument("--warm", action="store_true", help="time a second run, on the cache the first one filled")
    parser.add_argument("--bare", action="store_true", help="an empty cache without the tokenizer's terms and the run font made before")
    parser.add_argument(
        "--new-corpus", action="store_true", help="an empty cache with the tokenizer's terms but no run font: a first build of the corpus"
    )
    parser.add_argument("--jobs", type=int, help="passed to the briefings command (default: one per CPU)")
    parser.add_argument("--floor-runs", type=int, default=5, help="times the floor is measured (the median counts)")
    parser.add_argument("--keep", help="keep the briefings in this folder (default: a temporary one, removed)")
    args = parser.parse_args()

    if args.reports == 5:
        corpus = config.DATA_RAW
    else:
        corpus = make_corpus(args.reports, OUT_DIR / f"corpus-{args.reports}-seed{args.seed}", seed=args.seed)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-briefings-") as tmp:
        tmp = Path(tmp)
        floors = []
        for i in range(args.floor_runs):
            (tmp / f"floor{i}").mkdir()
            floors.append(floor_once(tmp / f"floor{i}"))
        floor = statistics.median(floors)
        print(f"floor (papermill + nbconvert, trivial notebook): {', '.join(f'{f:.2f}' for f in floors)} s; median {floor:.2f} s")
        cache = seeded_cache(tmp / "cache", seed=() if args.bare else ("tokenizer",) if args.new_corpus else ("tokenizer", "fonts"))
        out = Path(args.keep) if args.keep else tmp / "out"
        if args.warm:
            run_briefings(corpus, out, cache, args.jobs)
        cpu_before = machine_cpu()
        wall, table = run_briefings(corpus, out, cache, args.jobs)
        cpu_after = machine_cpu()
    load_after = os.getloadavg()
    ok = table[table["status"] != "failed"]
    n_reports = sum(1 for p in corpus.iterdir() if p.suffix in config.SUPPORTED_SUFFIXES)
    slowest = table.sort_values("seconds", ascending=False).head(8)
    state = (
        "warm cache"
        if args.warm
        else "empty cache, nothing copied"
        if args.bare
        else "empty cache, no run font"
        if args.new_corpus
        else "empty cache"
    )
    print(f"briefings ({state}): {wall:.2f} s wall for {len(table)} briefings; slowest:")
    print(", ".join(f"{b}={s:.1f}s" for b, s in zip(slowest["briefing"], slowest["seconds"])))
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} on {os.cpu_count()} cores (1 min)")
    if cpu_before and cpu_after:
        spent, stolen = cpu_after[0] - cpu_before[0], cpu_after[1] - cpu_before[1]
        print(
            f"CPU of the machine while the briefings ran: {spent:.1f} s (user and system, every process); stolen by the host: {stolen:.1f} s"
        )
    for row in table[table["status"] == "failed"].itertuples():
        print(f"failed: {row.briefing}: {getattr(row, 'message', '')}", file=sys.stderr)
    print(f"reports={n_reports} briefings={len(ok)} briefings_s={wall:.2f} floor_s={floor:.2f} ratio={wall / floor:.2f}")
    if len(ok) < len(table):
        sys.exit(1)


if __name__ == "__main__":
    main()
