"""Time the whole pipeline on a synthetic corpus of N reports, against bare jieba on one core.

    python benchmarks/pipeline.py --reports 1000
    python benchmarks/pipeline.py --reports 10000 --workers 2
    python benchmarks/pipeline.py --reports 10000 --engine dask      # the same on a LocalCluster (extra [dask])

Builds (or reuses) the corpus of ``benchmarks/make_corpus.py``, then in one run:

1. bare ``jieba.lcut`` over the cleaned text of every report, one core, in a
   child process (jieba's default dictionary, loaded before the clock starts):
   the floor for jieba tokenisation;
2. the pipeline (``analysis.pipeline.run``: load → structure → tokenise →
   indicators → frequency → themes) on an empty cache — the cold run;
3. the same call again on the warm cache.

Prints the per-stage split (CPU seconds summed over the workers, MB/s and
reports/s of one core, then the wall-clock phases), the load average, and as
its last line exactly::

    reports=N mb=M pipeline_s=S jieba_s=J ratio=S/J warm_ratio=W peak_mb=P

mb is the size of the report files (10^6 bytes); pipeline_s the cold run's
wall-clock seconds; ratio its quotient by jieba_s; warm_ratio the warm run
over the cold run; peak_mb the largest resident memory of this process and
its workers together, sampled every 50 ms during both runs and while the
warm run's tokens table is read into memory (pages shared between processes
are counted once per process, so this over-estimates).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_corpus import OUT_DIR, make_corpus  # noqa: E402

from analysis import config, pipeline  # noqa: E402


def bare_jieba(folder: str, queue) -> None:
    """In a child process: seconds of jieba.lcut over every report's cleaned text, one core."""
    import logging

    import jieba

    from analysis.corpus import load_corpus

    texts = list(load_corpus(folder, warn=False).reports["text"])
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    jieba.lcut(texts[0])
    started, cpu = time.perf_counter(), time.process_time()
    for text in texts:
        jieba.lcut(text)
    queue.put((time.perf_counter() - started, time.process_time() - cpu))


def time_jieba(folder: Path) -> tuple[float, float]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=bare_jieba, args=(str(folder), queue))
    child.start()
    result = queue.get()
    child.join()
    return result


class PeakMemory:
    """Largest summed RSS of this process and its children, sampled in a thread.

    The children are looked for every *refresh* samples: finding them reads
    every process of the machine (0.8 ms here), which every 50 ms took 0.2 s
    of the pipeline's own 16 s (a core's 1.7 %, and the lock of the Python
    it runs in); reading the known ones' sizes takes a few microseconds each.
    """

    def __init__(self, interval: float = 0.05, refresh: int = 10):
        self.interval = interval
        self.refresh = refresh
        self.peak = 0
        self._samples = 0
        self._children: list = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        try:
            import psutil  # installed with ipykernel
        except ImportError:  # largest resident size so far of this process plus its largest child (Linux: kB)
            import resource

            return 1024 * sum(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        me = psutil.Process()
        if self._samples % self.refresh == 0:
            self._children = me.children(recursive=True)
        self._samples += 1
        total = me.memory_info().rss
        for child in self._children:
            try:
                total += child.memory_info().rss
            except psutil.Error:  # ended since it was found
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())


def stage_lines(timings, mb_per_report: float) -> list[str]:
    """Per computed stage: reports, CPU seconds (all workers), MB/s and reports/s of one core."""
    lines = [f"{'stage':<14}{'reports':>8}{'cpu_s':>9}{'MB/s':>9}{'rep/s':>9}"]
    for row in timings.itertuples(index=False):
        if row.cpu_s == row.cpu_s and row.computed and row.cpu_s > 0:
            mb = row.computed * mb_per_report
            lines.append(f"{row.step:<14}{row.computed:>8}{row.cpu_s:>9.2f}{mb / row.cpu_s:>9.2f}{row.computed / row.cpu_s:>9.1f}")
    return lines


