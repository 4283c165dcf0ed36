"""Process pools: the one way the package puts work on several cores.

The pipeline shares chunks of reports between workers (``Pool.map``) and the
briefings runner runs notebooks side by side (``process_pool``).  Both start
their workers the same way: ``forkserver`` where the system has it (a clean,
fast start: workers are forked from a small server process, not from the
caller with its threads and open kernels), else ``spawn`` (Windows, macOS
without forkserver).  A script that starts workers must keep its top-level
code under ``if __name__ == "__main__":`` (``spawn`` re-imports it).
"""

from __future__ import annotations

import ctypes
import gc
import inspect
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext
from typing import NoReturn

from . import config
from .fonts import CJK_FONT_ENV, RUN_FONT_ENV

__all__ = [
    "BrokenProcessPool",
    "Pool",
    "can_fork_here",
    "die_with_parent",
    "limit_native_threads",
    "mp_context",
    "native_threads",
    "process_pool",
    "start_server",
    "stop_now",
]

_PR_SET_PDEATHSIG = 1

# The variables that size the thread pools of NumPy's and SciPy's BLAS and of OpenMP,
# read once when a process loads those libraries.
NATIVE_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def native_threads(processes: int) -> dict[str, str]:
    """The thread-pool sizes for the programs *processes* side-by-side processes start: the cores shared out.

    A process's BLAS starts one thread per core; with a notebook process per
    core (briefings on two processes) the two then fight for the cores in every
    matrix product (correspondence analysis, topics).  Variables the user set
    are kept.  Returns only what to add to ``os.environ`` (nothing for one process).
    """
    if processes <= 1:
        return {}
    share = str(max(1, (os.cpu_count() or 1) // processes))
    return {name: share for name in NATIVE_THREAD_VARS if name not in os.environ}


def limit_native_threads(environment: dict[str, str]) -> None:
    """In a process that may have loaded BLAS or OpenMP already: hold their thread pools to the share *environment* gives.

    The variables of ``native_threads`` are read when a library loads; a
    worker forked from a server that had imported NumPy has its pools sized
    already, so they are set again here (threadpoolctl).  Nothing for an
    empty *environment* (one process: every core).
    """
    shares = [int(environment[name]) for name in NATIVE_THREAD_VARS if name in environment]
    if shares:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=min(shares))


def die_with_parent(parent: int | None = None) -> None:
    """Make this process end when its parent ends (Linux ``prctl(PR_SET_PDEATHSIG, SIGTERM)``).

    Under ``forkserver`` the parent is the fork server, which ends when the
    process that started the pool ends, so the chain holds.  A worker whose parent was killed (``kill -9``, a closed terminal) then
    stops at once instead of writing on alone, and the notebook it was
    running (in its own shell) with it.  When *parent* (the
    pid of the parent that started it) is already gone, the process exits
    now.  On a system without ``prctl`` nothing changes.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if parent is not None:  # the process that started the pool, which may not be the direct parent (a fork server)
        if not _alive(parent):
            os._exit(1)
        threading.Thread(target=_watch, args=(parent,), name="watch-parent", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"  # a zombie has ended
    except OSError:
        return True


def _watch(pid: int) -> None:
    while _alive(pid):
        time.sleep(1.0)
    os._exit(1)


# The package's own environment variables (``ANALYSIS_*``) reach every worker as the caller has them when it
# starts the pool (``package_environment``).  Those read when used (the run font, the size limits of reading,
# the CJK font) then hold in the worker; the folders (``ANALYSIS_ROOT``, ``ANALYSIS_CACHE_DIR``) are read when
# ``config`` is imported, which a worker forked from the fork server did when the server started.  A path in
# one of them is given as an absolute path: a briefing's worker runs its notebook from the notebooks' folder.
ENV_PREFIX = "ANALYSIS_"
PATH_VARIABLES = (config.ROOT_ENV, config.CACHE_DIR_ENV, CJK_FONT_ENV, RUN_FONT_ENV)


def package_environment() -> dict[str, str]:
    """This process's ``ANALYSIS_*`` variables: what a worker is given at its start (``process_pool``).

    The paths among them (``PATH_VARIABLES``) are made absolute from this
    process's working folder, where a user who wrote a relative one meant it.
    """
    return {
        name: os.path.abspath(value) if name in PATH_VARIABLES and value else value
        for name, value in os.environ.items()
        if name.startswith(ENV_PREFIX)
    }


def _take_environment(environment: dict[str, str]) -> None:
    """Make this process's ``ANALYSIS_*`` variables *environment*'s: set those it has, drop the others.

    A worker forked from the fork server has the server's environment, as it
    was when the server started: before the command line read
    ``--max-report-chars``, or before a notebook set a variable.
    """
    for name in [name for name in os.environ if name.startswith(ENV_PREFIX) and name not in environment]:
        del os.environ[name]
    os.environ.update(environment)


def _start_worker(parent: int, environment: dict[str, str], initializer: Callable[..., object] | None, initargs: tuple) -> None:
    """Every worker's first step: the caller's ``ANALYSIS_*`` variables; die with the parent; leave Ctrl-C to the parent."""
    _take_environment(environment)
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer(*initargs)


YOUNG_COLLECTION = 200_000  # new objects between two young collections in a worker of a long run (CPython's default: 700)


def settle_collector() -> None:
    """In a process that runs one job and ends (a worker of the pipeline's pool, the command line's process): what
    it holds now (a worker: the fork server's imports, and once ``_warm_up`` has run the tokenizer and the
    lexicon's rules) frozen out of the cyclic garbage collector, and young collections every
    ``YOUNG_COLLECTION`` new objects instead of every 700.

    A pipeline worker of the 10,000 synthetic reports spent 1.05–1.4 s in
    the collector at CPython's settings: 680-odd young collections and six
    full ones, each walking every object the worker keeps (the lexicon's
    trees, the tokenizer's, the quantities of each line met).  Young
    collections every 20,000 new objects: 0.21–0.30 s, fifteen young
    collections and one middle one; every 200,000: 0.05–0.06 s, one young
    collection (timed by a callback patched into the workers).  What a chunk
    makes mostly goes when it ends, by its count of references: the objects
    a worker keeps grow by some 300,000 in a run, the quantities of the
    lines it met.  ``benchmarks/collector.py --reports 5000`` times one
    process running every stage: 0.84 s at CPython's settings, 0.20 s at
    20,000, 0.06 s at 200,000, peaking at 633, 633 and 629 MB.  Garbage in
    cycles that dies young is found 200,000 new objects later; a cycle that
    lived into the older generations waits for a middle collection (every
    ten young ones) or a full one, which a run may not reach: it stays
    until the worker ends.
    """
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION, *gc.get_threshold()[1:])


# glibc's mallopt parameters, and what a worker of a long run sets them to (``keep_freed_memory``)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
KEEP_FREED_BYTES = 1 << 30  # freed memory kept before any goes back to the system
OWN_MAPPING_BYTES = 64 << 20  # a block this large or larger is mapped on its own, and unmapped when freed


def keep_freed_memory() -> None:
    """In a process that runs one job and ends (a worker of the pipeline's pool): memory it frees kept for its
    next chunk instead of handed back to the system and faulted in again, page by page, when the next chunk
    asks for it (glibc only; elsewhere nothing changes).

    glibc maps a block of more than 128 KB (a threshold it raises as such blocks
    are freed, up to 32 MB) on its own and unmaps it when freed, and trims the
    top of its heap when 128 KB there are free.  A pipeline worker's chunks
    make and free the same large arrays over and over: each time the pages
    were faulted in anew, 220,000–240,000 faults and 0.7–1.1 s of system time
    a worker at 10,000 reports; with blocks below ``OWN_MAPPING_BYTES`` taken
    from the heap and ``KEEP_FREED_BYTES`` kept there, 125,000–140,000 faults
    and 0.5–0.7 s (measured with ``getrusage`` in the workers; the run 15.12 →
    14.89 s, the means of four runs each).  A worker peaked at the same memory,
    439–446 MB against 441–443.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return
    mallopt(_M_MMAP_THRESHOLD, OWN_MAPPING_BYTES)
    mallopt(_M_TRIM_THRESHOLD, KEEP_FREED_BYTES)


def mp_context(*, preload: Sequence[str] = ()) -> BaseContext:
    """forkserver where there is one (modules in *preload* imported once in the server), else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        if preload:
            context.set_forkserver_preload(list(preload))
        return context
    return multiprocessing.get_context("spawn")


def _importing_in_fork_server() -> bool:
    """True while the fork server imports its preload modules (this module among them): its ``main`` is on the stack."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "main" and frame.f_globals.get("__name__") == "multiprocessing.forkserver":
            return True
        frame = frame.f_back
    return False


def _flush_output() -> None:
    """Write out what this process's standard streams hold (before a fork, and before ``os._exit``)."""
    for stream in {id(s): s for s in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__) if s is not None}.values():
        stream.flush()


def _exit_at_once() -> None:
    _flush_output()
    os._exit(0)


# The fork server ends when the process that started it ends.  It ends by ``SystemExit``: Python then tears down
# every module it imported (the briefings' whole stack, 0.15-0.3 s), while a caller that reads the command's
# output (a pipe, ``subprocess.run(capture_output=True)``, ``make briefings | tee``) waits, for the server holds
# the output open until it is gone.  Nothing of the server needs tearing down (its workers are processes of
# their own, which end by ``os._exit``), so it ends at once.  Registered in the fork server only.
SERVER_EXITS_AT_ONCE = _importing_in_fork_server()
if SERVER_EXITS_AT_ONCE:
    import atexit

    atexit.register(_exit_at_once)


def start_server(preload: Sequence[str], *, here: bool = False) -> None:
    """Start the fork server now, importing *preload* in it while this process goes on with other work.

    Every worker forked from it later starts with those modules loaded (the
    briefings' workers: about 2.4 s of imports each, paid once, beside the
    pipeline).  Nothing happens where there is no forkserver, or when the
    server already runs: it keeps the modules it started with, and a worker
    imports the others itself, as it would anyway.

    With *here*, the server is this process forked (``_fork_server``) where
    ``can_fork_here`` says it is safe.  It then starts with every module
    imported here and imports only the rest of *preload*.  Asked by a
    process that runs one command and ends (``cli.run``), once it has
    imported what it needs itself; elsewhere (and for a caller that may have
    threads, a notebook's kernel, a test), or when the fork fails, the
    server starts as a new interpreter.
    """
    if mp_context(preload=preload).get_start_method() == "forkserver":
        from multiprocessing import forkserver

        if here and can_fork_here():
            try:
                _fork_server(forkserver._forkserver, preload)
                return
            except OSError:  # no process could be made now (EAGAIN, ENOMEM): the usual way tries again
                pass
        forkserver.ensure_running()


# The collector's thresholds this interpreter started with (``settle_collector`` changes them in the command
# line's process): a fork server forked from that process gives its workers these, as a new server would.
STARTING_THRESHOLD = gc.get_threshold()


def can_fork_here() -> bool:
    """True where this process may become the fork server by ``os.fork`` (``start_server(here=True)``): Linux
    with ``/proc``, no other Python thread, and the ``multiprocessing.forkserver`` this module was written
    against (Python 3.11's).

    Native threads may run: Arrow's jemalloc has a background thread and
    OpenBLAS its pool once NumPy is loaded; both libraries make themselves
    safe across a fork, which the workers of a new server (forked from a
    process that had loaded them) have always relied on.  A Python thread
    may hold a lock the fork would copy held.
    """
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    return (
        sys.platform.startswith("linux")
        and os.path.isdir("/proc/self/fd")  # where the server finds the files to close (``_serve``)
        and threading.active_count() == 1
        and all(hasattr(server, name) for name in ("_lock", "_forkserver_pid", "_forkserver_address", "_forkserver_alive_fd"))
        and list(inspect.signature(forkserver.main).parameters)[:3] == ["listener_fd", "alive_r", "preload"]
    )


def _fork_server(server, preload: Sequence[str]) -> None:
    """Make *server* (``multiprocessing.forkserver._forkserver``) a fork of this process, as ``ensure_running``
    makes it a new interpreter: the same listening socket and "alive" pipe, the same serving loop
    (``forkserver.main``), which ends when every process that holds the pipe's other end has ended.

    The briefings' command line forks it once its parser has imported most of
    the package (with pandas, Arrow and NumPy): a new server imported them
    again, 0.99 s of CPU for ``config.BRIEFING_PRELOAD`` against 0.54 s for
    what is left after the parser, and its workers imported the package's
    modules the notebooks use that the preload does not name.  The server
    keeps only the files a new one has (``_serve``) and never returns into
    this process's code: it ends by ``os._exit``, without this process's
    exit handlers.  This process's buffered output is flushed before the
    fork, so that it is written once, and Ctrl-C is held back across the
    fork, so that it reaches the server only inside ``_serve``.
    """
    import socket
    from multiprocessing import connection, resource_tracker, util

    with server._lock:
        resource_tracker.ensure_running()
        if server._forkserver_pid is not None:
            pid, _ = os.waitpid(server._forkserver_pid, os.WNOHANG)
            if not pid:
                return  # running
            os.close(server._forkserver_alive_fd)
            server._forkserver_address = server._forkserver_alive_fd = server._forkserver_pid = None
        with socket.socket(socket.AF_UNIX) as listener:
            address = connection.arbitrary_address("AF_UNIX")
            listener.bind(address)
            if not util.is_abstract_socket_namespace(address):
                os.chmod(address, 0o600)
            listener.listen()
            alive_r, alive_w = os.pipe()  # every client holds the write end; the server ends when all are gone
            _flush_output()
            held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                pid = os.fork()
            except OSError:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
                os.close(alive_r)
                os.close(alive_w)
                raise
            if pid == 0:
                _serve(server, listener.fileno(), alive_r, preload, held)
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            os.close(alive_r)
            server._forkserver_address = address
            server._forkserver_alive_fd = alive_w
            server._forkserver_pid = pid


def _serve(server, listener_fd: int, alive_r: int, preload: Sequence[str], held: set) -> NoReturn:
    """The forked server's life (``_fork_server``): the rest of *preload*, then ``forkserver.main`` until its
    clients are gone; it ends here, whatever happens (an interruption included: the caller says it).

    It keeps the files a new server has: the standard streams, the
    listening socket and the pipe's read end; what this process had open
    besides (the pipe's write end, the resource tracker's pipe, files a
    shell or ``make`` handed down) is closed, as a new interpreter would not
    have it.  *server*'s lock was held when the process was forked: it is
    made anew, so that a worker which starts a pool of its own (and with it
    a server of its own, as a worker of a new server does) can take it.  The
    workers get the interpreter's starting thresholds of the garbage
    collector (``STARTING_THRESHOLD``), not the caller's settled ones.
    """
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)  # a Ctrl-C held back since the fork arrives here
        from multiprocessing import forkserver

        kept = {0, 1, 2, listener_fd, alive_r}
        for name in os.listdir("/proc/self/fd"):
            if int(name) not in kept:
                try:
                    os.close(int(name))
                except OSError:  # the listing's own descriptor, closed already
                    pass
        server._lock = threading.Lock()
        for name in preload:
            try:
                __import__(name)
            except ImportError:  # as forkserver.main does: a worker meets it again, and says so
                pass
        gc.set_threshold(*STARTING_THRESHOLD)
        forkserver.main(listener_fd, alive_r, [])
    except (SystemExit, KeyboardInterrupt):
        pass
    except BaseException:  # noqa: BLE001 - the server's own failure: said, then the server ends
        traceback.print_exc()
    finally:
        _exit_at_once()


def process_pool(
    workers: int, *, initializer: Callable[..., object] | None = None, initargs: tuple = (), preload: Sequence[str] = ()
) -> ProcessPoolExecutor:
    """A pool of *workers* processes started as ``mp_context`` says; *initializer(*initargs)* runs in each."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=mp_context(preload=preload),
        initializer=_start_worker,
        initargs=(os.getpid(), package_environment(), initializer, initargs),
    )


Weight = Callable[[tuple], int]  # how much of a progress bar a task is
OnResult = Callable[[int, object], object] | None  # told of each task's result as it comes: (the task's place, its result)


def one_each(_task: tuple) -> int:
    """Every task the same weight."""
    return 1


def task_done(i: int, task: tuple, result: object, bar, weight: Weight, on_result: OnResult) -> None:
    """What a pool does as task *i*'s *result* comes: its weight on the progress *bar*, then *on_result*."""
    if bar is not None:
        bar.update(weight(task))
    if on_result is not None:
        on_result(i, result)


HELP_AFTER = 0.1  # seconds ``Pool.map`` with a helper waits for a worker of a pool started earlier before it runs tasks itself


class Pool:
    """A process pool started on first use (none at all for one worker or too little work)."""

    def __init__(
        self, workers: int, *, min_items: int = 0, initializer: Callable[[], object] | None = None, preload: Sequence[str] = ()
    ) -> None:
        self.workers = workers
        self.min_items = min_items
        self.initializer = initializer
        self.preload = tuple(preload)
        self._executor: ProcessPoolExecutor | None = None

    def prepare(self, items: int) -> None:
        """Have the fork server import the workers' modules now, beside this process, when *items* will be shared out.

        The pipeline calls it as soon as it knows how many files it has, so the
        server's imports (0.8 s for the pipeline's) overlap the hashing of the
        files (on a first run, the calling process's reading) instead of
        delaying the first worker.  Nothing happens when the work would run in
        this process, or where there is no fork server.  It
        is asked before the cache is read: when every file then comes from the
        cache, the server has imported for nothing, on a core the calling
        process leaves idle, and later pools of the process use it.
        """
        if self._executor is None and self.workers > 1 and items >= max(2, self.min_items):
            start_server(self.preload)

    def start_each(self, fn: Callable, args: tuple = ()) -> None:
        """Have each worker of a running pool call fn(*args) when it is next free, without waiting for it.

        For what every worker would do at its first task anyway (the
        pipeline's workers load the stages' modules, dictionaries and rules)
        done while they would wait: the pipeline asks it when the files are
        read, and the workers load while this process puts the reports table
        together.  One call a worker is handed out; a worker that takes two
        finds the second done already, and one that takes none loads at its
        first task.  Nothing happens without a running pool; a failure is
        left to the next tasks, which meet it again.
        """
        if self._executor is not None and self.workers > 1:
            for _ in range(self.workers):
                self._executor.submit(fn, *args)

    def map(
        self, fn: Callable, tasks: list[tuple], *, bar=None, weight: Weight = one_each, helper: bool = False, on_result: OnResult = None
    ) -> list:
        """fn(*task) for every task, results in task order; in this process when serial or too little to share.

        *on_result(i, result)* is called in this process as each task's result comes, in the order they
        end (the pipeline reads a chunk's files while the workers go on with the next chunks).

        With *helper*, this process runs tasks too, taken from the end, until
        a worker has finished one: at once when this call starts the pool,
        else when no worker is there after ``HELP_AFTER``.  A worker starts
        once the fork server has imported its modules (the briefings' 2 s of
        imports, begun as the command line started) and the pool's
        initializer has run, and until then the tasks would wait.  A task it runs must need nothing a worker's initializer
        sets up (the pipeline's reading of files).  A worker that dies raises
        ``BrokenProcessPool``; the next call starts a new pool.
        """
        results: list = [None] * len(tasks)
        small = self._executor is None and sum(weight(task) for task in tasks) < self.min_items
        if self.workers <= 1 or len(tasks) <= 1 or small:
            for i, task in enumerate(tasks):
                results[i] = fn(*task)
                task_done(i, task, results[i], bar, weight, on_result)
            return results
        starting = self._executor is None
        if starting:
            self._executor = process_pool(self.workers, initializer=self.initializer, preload=self.preload)
        futures: dict[Future, int] = {}
        try:
            if helper:
                self._help(fn, tasks, futures, results, bar, weight, on_result, wait=0.0 if starting else HELP_AFTER)
            else:
                futures.update({self._executor.submit(fn, *task): i for i, task in enumerate(tasks)})
            for future in as_completed(futures):
                i = futures[future]
                results[i] = future.result()
                task_done(i, tasks[i], results[i], bar, weight, on_result)
        except BrokenProcessPool:
            self._executor = None
            raise
        except BaseException as exc:
            for future in futures:
                future.cancel()
            if isinstance(exc, KeyboardInterrupt):  # Ctrl-C: stop the workers now, not after their tasks
                stop_now(self._executor)
                self._executor = None
            raise
        return results

    def _help(
        self, fn: Callable, tasks: list[tuple], futures: dict[Future, int], results: list, bar, weight, on_result=None, *, wait: float
    ) -> None:
        """Hand *tasks* to the workers from the front, in a thread; when the first is not handed out after *wait*
        seconds (``submit`` starts a worker, and waits for the fork server to fork it), this process runs them
        from the back until a worker has finished one.

        The futures handed out go into *futures*; the results run here into *results*.
        """
        executor = self._executor
        left = list(range(len(tasks)))  # the tasks not yet taken (list.pop is atomic: each is taken once)
        handed: list[tuple[Future, int]] = []
        failed: list[BaseException] = []
        first = threading.Event()

        def hand_out() -> None:
            try:
                while True:
                    try:
                        i = left.pop(0)
                    except IndexError:  # none left, or this process took the last one
                        return
                    handed.append((executor.submit(fn, *tasks[i]), i))
                    first.set()
            except BaseException as exc:  # a broken pool: raised in the caller
                failed.append(exc)
            finally:
                first.set()

        feeder = threading.Thread(target=hand_out, name="hand-out", daemon=True)
        feeder.start()
        try:
            if not first.wait(wait):  # a running pool takes a task at once; a new one first forks, then sets up its workers
                while not any(future.done() for future, _ in handed[:]):  # a worker forked still sets itself up
                    try:
                        i = left.pop()
                    except IndexError:
                        break
                    results[i] = fn(*tasks[i])
                    task_done(i, tasks[i], results[i], bar, weight, on_result)
        except BaseException:
            left.clear()  # nothing more is handed out
            raise
        finally:
            feeder.join()
            futures.update(handed)
        if failed:
            raise failed[0]

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def stop_now(executor: ProcessPoolExecutor | None) -> None:
    """End a pool's workers at once (Ctrl-C): terminate them, then let the pool wind down without waiting."""
    if executor is None:
        return
    for process in list(getattr(executor, "_processes", {}).values()):
        if process.is_alive():
            process.terminate()
    executor.shutdown(wait=False, cancel_futures=True)
