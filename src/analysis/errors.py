"""The package's exceptions: each says which file or entry, and what to do."""

from __future__ import annotations


class AnalysisError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(AnalysisError):
    """A report file cannot be read: empty, binary, undecodable, unsupported."""

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class LexiconError(AnalysisError):
    """A lexicon or codebook file has a bad entry."""

    def __init__(self, path: object, problem: str, *, line: int | None = None, entry: str | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.entry = entry
        where = self.path if line is None else f"{self.path}:{line}"
        if entry is not None:
            where = f"{where} (entry {entry!r})"
        super().__init__(f"{where}: {problem}")
