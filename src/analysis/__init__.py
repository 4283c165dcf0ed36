"""Analyse Chinese local governments' annual rule-of-law reports (法治政府建设年度报告).

The package reads as the data flows — files, reading (``corpus``), structure
and words (``structure``, ``quantities``, ``tokenize``), the measuring stages
(``indicators``, ``frequency``, ``themes``, ``compliance``, ``boilerplate``,
``panel`` …), the pipeline and its cache, tables and figures for the reader
(``overview``, ``plots``, ``profile``), briefings, and the command line on top.
docs/architecture.md draws it, says which module owns which table and where a
new stage, loader, figure or notebook goes.

The root imports nothing of the package until a name is asked for:
``analysis.tokenize(reports)``, ``analysis.load_corpus(...)`` or
``analysis.pipeline`` import their module then.  ``import analysis`` costs
Arrow's memory pool (below) and no more, so ``python -m analysis briefings``
starts its workers' imports (``cli``) before the rest of the package loads.
"""

from __future__ import annotations

import importlib
import sys
import types

from ._version import __version__
from .arrowpool import use_jemalloc

use_jemalloc()  # every process that imports the package: Arrow's memory through jemalloc (arrowpool)

# The names the root gives, each the function or class of its module.
_NAMES = {
    "Corpus": "corpus",
    "load_corpus": "corpus",
    "read_reports": "corpus",
    "setup_notebook": "display",
    "items": "structure",
    "locate": "structure",
    "paragraphs": "structure",
    "plan_items": "structure",
    "problem_items": "structure",
    "sections": "structure",
    "sentences": "structure",
}
_TOP = ("cli", "__main__")  # the command line is on top: the package imports it nowhere

__all__ = [
    "Corpus",
    "__version__",
    "items",
    "load_corpus",
    "locate",
    "paragraphs",
    "plan_items",
    "problem_items",
    "read_reports",
    "sections",
    "summary",
    "setup_notebook",
    "sentences",
    "tokenize",
]


def __getattr__(name: str):
    """A name of ``__all__`` or a module of the package, imported when first asked for."""
    if name in _NAMES:
        value = getattr(importlib.import_module(f"{__name__}.{_NAMES[name]}"), name)
        globals()[name] = value
        return value
    if name.startswith("_") or name in _TOP:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        return importlib.import_module(f"{__name__}.{name}")  # the import binds it here
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Root(types.ModuleType):
    """The package root, whose ``tokenize`` is the function ``tokenize.tokenize``, never the module of that name.

    Importing the module ``analysis.tokenize`` binds it on its package; the
    root keeps the function under that name, as it did when it imported it
    eagerly.  The module is ``sys.modules["analysis.tokenize"]``, or
    ``from analysis.tokenize import …``.
    """

    @property
    def tokenize(self):
        return sys.modules[f"{__name__}.tokenize"].tokenize if f"{__name__}.tokenize" in sys.modules else _tokenize()

    @tokenize.setter
    def tokenize(self, value) -> None:
        pass  # the import system binding the module: the name stays the function


def _tokenize():
    from .tokenize import tokenize

    return tokenize


sys.modules[__name__].__class__ = _Root
