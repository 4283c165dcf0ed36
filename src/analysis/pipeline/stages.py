"""The per-report stages the pipeline runs, by name, and the cache key of each.

A stage is a function of a slice of the reports table giving a table with a
``doc_id`` column (``Stage``; ``register`` adds one).  Each reads the lexicon
files ``config.STAGE_LEXICON`` lists for it: editing one of them gives the
stage a new cache key (``current_keys``), so its rows are computed again.

sections, items        structure.sections / structure.items
tokens                 tokenize.tokenize (large: kept on disk until asked for)
doc_counts             frequency.counts of each report
indicators             indicators.extract
theme_codes            themes.code_items of the problem items
plan_codes             themes.code_items of the plan items by their plan_cues (not run by default: the
                       briefings' problem → plan links read them)
paragraphs, sentences  structure.paragraphs / structure.sentences (not run by default; kept on
                       disk until asked for: ``run`` offers them to ``structure``, which gives
                       them to every later caller instead of parsing the reports again)
checklist, coverage    compliance (not run by default: slow)
"""

from __future__ import annotations

import importlib
import importlib.util
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from .. import cache as cache_mod
from .. import config
from ..errors import AnalysisError, OptionError


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
        """True when the module the stage requires is installed: looked up, not imported (the calling process of a
        run need not import what only the workers use: the tokeniser's alone took 60 ms before the first file)."""
        if self.requires is None:
            return True
        try:
            return importlib.util.find_spec(self.requires) is not None
        except ModuleNotFoundError as exc:  # a package above it is missing
            if self.requires.startswith(f"{exc.name}."):
                return False
            raise


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


def _paragraphs(reports: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    return _module("structure").paragraphs(reports)


def _sentences(reports: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    return _module("structure").sentences(reports)


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


def _figures(reports: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    return _module("indicators").summary(ctx.get("indicators", reports), reports)


def _theme_codes(reports: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    items = ctx.get("items", reports)
    return _module("themes").code_items(items[items["role"] == "problems"].reset_index(drop=True))


def _plan_codes(reports: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    items = ctx.get("items", reports)
    return _module("themes").code_items(items[items["role"] == "plans"].reset_index(drop=True), field="plan_cues")


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
    "figures",
    _figures,
    lexicon=_lexicon("figures"),
    requires="analysis.indicators",
    description="indicators.summary: one figure per report and indicator key (not run by default)",
)
register(
    "theme_codes",
    _theme_codes,
    lexicon=_lexicon("theme_codes"),
    requires="analysis.themes",
    description="themes.code_items of the problem items: one row per item and theme",
)
register(
    "plan_codes",
    _plan_codes,
    lexicon=_lexicon("plan_codes"),
    requires="analysis.themes",
    description="themes.code_items of the plan items by their plan_cues: one row per item and theme (not run by default)",
)
register(
    "paragraphs",
    _paragraphs,
    lexicon=_lexicon("paragraphs"),
    lazy=True,
    description="structure.paragraphs: every paragraph with its section and role",
)
register(
    "sentences",
    _sentences,
    lexicon=_lexicon("sentences"),
    lazy=True,
    description="structure.sentences: every sentence with its section and role",
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
    keys = {READ_STAGE: cache_mod.table_key(READ_STAGE, lexicon=_lexicon(READ_STAGE))}
    for name in names if names is not None else STAGES:
        keys[name] = cache_mod.table_key(name, lexicon=STAGES[name].lexicon)
    if "doc_counts" in keys:
        keys[COUNTS_TABLE] = keys["doc_counts"]  # summed from them: the same dependencies
    return keys
