"""On-disk cache of the pipeline's per-report tables: parquet files through pyarrow.

Where: ``config.CACHE_DIR`` (``.cache/analysis/`` in the project, git-ignored),
or the ``cache_dir`` given to ``pipeline.run``.  Layout::

    <cache_dir>/<table>/<key>/<shard>.parquet

key    sha256 over what a table's rows depend on besides the report itself:
       the cache format, the table's name, ``analysis._version.__version__``, the
       package's source code, the lexicon files the table reads
       (``lexicon.files_hash`` of them) and the versions of jieba, OpenCC,
       stopwords-iso, pandas and pyarrow.  Editing a lexicon file gives every
       table that reads it a new key, so their old files are never read again;
       tables that do not read it keep theirs.
entry  one per report: sha256 of the report file's sha256 and the identity
       the tables carry (doc_id, town, level, county, year, title).  Editing
       one report changes its entry only, so only that report is processed
       again.
shard  the rows of a group of reports written at once, with an ``_entry``
       column.  Its footer lists every entry it holds with its row count (a
       report with no rows is still held), and the key it was written under.

Reading checks the footer, the key, the page checksums and the row counts of
each entry; a file failing any check is named in a ``CacheWarning``, deleted,
and its reports processed again.  Files are written under a temporary name
and renamed into place, so a reader never sees half a file.

A build of the briefings also keeps corpus-level tables in its work folder
(``write_work_table`` / ``read_work_table``: one parquet file each, marked
with the ``corpus_key`` of the reports, code and lexicon it was made from).

    python -m analysis cache info     # tables, keys, files and sizes (CSV on stdout)
    python -m analysis cache prune    # delete what the current code and lexicon can no longer use
    python -m analysis cache clear    # delete the whole cache
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import config
from ._version import __version__
from .errors import CacheError, CacheWarning
from .output import atomic_path

CACHE_FORMAT = 1
ENTRY_COLUMN = "_entry"
META_KEY = b"analysis.key"
META_TABLE = b"analysis.table"
META_ENTRIES = b"analysis.entries"  # JSON {entry: row count}
META_WORK_KEY = b"analysis.corpus_key"  # a work-folder table: the reports, code and lexicon it was made from
SHARD_SUFFIX = ".parquet"
TMP_PREFIX = ".tmp-"
# Third-party packages whose version can change a table (tokens, simplified text, dtypes).
PACKAGES = ("jieba", "opencc-python-reimplemented", "stopwordsiso", "pandas", "pyarrow")
IDENTITY = ("doc_id", "town", "level", "county", "year", "title")
INFO_COLUMNS = ["table", "key", "current", "files", "entries", "rows", "bytes"]


def _warn(message: str) -> None:
    warnings.warn(message, CacheWarning, stacklevel=3)


# ------------------------------------------------------------------ keys


@lru_cache(maxsize=1)
def code_hash() -> str:
    """sha256 over the package's Python source: any code change gives new keys."""
    package = config.PACKAGE_DIR
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def package_versions() -> tuple[tuple[str, str], ...]:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in PACKAGES:
        try:
            found.append((name, version(name)))
        except PackageNotFoundError:
            found.append((name, "absent"))
    return tuple(found)


def lexicon_files(names: Iterable[str] | None) -> list[Path]:
    """The lexicon files *names* (file names under data/lexicon), or every lexicon file for None."""
    if names is None:
        return sorted(p for p in config.LEXICON_DIR.rglob("*") if p.is_file())
    return sorted(config.LEXICON_DIR / name for name in names)


