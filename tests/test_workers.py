"""One way to put work on several cores (analysis.workers)."""

from __future__ import annotations

import os
import sys

import pytest

from analysis import config
from analysis.workers import NATIVE_THREAD_VARS, BrokenProcessPool, Pool, mp_context, native_threads, process_pool


def _square_and_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


def _die(x: int) -> int:
    os._exit(3)


_SEEN = None


def _remember(queue) -> None:
    global _SEEN
    _SEEN = queue


def _tell(x: int) -> int:
    _SEEN.put(x)
    return x


def _loaded(name: str) -> bool:
    import sys

    return name in sys.modules


START_SCRIPT = """
from analysis.workers import process_pool, start_server
from tests.test_workers import _loaded

if __name__ == "__main__":
    if {start}:
        start_server(["analysis.wordclouds"])
    with process_pool(1) as pool:
        print(pool.submit(_loaded, "analysis.wordclouds").result(), pool.submit(_loaded, "analysis.briefings.engine").result())
"""


@pytest.mark.skipif("forkserver" not in __import__("multiprocessing").get_all_start_methods(), reason="no forkserver here")
@pytest.mark.parametrize("start", [True, False])
def test_a_server_started_early_gives_its_workers_the_modules_it_imported(start):
    """The briefings start the fork server before the pipeline runs: its workers then begin with the notebooks' imports done."""
    import subprocess
    import sys

    from analysis import config

    done = subprocess.run(
        [sys.executable, "-c", START_SCRIPT.format(start=start)], capture_output=True, text=True, cwd=config.ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(start), "False"]


def _server_exits_at_once(_: int) -> bool:
    from analysis import workers

    return workers.SERVER_EXITS_AT_ONCE


EXIT_SCRIPT = """
from analysis import workers
from tests.test_workers import _server_exits_at_once

if __name__ == "__main__":
    workers.start_server(["analysis.workers"])
    with workers.process_pool(1) as pool:
        print(pool.submit(_server_exits_at_once, 0).result(), workers.SERVER_EXITS_AT_ONCE)
"""


@pytest.mark.skipif("forkserver" not in __import__("multiprocessing").get_all_start_methods(), reason="no forkserver here")
def test_only_the_fork_server_ends_without_tearing_down_its_modules():
    """The server's workers are forked from it after its imports, so they carry what it decided there: it ends at
    once when its caller has gone; the caller itself ends as Python ends (its own exit handlers, its files)."""
    import subprocess
    import sys

    from analysis import config

    done = subprocess.run([sys.executable, "-c", EXIT_SCRIPT], capture_output=True, text=True, cwd=config.ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]
    from analysis import workers

    assert workers.SERVER_EXITS_AT_ONCE is False  # imported here, in pytest's process


def _worker_state() -> tuple[int, bool, tuple[int, ...], bool]:
    """What a worker has from its server: the server's pid, the caller's own module, the collector's thresholds,
    and whether it can start a pool (and a server) of its own."""
    import gc
    import sys

    from analysis.workers import process_pool, start_server

    start_server(["analysis.config"])
    with process_pool(1) as pool:
        own = pool.submit(os.getpid).result(timeout=20) != os.getpid()
    return os.getppid(), "tests.forked_marker" in sys.modules, gc.get_threshold(), own


def _open_files(pid: int) -> set[str]:
    """What process *pid* has open (``pipe:[inode]``, paths)."""
    found = set()
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            found.add(os.readlink(f"/proc/{pid}/fd/{name}"))
        except OSError:
            pass
    return found


FORKED_SCRIPT = """
import atexit, gc, os, sys, types
from multiprocessing import forkserver
from analysis import workers
from tests.test_workers import _loaded, _open_files, _worker_state

if __name__ == "__main__":
    sys.modules["tests.forked_marker"] = types.ModuleType("tests.forked_marker")  # imported here, named in no preload
    start = gc.get_threshold()
    workers.settle_collector()  # as the command line's process does before its parser
    atexit.register(print, "the caller's exit handler")
    print("written before the fork", end="; ")  # still in this process's buffer (stdout is a pipe, PYTHONUNBUFFERED unset)
    {setup}
    mine = {{os.readlink("/proc/self/fd/%d" % fd) for fd in os.pipe()}}  # open in the caller when it forks: a new server would not have it
    workers.start_server(["analysis.wordclouds"], here=True)
    server = forkserver._forkserver._forkserver_pid
    print("server", server, file=sys.stderr, flush=True)
    with workers.process_pool(1) as pool:
        parent, marked, threshold, own_pool = pool.submit(_worker_state).result(timeout=30)
        preloaded = pool.submit(_loaded, "analysis.wordclouds").result(timeout=30)
        files = pool.submit(_open_files, server).result(timeout=30)
    print(server, parent == server, marked, threshold == start, own_pool, preloaded, not mine & files, end="; ")
"""


