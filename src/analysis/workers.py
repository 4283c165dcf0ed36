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

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext

__all__ = ["BrokenProcessPool", "Pool", "mp_context", "process_pool"]


def mp_context(*, preload: Sequence[str] = ()) -> BaseContext:
    """forkserver where there is one (modules in *preload* imported once in the server), else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        if preload:
            context.set_forkserver_preload(list(preload))
        return context
    return multiprocessing.get_context("spawn")


def process_pool(
    workers: int, *, initializer: Callable[..., object] | None = None, initargs: tuple = (), preload: Sequence[str] = ()
) -> ProcessPoolExecutor:
    """A pool of *workers* processes started as ``mp_context`` says; *initializer(*initargs)* runs in each."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=mp_context(preload=preload), initializer=initializer, initargs=initargs)


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

    def map(self, fn: Callable, tasks: list[tuple], *, bar=None, weight: Callable[[tuple], int] = lambda _: 1) -> list:
        """fn(*task) for every task, results in task order; in this process when serial or too little to share.

        A worker that dies raises ``BrokenProcessPool``; the next call starts a new pool.
        """
        results: list = [None] * len(tasks)
        small = self._executor is None and sum(weight(task) for task in tasks) < self.min_items
        if self.workers <= 1 or len(tasks) <= 1 or small:
            for i, task in enumerate(tasks):
                results[i] = fn(*task)
                if bar is not None:
                    bar.update(weight(task))
            return results
        if self._executor is None:
            self._executor = process_pool(self.workers, initializer=self.initializer, preload=self.preload)
        futures: dict[Future, int] = {}
        try:
            futures = {self._executor.submit(fn, *task): i for i, task in enumerate(tasks)}
            for future in as_completed(futures):
                i = futures[future]
                results[i] = future.result()
                if bar is not None:
                    bar.update(weight(tasks[i]))
        except BrokenProcessPool:
            self._executor = None
            raise
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        return results

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