def phase_lines(timings) -> list[str]:
    """Wall-clock seconds of each phase of a run."""
    lines = [f"{'phase':<14}{'wall_s':>8}"]
    for row in timings.itertuples(index=False):
        if row.wall_s == row.wall_s:
            lines.append(f"{row.step:<14}{row.wall_s:>8.2f}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000, help="reports in the synthetic corpus (default 1000)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: every core)")
    parser.add_argument("--seed", type=int, default=config.RANDOM_SEED, help="corpus seed")
    parser.add_argument("--corpus", help="use this folder of reports instead of a synthetic corpus")
    parser.add_argument("--cache-dir", help="cache folder (default benchmarks/out/cache-N; emptied first)")
    parser.add_argument("--stage", action="append", help="run only these stages (default: the pipeline's default stages)")
    parser.add_argument("--engine", default="processes", choices=("processes", "dask"), help="pipeline.run's engine (default processes)")
    parser.add_argument("--scheduler", help="with --engine dask: a scheduler address (default: a LocalCluster started by the run)")
    args = parser.parse_args()

    folder = (
        Path(args.corpus) if args.corpus else make_corpus(args.reports, OUT_DIR / f"corpus-{args.reports}-seed{args.seed}", seed=args.seed)
    )
    files = sorted(p for p in folder.iterdir() if p.suffix == ".txt")
    mb = sum(p.stat().st_size for p in files) / 1e6
    cache_dir = Path(args.cache_dir) if args.cache_dir else OUT_DIR / f"cache-{len(files)}"
    shutil.rmtree(cache_dir, ignore_errors=True)
    workers = args.workers or pipeline.default_workers()
    print(f"corpus {folder}: {len(files)} reports, {mb:.1f} MB; workers {workers}; cpus {os.cpu_count()}", file=sys.stderr)
    load_before = os.getloadavg()
    engine = {"engine": args.engine, "scheduler": args.scheduler}
    print(f"engine {args.engine}" + (f" at {args.scheduler}" if args.scheduler else ""), file=sys.stderr)

    jieba_s, jieba_cpu = time_jieba(folder)
    print(f"bare jieba.lcut, one core: {jieba_s:.2f} s wall, {jieba_cpu:.2f} s CPU, {mb / jieba_s:.2f} MB/s", file=sys.stderr)

    with PeakMemory() as memory:
        started = time.perf_counter()
        cold = pipeline.run(folder, stages=args.stage, workers=args.workers, cache_dir=cache_dir, warn=False, **engine)
        pipeline_s = time.perf_counter() - started
        started = time.perf_counter()
        warm = pipeline.run(folder, stages=args.stage, workers=args.workers, cache_dir=cache_dir, warn=False, **engine)
        warm_s = time.perf_counter() - started
        runs_peak = max(memory.peak, memory._sample())
        started = time.perf_counter()
        tokens = warm["tokens"] if "tokens" in warm.tables else None
        tokens_s = time.perf_counter() - started
    peak_mb = memory.peak / 1e6
    load_after = os.getloadavg()

    n = len(cold.reports)
    cpu = cold.timings["cpu_s"].sum()
    print(f"\ncold run, {n} reports ({mb:.1f} MB): {pipeline_s:.2f} s wall, {mb / pipeline_s:.2f} MB/s, {n / pipeline_s:.1f} reports/s")
    print("\n".join(stage_lines(cold.timings, mb / max(n, 1)) + phase_lines(cold.timings)))
    print(f"sum of stage CPU: {cpu:.2f} s = {cpu / jieba_cpu:.2f} × bare jieba's CPU ({jieba_cpu:.2f} s)")
    print(f"\nwarm run: {warm_s:.2f} s wall ({warm_s / pipeline_s:.1%} of cold); every report from the cache:")
    print("\n".join(phase_lines(warm.timings)))
    if tokens is not None:
        print(f"reading the lazy tokens table afterwards ({len(tokens):,} rows): {tokens_s:.2f} s (not in the times above)")
    print(f"peak memory: {runs_peak / 1e6:.0f} MB during the two runs, {peak_mb:.0f} MB with the tokens table read (peak_mb below)")
    print(f"bare jieba.lcut, one core: {jieba_s:.2f} s wall, {mb / jieba_s:.2f} MB/s, {n / jieba_s:.1f} reports/s")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min; other processes slow every figure)")
    print(
        f"reports={n} mb={mb:.1f} pipeline_s={pipeline_s:.2f} jieba_s={jieba_s:.2f} ratio={pipeline_s / jieba_s:.3f} "
        f"warm_ratio={warm_s / pipeline_s:.4f} peak_mb={peak_mb:.0f}"
    )


if __name__ == "__main__":
    main()