def _run_forked(setup: str) -> tuple[list[str], str]:
    """FORKED_SCRIPT with *setup* in a new interpreter (stdout buffered): the parts of its output, and its errors.
    A run that hangs is killed with its whole process group: its server would otherwise outlive the test, holding
    the output open."""
    import signal
    import subprocess

    buffered = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    script = subprocess.Popen(
        [sys.executable, "-c", FORKED_SCRIPT.format(setup=setup)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=config.ROOT,
        env=buffered,
        start_new_session=True,
    )
    try:
        out, err = script.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(script.pid, signal.SIGKILL)
        out, err = script.communicate()
        pytest.fail(f"the script or its server hung:\n{err}")
    assert script.returncode == 0, err
    return out.split("; "), err


def _gone(pid: int, seconds: float = 10.0) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not os.path.exists(f"/proc/{pid}"):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the server is forked from its caller on Linux only")
def test_a_server_forked_from_its_caller_has_the_callers_modules_and_ends_with_it_without_its_exit_handlers():
    """``start_server(here=True)`` (the command line, once its parser has imported most of the package): the server is
    the caller forked, so its workers have what the caller imported besides what the server imports; they get the
    interpreter's collector thresholds, not the caller's settled ones; a worker can start a pool of its own (the
    server's lock, held when it was forked, is made anew); the server keeps only the files a new one has; the
    caller's buffered output and exit handler come once, nothing else is said, and the server ends when the caller
    has."""
    parts, err = _run_forked("")
    before, said, after = parts
    server, *facts = said.split()
    assert before == "written before the fork"
    assert facts == ["True", "True", "True", "True", "True", "True"]
    assert after == "the caller's exit handler\n"
    assert err == f"server {server}\n"
    assert _gone(int(server))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the server is forked from its caller on Linux only")
def test_a_caller_with_another_thread_gets_a_new_interpreter_for_its_server():
    """Forking a process while another of its threads may hold a lock is unsafe: the server is then started as usual."""
    parts, _ = _run_forked("import threading; stop = threading.Event(); threading.Thread(target=stop.wait, daemon=True).start()")
    assert parts[1].split()[1:] == ["True", "False", "True", "True", "True", "True"]  # a new interpreter: the caller's module not there


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the server is forked from its caller on Linux only")
def test_no_fork_where_the_server_could_not_find_the_files_to_close(monkeypatch):
    """The forked server closes what its caller had open by listing ``/proc/self/fd``; without it (a sandbox with no
    ``/proc``) it would keep the alive pipe's write end and never end, so the server is a new interpreter there."""
    from analysis import workers

    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)  # as in the command line's process: one thread
    assert workers.can_fork_here()
    isdir = os.path.isdir
    monkeypatch.setattr(os.path, "isdir", lambda path: False if str(path) == "/proc/self/fd" else isdir(path))
    assert not workers.can_fork_here()


def test_prepare_starts_the_server_only_for_work_that_will_be_shared_out(monkeypatch):
    """The pipeline prepares its pool when it knows how many files it has: the server's imports then run beside the hashing."""
    import analysis.workers as workers

    started = []
    monkeypatch.setattr(workers, "start_server", lambda preload: started.append(tuple(preload)))
    Pool(2, min_items=40, preload=["analysis.pipeline"]).prepare(39)  # the run stays in this process: no server
    Pool(1, preload=["analysis.pipeline"]).prepare(10_000)  # one worker: everything here
    Pool(2, preload=["analysis.pipeline"]).prepare(1)  # one item is never shared out
    assert started == []
    Pool(2, min_items=40, preload=["analysis.pipeline"]).prepare(40)
    assert started == [("analysis.pipeline",)]


