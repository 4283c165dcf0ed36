"""The report notebooks: which ones there are, their titles and the parameters each takes.

``find_notebooks()`` reads every numbered notebook of ``notebooks/``
(``00_corpus_overview.ipynb``, ``01_…``): its first ``#`` heading (the
briefing's title) and the literal defaults of its ``parameters`` cell.  A
notebook with a ``town`` parameter is run once per town.  Its metadata
``briefing.cost`` says about how many seconds it takes (a town notebook: per
town): the runner starts the costliest first, so that the longest is not left
for one core at the end of a build.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .. import config
from ..errors import AnalysisError

NOTEBOOK_RE = re.compile(r"^\d{2}_[^/\\]+\.ipynb$")  # the report notebooks: 00_…, 01_…
HEADING_RE = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)
TOWN_PARAMETER = "town"
DATA_PARAMETER = "data_dir"
OUTPUT_PARAMETER = "output_dir"  # a notebook that writes files of its own (tables for Excel) gets the output folder
WORK_PARAMETER = "work_dir"  # a notebook with this parameter gets the run's work folder (corpus-level tables computed once)
COST_KEY = "briefing"  # the notebook metadata holding its cost: {"cost": seconds}


@dataclass(frozen=True)
class Notebook:
    """A report notebook: its path, heading, the literal defaults of its parameters cell, and its cost (seconds, about)."""

    path: Path
    heading: str
    parameters: Mapping[str, object] = field(default_factory=dict)
    cost: float = 0.0

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def per_town(self) -> bool:
        return TOWN_PARAMETER in self.parameters


def read_notebook(path: str | Path) -> Notebook:
    """Read a notebook's first ``#`` heading and its ``parameters`` cell."""

    path = Path(path)
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as exc:
        raise AnalysisError(f"{path}: not a readable notebook ({exc})") from exc
    heading = ""
    parameters: dict[str, object] = {}
    for cell in nb.cells:
        if not heading and cell.cell_type == "markdown":
            match = HEADING_RE.search(cell.source)
            heading = match.group(1) if match else ""
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            parameters.update(_literal_assignments(cell.source, path))
    said = nb.metadata.get(COST_KEY, {})
    cost = said.get("cost", 0.0) if isinstance(said, dict) else said
    if isinstance(cost, bool) or not isinstance(cost, int | float) or not cost >= 0:
        raise AnalysisError(f"{path}: the metadata {COST_KEY}.cost must be a number of seconds, not {cost!r}")
    return Notebook(path=path, heading=heading or path.stem, parameters=parameters, cost=float(cost))


def _literal_assignments(source: str, path: Path) -> dict[str, object]:
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise AnalysisError(f"{path}: the parameters cell is not valid Python (line {exc.lineno})") from exc
    values: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    try:
                        values[target.id] = ast.literal_eval(node.value)
                    except ValueError:
                        values[target.id] = None
    return values


def find_notebooks(folder: str | Path | None = None) -> list[Notebook]:
    """The numbered report notebooks of *folder* (default ``notebooks/``), in order."""
    folder = Path(folder) if folder is not None else config.NOTEBOOKS_DIR
    if not folder.is_dir():
        raise AnalysisError(f"{folder}: no such notebook folder")
    return [read_notebook(path) for path in sorted(folder.iterdir()) if NOTEBOOK_RE.match(path.name)]