def table_key(table: str, *, lexicon: Iterable[str] | None = None, options: Mapping[str, object] | None = None) -> str:
    """The key of *table*'s rows: format, name, version, code, lexicon files read, package versions, options.

    *lexicon* names the files under data/lexicon the table reads (None: all of
    them; an empty tuple: none).  A lexicon file that is missing counts as
    empty, so creating it later changes the key.
    """
    from .lexicon import files_hash

    paths = lexicon_files(lexicon)
    present = [p for p in paths if p.is_file()]
    parts = {
        "format": CACHE_FORMAT,
        "table": table,
        "version": __version__,
        "code": code_hash(),
        "lexicon": files_hash(present) if present else "",
        "lexicon_files": [p.name for p in paths],
        "packages": package_versions(),
        "options": dict(sorted((options or {}).items())),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def entry_keys(reports: pd.DataFrame) -> list[str]:
    """One entry per report: its file's sha256 with the identity its tables carry."""
    columns = [reports[c].tolist() if c in reports.columns else [None] * len(reports) for c in IDENTITY]
    keys = []
    for sha, *identity in zip(reports["sha256"].tolist(), *columns):
        values = [None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in identity]
        keys.append(hashlib.sha256(json.dumps([sha, *values], ensure_ascii=False).encode()).hexdigest()[:40])
    return keys


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ------------------------------------------------------------------ one table's files

FOOTER_MEMO_SIZE = 100_000
_FOOTERS: dict[tuple[str, int, int, str, str], dict[str, int]] = {}  # checked footers of unchanged files
READ_AHEAD_SIZE = 4096  # files read ahead (``TableStore.read_ahead``) and not yet asked for, at most
_READ_AHEAD: dict[tuple[str, int, int, str, str], pa.Table] = {}  # their rows, by file as it was read


def _remember(memo: dict, key: tuple, value: object, size: int) -> None:
    """Keep *value* under *key* in *memo*, emptied first when it holds *size* values."""
    if len(memo) >= size:
        memo.clear()
    memo[key] = value


def forget_read_ahead() -> None:
    """Let go of the files read ahead and not asked for (a run that stopped before reading them)."""
    _READ_AHEAD.clear()


def _read_parquet(path: Path, *, columns: Sequence[str] | None = None, checked: bool = True) -> pa.Table:
    """One parquet file read whole (or its *columns*), its pages' checksums verified when *checked*.

    ``pq.ParquetFile`` rather than ``pq.read_table``, whose dataset layer
    costs more than the reading of a cache file: 2.0 → 0.6 ms for a file of
    the sections of 90 reports, 1.4 → 0.8 ms for their indicators.
    """
    with pq.ParquetFile(path, page_checksum_verification=checked) as file:
        return file.read(columns=columns)


@dataclass(frozen=True)
class TableStore:
    """The cached rows of one table under one key."""

    root: Path
    table: str
    key: str

    @property
    def folder(self) -> Path:
        return Path(self.root) / self.table / self.key[:32]

    # ---------------------------------------------------------- writing

    def write(self, rows: pd.DataFrame | pa.Table, entries: Sequence[str], entry_of_row: Sequence[str] | pa.Array) -> Path:
        """Store *rows* (``entry_of_row[i]`` is row i's entry) as holding every one of *entries*.

        *entry_of_row* is a sequence of strings or an Arrow string array, or a
        dictionary array of strings (a table of a million rows: no Python
        string per row, and no string per row at all; written as codes).  Entries without
        rows are recorded as holding none.  The file is written under a
        temporary name and renamed into place.
        """
        table = rows if isinstance(rows, pa.Table) else pa.Table.from_pandas(rows, preserve_index=False)
        if ENTRY_COLUMN in table.column_names:
            raise CacheError(f"table {self.table!r} has a column named {ENTRY_COLUMN!r}, which the cache reserves")
        if len(entry_of_row) != table.num_rows:
            raise CacheError(f"table {self.table!r}: {table.num_rows} rows but {len(entry_of_row)} entries")
        column = entry_of_row if isinstance(entry_of_row, pa.Array) else pa.array(list(entry_of_row), type=pa.string())
        if pa.types.is_dictionary(column.type) and pc.count_distinct(column.dictionary).as_py() < len(column.dictionary):
            column = column.dictionary_decode()  # an entry twice among the codes' values: counted by value, as text
        counts = dict.fromkeys(entries, 0)
        tally = pc.value_counts(column)
        for entry, n in zip(tally.field("values").to_pylist(), tally.field("counts").to_pylist()):
            if entry not in counts:
                raise CacheError(f"table {self.table!r}: a row belongs to no report of this group (entry {entry})")
            counts[entry] = n
        table = table.append_column(ENTRY_COLUMN, column)
        metadata = dict(table.schema.metadata or {})
        metadata[META_KEY] = self.key.encode()
        metadata[META_TABLE] = self.table.encode()
        metadata[META_ENTRIES] = json.dumps(counts).encode()
        table = table.replace_schema_metadata(metadata)
        name = hashlib.sha256("\n".join(sorted(counts)).encode()).hexdigest()[:32] + SHARD_SUFFIX
        folder = self.folder
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(f"{folder}: cannot create the cache folder ({exc.strerror}); pass cache=False or another cache_dir") from exc
        final = folder / name
        with atomic_path(final, prefix=f"{TMP_PREFIX}{os.getpid()}-", suffix=SHARD_SUFFIX) as tmp:
            # no column statistics: nothing reads them (a file is read whole, its rows picked by entry), and for
            # text columns they are a quarter of the writing
            pq.write_table(table, tmp, compression="zstd", write_page_checksum=True, write_statistics=False)
        return final

    def keep_newest(self, n: int) -> int:
        """Delete all but the *n* most recently written files of this table and key; returns how many went."""
        dated = []
        for path in self._shards():
            try:
                dated.append((path.stat().st_mtime_ns, path.name, path))
            except FileNotFoundError:
                pass
        old = sorted(dated, reverse=True)[n:]
        for _, _, path in old:
            path.unlink(missing_ok=True)
        return len(old)

    # ---------------------------------------------------------- reading

    def _shards(self) -> list[Path]:
        folder = self.folder
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if p.suffix == SHARD_SUFFIX and not p.name.startswith("."))

    def _discard(self, path: Path, problem: str) -> None:
        _warn(f"cache file {path} {problem}; it is deleted and its reports are processed again")
        try:
            if path.is_dir() and not path.is_symlink():  # a folder where a shard should be: removed, or it never recovers
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        except OSError:
            pass

    def read_ahead(self, path: str | Path) -> None:
        """Read a file of this table now, for a later ``read`` that asks for its entries to take as read.

        The pipeline reads each chunk's files as the chunk ends, while the
        workers go on with the next chunks, instead of every file after the
        last one.  Only a good file is kept (footer, key, page checksums, row
        count), and only for as long as it stays as it was (path, size, time);
        a file that fails a check is left for ``read`` to find and report.
        """
        path = Path(path)
        try:
            memo_key = self._as_it_is(path)
            counts = _FOOTERS.get(memo_key)
            if counts is None:
                counts, problem = self._checked_footer(path)
                if problem is not None:
                    return
                _remember(_FOOTERS, memo_key, counts, FOOTER_MEMO_SIZE)
            table = _read_parquet(path)
        except Exception:  # gone, unreadable, corrupt: ``read`` looks again and says what it finds
            return
        if table.num_rows == sum(counts.values()):
            _remember(_READ_AHEAD, memo_key, table, READ_AHEAD_SIZE)

    def _as_it_is(self, path: Path) -> tuple[str, int, int, str, str]:
        """The key under which what was read of *path* is remembered while it stays as it is (path, size,
        time) for this table and key; FileNotFoundError when it is gone."""
        stat = path.stat()
        return (str(path), stat.st_size, stat.st_mtime_ns, self.key, self.table)

    def _footer(self, path: Path) -> dict[str, int] | None:
        """The entries a shard holds (with row counts), or None after discarding a bad file.

        A good footer is remembered for the file as it is (path, size, mtime),
        so a run reads each footer once however often it looks at the folder.
        """
        try:
            memo_key = self._as_it_is(path)
        except FileNotFoundError:
            return None
        if memo_key in _FOOTERS:
            return _FOOTERS[memo_key]
        counts = self._read_footer(path)
        if counts is not None:
            _remember(_FOOTERS, memo_key, counts, FOOTER_MEMO_SIZE)
        return counts

    def _read_footer(self, path: Path) -> dict[str, int] | None:
        try:
            counts, problem = self._checked_footer(path)
        except FileNotFoundError:
            return None
        if problem is not None:
            self._discard(path, problem)
            return None
        return counts

    def _checked_footer(self, path: Path) -> tuple[dict[str, int], str | None]:
        """The entries a file's footer lists, or what is wrong with it (FileNotFoundError when it is gone)."""
        try:
            schema = pq.read_schema(path)
        except FileNotFoundError:
            raise
        except Exception as exc:  # truncated, not parquet, unreadable
            return {}, f"is corrupt ({type(exc).__name__}: {exc})"
        meta = schema.metadata or {}
        if meta.get(META_KEY) != self.key.encode() or meta.get(META_TABLE) != self.table.encode():
            return {}, f"was written for another key or table than {self.table}/{self.key[:32]}"
        try:
            counts = json.loads(meta[META_ENTRIES])
        except (KeyError, ValueError) as exc:
            return {}, f"has no readable list of reports ({type(exc).__name__})"
        if ENTRY_COLUMN not in schema.names or not isinstance(counts, dict):
            return {}, "has no report column"
        return counts, None

    def index(self) -> dict[str, Path]:
        """Every entry held under this key → the file holding it (checked footers only)."""
        found: dict[str, Path] = {}
        for path in self._shards():
            counts = self._footer(path)
            for entry in counts or ():
                found.setdefault(entry, path)
        return found

    def read(
        self,
        entries: Sequence[str],
        *,
        index: Mapping[str, Path] | None = None,
        columns: Sequence[str] | None = None,
    ) -> tuple[pa.Table, list[str]]:
        """The rows of *entries*, in the order of *entries* (and of the rows within each), and the entries not read.

        An entry is not read when no file holds it or its file fails a check
        (the file is then deleted with a warning).  The ``_entry`` column is
        dropped.  *columns* reads only those columns.
        """
        index = self.index() if index is None else index
        position = {entry: i for i, entry in enumerate(entries)}
        by_file: dict[Path, list[str]] = {}
        missing = []
        for entry in entries:
            path = index.get(entry)
            if path is None:
                missing.append(entry)
            else:
                by_file.setdefault(path, []).append(entry)
        pieces: list[tuple[int, pa.Table]] = []
        for path, wanted in by_file.items():
            table = self._read_file(path, wanted, columns)
            if table is None:
                missing.extend(wanted)
                continue
            pieces.append((min(position[e] for e in wanted), table))
        pieces.sort(key=lambda piece: piece[0])
        tables = [t for _, t in pieces]
        if not tables:
            return self._empty(columns), sorted(missing, key=position.__getitem__)
        rich = max(tables, key=lambda t: t.num_rows)  # its pandas metadata knows the dtypes
        if len({t.schema.field(ENTRY_COLUMN).type for t in tables}) > 1:
            # files written with the entries as text and as codes into them (``write`` takes both): all as text
            tables = [t.set_column(t.column_names.index(ENTRY_COLUMN), ENTRY_COLUMN, t[ENTRY_COLUMN].cast(pa.string())) for t in tables]
        table = pa.concat_tables(tables, promote_options="permissive") if len(tables) > 1 else tables[0]
        order = pc.index_in(table[ENTRY_COLUMN], value_set=pa.array(list(entries), type=pa.string()))
        if table.num_rows and not _non_decreasing(order):
            table = table.take(pc.sort_indices(pa.table({"o": order}), sort_keys=[("o", "ascending")]))
        table = table.drop_columns([ENTRY_COLUMN]).replace_schema_metadata(rich.schema.metadata)
        return table, sorted(missing, key=position.__getitem__)

    def _read_file(self, path: Path, wanted: list[str], columns: Sequence[str] | None) -> pa.Table | None:
        try:
            counts = self._footer(path)
            if counts is None:
                return None
            names = None if columns is None else [*columns, ENTRY_COLUMN]
            table = _READ_AHEAD.pop(self._as_it_is(path), None)
            if table is not None:
                table = table if names is None else table.select(names)
            else:
                table = _read_parquet(path, columns=names)
        except FileNotFoundError:
            return None
        except Exception as exc:
            self._discard(path, f"is corrupt ({type(exc).__name__}: {exc})")
            return None
        if table.num_rows != sum(counts.values()):
            self._discard(path, f"holds {table.num_rows} rows where its footer lists {sum(counts.values())}")
            return None
        if len(wanted) < len(counts):
            table = table.filter(pc.is_in(table[ENTRY_COLUMN], value_set=pa.array(wanted, type=pa.string())))
        got = pc.value_counts(table[ENTRY_COLUMN]).to_pylist() if table.num_rows else []
        seen = {item["values"]: item["counts"] for item in got}
        if any(seen.get(entry, 0) != counts.get(entry, -1) for entry in wanted):
            self._discard(path, "holds other row counts than its footer lists")
            return None
        return table

    def _empty(self, columns: Sequence[str] | None) -> pa.Table:
        return pa.table({c: pa.array([], type=pa.null()) for c in columns or []})

    def read_frame(self, entries: Sequence[str], *, index: Mapping[str, Path] | None = None) -> tuple[pd.DataFrame, list[str]]:
        """``read`` as a pandas DataFrame."""
        table, missing = self.read(entries, index=index)
        return table.to_pandas(), missing