def test_the_pipeline_prepares_its_pool_with_the_number_of_files(monkeypatch, tmp_path):
    import analysis.workers as workers
    from analysis import config, pipeline

    asked = []
    monkeypatch.setattr(workers.Pool, "prepare", lambda self, items: asked.append((self.workers, items)))
    pipeline.run(config.DATA_RAW, stages=["sections"], workers=1, cache_dir=tmp_path, warn=False)
    assert asked == [(1, 5)]


def test_map_gives_results_in_task_order_from_other_processes():
    pool = Pool(2)
    try:
        results = pool.map(_square_and_pid, [(x,) for x in range(6)])
    finally:
        pool.close()
    assert [r for r, _ in results] == [0, 1, 4, 9, 16, 25]
    assert os.getpid() not in {pid for _, pid in results}


def test_map_tells_each_result_in_this_process_as_it_comes():
    for pool in (Pool(2), Pool(1)):
        seen: list[tuple[int, int, int]] = []
        try:
            results = pool.map(
                _square_and_pid, [(x,) for x in range(6)], on_result=lambda i, r, seen=seen: seen.append((i, r[0], os.getpid()))
            )
        finally:
            pool.close()
        assert [r for r, _ in results] == [x * x for x in range(6)]
        assert sorted(seen) == [(x, x * x, os.getpid()) for x in range(6)]


HELPER_SCRIPT = """
import sys, time
sys.path.insert(0, {folder!r})
from analysis.workers import Pool, start_server

if __name__ == "__main__":
    start_server(["slow_to_import"])  # as the briefings start it: 1.5 s of imports before any worker
    from quick_task import square_and_pid
    pool = Pool(2, preload=["slow_to_import"])
    seen = []
    try:
        print(pool.map(square_and_pid, [(x,) for x in range(12)], helper={helper}, on_result=lambda i, r: seen.append((i, r[0]))))
        print(sorted(seen))
        if {helper}:
            pool.map(square_and_pid, [(x,) for x in range(12)], helper=True)  # the workers are up: they take these
            print(pool.map(square_and_pid, [(x,) for x in range(4)], helper=True))
    finally:
        pool.close()
    print("caller", __import__("os").getpid())
"""


@pytest.mark.skipif("forkserver" not in __import__("multiprocessing").get_all_start_methods(), reason="no forkserver here")
@pytest.mark.parametrize("helper", [True, False])
def test_with_a_helper_the_caller_runs_tasks_from_the_end_until_the_workers_have_started(tmp_path, helper):
    """The pipeline reads files in the calling process too while the fork server imports the briefings' modules:
    every task once, the results in task order, the caller's taken from the end; none once the workers run."""
    import ast
    import subprocess
    import sys

    from analysis import config

    (tmp_path / "slow_to_import.py").write_text("import time\ntime.sleep(1.5)\n")
    (tmp_path / "quick_task.py").write_text(
        "import os, time\n\ndef square_and_pid(x):\n    time.sleep(0.2)\n    return x * x, os.getpid()\n"
    )
    script = HELPER_SCRIPT.format(folder=str(tmp_path), helper=helper)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=config.ROOT, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    *maps, caller = done.stdout.splitlines()
    caller = int(caller.split()[1])
    results = ast.literal_eval(maps[0])
    assert [r for r, _ in results] == [x * x for x in range(12)]
    assert ast.literal_eval(maps[1]) == [(x, x * x) for x in range(12)]  # each result told once, the caller's too
    mine = [i for i, (_, pid) in enumerate(results) if pid == caller]
    if not helper:
        assert mine == []
        return
    assert mine and mine == list(range(12 - len(mine), 12))  # from the end, while the workers waited for the server
    assert len(mine) < 12  # and the workers took the rest
    later = ast.literal_eval(maps[2])
    assert [r for r, _ in later] == [0, 1, 4, 9] and caller not in {pid for _, pid in later}


SETTING_UP_SCRIPT = """
import sys
sys.path.insert(0, {folder!r})
from analysis.workers import Pool

if __name__ == "__main__":
    from quick_task import set_up_slowly, square_and_pid
    warm = Pool(2)
    try:
        warm.map(square_and_pid, [(x,) for x in range(4)])  # the fork server is up and has imported what it needs
    finally:
        warm.close()
    pool = Pool(2, initializer=set_up_slowly)
    try:
        print(pool.map(square_and_pid, [(x,) for x in range(8)], helper=True))
    finally:
        pool.close()
    print("caller", __import__("os").getpid())
"""


