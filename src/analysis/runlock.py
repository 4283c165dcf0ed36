"""One run at a time into an output folder, and what a run left behind cleared away.

``with run_lock(out):`` takes ``out/.analysis.lock`` (an ``flock`` the system
drops when the process ends, however it ends): a second run into the same
folder stops at once with an ``OutputError`` naming the lock and the process
holding it, or waits for it with ``wait=True``.  Holding the lock, the run
removes the temporary files and folders an interrupted run left there
(``clear_leftovers``): nobody else can be writing them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError

__all__ = ["LEFTOVER_PATTERNS", "LOCK_NAME", "clear_leftovers", "output_folder", "run_lock"]

LOCK_NAME = ".analysis.lock"
# What a run writes into its output folder only while it runs (briefings' work folders, atomic writes' temporary files).
LEFTOVER_PATTERNS = (".work-*", ".building-*", ".*.tmp", ".*.tmp.*", ".*.parquet")


def output_folder(out: str | os.PathLike[str]) -> Path:
    """*out* as a folder that exists: created when missing; an ``OutputError`` when it names a file."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: is a file, not a folder: give --out a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create the output folder: {exc.strerror or exc}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: the output folder is not writable")
    return path


@contextmanager
def run_lock(out: str | os.PathLike[str], *, wait: bool = False) -> Iterator[Path]:
    """Hold ``out/.analysis.lock`` for the block; another holder → ``OutputError`` (or wait with *wait*)."""
    import fcntl

    folder = output_folder(out)
    lock = folder / LOCK_NAME
    handle = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(handle, 64, 0).decode("ascii", errors="replace").strip() or "?"
            raise OutputError(
                f"{lock}: another run (process {holder}) is writing into {folder}; wait for it to end, or run again with --wait"
            ) from None
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"{os.getpid()}\n".encode(), 0)
        clear_leftovers(folder)
        yield lock
    finally:
        os.close(handle)  # closing drops the flock; the file stays (removing it would race with a waiting run)


def clear_leftovers(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove what interrupted runs left in *folder* (work folders, temporary files); returns what was removed.

    Call it only while holding the folder's ``run_lock``.
    """
    removed = []
    for pattern in LEFTOVER_PATTERNS:
        for path in Path(folder).glob(pattern):
            if path.name == LOCK_NAME:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed
