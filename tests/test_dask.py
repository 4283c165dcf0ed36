"""The pipeline on a Dask cluster gives the process pool's tables, in the same cache layout."""

from __future__ import annotations

import sys

import pytest

from analysis import config, pipeline

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed (pip install -e '.[dask,dev]')")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as local:
        yield local


@pytest.fixture(scope="module")
def runs(cluster, tmp_path_factory):
    """The five reports through the process pool and through the cluster, each on its own empty cache."""
    pool_cache, dask_cache = tmp_path_factory.mktemp("pool"), tmp_path_factory.mktemp("dask")
    by_pool = pipeline.run(config.DATA_RAW, workers=2, chunk_size=2, cache_dir=pool_cache, warn=False)
    by_dask = pipeline.run(
        config.DATA_RAW, engine="dask", scheduler=cluster.scheduler_address, chunk_size=2, cache_dir=dask_cache, warn=False
    )
    return by_pool, by_dask, pool_cache, dask_cache


def test_every_table_equals_the_process_pools(runs):
    by_pool, by_dask, _, _ = runs
    assert list(by_dask.tables) == list(by_pool.tables)
    for name in by_pool.tables:
        assert by_dask[name].equals(by_pool[name]), name
    assert by_dask.reports.equals(by_pool.reports)
    assert by_dask.counts.equals(by_pool.counts)
    assert len(by_dask["tokens"]) > 3000  # the five reports' tokens, not an empty table on both sides


def test_the_cache_has_the_same_files(runs):
    _, _, pool_cache, dask_cache = runs
    assert sorted(p.relative_to(pool_cache).as_posix() for p in pool_cache.rglob("*.parquet")) == sorted(
        p.relative_to(dask_cache).as_posix() for p in dask_cache.rglob("*.parquet")
    )


def test_the_workers_did_the_work(cluster, runs):
    """Both worker processes ran tasks, each with the tokenizer set up once (not in this process)."""
    client = distributed.Client(cluster)
    try:
        tokenizers = client.run(
            lambda: "analysis.tokenize" in sys.modules and sys.modules["analysis.tokenize"].tokenizer.cache_info().currsize
        )
    finally:
        client.close()
    assert len(tokenizers) == 2
    assert all(size == 1 for size in tokenizers.values())
    _, by_dask, _, _ = runs
    assert (by_dask.timings.set_index("step").loc["tokens", "computed"]) == 5


def test_a_second_run_on_the_cluster_reads_the_cache(cluster, runs):
    _, _, _, dask_cache = runs
    again = pipeline.run(config.DATA_RAW, engine="dask", scheduler=cluster.scheduler_address, cache_dir=dask_cache, warn=False)
    assert (again.timings.set_index("step").loc["tokens", ["computed", "cached"]].tolist()) == [0, 5]


def test_a_local_cluster_is_started_when_no_address_is_given(tmp_path):
    results = pipeline.run(config.DATA_RAW, engine="dask", workers=2, stages=["sections"], cache_dir=tmp_path, warn=False)
    assert results["sections"].equals(pipeline.run(config.DATA_RAW, workers=1, stages=["sections"], cache=False, warn=False)["sections"])


def test_an_unknown_engine_is_named():
    with pytest.raises(Exception, match="engine"):
        pipeline.run(config.DATA_RAW, engine="spark", warn=False)


def test_the_command_line_runs_on_the_cluster(cluster, tmp_path):
    import subprocess

    out = tmp_path / "tables"
    command = [
        sys.executable,
        "-m",
        "analysis",
        "pipeline",
        str(config.DATA_RAW),
        "--engine",
        "dask",
        "--scheduler",
        cluster.scheduler_address,
    ]
    command += ["--stage", "sections", "--cache-dir", str(tmp_path / "cache"), "--out", str(out), "--quiet"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=config.ROOT)
    assert result.returncode == 0, result.stderr
    import pandas as pd

    assert pd.read_parquet(out / "sections.parquet").equals(
        pipeline.run(config.DATA_RAW, workers=1, stages=["sections"], cache=False, warn=False)["sections"]
    )