@pytest.mark.skipif("forkserver" not in __import__("multiprocessing").get_all_start_methods(), reason="no forkserver here")
def test_with_a_helper_the_caller_runs_tasks_while_a_new_pools_workers_set_themselves_up(tmp_path):
    """A pool started by the call forks its workers at once from a ready server, but they run its initializer
    (the pipeline's: the tokeniser's dictionary) before any task: the caller does not wait for them."""
    import ast
    import subprocess

    (tmp_path / "quick_task.py").write_text(
        "import os, time\n\ndef set_up_slowly():\n    time.sleep(1.5)\n\n"
        "def square_and_pid(x):\n    time.sleep(0.1)\n    return x * x, os.getpid()\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    script = SETTING_UP_SCRIPT.format(folder=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=config.ROOT, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    result_line, caller_line = done.stdout.splitlines()
    results, caller = ast.literal_eval(result_line), int(caller_line.split()[1])
    assert [r for r, _ in results] == [x * x for x in range(8)]
    mine = [i for i, (_, pid) in enumerate(results) if pid == caller]
    assert mine and mine == list(range(8 - len(mine), 8))  # from the end, while the workers set themselves up


def _note_pid(folder: str) -> None:
    with open(os.path.join(folder, "started"), "a") as out:
        out.write(f"{os.getpid()}\n")


def test_start_each_hands_a_call_to_each_worker_of_a_running_pool_without_waiting(tmp_path):
    pool = Pool(2)
    try:
        pool.start_each(_note_pid, (str(tmp_path),))  # no pool running yet: nothing to hand it to
        assert not (tmp_path / "started").exists()
        pool.map(_square_and_pid, [(x,) for x in range(4)])
        pool.start_each(_note_pid, (str(tmp_path),))
        assert [r for r, _ in pool.map(_square_and_pid, [(5,), (6,)])] == [25, 36]
    finally:
        pool.close()  # waits for what was handed out
    pids = (tmp_path / "started").read_text().split()
    assert len(pids) == 2 and str(os.getpid()) not in pids
    Pool(1).start_each(_note_pid, (str(tmp_path),))  # one worker: no pool, nothing handed out
    assert len((tmp_path / "started").read_text().split()) == 2


def _faults_of_a_block_made_again() -> int:
    """Minor page faults of making a 16 MB block again, just after one was made and freed."""
    import resource

    block = bytearray(b"x") * (16 << 20)
    del block
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    again = bytearray(b"y") * (16 << 20)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    del again
    return faults


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc is tuned on Linux only")
def test_a_pipeline_worker_keeps_the_memory_it_frees_for_its_next_chunk():
    """A 16 MB block made again reuses the pages of the one freed: in a fresh process glibc gives them back and
    faults 4,096 new ones in; in the pipeline's workers (``keep_freed_memory``) almost none."""
    import subprocess

    from analysis.pipeline import runner

    script = "from tests.test_workers import _faults_of_a_block_made_again as f; print(f())"
    fresh = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=config.ROOT, timeout=120)
    assert fresh.returncode == 0, fresh.stderr
    assert int(fresh.stdout) > 3000
    pool = runner._pool("processes", None, 2, auto=False)
    try:
        faults = pool.map(_faults_of_a_block_made_again, [()] * 4)
    finally:
        pool.close()
    assert max(faults) < 500


def test_one_worker_or_little_work_stays_in_this_process():
    assert {pid for _, pid in Pool(1).map(_square_and_pid, [(1,), (2,)])} == {os.getpid()}
    assert {pid for _, pid in Pool(4, min_items=10).map(_square_and_pid, [(1,), (2,)])} == {os.getpid()}


def test_a_dead_worker_is_reported_and_the_next_map_starts_a_new_pool():
    pool = Pool(2)
    try:
        with pytest.raises(BrokenProcessPool):
            pool.map(_die, [(1,), (2,)])
        assert [r for r, _ in pool.map(_square_and_pid, [(3,), (4,)])] == [9, 16]
    finally:
        pool.close()


def test_process_pool_runs_the_initializer_in_each_worker():
    queue = mp_context().Queue()
    with process_pool(2, initializer=_remember, initargs=(queue,)) as pool:
        assert sorted(pool.map(_tell, [1, 2, 3])) == [1, 2, 3]
    assert sorted(queue.get(timeout=10) for _ in range(3)) == [1, 2, 3]


