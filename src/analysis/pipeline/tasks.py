"""What a worker process does: read report files, or compute stages for a chunk of reports, into the cache.

The pool (``analysis.workers``) runs ``_load_task`` and ``_stage_task`` on
chunks of the run; each writes its rows to the cache and returns what it
spent.  A worker first forgets any lexicon its modules loaded before a file
changed (``fresh_lexicon``); it loads the jieba dictionary and the stages'
rules once, in ``_warm_up`` or at its first chunk.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import cache as cache_mod
from ..corpus import REPORT_COLUMNS, read_report
from ..errors import InputError, PipelineError
from ..lexicon import files_hash
from ..workers import keep_freed_memory, settle_collector
from .stages import READ_STAGE, STAGES, Context, _module

REPORT_FIELDS = (
    "sha256",
    "text",
    "encoding",
    "town",
    "level",
    "county",
    "year",
    "title",
    "publisher",
    "published",
    "index_no",
    "doc_no",
    "source_url",
    "fingerprint",
    "problems",
)
REPORT_SCHEMA = pa.schema(
    [
        ("sha256", pa.string()),
        ("text", pa.large_string()),
        ("encoding", pa.string()),
        ("town", pa.string()),
        ("level", pa.string()),
        ("county", pa.string()),
        ("year", pa.int64()),
        ("title", pa.string()),
        ("publisher", pa.string()),
        ("published", pa.date32()),
        ("index_no", pa.string()),
        ("doc_no", pa.string()),
        ("source_url", pa.string()),
        ("fingerprint", pa.string()),
        ("problems", pa.list_(pa.string())),
    ]
)

_LEXICON_SEEN: list[str] = []


def _clear_package_caches() -> None:
    """Forget every lexicon the package's modules have loaded (their lru caches).

    ``analysis.cache`` keeps its caches: they describe the code this process runs.
    """
    for name, module in list(sys.modules.items()):
        if (name == "analysis" or name.startswith("analysis.")) and name != cache_mod.__name__:
            for value in vars(module).values():
                if callable(value) and hasattr(value, "cache_clear") and getattr(value, "__module__", None) == name:
                    value.cache_clear()


def fresh_lexicon() -> None:
    """Clear the package's caches unless this process filled them from the lexicon as it is now.

    The stage modules keep what they read from data/lexicon in lru caches
    keyed by path; a file edited since would otherwise be computed with its
    old content and cached under its new key.  A worker forked from a
    process that loaded the lexicon (the briefings' fork server,
    ``briefings.warm``) inherits that process's record of it with its caches:
    it keeps them while the files are as they were.  A file that cannot be
    read now clears them too, and nothing is recorded: the loader that reads
    it says what is wrong.
    """
    try:
        now = files_hash()
    except OSError:
        _clear_package_caches()
        _LEXICON_SEEN.clear()
        return
    if _LEXICON_SEEN != [now]:
        _clear_package_caches()
    _LEXICON_SEEN[:] = [now]


def _init_worker() -> None:
    """Per worker: forget inherited caches filled from another lexicon (``fresh_lexicon``), then load the jieba
    user dictionary once."""
    fresh_lexicon()
    _module("tokenize").tokenizer()


def _init_pool_worker() -> None:
    """A worker of the pipeline's own pool: inherited caches filled from another lexicon forgotten
    (``fresh_lexicon``), its collector settled and its freed memory kept for a run of many chunks
    (``workers.settle_collector``, ``workers.keep_freed_memory``).  The jieba dictionary and the rest of what
    the stages load wait for ``_warm_up``, or the first chunk: reading files needs none of it.  A worker of the
    briefings' fork server (the pipeline of a build of many reports) has the rules and the tokenizer already
    (``briefings.warm``).  Not on Dask, whose workers the cluster owns and tunes (``_init_worker``)."""
    fresh_lexicon()
    settle_collector()
    keep_freed_memory()


# A made-up report that goes through every stage: a title, the three parts, numbers, problems and plans.
WARM_UP_TEXT = (
    "某某镇2025年法治政府建设年度报告\n"
    "一、主要工作成效\n"
    "开展专项执法检查12次，组织执法人员培训3场次，培训150余人次。\n"
    "二、存在的问题\n"
    "一是执法人员业务能力有待提高。二是法治宣传形式较为单一，群众参与度不高。\n"
    "三、下一步工作打算\n"
    "加强执法队伍建设，创新普法宣传方式。"
)


def _warm_up(names: tuple[str, ...]) -> None:
    """Load what stages *names* read before their first chunk (modules, the jieba dictionary, the lexicon's rules
    and codebooks) by running them on ``WARM_UP_TEXT``, then settle the collector again (``settle_collector``).

    The pipeline hands one to each worker when the files are read (``Pool.start_each``): the workers load
    while the calling process puts the reports table together, which they would otherwise wait for, and
    then load at their first chunk.  What it computes is dropped.
    """
    _init_worker()
    report = {column: None for column in REPORT_COLUMNS} | {"doc_id": "_warm_up", "text": WARM_UP_TEXT, "year": 2025}
    sample = pd.DataFrame([report], columns=REPORT_COLUMNS).astype({"year": "Int64"})
    sample["n_chars"] = len(WARM_UP_TEXT)
    ctx = Context()
    for name in names:
        ctx.get(name, sample)
    settle_collector()


def _read_files(paths: list[str]) -> tuple[list[tuple[str, dict | None, str | None]], float]:
    """Read report files: (path, report or None, problem or None) each, and the seconds taken."""
    started = time.process_time()
    out = []
    for path in paths:
        try:
            out.append((path, read_report(path), None))
        except InputError as exc:
            out.append((path, None, exc.problem))
    return out, time.process_time() - started


def _report_table(reports: list[dict]) -> pa.Table:
    return pa.Table.from_pylist([{k: r[k] for k in REPORT_FIELDS} for r in reports], schema=REPORT_SCHEMA)


def _store_reads(root: str, key: str, results: list[tuple[str, dict | None, str | None]]) -> None:
    read = {r["sha256"]: r for _, r, _ in results if r is not None}
    if read:
        store = cache_mod.TableStore(Path(root), READ_STAGE, key)
        shas = list(read)
        store.write(_report_table([read[s] for s in shas]), shas, shas)


def _load_task(paths: list[str], root: str, key: str) -> tuple[list[tuple[str, dict | None, str | None]], float]:
    results, seconds = _read_files(paths)
    _store_reads(root, key, results)
    return results, seconds


def _row_entries(doc_ids: pd.Series, entry_of: dict[str, str], *, as_codes: bool = False) -> pa.Array | None:
    """Each row's cache entry, from its doc_id (an Arrow string array); None when a row's doc_id is not in *entry_of*.

    Looked up once per report, not once per row (a tokens table has a million rows).  *as_codes* gives them
    as codes into the reports' entries (an Arrow dictionary array): no string copied per row, and the cache
    file writes the codes as they are (a 200-report tokens file 16.4 → 10.9 ms), though a file so written
    is a little slower to open (0.2 ms): for the large tables, kept on disk until asked for.
    """
    codes, uniques = pd.factorize(doc_ids, use_na_sentinel=True)
    entries = [entry_of.get(doc_id) for doc_id in uniques.tolist()]
    if None in entries or (codes < 0).any():
        return None
    if as_codes:
        return pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int32()), pa.array(entries, type=pa.string()))
    return pa.array(entries, type=pa.string()).take(pa.array(codes, type=pa.int64()))


COUNTS_STAGE = "doc_counts"  # the stage whose rows a worker also sums (``partial_counts``)
PARTIAL_SCHEMA = pa.schema([("token", pa.large_string()), ("count", pa.int64()), ("docs", pa.int64())])


def _stage_task(
    reports: pd.DataFrame, todo: dict[str, list[str]], root: str, keys: dict[str, str]
) -> tuple[dict[str, tuple[float, int]], pa.Table | None, dict[str, str]]:
    """Compute each stage of *todo* for its entries among *reports* and write one cache file per stage.

    Returns stage → (CPU seconds, reports computed), the chunk's term
    counts summed (``partial_counts``) when it computed ``doc_counts``, else
    None, and stage → the file written.
    """
    fresh_lexicon()
    ctx = Context()
    spent: dict[str, tuple[float, int]] = {}
    partial = None
    written: dict[str, str] = {}
    chunk_entries = set(reports["_entry"].tolist())
    whole = None  # the chunk without its entries, made once for every stage that takes all of it
    for name, entries in todo.items():
        # (a stage that misses every report of the chunk, as in a first run, takes the chunk as it is)
        wanted = set(entries)
        if wanted == chunk_entries:
            picked = reports
            if whole is None:
                whole = reports.drop(columns="_entry").reset_index(drop=True)
            subset = whole
        else:
            picked = reports[reports["_entry"].isin(wanted)]
            subset = picked.drop(columns="_entry").reset_index(drop=True)
        started = time.process_time()
        try:
            table = ctx.get(name, subset)
        except Exception as exc:
            shown = ", ".join(subset["doc_id"].head(5)) + (" …" if len(subset) > 5 else "")
            raise PipelineError(f"stage {name!r} failed on reports {shown}: {type(exc).__name__}: {exc}") from exc
        if "doc_id" not in table.columns:
            raise PipelineError(f"stage {name!r} returned a table without a doc_id column")
        entry_of = dict(zip(picked["doc_id"].tolist(), picked["_entry"].tolist()))
        row_entries = _row_entries(table["doc_id"], entry_of, as_codes=STAGES[name].lazy)
        if row_entries is None:
            raise PipelineError(f"stage {name!r} returned rows for reports it was not given")
        written[name] = str(cache_mod.TableStore(Path(root), name, keys[name]).write(table, list(entries), row_entries))
        if name == COUNTS_STAGE:
            partial = partial_counts(table)
        spent[name] = (time.process_time() - started, len(subset))
    return spent, partial, written


def partial_counts(counts: pd.DataFrame | pa.Table) -> pa.Table:
    """Per-report term counts (``doc_counts`` rows: token, count) summed by token: token, count, docs.

    A worker sums its chunk's counts as it writes them, so the run's corpus
    counts add a few thousand rows a chunk instead of reading every report's
    counts back from the cache (``term_counts.corpus_counts``); sums and row
    counts add up the same in any order.
    """
    if isinstance(counts, pd.DataFrame):
        counts = pa.Table.from_pandas(counts[["token", "count"]], preserve_index=False)
    table = counts.select(["token", "count"]).cast(pa.schema([("token", pa.large_string()), ("count", pa.int64())]))
    if table.num_rows == 0:
        return PARTIAL_SCHEMA.empty_table()
    if table["token"].null_count or table["count"].null_count:
        grouped = table.group_by("token").aggregate([("count", "sum"), ("count", "count")])
        return pa.table([grouped["token"], grouped["count_sum"], grouped["count_count"]], schema=PARTIAL_SCHEMA)
    # each token a number (in order of first appearance, as grouping gives them), summed by number: a third of
    # the time of grouping by the text
    encoded = pc.dictionary_encode(table["token"]).combine_chunks()
    codes, size = encoded.indices.to_numpy(), len(encoded.dictionary)
    sums = np.bincount(codes, weights=table["count"].to_numpy(), minlength=size)
    return pa.table(
        [encoded.dictionary, pa.array(sums.astype(np.int64)), pa.array(np.bincount(codes, minlength=size).astype(np.int64))],
        schema=PARTIAL_SCHEMA,
    )
