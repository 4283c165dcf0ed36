"""Output files are written whole or not at all.

Every writer of the package (briefing pages, exported tables and figures,
cache shards, the pipeline's parquet files) writes to a temporary file beside
the target and renames it over the target only when the write succeeded, so
a reader never sees half a file and an interrupted run leaves the previous
file in place::

    with atomic_path(path) as tmp:
        table.to_parquet(tmp)
    write_atomic(path, html)
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "write_atomic"]


@contextmanager
def atomic_path(path: str | os.PathLike[str], *, prefix: str | None = None, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path beside *path* to write to; renamed over *path* when the block ends without error.

    The folder is created when missing.  The temporary file is named
    ``<prefix>…<suffix>`` (by default ``.<name>.…tmp``, hidden) and removed
    when the block raises.  The file ends up readable by everyone (0644).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}." if prefix is None else prefix, suffix=suffix, dir=target.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write *data* (text as UTF-8 with ``\\n`` line ends, or bytes) to *path* whole or not at all."""
    with atomic_path(path) as tmp:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            with open(tmp, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(data)
