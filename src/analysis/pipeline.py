"""Run the stages over many reports: cached on disk, on every core, in a fixed order.

    from analysis import pipeline
    results = pipeline.run("data/raw")          # every core, cache on, progress bars in a terminal
    results.reports                             # the reports table (as load_corpus gives it)
    results["tokens"], results.indicators       # one table per stage, rows in report order
    results.counts                              # corpus term counts (as frequency.counts gives them)
    results.timings                             # what ran, what came from the cache, how long

The flow is load → structure → tokenise → indicators → frequency → themes.
Each per-report stage is a function of a slice of the reports table, listed
by name in ``STAGES``; a stage whose module is not installed is skipped.
Reports are cut into chunks (contiguous in ``doc_id`` order) and processed by
a process pool, one jieba tokenizer per worker with the user dictionary
loaded once.  Every table is assembled in report order from the per-report
rows, so the output does not depend on the number of workers or chunks; it
equals what the stage function gives for the whole corpus.

With the cache on (``analysis.cache``), a report whose file, identity and
lexicon are unchanged is not processed again: editing one report re-processes
that report only; editing a lexicon file re-processes the stages that read it.
Large tables (tokens, per-report term counts) stay on disk until asked for.

CLI: ``python -m analysis pipeline PATH... [--workers N] [--no-cache] [--out DIR]``
prints the timings table (CSV) and writes every table as parquet to DIR.
"""

from __future__ import annotations

import hashlib
import importlib
import math
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from . import cache as cache_mod
from . import config
from .corpus import _expand, load_corpus, read_report
from .errors import AnalysisError, InputError, OptionError, PipelineError
from .workers import Pool

TIMING_COLUMNS = ["step", "reports", "computed", "cached", "cpu_s", "wall_s"]
REPORT_FIELDS = ("sha256", "text", "encoding", "town", "level", "county", "year", "title")
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
    ]
)
MAX_CHUNK = 200  # reports a worker takes at once (and a cache file holds)
CHUNKS_PER_RUN = 16  # aim for this many chunks, so two or more workers stay busy
MIN_PARALLEL = 40  # with workers=None, fewer reports than this are processed here: starting workers costs more



# ------------------------------------------------------------------ the stages


@dataclass(frozen=True)
class Stage:
    """A per-report stage: ``compute(reports, context) -> table`` with a ``doc_id`` column.

    lexicon   the files under data/lexicon the stage reads (None: all of them);
              editing one of them invalidates the stage's cached rows.
    lazy      the table is large: kept on disk until asked for (cache on).
    requires  the module the stage needs; the stage is skipped when it is absent.
    """

    name: str
    compute: Callable[[pd.DataFrame, Context], pd.DataFrame]
    lexicon: tuple[str, ...] | None
    lazy: bool = False
    requires: str | None = None
    description: str = ""

    @property
    def available(self) -> bool:
        if self.requires is None:
            return True
        try:
            importlib.import_module(self.requires)
        except ModuleNotFoundError as exc:
            if exc.name == self.requires:
                return False
            raise
        return True


STAGES: dict[str, Stage] = {}


def register(
    name: str,
    compute: Callable[[pd.DataFrame, Context], pd.DataFrame],
    *,
    lexicon: tuple[str, ...] | None = None,
    lazy: bool = False,
    requires: str | None = None,
    description: str = "",
) -> Stage:
    """Add a per-report stage (its output must be the rows of the given reports only, in report order)."""
    stage = Stage(name, compute, lexicon, lazy, requires, description)
    STAGES[name] = stage
    return stage


class Context:
    """What a worker computed for the current chunk, so a stage can reuse another's table."""

    def __init__(self) -> None:
        self.tables: dict[str, tuple[frozenset[str], pd.DataFrame]] = {}

    def get(self, name: str, reports: pd.DataFrame) -> pd.DataFrame:
        """Stage *name*'s table for *reports*: reused when computed for them already, else computed."""
        ids = frozenset(reports["doc_id"])
        done = self.tables.get(name)
        if done is not None and ids <= done[0]:
            table = done[1]
            return table if ids == done[0] else table[table["doc_id"].isin(ids)].reset_index(drop=True)
        table = STAGES[name].compute(reports, self)
        self.tables[name] = (ids, table)
        return table


def _module(name: str):
    return importlib.import_module(f"analysis.{name}")


