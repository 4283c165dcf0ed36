"""The whole run: the pipeline over the reports, every briefing on every core, then the index page.

``build(data_dir, out=...)`` is what ``python -m analysis briefings`` and
``make briefings`` call.  It returns the summary table, one row per briefing::

    briefing, title, notebook, town, html, seconds, status, message

``status`` is ``written`` or ``failed``; a failed briefing never stops the others.
"""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future
from datetime import datetime
from multiprocessing.connection import wait
from pathlib import Path

import pandas as pd

from .. import config, pipeline
from .._version import __version__
from ..errors import InputError, OptionError
from ..fonts import RUN_FONT_ENV, write_run_font
from ..kept import BRIEFING_STAGES, hold
from ..lexicon import files_hash
from ..output import write_atomic
from ..pipeline.tasks import fresh_lexicon
from ..runlock import output_folder, run_lock
from ..workers import BrokenProcessPool, limit_native_threads, mp_context, native_threads, process_pool, start_server, stop_now
from ..workfolder import flags_for, prepare
from .index import INDEX_NAME, index_html
from .notebooks import WORK_PARAMETER, Notebook, find_notebooks
from .plan import Briefing, plan
from .run import run_briefing

SUMMARY_COLUMNS = ["briefing", "title", "notebook", "town", "html", "seconds", "status", "message"]
WORK_PREFIX = ".work-"  # the work folder: hidden, inside the output folder, removed when the run ends


def input_hash(reports: pd.DataFrame) -> str:
    """sha256 over the file names and contents (their sha256) of the reports read."""
    digest = hashlib.sha256()
    for name, sha in sorted(zip((Path(p).name for p in reports["path"]), reports["sha256"], strict=True)):
        digest.update(f"{name}\0{sha}\n".encode())
    return digest.hexdigest()


def build(
    data_dir: str | Path | None = None,
    *,
    out: str | Path | None = None,
    towns: Iterable[str] | None = None,
    parameters: Mapping[str, object] | None = None,
    notebooks: Iterable[str] | None = None,
    notebooks_dir: str | Path | None = None,
    jobs: int | None = None,
    progress: bool = True,
    timeout: int | None = 600,
    wait: bool = False,
) -> pd.DataFrame:
    """Build every briefing of the reports in *data_dir* into *out*, then ``index.html``.

    towns        only these towns' briefings (default: every town of the corpus)
    parameters   passed to each notebook that has a parameter of that name
    notebooks    only these notebooks (names or number prefixes such as ``"04"``)
    jobs         notebooks executed at once (default: one per CPU)

    Returns the summary table (``SUMMARY_COLUMNS``), one row per briefing built.
    A failed briefing is a row with status ``failed``; nothing raises for it.

    Before any notebook runs, the stages are run over the reports on every
    core (``pipeline.run``, with progress bars when *progress*), which fills
    the on-disk cache the notebooks then read from; the corpus-level tables
    the briefings share (``workfolder.prepare``: the indicator summary, the
    scorecard and the flags) are computed once, into a hidden work folder in
    *out* that is removed at the end.

    Nothing in *out* changes unless there are reports to build from: a
    *data_dir* that does not exist, or holds no readable report, raises
    ``InputError`` naming it.  The run holds *out*'s lock (``runlock``): a
    second run into the same folder raises ``OutputError`` naming the lock, or
    waits for it with *wait*; what interrupted runs left there is removed.
    """
    data_dir = config.resolve_path(data_dir) if data_dir is not None else config.DATA_RAW
    if not data_dir.exists():
        raise InputError(data_dir, "does not exist: nothing was built, the previous briefings are unchanged")
    out = output_folder(out if out is not None else config.REPORTS_DIR)
    with run_lock(out, wait=wait):
        return _build(
            data_dir,
            out=out,
            towns=towns,
            parameters=parameters,
            notebooks=notebooks,
            notebooks_dir=notebooks_dir,
            jobs=jobs,
            progress=progress,
            timeout=timeout,
        )


