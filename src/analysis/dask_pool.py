"""The pipeline's chunks on a Dask cluster: ``pipeline.run(..., engine="dask")``.

``DaskPool`` has the interface of ``workers.Pool`` (``map``, ``close``), so
the runner hands it the same tasks — read a chunk of files, or compute the
stages of a chunk of reports — and each task writes its rows to the cache
folder itself, as on the process pool: the cache layout and the tables are
the same.  Dask is an optional extra (``pip install '.[dask]'``) imported
only here, only when asked for.

- With a scheduler address (``tcp://host:8786``) the tasks go to that
  cluster; the client is closed at the end, the cluster stays.
- Without one, a ``LocalCluster`` of *workers* processes (one thread each)
  is started for the run and stopped after it.

Each worker sets itself up once (``Client.run`` on the workers there at the
start; a worker that joins later does it on its first task, the tokenizer
being kept per process): it forgets any lexicon its modules loaded before a
file changed and builds the tokenizer with the domain terms of *its*
``data/lexicon/terms.txt`` — the workers read
the lexicon and the reports from their own file system, so on a real cluster
the project folder (or at least ``data/lexicon``, the reports and the cache
folder) must be on storage every worker sees under the same path
(docs/readme/dask.md).
"""

from __future__ import annotations

from collections.abc import Callable

from .errors import OptionError
from .workers import OnResult, Weight, one_each, task_done


def _init_worker() -> None:
    """On a worker: forget lexicons loaded before a file changed, load the tokenizer with the domain terms."""
    from .pipeline.tasks import _init_worker as init

    init()


INSTALL_HINT = "the dask engine needs the dask extra: pip install 'analysis[dask]' (or pip install -e '.[dask]' in the project)"


def _distributed():
    try:
        import distributed
    except ImportError as exc:
        raise OptionError(INSTALL_HINT) from exc
    return distributed


class DaskPool:
    """``workers.Pool``'s ``map`` and ``close`` on a dask.distributed cluster (a LocalCluster without *scheduler*)."""

    def __init__(self, workers: int, *, scheduler: str | None = None) -> None:
        self.workers = workers
        self.scheduler = scheduler
        self._client = None
        self._cluster = None

    def client(self):
        if self._client is None:
            distributed = _distributed()
            if self.scheduler:
                self._client = distributed.Client(self.scheduler)
            else:
                self._cluster = distributed.LocalCluster(
                    n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40
                )
                self._client = distributed.Client(self._cluster)
            self._client.run(_init_worker)  # every worker now; one that joins later sets up on its first task
        return self._client

    def prepare(self, items: int) -> None:
        """Nothing to start ahead: the cluster starts when ``client`` is first asked for (``Pool.prepare``'s counterpart)."""

    def start_each(self, fn: Callable, args: tuple = ()) -> None:
        """Nothing ahead (``Pool.start_each``'s counterpart): the cluster's workers set up when the client starts."""

    def map(
        self, fn: Callable, tasks: list[tuple], *, bar=None, weight: Weight = one_each, helper: bool = False, on_result: OnResult = None
    ) -> list:
        """fn(*task) for every task on the cluster, results in task order (an error in a task is raised here); the
        cluster's workers are up when the client is, so *helper* (``Pool.map``'s) changes nothing; *on_result*
        as ``Pool.map`` calls it."""
        if not tasks:
            return []
        distributed = _distributed()
        client = self.client()
        futures = [client.submit(fn, *task, pure=False) for task in tasks]
        index = {future.key: i for i, future in enumerate(futures)}
        results: list = [None] * len(tasks)
        try:
            for future in distributed.as_completed(futures):
                i = index[future.key]
                results[i] = future.result()
                task_done(i, tasks[i], results[i], bar, weight, on_result)
        except BaseException:
            client.cancel(futures)
            raise
        return results

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