def _sections(reports: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    return _module("structure").sections(reports)


def _items(reports: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    return _module("structure").items(reports)


def _tokens(reports: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    return _module("tokenize").tokenize(reports)


def _doc_counts(reports: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    frequency = _module("frequency")
    tokens = ctx.get("tokens", reports)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", frequency.FrequencyWarning)
        return frequency.counts(tokens[["doc_id", "token"]], by="doc_id")


def _indicators(reports: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    return _module("indicators").extract(reports)


def _theme_codes(reports: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    items = ctx.get("items", reports)
    return _module("themes").code_items(items[items["role"] == "problems"].reset_index(drop=True))


def _checklist(reports: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    return _module("compliance").checklist(reports)


def _coverage(reports: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    return _module("compliance").coverage(reports)


def _lexicon(stage: str) -> tuple[str, ...]:
    """The lexicon files *stage* reads (config.STAGE_LEXICON), as names under data/lexicon."""
    return tuple(path.relative_to(config.LEXICON_DIR).as_posix() for path in config.STAGE_LEXICON[stage])


register("sections", _sections, lexicon=_lexicon("sections"), description="structure.sections: outline headings")
register("items", _items, lexicon=_lexicon("items"), description="structure.items: problem and plan items")
register(
    "tokens",
    _tokens,
    lexicon=_lexicon("tokens"),
    lazy=True,
    description="tokenize.tokenize: tokens with role and offsets (default filters)",
)
register(
    "doc_counts",
    _doc_counts,
    lexicon=_lexicon("doc_counts"),
    lazy=True,
    requires="analysis.frequency",
    description="frequency.counts(by='doc_id'): term counts of each report",
)
register(
    "indicators",
    _indicators,
    lexicon=_lexicon("indicators"),
    requires="analysis.indicators",
    description="indicators.extract: every stated quantity with its indicator key",
)
register(
    "theme_codes",
    _theme_codes,
    lexicon=_lexicon("theme_codes"),
    requires="analysis.themes",
    description="themes.code_items of the problem items: one row per item and theme",
)
register(
    "checklist",
    _checklist,
    lexicon=_lexicon("checklist"),
    requires="analysis.compliance",
    description="compliance.checklist: the five required elements (not run by default: slow)",
)
register(
    "coverage",
    _coverage,
    lexicon=_lexicon("coverage"),
    requires="analysis.compliance",
    description="compliance.coverage: Outline task areas (not run by default: slow)",
)

DEFAULT_STAGES = ("sections", "items", "tokens", "doc_counts", "indicators", "theme_codes")
READ_STAGE = "reports"  # the cache table of read files (file sha256 → text and metadata)
COUNTS_TABLE = "corpus_counts"  # the cache table of whole-corpus term counts (one entry per set of reports)
COUNTS_KEPT = 16  # sets of reports whose corpus counts stay in the cache (the most recently computed)


def available_stages(names: Iterable[str] | None = None) -> list[str]:
    """The stages to run: *names* (all must exist) or the default ones whose module is present."""
    if names is None:
        return [name for name in DEFAULT_STAGES if STAGES[name].available]
    chosen = list(dict.fromkeys(names))
    for name in chosen:
        if name not in STAGES:
            raise OptionError(f"no pipeline stage {name!r}; the stages are: {', '.join(STAGES)}")
        if not STAGES[name].available:
            raise AnalysisError(f"stage {name!r} needs {STAGES[name].requires}, which is not installed")
    return chosen


def current_keys(names: Iterable[str] | None = None) -> dict[str, str]:
    """The cache key of each stage (and of the read files) under the present code and lexicon."""
    keys = {READ_STAGE: cache_mod.table_key(READ_STAGE, lexicon=())}
    for name in names if names is not None else STAGES:
        keys[name] = cache_mod.table_key(name, lexicon=STAGES[name].lexicon)
    if "doc_counts" in keys:
        keys[COUNTS_TABLE] = keys["doc_counts"]  # summed from them: the same dependencies
    return keys


# ------------------------------------------------------------------ worker side

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


def _fresh_lexicon() -> None:
    """Clear the package's caches unless this process filled them from the lexicon as it is now.

    The stage modules keep what they read from data/lexicon in lru caches
    keyed by path; a file edited since would otherwise be computed with its
    old content and cached under its new key.
    """
    from .lexicon import files_hash

    now = files_hash()
    if _LEXICON_SEEN != [now]:
        _clear_package_caches()
    _LEXICON_SEEN[:] = [now]


def _init_worker() -> None:
    """Per worker: forget inherited caches, then load the jieba user dictionary once."""
    _fresh_lexicon()
    _module("tokenize").tokenizer()


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


def _stage_task(reports: pd.DataFrame, todo: dict[str, list[str]], root: str, keys: dict[str, str]) -> dict[str, tuple[float, int]]:
    """Compute each stage of *todo* for its entries among *reports* and write one cache file per stage.

    Returns stage → (CPU seconds, reports computed).
    """
    _fresh_lexicon()
    ctx = Context()
    spent: dict[str, tuple[float, int]] = {}
    for name, entries in todo.items():
        picked = reports[reports["_entry"].isin(set(entries))]
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
        row_entries = [entry_of.get(doc_id) for doc_id in table["doc_id"].tolist()]
        if None in row_entries:
            raise PipelineError(f"stage {name!r} returned rows for reports it was not given")
        cache_mod.TableStore(Path(root), name, keys[name]).write(table, list(entries), row_entries)
        spent[name] = (time.process_time() - started, len(subset))
    return spent


# ------------------------------------------------------------------ results


class Tables(Mapping[str, pd.DataFrame]):
    """The stage tables of a run; a lazy table is read from the cache when first asked for."""

    def __init__(self) -> None:
        self._order: list[str] = []
        self._tables: dict[str, pd.DataFrame] = {}
        self._loaders: dict[str, Callable[[], pd.DataFrame]] = {}

    def _set(self, name: str, table: pd.DataFrame) -> None:
        self._order.append(name)
        self._tables[name] = table

    def _lazy(self, name: str, loader: Callable[[], pd.DataFrame]) -> None:
        self._order.append(name)
        self._loaders[name] = loader

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._tables and name in self._loaders:
            self._tables[name] = self._loaders.pop(name)()
        return self._tables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)

    def loaded(self, name: str) -> bool:
        return name in self._tables


@dataclass
class Results:
    """What ``run`` returns: the reports, the problems met, one table per stage, corpus counts, timings."""

    reports: pd.DataFrame
    problems: pd.DataFrame
    tables: Tables
    counts: pd.DataFrame | None
    timings: pd.DataFrame
    cache_dir: Path | None = None
    entries: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name == "counts" and self.counts is not None:
            return self.counts
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(f"no table {name!r}; this run has: {', '.join(self.tables)}") from None

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_") or name in ("tables", "reports", "problems", "counts", "timings", "cache_dir", "entries"):
            raise AttributeError(name)
        try:
            return self.tables[name]
        except KeyError:
            raise AttributeError(f"no table {name!r}; this run has: {', '.join(self.tables)}") from None

    def __repr__(self) -> str:
        return f"Results({len(self.reports)} reports; tables: {', '.join(self.tables)})"


# ------------------------------------------------------------------ the run


class _Timer:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, float]] = {}

    def add(self, step: str, **values: float) -> None:
        row = self.rows.setdefault(step, {})
        for key, value in values.items():
            row[key] = row.get(key, 0) + value

    def table(self) -> pd.DataFrame:
        rows = [{"step": step, **values} for step, values in self.rows.items()]
        table = pd.DataFrame(rows, columns=TIMING_COLUMNS)
        for column in ("reports", "computed", "cached"):
            table[column] = table[column].astype("Int64")
        return table


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _chunk_size(n: int, chunk_size: int | None) -> int:
    if chunk_size is not None:
        if chunk_size < 1:
            raise OptionError(f"chunk_size={chunk_size}: give at least 1 report a chunk")
        return chunk_size
    return max(1, min(MAX_CHUNK, math.ceil(n / CHUNKS_PER_RUN)))


def _bar(total: int, desc: str, unit: str, enabled: bool):
    from tqdm import tqdm  # the console bar on stderr (tqdm.auto warns in a kernel without ipywidgets)

    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=not enabled, dynamic_ncols=True, leave=False)


def run(
    paths: str | Path | Iterable[str | Path] = config.DATA_RAW,
    *,
    stages: Sequence[str] | None = None,
    workers: int | None = None,
    cache: bool = True,
    cache_dir: str | Path | None = None,
    progress: bool | None = None,
    chunk_size: int | None = None,
    warn: bool = True,
) -> Results:
    """Load the reports of *paths* and run *stages* (default ``DEFAULT_STAGES``) over them.

    workers     processes (default: every core; 1 runs everything in this process)
    cache       reuse and keep per-report results on disk (``analysis.cache``)
    cache_dir   where (default ``config.CACHE_DIR``)
    progress    progress bars on stderr (default: only when stderr is a terminal)
    chunk_size  reports a worker takes at once (default: about 1/16 of the run, at most 200)
    warn        print the loader's problems on stderr, as ``load_corpus`` does

    Returns ``Results``; the tables are the same whatever *workers*,
    *chunk_size* and *cache* are.
    """
    started = time.perf_counter()
    names = available_stages(stages)
    auto = workers is None
    workers = default_workers() if auto else max(1, int(workers))
    show = sys.stderr.isatty() if progress is None else bool(progress)
    timer = _Timer()
    tmp = None
    if cache:
        root = cache_mod.cache_root(cache_dir)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="analysis-pipeline-")
        root = Path(tmp.name)
    pool = Pool(workers, min_items=MIN_PARALLEL if auto else 0, initializer=_init_worker, preload=["analysis.pipeline"])
    try:
        reports, problems = _load(paths, root=root, pool=pool, timer=timer, show=show, warn=warn, chunk_size=chunk_size)
        keys = current_keys(names)
        entries = cache_mod.entry_keys(reports)
        reports_e = reports.assign(_entry=entries)
        stores = {name: cache_mod.TableStore(root, name, keys[name]) for name in names}
        t0 = time.perf_counter()
        indexes = {name: stores[name].index() for name in names}
        todo = {name: [e for e in entries if e not in indexes[name]] for name in names}
        timer.add("check cache", wall_s=time.perf_counter() - t0)
        _compute(reports_e, todo, root=root, keys=keys, pool=pool, timer=timer, show=show, chunk_size=chunk_size)
        if current_keys(names) != keys:
            for name in names:
                _drop_written(stores[name], todo[name])
            raise AnalysisError("a lexicon file changed while the pipeline ran; run it again")
        for name in names:
            timer.add(name, reports=len(entries), cached=len(entries) - len(todo[name]), computed=len(todo[name]))
        tables = Tables()
        t0 = time.perf_counter()
        for name in names:
            loader = _loader(stores[name], entries, reports_e, root, keys)
            if STAGES[name].lazy and cache:
                tables._lazy(name, loader)
            else:
                tables._set(name, loader())
        timer.add("read tables", wall_s=time.perf_counter() - t0)
        counts = None
        if "doc_counts" in names:
            t0 = time.perf_counter()
            counts = corpus_counts(stores["doc_counts"], entries, reports_e, root, keys)
            timer.add("corpus counts", wall_s=time.perf_counter() - t0)
    except BrokenProcessPool as exc:
        raise PipelineError(
            "a worker process died or could not start; when pipeline.run is called from a script, "
            'the call must sit under `if __name__ == "__main__":` (multiprocessing re-imports the script), '
            "and workers=1 runs everything in this process"
        ) from exc
    finally:
        pool.close()
        if tmp is not None:
            tmp.cleanup()
    timer.add("total", reports=len(reports), wall_s=time.perf_counter() - started)
    return Results(reports, problems, tables, counts, timer.table(), root if cache else None, entries)


def _drop_written(store: cache_mod.TableStore, entries: list[str]) -> None:
    wanted = set(entries)
    for entry, path in store.index().items():
        if entry in wanted:
            path.unlink(missing_ok=True)


def _load(
    paths, *, root: Path, pool: Pool, timer: _Timer, show: bool, warn: bool, chunk_size: int | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """load_corpus, with each file read from the cache or by the workers."""
    t0 = time.perf_counter()
    files, _ = _expand(paths)
    shas: dict[str, str] = {}
    for path in files:
        try:
            shas[str(path)] = cache_mod.file_sha256(path)
        except OSError:
            pass  # load_corpus names it
    timer.add("hash files", reports=len(files), wall_s=time.perf_counter() - t0)
    t0 = time.perf_counter()
    key = cache_mod.table_key(READ_STAGE, lexicon=())
    store = cache_mod.TableStore(root, READ_STAGE, key)
    wanted = list(dict.fromkeys(shas.values()))
    table, missing = store.read(wanted) if wanted else (pa.table({}), [])
    found: dict[str, dict] = {row["sha256"]: row for row in table.to_pylist()} if table.num_rows else {}
    missing_set = set(missing)
    to_read = [p for p, s in shas.items() if s in missing_set]
    to_read += [str(p) for p in files if str(p) not in shas]
    read_paths: dict[str, dict] = {}
    problems: dict[str, str] = {}
    cpu = 0.0
    if to_read:
        size = _chunk_size(len(to_read), chunk_size)
        tasks = [(chunk, str(root), key) for chunk in _chunks(to_read, size)]
        with _bar(len(to_read), "read", "file", show) as bar:
            for results, seconds in pool.map(_load_task, tasks, bar=bar, weight=lambda task: len(task[0])):
                cpu += seconds
                for path, report, problem in results:
                    if report is not None:
                        read_paths[path] = report
                    else:
                        problems[path] = problem

    def read(path: Path) -> dict:
        key_path = str(path)
        if key_path in problems:
            raise InputError(path, problems[key_path])
        if key_path in read_paths:
            return read_paths[key_path]
        sha = shas.get(key_path)
        if sha is not None and sha in found:
            return dict(found[sha])
        return read_report(path)  # a file that appeared or changed meanwhile

    corpus = load_corpus(paths, warn=warn, read=read)
    timer.add(
        "load", reports=len(files), computed=len(to_read), cached=len(files) - len(to_read), cpu_s=cpu, wall_s=time.perf_counter() - t0
    )
    return corpus.reports, corpus.problems


def _compute(
    reports: pd.DataFrame,
    todo: dict[str, list[str]],
    *,
    root: Path,
    keys: dict[str, str],
    pool: Pool,
    timer: _Timer,
    show: bool,
    chunk_size: int | None,
) -> None:
    """Run every stage for the reports it misses, in chunks, in the pool; the rows go to the cache."""
    needed = {e for entries in todo.values() for e in entries}
    if not needed:
        return
    t0 = time.perf_counter()
    rows = reports[reports["_entry"].isin(needed)]
    size = _chunk_size(len(rows), chunk_size)
    tasks = []
    for start in range(0, len(rows), size):
        chunk = rows.iloc[start : start + size].reset_index(drop=True)
        in_chunk = set(chunk["_entry"])
        chunk_todo = {name: [e for e in entries if e in in_chunk] for name, entries in todo.items()}
        chunk_todo = {name: entries for name, entries in chunk_todo.items() if entries}
        tasks.append((chunk, chunk_todo, str(root), keys))
    with _bar(len(rows), "analyse", "report", show) as bar:
        for spent in pool.map(_stage_task, tasks, bar=bar, weight=lambda task: len(task[0])):
            for name, (seconds, _) in spent.items():
                timer.add(name, cpu_s=seconds)
    timer.add("analyse", reports=len(rows), wall_s=time.perf_counter() - t0)


def _loader(store: cache_mod.TableStore, entries: list[str], reports: pd.DataFrame, root: Path, keys: dict[str, str]):
    """A function giving the stage's table for *entries*, re-processing what the cache lost."""

    def load() -> pd.DataFrame:
        return _frame(_read_complete(store, entries, reports, root, keys))

    return load


def _read_complete(
    store: cache_mod.TableStore, entries: list[str], reports: pd.DataFrame, root: Path, keys: dict[str, str], columns=None
) -> pa.Table:
    if not entries:
        table = STAGES[store.table].compute(reports.drop(columns="_entry").iloc[:0], Context())
        return pa.Table.from_pandas(table, preserve_index=False)
    for _ in range(3):
        table, missing = store.read(entries, columns=columns)
        if not missing:
            return table
        # lost since the run (deleted, corrupt): compute again in this process
        _stage_task(reports[reports["_entry"].isin(set(missing))].reset_index(drop=True), {store.table: missing}, str(root), keys)
    raise AnalysisError(f"the cache under {store.folder} keeps losing files; run with cache=False or clear it")


def _frame(table: pa.Table) -> pd.DataFrame:
    frame = table.to_pandas()
    return frame.reset_index(drop=True)


def corpus_counts(store: cache_mod.TableStore, entries: list[str], reports: pd.DataFrame, root: Path, keys: dict[str, str]) -> pd.DataFrame:
    """Corpus term counts (``frequency.counts`` of all tokens) summed from the per-report counts.

    Kept in the cache too (table ``corpus_counts``, under the key of the
    per-report counts), as one entry for this exact set of reports: a warm
    run over the same reports reads it instead of summing again.  The counts
    of the ``COUNTS_KEPT`` sets computed last are kept.
    """
    whole = cache_mod.TableStore(root, COUNTS_TABLE, store.key)
    corpus_entry = hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()[:40]
    table, missing = whole.read([corpus_entry])
    if not missing:
        return _counts_frame(table)
    counts = _sum_counts(store, entries, reports, root, keys)
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


def _sum_counts(store: cache_mod.TableStore, entries: list[str], reports: pd.DataFrame, root: Path, keys: dict[str, str]) -> pd.DataFrame:
    frequency = _module("frequency")
    table = _read_complete(store, entries, reports, root, keys, columns=["token", "count"])
    if table.num_rows == 0:
        return _empty_counts()
    table = table.cast(pa.schema([("token", pa.large_string()), ("count", pa.int64())]))
    grouped = table.group_by("token").aggregate([("count", "sum"), ("count", "count")])
    out = pd.DataFrame(
        {
            "token": grouped["token"].to_pandas(),
            "count": grouped["count_sum"].to_numpy().astype("int64"),
            "docs": grouped["count_count"].to_numpy().astype("int64"),
        }
    )
    return frequency.rate_and_rank(out)