def _build(
    data_dir: Path,
    *,
    out: Path,
    towns: Iterable[str] | None,
    parameters: Mapping[str, object] | None,
    notebooks: Iterable[str] | None,
    notebooks_dir: str | Path | None,
    jobs: int | None,
    progress: bool,
    timeout: int | None,
) -> pd.DataFrame:
    started = time.perf_counter()
    start_server(config.BRIEFING_PRELOAD)  # running already when the command line started it (cli.start_early)
    every = find_notebooks(notebooks_dir)
    chosen = _select(every, notebooks)
    corpus = pipeline.run(data_dir, stages=[], progress=progress, warn=False)  # the reports only: a usage error shows at once
    reports, problems = corpus.reports, corpus.problems
    if reports.empty:  # never replace good briefings with briefings of nothing
        skipped = f" ({len(problems)} files skipped: {problems['file'].iloc[0]}: {problems['problem'].iloc[0]}, …)" if len(problems) else ""
        raise InputError(data_dir, f"holds no report that could be read{skipped}: nothing was built, the previous briefings are unchanged")
    full = plan(reports, every, data_dir=data_dir, out=out, parameters=_known(parameters, every))
    todo = plan(reports, chosen, data_dir=data_dir, out=out, towns=towns, parameters=parameters)
    run_font = write_run_font(_shown_texts(reports, every))  # a new corpus's font is cut in about 50 ms
    results = pipeline.run(data_dir, stages=BRIEFING_STAGES, progress=progress, warn=False)  # warm the cache on every core
    data_sha = input_hash(reports)
    footer = f"程序版本 {__version__} · 输入数据校验值 {data_sha[:12]}"
    work = None
    font_before = os.environ.get(RUN_FONT_ENV)
    os.environ[RUN_FONT_ENV] = str(run_font)  # each page's font is cut from it
    try:
        if any(WORK_PARAMETER in b.notebook.parameters for b in todo):
            work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=out))
            todo = plan(reports, chosen, data_dir=data_dir, out=out, towns=towns, parameters=parameters, work=work)
        rows = _run_all(
            todo,
            footer=footer,
            jobs=jobs,
            progress=progress,
            timeout=timeout,
            prepare_work=None if work is None else (work, results),
        )
        write_atomic(
            out / INDEX_NAME,
            index_html(
                reports,
                problems,
                full,
                pd.DataFrame(rows, columns=SUMMARY_COLUMNS),
                meta=_meta(started, data_dir, data_sha, parameters),
                flags=flags_for(results, work_dir=work),
            ),
        )
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
        if font_before is None:
            os.environ.pop(RUN_FONT_ENV, None)
        else:
            os.environ[RUN_FONT_ENV] = font_before
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _meta(started: float, data_dir: Path, data_sha: str, parameters: Mapping[str, object] | None) -> dict:
    return {
        "run_date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "data_dir": str(data_dir),
        "data_hash": data_sha,
        "lexicon_hash": files_hash(),
        "version": __version__,
        "parameters": dict(parameters or {}),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _shown_texts(reports: pd.DataFrame, notebooks: Sequence[Notebook]) -> list[str]:
    """Everything a page of this run can show: the reports, the notebooks, the lexicons, the package's own labels."""
    files = [nb.path for nb in notebooks]
    files += [p for p in config.LEXICON_DIR.rglob("*") if p.is_file()]
    files += [p for p in config.PACKAGE_DIR.rglob("*") if p.suffix in (".py", ".j2", ".css", ".html")]
    return [
        *reports["text"].tolist(),
        *reports["title"].astype(str).tolist(),
        *(p.read_text(encoding="utf-8", errors="ignore") for p in files),
    ]


def _known(parameters: Mapping[str, object] | None, notebooks: Sequence[Notebook]) -> dict:
    names = {name for nb in notebooks for name in nb.parameters}
    return {k: v for k, v in (parameters or {}).items() if k in names}


def _select(notebooks: list[Notebook], wanted: Iterable[str] | None) -> list[Notebook]:
    if wanted is None:
        return notebooks
    chosen = []
    for want in wanted:
        hits = [nb for nb in notebooks if want in (nb.name, nb.path.stem) or nb.name.startswith(want)]
        if not hits:
            raise OptionError(f"no notebook {want!r}; the notebooks are: {', '.join(nb.name for nb in notebooks)}")
        chosen.extend(nb for nb in hits if nb not in chosen)
    return [nb for nb in notebooks if nb in chosen]


# A town notebook's towns are handed out at most this many at a time: a worker takes the next few as it becomes
# free, so the workers end within a few pages of each other (in two halves, one per worker, the 1,000 synthetic
# reports' build left one core idle for its last 2.0 s, its half begun 5.6 s later, after a longer corpus
# notebook).  Fewer towns a run towards the end (``_town_runs``): the last runs are single pages, so the workers
# end within one page (five towns as four and one left a core idle for the build's last 0.27 s).
TOWNS_PER_RUN = 4
WAKE_AT_LEAST = 1.0  # seconds: a round looks at its futures this often even when nothing woke it
_PROGRESS = None  # in a worker: (the pipe's sending end, its lock) each briefing's start and finished row are sent on


def _say(message: tuple) -> None:
    """Send *message* to the calling process; it is in the pipe when this returns.

    (multiprocessing's Queue hands a message to a thread of the worker, which
    writes it later: a worker killed right after put lost it, and the caller
    then took a briefing finished before the crash for one never started.)
    """
    if _PROGRESS is not None:
        writer, lock = _PROGRESS
        with lock:  # one message at a time from the workers sharing the pipe
            writer.send(message)


def _worker_init(progress, environment: Mapping[str, str]) -> None:
    global _PROGRESS
    _PROGRESS = progress
    os.environ.update(environment)  # the thread-pool sizes, read by the libraries the notebooks load (ANALYSIS_* came already)
    limit_native_threads(environment)  # the notebooks run in this process, which may have loaded NumPy already
    fresh_lexicon()  # what the fork server loaded (``briefings.warm``) is kept while the lexicon is as it was then
    # what the fork server imported lives as long as this worker: out of the cyclic collector from the start, so that
    # the first briefing's reset (three full collections: two in IPython's reset, one in RESET_SOURCE) does not walk it
    gc.freeze()
    hold()  # the build's reports are those of its start: each page need not check every file again (``kept.hold``)


def run_batch(batch: Sequence[Briefing], **kwargs) -> list[dict]:
    """Run briefings one after the other in this process (a town notebook's towns share its shell and imports)."""
    rows = []
    for briefing in batch:
        _say(("started", briefing.name))
        rows.append(run_briefing(briefing, **kwargs))
        _say(("done", rows[-1]))
    return rows


def batches(todo: Sequence[Briefing], jobs: int) -> list[list[Briefing]]:
    """The work for *jobs* processes, in the order they take it: each corpus notebook, the costliest first
    (``Notebook.cost``), then each town notebook's towns, a few at a time (``_town_runs``; on one process, all at
    once)."""
    runs = [[b] for b in sorted((b for b in todo if not b.notebook.per_town), key=lambda b: -b.notebook.cost)]
    for path in dict.fromkeys(b.notebook.path for b in todo if b.notebook.per_town):
        towns = [b for b in todo if b.notebook.path == path]
        runs += [towns] if jobs <= 1 else _town_runs(towns, jobs)
    return runs


def _town_runs(towns: list[Briefing], jobs: int) -> list[list[Briefing]]:
    """*towns* in runs of at most ``TOWNS_PER_RUN``, each at most half of a process's share of the towns left
    (rounded up), so that the runs shrink to single pages at the end and the *jobs* processes end together."""
    runs, start = [], 0
    while start < len(towns):
        size = max(1, min(TOWNS_PER_RUN, -(-(len(towns) - start) // (2 * jobs))))
        runs.append(towns[start : start + size])
        start += size
    return runs


CRASHED = "the process running it stopped abruptly (a crash in native code, or it was killed), twice"


def _lost(briefing: Briefing, reason: str) -> dict:
    return {
        "briefing": briefing.name,
        "title": briefing.title,
        "notebook": briefing.notebook.name,
        "town": briefing.town or "",
        "html": str(briefing.html),
        "seconds": float("nan"),
        "status": "failed",
        "message": f"{briefing.label}: {reason}",
    }


def _in_thread(fn, *args) -> Future:
    """``fn(*args)`` in a daemon thread of this process; its result or exception in the returned future.

    A daemon thread: a run stopped (Ctrl-C, a failure) does not wait for it at exit.
    """
    future: Future = Future()

    def run() -> None:
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # given to the caller through the future
                future.set_exception(exc)

    threading.Thread(target=run, name="prepare", daemon=True).start()
    return future


def _needs_work(batch: Sequence[Briefing]) -> bool:
    return any(WORK_PARAMETER in b.parameters for b in batch)


def _run_all(
    todo: list[Briefing],
    *,
    footer: str,
    jobs: int | None,
    progress: bool,
    timeout: int | None,
    prepare_work: tuple[Path, object] | None = None,
) -> list[dict]:
    """Every briefing of *todo*, on *jobs* worker processes; returns their rows in *todo*'s order.

    The notebooks always run in worker processes (one at least), never in
    this one: their code shares the process it runs in.  *prepare_work* is
    ``(work folder, results)`` when some briefings read the shared
    tables of ``workfolder.prepare``: on one process they are written first; on
    several, this process writes them (a thread of its own, from the tables
    in hand) while every worker runs the briefings that do not read them, and
    those that do are started once the tables are there.

    A worker process that dies (a crash in native code, killed for memory)
    takes its pool down.  The briefings it had not finished are run again in
    a new pool; the ones running when it died are first run again one by one,
    each in a process of its own, and one that ends its process again is a
    failed row (``CRASHED``), so one crash never fails the others.
    """
    from tqdm.auto import tqdm

    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    rows: dict[str, dict] = {}
    bar = tqdm(total=len(todo), desc="briefings", unit="briefing", file=sys.stderr, disable=not progress, dynamic_ncols=True)

    def done(row: dict) -> None:
        rows[row["briefing"]] = row
        bar.set_postfix_str(row["briefing"])
        bar.update()

    def left(work: list[list[Briefing]]) -> list[list[Briefing]]:
        return [rest for rest in ([b for b in batch if b.name not in rows] for batch in work) if rest]

    run = {"footer": footer, "timeout": timeout, "done": done}
    preparing = None
    try:
        work = batches(todo, jobs)
        if prepare_work is not None:
            folder, results = prepare_work
            if jobs == 1 or len(work) == 1:  # nothing to run beside them
                prepare(results, folder)
            else:  # here, beside the workers: the tables are in hand, and no worker waits for them
                preparing = _in_thread(prepare, results, folder)
        before = len(rows)
        running = _pool_round(work, jobs=jobs, preparing=preparing, **run)
        while running is not None:  # a worker died: the briefings it was running alone first, then the rest
            if preparing is not None:  # the rounds after this one start every briefing at once: the tables first
                preparing.result()
                preparing = None
            if not running and len(rows) == before:  # no briefing started or ended: the workers cannot even start
                for briefing in [b for batch in left(work) for b in batch]:
                    done(_lost(briefing, "the worker processes stopped before running it"))
                break
            for briefing in [b for batch in work for b in batch if b.name in running and b.name not in rows]:
                if _pool_round([[briefing]], jobs=1, **run) is not None:
                    done(_lost(briefing, CRASHED))
            work, before = left(work), len(rows)
            running = _pool_round(work, jobs=jobs, **run) if work else None
    finally:
        bar.close()
    return [rows.get(b.name) or _lost(b, "no result") for b in todo]


class _Waker:
    """What wakes a round when one of its futures ends: a socket pair, the round waiting on the first
    (``fileno``), each ended future writing a byte to the second (``watch``).

    Neither socket blocks: a wake-up written while another waits unread is
    one too many, and is dropped.  A future may end in another thread while
    the round closes the pair (Ctrl-C, or a worker dead while the shared
    tables are written): writing and closing take one lock, and nothing is
    written once closed, so no byte can reach a file descriptor the closed
    socket's number was given to since.
    """

    def __init__(self) -> None:
        self._woken, self._wake = socket.socketpair()
        self._woken.setblocking(False)
        self._wake.setblocking(False)
        self._lock = threading.Lock()

    def fileno(self) -> int:
        return self._woken.fileno()

    def watch(self, future: Future) -> Future:
        """*future*, which wakes the round when it ends."""
        future.add_done_callback(self._ended)
        return future

    def _ended(self, _: Future) -> None:
        with self._lock:
            if self._wake.fileno() != -1:  # -1 once closed
                try:
                    self._wake.send(b"\0")
                except BlockingIOError:  # full: a wake-up is waiting already
                    pass

    def clear(self) -> None:
        """Read the wake-ups written so far."""
        try:
            self._woken.recv(4096)
        except BlockingIOError:
            pass

    def __enter__(self) -> _Waker:
        return self

    def __exit__(self, *_) -> None:
        with self._lock:
            self._woken.close()
            self._wake.close()


def _pool_round(
    work: list[list[Briefing]],
    *,
    jobs: int,
    footer: str,
    timeout: int | None,
    done,
    preparing: Future | None = None,
) -> set[str] | None:
    """Run *work* (batches of briefings) on a pool of up to *jobs* workers, each row given to *done* as it comes.

    The batches that read the shared tables wait for *preparing* (the future
    of ``workfolder.prepare``) when it is given; its failure stops the run.
    Returns ``None`` when every batch ran to its end, else, when a worker
    died, the names of the briefings started and not finished at that time.
    """
    waiting = [b for b in work if _needs_work(b)] if preparing is not None else []
    ready = [b for b in work if not any(b is w for w in waiting)]
    finished, sending = mp_context().Pipe(duplex=False)  # the workers' starts and rows, each sent before it goes on
    lock = mp_context().Lock()
    processes = max(1, min(jobs, len(work)))
    environment = native_threads(processes)  # a notebook process per core: one BLAS thread each
    kwargs = {"footer": footer, "timeout": timeout}
    started: set[str] = set()

    def take(message: tuple) -> None:
        kind, value = message
        if kind == "started":
            started.add(value)
        else:
            started.discard(value["briefing"])
            done(value)

    with (
        finished,
        sending,
        _Waker() as waker,
        process_pool(processes, initializer=_worker_init, initargs=((sending, lock), environment)) as pool,
    ):
        futures = [waker.watch(pool.submit(run_batch, batch, **kwargs)) for batch in ready]
        if preparing is not None:
            waker.watch(preparing)
        try:
            while True:
                if preparing is not None and preparing.done():
                    preparing.result()  # the shared tables could not be written: the run stops, as it would have before any briefing
                    preparing = None
                    try:
                        futures += [waker.watch(pool.submit(run_batch, batch, **kwargs)) for batch in waiting]
                    except BrokenProcessPool:  # a worker died meanwhile: the caller runs what is left in a new pool
                        pass
                if finished.poll():
                    take(finished.recv())
                elif preparing is None and all(f.done() for f in futures) and not finished.poll():
                    break
                elif waker in wait([finished, waker], timeout=WAKE_AT_LEAST):  # a future ended: look again at once
                    waker.clear()
        except BaseException:  # Ctrl-C, or the shared tables failed: the workers stop now
            stop_now(pool)
            raise
    if any(isinstance(f.exception(), BrokenProcessPool) for f in futures) or len(futures) < len(work):
        return started
    for future in futures:
        if future.exception() is not None:  # not a dead process: an error of the runner itself
            raise future.exception()
    return None
