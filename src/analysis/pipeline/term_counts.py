"""The corpus term counts of a run (``results.counts``), summed from the per-report counts and cached.

``corpus_counts`` gives what ``frequency.counts`` gives for all the tokens of
the reports, without reading the tokens: it sums the cached per-report
counts, and keeps the sum in the cache for this exact set of reports (the
``COUNTS_KEPT`` sets computed last).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa

from .. import cache as cache_mod
from .results import _read_complete
from .stages import COUNTS_TABLE, _module
from .tasks import partial_counts

COUNTS_KEPT = 16  # sets of reports whose corpus counts stay in the cache (the most recently computed)


def corpus_counts(
    store: cache_mod.TableStore,
    entries: list[str],
    reports: pd.DataFrame,
    root: Path,
    keys: dict[str, str],
    *,
    partials: Sequence[pa.Table] = (),
    computed: Iterable[str] = (),
) -> pd.DataFrame:
    """Corpus term counts (``frequency.counts`` of all tokens) summed from the per-report counts.

    Kept in the cache too (table ``corpus_counts``, under the key of the
    per-report counts), as one entry for this exact set of reports: a warm
    run over the same reports reads it instead of summing again.  The counts
    of the ``COUNTS_KEPT`` sets computed last are kept.  *partials* are the
    sums the workers made of the reports this run computed (*computed*, their
    entries; ``tasks.partial_counts``): only the other reports' counts are read.
    """
    whole = cache_mod.TableStore(root, COUNTS_TABLE, store.key)
    corpus_entry = hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()[:40]
    table, missing = whole.read([corpus_entry])
    if not missing:
        return _counts_frame(table)
    computed = set(computed)
    # the workers' sums stand for the reports they computed, each counted once (a report twice in *entries*: read all)
    pieces = list(partials) if computed and len(set(entries)) == len(entries) else []
    rest = [e for e in entries if e not in computed] if pieces else entries
    if rest or not pieces:
        pieces.append(partial_counts(_read_complete(store, rest, reports, root, keys, columns=["token", "count"])))
    counts = _sum_counts(pieces)
    table = pa.Table.from_pandas(counts, preserve_index=False)
    whole.write(table, [corpus_entry], [corpus_entry] * table.num_rows)
    whole.keep_newest(COUNTS_KEPT)
    return _counts_frame(table)


def _empty_counts() -> pd.DataFrame:
    dtypes = {"token": "str", "count": "int64", "rate": "float64", "docs": "int64", "rank": "int64"}
    return pd.DataFrame({c: pd.Series(dtype=dtypes[c]) for c in _module("frequency").COUNT_COLUMNS})


def _counts_frame(table: pa.Table) -> pd.DataFrame:
    frequency = _module("frequency")
    if table.num_rows == 0:
        return _empty_counts()
    out = table.to_pandas()[frequency.COUNT_COLUMNS]
    return out.astype({"count": "int64", "docs": "int64", "rank": "int64", "rate": "float64"}).reset_index(drop=True)


def _sum_counts(pieces: list[pa.Table]) -> pd.DataFrame:
    """The term counts of *pieces* (``tasks.partial_counts`` tables) added up, rated and ranked."""
    frequency = _module("frequency")
    table = pa.concat_tables(pieces) if len(pieces) > 1 else pieces[0]
    if table.num_rows == 0:
        return _empty_counts()
    grouped = table.group_by("token").aggregate([("count", "sum"), ("docs", "sum")])
    out = pd.DataFrame(
        {
            "token": grouped["token"].to_pandas(),
            "count": grouped["count_sum"].to_numpy().astype("int64"),
            "docs": grouped["docs_sum"].to_numpy().astype("int64"),
        }
    )
    return frequency.rate_and_rank(out)
