"""Arrow's memory pool: the package's processes allocate through jemalloc unless the user chose a pool."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow as pa
import pytest

from analysis import arrowpool

HAS_JEMALLOC = True
try:
    pa.jemalloc_memory_pool()
except NotImplementedError:
    HAS_JEMALLOC = False

PROBE = (
    "import pyarrow as pa; before = pa.default_memory_pool().backend_name; import analysis; "
    "pool = pa.default_memory_pool(); a = pa.array(['法治政府建设'] * 100_000); "
    "print(before, pool.backend_name, pool.bytes_allocated() >= a.nbytes)"
)


def probe(**env: str) -> list[str]:
    """What a fresh process prints: its pool before and after importing the package, and whether a new array went to it."""
    environment = {k: v for k, v in os.environ.items() if k != arrowpool.ENV} | env
    done = subprocess.run([sys.executable, "-c", PROBE], env=environment, capture_output=True, text=True, check=True)
    return done.stdout.split()


@pytest.mark.skipif(not HAS_JEMALLOC, reason="this pyarrow is built without jemalloc (its default pool is kept)")
def test_importing_the_package_moves_arrows_memory_to_jemalloc():
    _, after, allocated_there = probe()  # pyarrow's own default before it: mimalloc on Linux
    assert after == "jemalloc"
    assert allocated_there == "True"  # a table made after the import is in jemalloc's pool


def test_a_pool_the_user_names_is_kept():
    before, after, allocated_there = probe(**{arrowpool.ENV: "system"})
    assert (before, after, allocated_there) == ("system", "system", "True")


def test_a_pool_set_in_the_process_before_is_kept():
    old = pa.default_memory_pool()
    try:
        pa.set_memory_pool(pa.system_memory_pool())
        assert arrowpool.use_jemalloc() == "system"
        assert pa.default_memory_pool().backend_name == "system"
    finally:
        pa.set_memory_pool(old)
