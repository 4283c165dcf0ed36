"""Arrow's memory pool: jemalloc where pyarrow has it, instead of its default mimalloc.

pandas keeps the package's text columns in Arrow, and the cache is Arrow
tables, so every process of the package allocates most of its memory through
pyarrow's pool.  pyarrow's default on Linux is mimalloc, which asks the kernel
for huge pages; where transparent huge pages are on "madvise" (as on this
project's machine) the kernel then compacts memory for them, and the first
large tables a process makes or reads cost seconds of system time.  Measured
there: reading the term counts of 10,000 synthetic reports from the cache
(4.1 million rows) took 0.9–3.2 s in ten fresh processes of eleven with
mimalloc, 0.4–0.7 s with jemalloc; the pipeline's last two steps on those
reports 7.1–7.8 s → 1.5–1.7 s (docs/readme/scale.md, "Pipeline, session 19").

The package root calls ``use_jemalloc`` when it is imported, so every process
that imports the package (the caller, the pipeline's and the briefings'
workers, a notebook's kernel, a Dask worker) uses the same pool.  A pool the
user chose is kept: pyarrow's own ``ARROW_DEFAULT_MEMORY_POOL`` variable, or a
pool other than mimalloc set before the import.  A pyarrow built without
jemalloc (Windows) keeps its default.
"""

from __future__ import annotations

import os

import pyarrow as pa

ENV = "ARROW_DEFAULT_MEMORY_POOL"  # pyarrow's variable for its default pool: when set, the user's choice


def use_jemalloc() -> str:
    """Make jemalloc Arrow's pool in this process unless the user chose a pool or pyarrow lacks it; the backend in use."""
    current = pa.default_memory_pool()
    if os.environ.get(ENV) or current.backend_name != "mimalloc":
        return current.backend_name
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:  # built without jemalloc
        return current.backend_name
    pa.set_memory_pool(pool)
    return pool.backend_name
