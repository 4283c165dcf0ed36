"""The package's exceptions and warnings, all in one place: each says which file or entry, and what to do.

::

    AnalysisError            every error this package raises on purpose (the CLI exits 2 on it)
    ├── InputError           a report file cannot be read (the batch goes on with the rest)
    ├── LexiconError         a lexicon or codebook file has a bad entry (file, line, entry)
    ├── OptionError          an argument has a value the function cannot use; also a ValueError
    │   └── CueSyntaxError   a cue of the cue language cannot be parsed
    ├── CacheError           the cache folder cannot be used
    ├── OutputError          an output folder cannot be used (a file, not writable, another run writing into it)
    └── PipelineError        a stage failed on some reports

    AnalysisWarning          something was skipped or rebuilt; the result is still right
    ├── FrequencyWarning     input the frequency stage could count nothing from
    └── CacheWarning         an unusable cache file, rebuilt

The modules that raise them also export them under the same names
(``analysis.cues.CueSyntaxError``, ``analysis.cache.CacheError``, …).
"""

from __future__ import annotations


class AnalysisError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(AnalysisError):
    """A report file cannot be read: empty, binary, undecodable, unsupported."""

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")

    def __reduce__(self):  # crosses a process pool whole (path and problem)
        return (type(self), (self.path, self.problem))


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


class OptionError(AnalysisError, ValueError):
    """An argument or option has a value the function cannot use (an unknown role, column, measure, town…).

    Also a ``ValueError``, so ``except ValueError`` keeps catching it.
    """


class CueSyntaxError(OptionError):
    """A cue that cannot be parsed; the message says what is wrong."""


class CacheError(AnalysisError):
    """The cache folder cannot be used (not writable, not a folder)."""


class OutputError(AnalysisError):
    """An output folder cannot be used: it is a file, not writable, or another run is writing into it."""


class PipelineError(AnalysisError):
    """A stage failed on some reports (the message names the stage and the reports)."""


class CellTimeoutError(AnalysisError, TimeoutError):
    """A briefing's notebook cell ran past the time limit (``briefings.build(timeout=...)``)."""


class AnalysisWarning(UserWarning):
    """Base class of the package's warnings: something was skipped or rebuilt, the result is still right."""


class FrequencyWarning(AnalysisWarning):
    """Input the frequency stage could count nothing from (empty corpus, absent term…)."""


class CacheWarning(AnalysisWarning):
    """A cache file was unusable (corrupt, truncated, written under another key); it is rebuilt."""
