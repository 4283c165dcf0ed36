"""The plan of a run: every briefing to build — a notebook, its town (or none), its parameters, its HTML file.

``plan(reports, notebooks, data_dir=..., out=...)`` gives each corpus notebook
once and each town notebook once per town; the parameters given on the
command line are converted to the type of the notebook's defaults (``coerce``)
and checked against the notebooks' parameters.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import OptionError
from .notebooks import DATA_PARAMETER, OUTPUT_PARAMETER, TOWN_PARAMETER, WORK_PARAMETER, Notebook

UNSAFE_NAME_RE = re.compile(r"[\\/:*?\"<>|\x00-\x1f]")


@dataclass(frozen=True)
class Briefing:
    """One briefing to build: a notebook, its town (or none) and its parameters."""

    notebook: Notebook
    town: str | None
    parameters: Mapping[str, object]
    html: Path

    @property
    def name(self) -> str:
        return self.html.stem

    @property
    def title(self) -> str:
        return f"{self.town} · {self.notebook.heading}" if self.town else self.notebook.heading

    @property
    def label(self) -> str:
        return f"{self.notebook.name} (town={self.town})" if self.town else self.notebook.name


MAX_NAME_BYTES = 180  # a page's file name, UTF-8 bytes: well under the 255 of common file systems, room for temporary names


def _file_name(notebook: Notebook, town: str | None) -> str:
    """The page's file name: the notebook's, then the town's with unsafe characters replaced.

    When a character had to be replaced, or the name would be too long, a
    short hash of the town is added, so two towns never share a page
    (``x:y`` and ``x?y`` are ``…-x_y-<hash>.html`` with two hashes).
    """
    if town is None:
        return f"{notebook.path.stem}.html"
    safe = UNSAFE_NAME_RE.sub("_", town).strip(" .") or "_"
    stem = f"{notebook.path.stem}-{safe}"
    if safe != town or len(stem.encode("utf-8")) > MAX_NAME_BYTES:
        tag = hashlib.sha256(town.encode("utf-8")).hexdigest()[:10]
        room = MAX_NAME_BYTES - len(tag) - 1
        stem = stem.encode("utf-8")[:room].decode("utf-8", errors="ignore")
        stem = f"{stem}-{tag}"
    return f"{stem}.html"


def coerce(value: object, default: object) -> object:
    """A parameter given as text on the command line, converted to its default's type."""
    if not isinstance(value, str) or isinstance(default, str):
        return value
    text = value.strip()
    if isinstance(default, bool):
        lowered = text.lower()
        if lowered in {"true", "yes", "1", "on"}:
            return True
        if lowered in {"false", "no", "0", "off"}:
            return False
        raise OptionError(f"{value!r} is not true or false")
    if isinstance(default, int | float):
        try:
            return type(default)(text)
        except ValueError:
            raise OptionError(f"{value!r} is not a {type(default).__name__}") from None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return value


def plan(
    reports: pd.DataFrame,
    notebooks: Sequence[Notebook],
    *,
    data_dir: str | Path,
    out: str | Path,
    towns: Iterable[str] | None = None,
    parameters: Mapping[str, object] | None = None,
    work: str | Path | None = None,
) -> list[Briefing]:
    """Every briefing for *reports*: each corpus notebook once, each town notebook once per town.

    *work* is the run's work folder, given to the notebooks that have a
    ``work_dir`` parameter (none: they compute what they need themselves).
    """
    out = Path(out)
    parameters = dict(parameters or {})
    for reserved in (DATA_PARAMETER, TOWN_PARAMETER):
        if reserved in parameters:
            raise OptionError(f"parameter {reserved!r} is set by the runner: use --data / --town (data_dir=, towns= in Python)")
    if WORK_PARAMETER in parameters:
        raise OptionError(f"parameter {WORK_PARAMETER!r} is set by the runner (its work folder)")
    known = sorted({name for nb in notebooks for name in nb.parameters})
    for name in parameters:
        if name not in known:
            raise OptionError(f"no notebook of this run has a parameter {name!r}; their' parameters are: {', '.join(known) or 'none'}")
    corpus_towns = list(dict.fromkeys(t for t in reports["town"] if isinstance(t, str) and t))
    if towns is None:
        chosen = corpus_towns
    else:
        chosen = list(dict.fromkeys(towns))
        unknown = [t for t in chosen if t not in corpus_towns]
        if unknown:
            raise OptionError(f"town {', '.join(unknown)} is not in the corpus; its towns are: {', '.join(corpus_towns) or 'none'}")
    briefings = []
    for nb in notebooks:
        own = {name: coerce(value, nb.parameters[name]) for name, value in parameters.items() if name in nb.parameters}
        own[DATA_PARAMETER] = str(Path(data_dir).resolve())
        if OUTPUT_PARAMETER in nb.parameters and OUTPUT_PARAMETER not in own:
            own[OUTPUT_PARAMETER] = str(out.resolve())
        if WORK_PARAMETER in nb.parameters and work is not None:
            own[WORK_PARAMETER] = str(Path(work).resolve())
        for town in chosen if nb.per_town else [None]:
            params = dict(own, **({TOWN_PARAMETER: town} if town else {}))
            briefings.append(Briefing(notebook=nb, town=town, parameters=params, html=out / _file_name(nb, town)))
    return briefings