def test_side_by_side_processes_share_out_the_cores_to_the_programs_they_start(monkeypatch):
    for name in NATIVE_THREAD_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert native_threads(1) == {}
    assert native_threads(2) == dict.fromkeys(NATIVE_THREAD_VARS, "4")
    assert native_threads(16) == dict.fromkeys(NATIVE_THREAD_VARS, "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # the user's own setting stays
    assert "OMP_NUM_THREADS" not in native_threads(2)


def _environment(name: str) -> str | None:
    return os.environ.get(name)


@pytest.mark.skipif("forkserver" not in __import__("multiprocessing").get_all_start_methods(), reason="no forkserver here")
def test_a_worker_has_the_package_variables_the_caller_has_when_the_pool_starts_not_the_servers(monkeypatch):
    """The command line starts the fork server before it sets --max-report-chars; a worker must read the limit set after."""
    from analysis.workers import start_server

    monkeypatch.setenv("ANALYSIS_TEST_LIMIT", "before")
    start_server(["analysis.config"])  # running already, or started now with "before"
    monkeypatch.setenv("ANALYSIS_TEST_LIMIT", "after")
    monkeypatch.setenv("OTHER_TEST_VARIABLE", "the caller's")
    with process_pool(1) as pool:
        assert pool.submit(_environment, "ANALYSIS_TEST_LIMIT").result() == "after"
        assert pool.submit(_environment, "OTHER_TEST_VARIABLE").result() is None  # only the package's own are given


def test_taking_the_callers_variables_sets_and_drops_only_the_packages(monkeypatch):
    from analysis.workers import _take_environment

    monkeypatch.setenv("ANALYSIS_TEST_GONE", "the server's")
    monkeypatch.setenv("ANALYSIS_TEST_KEPT", "the server's")
    monkeypatch.setenv("OTHER_TEST_VARIABLE", "the server's")
    monkeypatch.setenv("ANALYSIS_TEST_NEW", "")
    _take_environment({"ANALYSIS_TEST_KEPT": "the caller's", "ANALYSIS_TEST_NEW": "set"})
    assert "ANALYSIS_TEST_GONE" not in os.environ
    assert os.environ["ANALYSIS_TEST_KEPT"] == "the caller's"
    assert os.environ["ANALYSIS_TEST_NEW"] == "set"
    assert os.environ["OTHER_TEST_VARIABLE"] == "the server's"


def test_the_paths_the_workers_are_given_are_the_callers_made_absolute(monkeypatch, tmp_path):
    """A briefing's worker runs its notebook from the notebooks' folder: a relative font path must still name the caller's file."""
    from analysis.workers import package_environment

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANALYSIS_CJK_FONT", "fonts/own.otf")
    monkeypatch.setenv("ANALYSIS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ANALYSIS_MAX_REPORT_CHARS", "900")
    given = package_environment()
    assert given["ANALYSIS_CJK_FONT"] == str(tmp_path / "fonts" / "own.otf")
    assert given["ANALYSIS_CACHE_DIR"] == str(tmp_path / "cache")
    assert given["ANALYSIS_MAX_REPORT_CHARS"] == "900"  # not a path: as it is


def _collector() -> tuple[tuple[int, ...], int]:
    import gc

    return gc.get_threshold(), gc.get_freeze_count()


def test_the_pipelines_workers_collect_garbage_less_often_and_leave_the_callers_collector_alone():
    """A pipeline worker lives for the whole run: what it loaded at its start is frozen, young collections come every
    YOUNG_COLLECTION new objects (1.05–1.4 → 0.05–0.06 s of collecting a worker at 10,000 reports)."""
    import gc

    from analysis.pipeline import runner
    from analysis.workers import YOUNG_COLLECTION

    caller = _collector()
    pool = runner._pool("processes", None, 2, auto=False)
    try:
        seen = pool.map(_collector, [()] * 4)
    finally:
        pool.close()
    assert {threshold for threshold, _ in seen} == {(YOUNG_COLLECTION, *gc.get_threshold()[1:])}
    assert all(frozen > 1000 for _, frozen in seen)  # the fork server's imports at least
    assert _collector() == caller
