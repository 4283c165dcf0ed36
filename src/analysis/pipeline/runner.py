"""The run: load the reports, compute what the cache lacks on every core, assemble the tables in report order.

``run(paths)`` is the pipeline's one entry point (see ``analysis.pipeline``).
Reports are cut into chunks (contiguous in ``doc_id`` order, at most
``MAX_CHUNK``) and handed to the process pool; each step's time goes into the
timings table (``TIMING_COLUMNS``).
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path

import pandas as pd
import pyarrow as pa

from .. import cache as cache_mod
from .. import config
from ..corpus import _expand, _load_files, read_report
from ..errors import AnalysisError, InputError, OptionError, PipelineError
from ..structure import OFFERED_TABLES, offer
from ..workers import Pool
from .results import Results, Tables, _loader
from .stages import READ_STAGE, STAGES, available_stages, current_keys
from .tasks import _init_pool_worker, _load_task, _stage_task, _warm_up
from .term_counts import corpus_counts

TIMING_COLUMNS = ["step", "reports", "computed", "cached", "cpu_s", "wall_s"]
# Reports a worker takes at once (and a cache file holds).  Each chunk costs some 44 ms of CPU beyond its
# reports (a table and a cache file a stage, the reads ahead, the hand-over): the 10,000 synthetic reports of
# benchmarks/pipeline.py in 56 chunks of at most 200 took 14.2-14.4 s, in 31 of at most 400 13.6-13.9 s (the
# constant set before pipeline.run, three runs each), a worker peaking at 510 MB instead of 425; 600 was no faster.
MAX_CHUNK = 400
CHUNKS_PER_RUN = 16  # aim for this many chunks, so two or more workers stay busy
MIN_PARALLEL = 40  # with workers=None, fewer reports than this are processed here: starting workers costs more
TAIL_CHUNKS, TAIL_PARTS = 2, 4  # a run's last two chunks are handed out as eight (``_chunk_bounds``)


class _Timer:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, float]] = {}

    def add(self, step: str, **values: float) -> None:
        row = self.rows.setdefault(step, {})
        for key, value in values.items():
            row[key] = row.get(key, 0) + value

    def table(self) -> pd.DataFrame:
        rows = [{"step": step, **values} for step, values in self.rows.items()]
        table = pd.DataFrame(rows, columns=TIMING_COLUMNS)
        for column in ("reports", "computed", "cached"):
            table[column] = table[column].astype("Int64")
        return table


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _chunk_size(n: int, chunk_size: int | None) -> int:
    if chunk_size is not None:
        if chunk_size < 1:
            raise OptionError(f"chunk_size={chunk_size}: give at least 1 report a chunk")
        return chunk_size
    return max(1, min(MAX_CHUNK, math.ceil(n / CHUNKS_PER_RUN)))


def _chunk_bounds(n: int, size: int, *, even_end: bool) -> list[tuple[int, int]]:
    """(start, end) of each chunk of *n* rows, *size* rows a chunk; with *even_end*, the last ``TAIL_CHUNKS``
    chunks' rows are cut into ``TAIL_PARTS`` times as many smaller chunks, handed out last, so that the
    workers end close together (at 10,000 reports the two ended 0.24 s apart, one core idle)."""
    bounds = [(start, min(n, start + size)) for start in range(0, n, size)]
    if not even_end or len(bounds) <= 2 * TAIL_CHUNKS:
        return bounds
    lo = bounds[-TAIL_CHUNKS][0]
    part = max(1, math.ceil((n - lo) / (TAIL_CHUNKS * TAIL_PARTS)))
    return bounds[:-TAIL_CHUNKS] + [(start, min(n, start + part)) for start in range(lo, n, part)]


def _bar(total: int, desc: str, unit: str, enabled: bool):
    from tqdm import tqdm  # the console bar on stderr (tqdm.auto warns in a kernel without ipywidgets)

    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=not enabled, dynamic_ncols=True, leave=False)


def run(
    paths: str | Path | Iterable[str | Path] = config.DATA_RAW,
    *,
    stages: Sequence[str] | None = None,
    workers: int | None = None,
    cache: bool = True,
    cache_dir: str | Path | None = None,
    progress: bool | None = None,
    chunk_size: int | None = None,
    warn: bool = True,
    engine: str = "processes",
    scheduler: str | None = None,
) -> Results:
    """Load the reports of *paths* and run *stages* (default ``DEFAULT_STAGES``) over them.

    workers     processes (default: every core; 1 runs everything in this process)
    cache       reuse and keep per-report results on disk (``analysis.cache``)
    cache_dir   where (default ``config.CACHE_DIR``)
    progress    progress bars on stderr (default: only when stderr is a terminal)
    chunk_size  reports a worker takes at once (default: about 1/16 of the run, at most MAX_CHUNK, 400)
    warn        print the loader's problems on stderr, as ``load_corpus`` does
    engine      "processes" (a pool on this machine) or "dask" (a dask.distributed
                cluster: the optional extra ``[dask]``; docs/readme/dask.md)
    scheduler   with engine="dask": the scheduler's address (tcp://host:8786);
                None starts a LocalCluster of *workers* processes for the run

    Returns ``Results``; the tables are the same whatever *workers*,
    *chunk_size* and *cache* are.
    """
    started = time.perf_counter()
    names = available_stages(stages)
    auto = workers is None
    workers = default_workers() if auto else max(1, int(workers))
    show = sys.stderr.isatty() if progress is None else bool(progress)
    timer = _Timer()
    tmp = None
    if cache:
        root = cache_mod.cache_root(cache_dir)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="analysis-pipeline-")
        root = Path(tmp.name)
    pool = _pool(engine, scheduler, workers, auto)
    try:
        reports, problems = _load(paths, names=names, root=root, pool=pool, timer=timer, show=show, warn=warn, chunk_size=chunk_size)
        keys = current_keys(names)
        entries = cache_mod.entry_keys(reports)
        reports_e = reports.assign(_entry=entries)
        stores = {name: cache_mod.TableStore(root, name, keys[name]) for name in names}
        t0 = time.perf_counter()
        indexes = {name: stores[name].index() for name in names}
        todo = {name: [e for e in entries if e not in indexes[name]] for name in names}
        timer.add("check cache", wall_s=time.perf_counter() - t0)
        in_memory = {name: stores[name] for name in names if not (STAGES[name].lazy and cache)}  # the tables read now, not when asked for
        partials = _compute(
            reports_e, todo, root=root, keys=keys, pool=pool, timer=timer, show=show, chunk_size=chunk_size, read_ahead=in_memory
        )
        if current_keys(names) != keys:
            for name in names:
                _drop_written(stores[name], todo[name])
            raise AnalysisError("a lexicon file changed while the pipeline ran; run it again")
        for name in names:
            timer.add(name, reports=len(entries), cached=len(entries) - len(todo[name]), computed=len(todo[name]))
        tables = Tables()
        t0 = time.perf_counter()
        for name in names:
            loader = _loader(stores[name], entries, reports_e, root, keys)
            if name in in_memory:
                tables._set(name, loader())
            else:
                tables._lazy(name, loader)
        # every later ``structure.sections(reports)``, ``items``, ``paragraphs`` or ``sentences`` reads the run's table, not parsing again
        offer(reports, {name: partial(tables.__getitem__, name) for name in names if name in OFFERED_TABLES})
        timer.add("read tables", wall_s=time.perf_counter() - t0)
        counts = None
        if "doc_counts" in names:
            t0 = time.perf_counter()
            counts = corpus_counts(stores["doc_counts"], entries, reports_e, root, keys, partials=partials, computed=todo["doc_counts"])
            timer.add("corpus counts", wall_s=time.perf_counter() - t0)
    except BrokenProcessPool as exc:
        raise PipelineError(
            "a worker process died or could not start; when pipeline.run is called from a script, "
            'the call must sit under `if __name__ == "__main__":` (multiprocessing re-imports the script), '
            "and workers=1 runs everything in this process"
        ) from exc
    finally:
        pool.close()
        cache_mod.forget_read_ahead()  # what a run that stopped early read ahead and never asked for
        if tmp is not None:
            tmp.cleanup()
    timer.add("total", reports=len(reports), wall_s=time.perf_counter() - started)
    return Results(reports, problems, tables, counts, timer.table(), root if cache else None, entries)


ENGINES = ("processes", "dask")


def _pool(engine: str, scheduler: str | None, workers: int, auto: bool):
    """The pool the chunks go to: processes of this machine, or a Dask cluster (imported only then)."""
    if engine == "dask":
        from ..dask_pool import DaskPool

        return DaskPool(workers, scheduler=scheduler)
    if engine != "processes":
        raise OptionError(f"engine={engine!r}: use one of {', '.join(ENGINES)}")
    if scheduler:
        raise OptionError("scheduler= is the address of a Dask scheduler: give it with engine='dask'")
    return Pool(workers, min_items=MIN_PARALLEL if auto else 0, initializer=_init_pool_worker, preload=["analysis.pipeline"])


def _drop_written(store: cache_mod.TableStore, entries: list[str]) -> None:
    wanted = set(entries)
    for entry, path in store.index().items():
        if entry in wanted:
            path.unlink(missing_ok=True)


def _load(
    paths, *, names: Sequence[str], root: Path, pool: Pool, timer: _Timer, show: bool, warn: bool, chunk_size: int | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """load_corpus, with each file read from the cache or by the workers (who then set up for stages *names*)."""
    t0 = time.perf_counter()
    files, listed = _expand(paths)
    pool.prepare(len(files))  # the workers' imports beside the hashing, or on a first run this process's own reading
    key = current_keys(())[READ_STAGE]
    store = cache_mod.TableStore(root, READ_STAGE, key)
    held = store.index()
    shas: dict[str, str] = {}
    # a file's read is found in the cache by its bytes' sha256; with no read kept at all (a first run, or
    # cache=False) every file is read anyway, and hashing them first only delayed the reading (0.3 s at 10,000)
    for path in files if held else ():
        try:
            shas[str(path)] = cache_mod.file_sha256(path)
        except OSError:
            pass  # load_corpus names it
    timer.add("hash files", reports=len(shas), wall_s=time.perf_counter() - t0)
    t0 = time.perf_counter()
    wanted = list(dict.fromkeys(shas.values()))
    table, missing = store.read(wanted, index=held) if wanted else (pa.table({}), [])
    found: dict[str, dict] = {row["sha256"]: row for row in table.to_pylist()} if table.num_rows else {}
    missing_set = set(missing)
    to_read = [p for p, s in shas.items() if s in missing_set]
    to_read += [str(p) for p in files if str(p) not in shas]
    read_paths: dict[str, dict] = {}
    problems: dict[str, str] = {}
    cpu = 0.0
    if to_read:
        size = _chunk_size(len(to_read), chunk_size)
        tasks = [(chunk, str(root), key) for chunk in _chunks(to_read, size)]
        with _bar(len(to_read), "read", "file", show) as bar:
            # this process reads too while the workers wait for the fork server (the briefings' imports): reading needs no set-up
            done = pool.map(_load_task, tasks, bar=bar, weight=lambda task: len(task[0]), helper=True)
        if names:  # the workers load what the stages need while this process puts the reports table together
            pool.start_each(_warm_up, (tuple(names),))  # (for nothing when every stage's rows are then cached: rare,
            # since files read anew are files the cache did not hold)
        for results, seconds in done:
            cpu += seconds
            for path, report, problem in results:
                if report is not None:
                    read_paths[path] = report
                else:
                    problems[path] = problem

    def read(path: Path) -> dict:
        key_path = str(path)
        if key_path in problems:
            raise InputError(path, problems[key_path])
        if key_path in read_paths:
            return read_paths[key_path]
        sha = shas.get(key_path)
        if sha is not None and sha in found:
            return dict(found[sha])
        return read_report(path)  # a file that appeared or changed meanwhile

    corpus = _load_files(files, listed, warn=warn, read=read)
    timer.add(
        "load", reports=len(files), computed=len(to_read), cached=len(files) - len(to_read), cpu_s=cpu, wall_s=time.perf_counter() - t0
    )
    return corpus.reports, corpus.problems


def _compute(
    reports: pd.DataFrame,
    todo: dict[str, list[str]],
    *,
    root: Path,
    keys: dict[str, str],
    pool: Pool,
    timer: _Timer,
    show: bool,
    chunk_size: int | None,
    read_ahead: Mapping[str, cache_mod.TableStore] | None = None,
) -> list[pa.Table]:
    """Run every stage for the reports it misses, in chunks, in the pool; the rows go to the cache.

    The files of the stages whose stores *read_ahead* gives are read as each chunk ends (``TableStore.read_ahead``).
    Returns the chunks' summed term counts (``tasks.partial_counts``), one a chunk that computed ``doc_counts``.
    """
    needed = {e for entries in todo.values() for e in entries}
    partials: list[pa.Table] = []
    if not needed:
        return partials
    t0 = time.perf_counter()
    rows = reports[reports["_entry"].isin(needed)]
    bounds = _chunk_bounds(len(rows), _chunk_size(len(rows), chunk_size), even_end=chunk_size is None)
    # each stage's entries shared out among the chunks in one pass (not every entry tested against every chunk)
    chunks_of: dict[str, list[int]] = {}
    row_entries = rows["_entry"].tolist()
    for number, (start, end) in enumerate(bounds):
        for entry in row_entries[start:end]:
            places = chunks_of.setdefault(entry, [])
            if number not in places:
                places.append(number)
    chunk_todos: list[dict[str, list[str]]] = [{} for _ in bounds]
    for name, entries in todo.items():
        for entry in entries:
            for number in chunks_of.get(entry, ()):
                chunk_todos[number].setdefault(name, []).append(entry)
    tasks = []
    for number, (start, end) in enumerate(bounds):
        chunk = rows.iloc[start:end].reset_index(drop=True)
        tasks.append((chunk, chunk_todos[number], str(root), keys))
    eager = read_ahead or {}

    def read_chunk(_: int, result: tuple) -> None:
        # the chunk's files of the tables the run returns in memory are read now, while the workers go on:
        # at 10,000 reports, reading them all after the last chunk took 0.6-0.7 s with both cores idle but one
        for name, path in result[2].items():
            if name in eager:
                eager[name].read_ahead(path)

    with _bar(len(rows), "analyse", "report", show) as bar:
        for spent, summed, _ in pool.map(_stage_task, tasks, bar=bar, weight=lambda task: len(task[0]), on_result=read_chunk):
            for name, (seconds, _) in spent.items():
                timer.add(name, cpu_s=seconds)
            if summed is not None:
                partials.append(summed)
    timer.add("analyse", reports=len(rows), wall_s=time.perf_counter() - t0)
    return partials