def _non_decreasing(order: pa.ChunkedArray | pa.Array) -> bool:
    values = order.to_numpy() if isinstance(order, pa.ChunkedArray) else order.to_numpy(zero_copy_only=False)
    return bool((values[1:] >= values[:-1]).all())


# ------------------------------------------------------------------ the whole cache


def cache_root(cache_dir: str | Path | None = None) -> Path:
    return Path(cache_dir) if cache_dir is not None else config.CACHE_DIR


def info(cache_dir: str | Path | None = None, *, current: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per table and key: whether the key is current, files, entries, rows, bytes."""
    root = cache_root(cache_dir)
    rows = []
    if root.is_dir():
        for table_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            for key_dir in sorted(p for p in table_dir.iterdir() if p.is_dir()):
                files = [p for p in key_dir.iterdir() if p.suffix == SHARD_SUFFIX and not p.name.startswith(".")]
                entries: set[str] = set()
                n_rows = 0
                for path in files:
                    try:
                        meta = pq.read_schema(path).metadata or {}
                        counts = json.loads(meta.get(META_ENTRIES, b"{}"))
                    except Exception:
                        continue
                    entries.update(counts)
                    n_rows += sum(counts.values())
                size = sum(p.stat().st_size for p in key_dir.iterdir() if p.is_file())
                is_current = None if current is None else current.get(table_dir.name, "")[:32] == key_dir.name
                rows.append([table_dir.name, key_dir.name, is_current, len(files), len(entries), n_rows, size])
    return pd.DataFrame(rows, columns=INFO_COLUMNS)


def clear(cache_dir: str | Path | None = None) -> int:
    """Delete the cache folder; returns the bytes freed."""
    root = cache_root(cache_dir)
    if not root.exists():
        return 0
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    shutil.rmtree(root)
    return size


def prune(current: Mapping[str, str], cache_dir: str | Path | None = None) -> int:
    """Delete every key folder that is not a table's *current* key, and stray temporary files; returns bytes freed."""
    root = cache_root(cache_dir)
    freed = 0
    if not root.is_dir():
        return 0
    for table_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        keep = current.get(table_dir.name, "")[:32]
        for key_dir in sorted(p for p in table_dir.iterdir() if p.is_dir()):
            if key_dir.name != keep:
                freed += sum(p.stat().st_size for p in key_dir.rglob("*") if p.is_file())
                shutil.rmtree(key_dir)
            else:
                for tmp in key_dir.glob(f"{TMP_PREFIX}*"):
                    freed += tmp.stat().st_size
                    tmp.unlink(missing_ok=True)
        if not any(table_dir.iterdir()):
            table_dir.rmdir()
    return freed


# ------------------------------------------------------------ a build's work folder


def corpus_key(reports: pd.DataFrame, table_key: str) -> str:
    """What a table made from all of *reports* depends on: each report (file and identity) and *table_key*
    (the key of the stage table it is made from, ``pipeline.current_keys``: the code and the lexicon)."""
    digest = hashlib.sha256(table_key.encode())
    for entry in entry_keys(reports):
        digest.update(f"\n{entry}".encode())
    return digest.hexdigest()


def write_work_table(table: pd.DataFrame, path: str | Path, *, key: str) -> Path:
    """Write *table* to the parquet file *path* (whole or not at all), marked with *key*; returns *path*.

    A build writes the corpus-level tables its notebooks share into its work
    folder once; ``read_work_table`` gives them back only under the same key.
    """
    path = Path(path)
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), META_WORK_KEY: key.encode()})
    with atomic_path(path, suffix=path.suffix) as tmp:
        pq.write_table(arrow, tmp)
    return path


def read_work_table(path: str | Path, *, key: str) -> pd.DataFrame | None:
    """The table ``write_work_table`` wrote to *path* under *key*; None when there is no file or it was made under another key."""
    path = Path(path)
    if not path.is_file():
        return None
    table = _read_parquet(path, checked=False)
    if (table.schema.metadata or {}).get(META_WORK_KEY) != key.encode():
        return None
    return table.to_pandas()
