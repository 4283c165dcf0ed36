"""Briefings: every report notebook, executed and written as self-contained HTML.

``build(data_dir)`` runs each numbered notebook of ``notebooks/``
(``00_corpus_overview.ipynb``, ``01_…``) with papermill: once for the corpus,
or once per town when the notebook's ``parameters`` cell has a ``town``
(``04_town_profile.ipynb``); a notebook with an ``output_dir`` parameter is
given the output folder too.  Each executed notebook becomes one HTML file in
``reports/`` — no code cells, no prompts, figures embedded, nothing loaded
from outside (template ``templates/briefing``) — and ``reports/index.html``
links them with the corpus summary, the run's date, the hashes of the input
data and of the lexicons, and the package version.

A notebook that fails stops that briefing only: its previous HTML stays in
place (every file is written to a temporary name, then renamed), the
executed notebook with the error is kept under ``reports/_failed/``, and the
summary names the notebook, the cell and the error.

The summary table (one row per briefing of the run):
    briefing, title, notebook, town, html, seconds, status, message
``status`` is ``written`` or ``failed``.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import html
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from . import __version__, config
from .errors import AnalysisError
from .output import write_atomic

SUMMARY_COLUMNS = ["briefing", "title", "notebook", "town", "html", "seconds", "status", "message"]
NOTEBOOK_RE = re.compile(r"^\d{2}_[^/\\]+\.ipynb$")  # the report notebooks: 00_…, 01_…
HEADING_RE = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)
UNSAFE_NAME_RE = re.compile(r"[\\/:*?\"<>|\x00-\x1f]")
TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "briefing"
INDEX_NAME = "index.html"
FAILED_DIR = "_failed"
KERNEL_NAME = "python3"
PROJECT_TITLE = "法治政府建设年度报告"
TOWN_PARAMETER = "town"
DATA_PARAMETER = "data_dir"
OUTPUT_PARAMETER = "output_dir"  # a notebook that writes files of its own (tables for Excel) gets the output folder
WORK_PARAMETER = "work_dir"  # a notebook with this parameter gets the run's work folder (corpus-level tables computed once)
WORK_PREFIX = ".work-"  # the work folder: hidden, inside the output folder, removed when the run ends

# What a briefing may contain once executed: tables, text, figures.  Anything
# else an output carries (script, widget state, JavaScript) is dropped, and
# HTML is cleaned of script, event handlers and outside references.
SAFE_TAGS = frozenset(
    "a abbr b blockquote br caption code col colgroup dd del details div dl dt em figcaption figure "
    "h1 h2 h3 h4 h5 h6 hr i img ins li mark ol p pre s small span strong style sub summary sup "
    "table tbody td tfoot th thead tr u ul".split()
)
SAFE_ATTRIBUTES = frozenset("class id title style lang dir align valign border colspan rowspan scoped width height alt".split())
SAFE_OUTPUT_KEYS = frozenset({"metadata", "text/plain", "image/png", "image/jpeg", "image/svg+xml"})


# ------------------------------------------------------------------ notebooks


@dataclass(frozen=True)
class Notebook:
    """A report notebook: its path, heading, and the literal defaults of its parameters cell."""

    path: Path
    heading: str
    parameters: Mapping[str, object] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def per_town(self) -> bool:
        return TOWN_PARAMETER in self.parameters


def read_notebook(path: str | Path) -> Notebook:
    """Read a notebook's first ``#`` heading and its ``parameters`` cell."""
    import nbformat

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
    return Notebook(path=path, heading=heading or path.stem, parameters=parameters)


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


# --------------------------------------------------------------------- the plan


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


def _file_name(notebook: Notebook, town: str | None) -> str:
    stem = notebook.path.stem if town is None else f"{notebook.path.stem}-{UNSAFE_NAME_RE.sub('_', town)}"
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
        raise AnalysisError(f"{value!r} is not true or false")
    if isinstance(default, int | float):
        try:
            return type(default)(text)
        except ValueError:
            raise AnalysisError(f"{value!r} is not a {type(default).__name__}") from None
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
            raise AnalysisError(f"parameter {reserved!r} is set by the runner: use --data / --town (data_dir=, towns= in Python)")
    if WORK_PARAMETER in parameters:
        raise AnalysisError(f"parameter {WORK_PARAMETER!r} is set by the runner (its work folder)")
    known = sorted({name for nb in notebooks for name in nb.parameters})
    for name in parameters:
        if name not in known:
            raise AnalysisError(f"no notebook of this run has a parameter {name!r}; their' parameters are: {', '.join(known) or 'none'}")
    corpus_towns = list(dict.fromkeys(t for t in reports["town"] if isinstance(t, str) and t))
    if towns is None:
        chosen = corpus_towns
    else:
        chosen = list(dict.fromkeys(towns))
        unknown = [t for t in chosen if t not in corpus_towns]
        if unknown:
            raise AnalysisError(f"town {', '.join(unknown)} is not in the corpus; its towns are: {', '.join(corpus_towns) or 'none'}")
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


# ------------------------------------------------------------------ to HTML


def _attribute_allowed(tag: str, name: str, value: str) -> bool:
    if tag == "img" and name == "src":
        return value.startswith("data:image/")
    if tag == "a" and name == "href":
        return value.startswith("#") or bool(re.fullmatch(r"[\w.\-]+\.html(?:#[\w\-]*)?", value))
    return name in SAFE_ATTRIBUTES


def _sanitizer():
    from nbconvert.preprocessors.sanitize import SanitizeHTML

    class OutputSanitizer(SanitizeHTML):
        """Cleans what the code cells printed; the notebook's own markdown is trusted."""

        def preprocess_cell(self, cell, resources, cell_index):
            if cell.cell_type == "code":
                cell.outputs = self.sanitize_code_outputs(cell.outputs)
            return cell, resources

    return OutputSanitizer(tags=sorted(SAFE_TAGS), attributes=_attribute_allowed, safe_output_keys=set(SAFE_OUTPUT_KEYS), strip=False)


def _exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )


def to_html(nb, *, title: str, footer: str = "") -> str:
    """An executed notebook as a briefing: outputs and markdown only, cleaned, self-contained.

    Code cells without output disappear, text written to stderr (warnings,
    logs) is left out, cell ids are renumbered so two runs give the same file,
    and every output's HTML is cleaned of script and outside references.
    """
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.get("name") == "stderr")]
            if not cell.outputs:
                continue
        if cell.cell_type == "raw":
            continue
        cell.id = f"cell-{len(cells)}"
        cells.append(cell)
    nb.cells = cells
    nb.metadata["title"] = title
    nb.metadata.pop("papermill", None)
    nb, _ = _sanitizer().preprocess(nb, {})
    body, _ = _exporter().from_notebook_node(nb, resources={"analysis_version": __version__, "analysis_footer": footer})
    return embed_font(body)


FONT_FAMILY = "AnalysisCJK"
FONT_MARKER = "/* analysis:font-face */"
_STYLE_OR_SCRIPT_RE = re.compile(r"<(style|script)\b.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_TAG_RE = re.compile(r"<[^>]*>")


def page_text(page: str) -> str:
    """The characters a page shows: its text outside tags, styles and scripts, unescaped."""
    return html.unescape(_TAG_RE.sub(" ", _STYLE_OR_SCRIPT_RE.sub(" ", page)))


def font_face(text: str) -> str:
    """A CSS ``@font-face`` embedding the CJK font cut down to the characters of *text*.

    The page then shows Chinese in the figures' font on any machine, with no
    font installed and nothing fetched.
    """
    import base64
    import io
    import logging

    from fontTools import subset
    from fontTools.ttLib import TTFont

    from .plots import font_path

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    chars = "".join(sorted(set(text) - {"\n", "\r", "\t"}))
    options = subset.Options()
    options.layout_features = []  # horizontal text only: no substitution tables (4× faster, half the size)
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx"]
    font = TTFont(str(font_path()), lazy=True, recalcTimestamp=False, recalcBBoxes=False)  # same bytes for the same text
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url(data:font/otf;base64,{data}) format("opentype"); }}'


def embed_font(page: str) -> str:
    """Put the ``@font-face`` for the page's own characters where the template left its marker."""
    if FONT_MARKER not in page:
        return page
    return page.replace(FONT_MARKER, font_face(page_text(page)), 1)


# ------------------------------------------------------------------ one briefing


def _failed_cell(executed: Path, source: Path, exc) -> str:
    """'cell 7 (`fig = …`)': the failing cell counted in the source notebook, with its first line."""
    import nbformat

    first_line = (exc.source or "").strip().splitlines()[0] if (exc.source or "").strip() else ""
    where = f"cell In [{exc.exec_count}]"
    try:
        run = nbformat.read(str(executed), as_version=4)
        src = nbformat.read(str(source), as_version=4)
        ids = [c.get("id") for c in src.cells]
        for cell in run.cells:
            if cell.cell_type == "code" and any(o.output_type == "error" for o in cell.get("outputs", [])):
                if cell.get("id") in ids:
                    where = f"cell {ids.index(cell.get('id')) + 1}"
                break
    except Exception:  # the message still names In [n]
        pass
    return f"{where} (`{first_line}`)" if first_line else where


def _quiet_kernel_manager(log: Path):
    """A kernel manager whose kernel writes its own messages to *log*, not to the terminal."""
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def _async_start_kernel(self, **kw):
            with open(log, "ab") as stream:
                kw.setdefault("stdout", stream)
                kw.setdefault("stderr", stream)
                return await super()._async_start_kernel(**kw)

        start_kernel = _async_start_kernel

        def client(self, **kw):
            kc = super().client(**kw)
            self.clients = [*getattr(self, "clients", []), kc]
            return kc

        def stop_clients(self) -> None:
            """Close the channels of the clients of finished notebooks (the kernel stays up)."""
            for kc in getattr(self, "clients", []):
                kc.stop_channels()
            self.clients = []

    return QuietKernelManager


def _log_tail(log: Path) -> str:
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()] if log.exists() else []
    return f" (kernel: {lines[-1].strip()})" if lines else ""


# A town notebook runs once per town: each worker keeps one kernel per such
# notebook and runs the towns in it one after another, clearing the namespace
# and the figures first (RESET_SOURCE), so the imports and caches are paid once.
# Corpus notebooks always get a kernel of their own.
RESET_SOURCE = '%reset -f\n__import__("matplotlib.pyplot").pyplot.close("all")'
_KERNELS: dict[str, tuple[object, Path]] = {}


def _warm_kernel(notebook: Notebook, kernel_name: str):
    key = f"{notebook.path}\0{kernel_name}"
    if key not in _KERNELS:
        import atexit
        from multiprocessing import util

        if not _KERNELS:
            atexit.register(shutdown_kernels)
            util.Finalize(None, shutdown_kernels, exitpriority=100)  # pool workers exit through this
        folder = Path(tempfile.mkdtemp(prefix="analysis-kernel-"))
        _KERNELS[key] = (_quiet_kernel_manager(folder / "kernel.log")(kernel_name=kernel_name), folder)
    return _KERNELS[key]


def _drop_kernel(notebook: Notebook, kernel_name: str) -> None:
    entry = _KERNELS.pop(f"{notebook.path}\0{kernel_name}", None)
    if entry is not None:
        _shutdown(*entry)


def _shutdown(km, folder: Path) -> None:
    from jupyter_core.utils import run_sync

    try:
        km.stop_clients()
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # already gone
        pass
    shutil.rmtree(folder, ignore_errors=True)


def shutdown_kernels() -> None:
    """Stop the kernels kept for town notebooks (called at the end of a run and at exit)."""
    while _KERNELS:
        _shutdown(*_KERNELS.popitem()[1])


def run_briefing(briefing: Briefing, *, footer: str = "", kernel_name: str = KERNEL_NAME, timeout: int | None = 600) -> dict:
    """Execute one briefing's notebook and write its HTML; returns its summary row.

    On failure nothing in place is touched but ``_failed/NAME.ipynb``.
    """
    import logging

    import nbformat
    import papermill
    from nbformat.v4 import new_code_cell
    from papermill.exceptions import PapermillExecutionError

    logging.getLogger("papermill").setLevel(logging.WARNING)
    started = time.perf_counter()
    out = briefing.html.parent.absolute()  # papermill runs the notebook in its own folder: no relative paths past this point
    out.mkdir(parents=True, exist_ok=True)
    failed = out / FAILED_DIR / f"{briefing.name}.ipynb"
    row = {
        "briefing": briefing.name,
        "title": briefing.title,
        "notebook": briefing.notebook.name,
        "town": briefing.town or "",
        "html": str(briefing.html),
        "status": "written",
        "message": "",
    }
    work = Path(tempfile.mkdtemp(prefix=".building-", dir=out))
    executed = work / briefing.notebook.name
    source = nbformat.read(str(briefing.notebook.path), as_version=4)
    if briefing.notebook.per_town:
        km, folder = _warm_kernel(briefing.notebook, kernel_name)
        kernel_log = folder / "kernel.log"
        kernel = {"km": km}
        source.cells.insert(0, new_code_cell(RESET_SOURCE, metadata={"tags": ["analysis-reset"]}))
    else:
        kernel_log = work / "kernel.log"
        kernel = {"kernel_manager_class": _quiet_kernel_manager(kernel_log)}
    try:
        try:
            papermill.execute_notebook(
                source,
                str(executed),
                parameters=dict(briefing.parameters),
                kernel_name=kernel_name,
                cwd=str(briefing.notebook.path.parent),
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=False,
                execution_timeout=timeout,
                **kernel,
            )
            page = to_html(nbformat.read(str(executed), as_version=4), title=briefing.title, footer=footer)
            write_atomic(briefing.html, page)
            failed.unlink(missing_ok=True)
        except PapermillExecutionError as exc:
            row["status"] = "failed"
            row["message"] = f"{briefing.label}: {_failed_cell(executed, briefing.notebook.path, exc)} raised {exc.ename}: {exc.evalue}"
        except Exception as exc:  # kernel died, timeout, conversion error: still only this briefing
            row["status"] = "failed"
            detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else ""
            row["message"] = f"{briefing.label}: {type(exc).__name__}: {detail}".rstrip(": ") + _log_tail(kernel_log)
        if "km" in kernel:
            kernel["km"].stop_clients()
            if row["status"] == "failed":  # the next town starts from a fresh kernel
                _drop_kernel(briefing.notebook, kernel_name)
        if row["status"] == "failed" and executed.exists():
            failed.parent.mkdir(parents=True, exist_ok=True)
            os.replace(executed, failed)
            row["message"] += f" (executed notebook: {failed})"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    row["seconds"] = round(time.perf_counter() - started, 1)
    return row


# ------------------------------------------------------------------ the run


def input_hash(reports: pd.DataFrame) -> str:
    """sha256 over the file names and contents (their sha256) of the reports read."""
    digest = hashlib.sha256()
    for name, sha in sorted(zip((Path(p).name for p in reports["path"]), reports["sha256"], strict=True)):
        digest.update(f"{name}\0{sha}\n".encode())
    return digest.hexdigest()


def build(
    data_dir: str | Path | None = None,
    *,
    out: str | Path | None = None,
    towns: Iterable[str] | None = None,
    parameters: Mapping[str, object] | None = None,
    notebooks: Iterable[str] | None = None,
    notebooks_dir: str | Path | None = None,
    jobs: int | None = None,
    progress: bool = True,
    kernel_name: str = KERNEL_NAME,
    timeout: int | None = 600,
) -> pd.DataFrame:
    """Build every briefing of the reports in *data_dir* into *out*, then ``index.html``.

    towns        only these towns' briefings (default: every town of the corpus)
    parameters   passed to each notebook that has a parameter of that name
    notebooks    only these notebooks (names or number prefixes such as ``"04"``)
    jobs         notebooks executed at once (default: one per CPU)

    Returns the summary table (``SUMMARY_COLUMNS``), one row per briefing built.
    A failed briefing is a row with status ``failed``; nothing raises for it.

    Before any notebook runs, the stages are run over the reports on every
    core (``pipeline.run``, with progress bars when *progress*), which fills
    the on-disk cache the notebooks then read from; the corpus-level tables
    the town briefings share (``profile.prepare``) are computed once, into a
    hidden work folder in *out* that is removed at the end.
    """
    from . import pipeline
    from .lexicon import files_hash
    from .profile import prepare

    data_dir = config.resolve_path(data_dir) if data_dir is not None else config.DATA_RAW
    out = Path(out) if out is not None else config.REPORTS_DIR
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    every = find_notebooks(notebooks_dir)
    chosen = _select(every, notebooks)
    corpus = pipeline.run(data_dir, stages=[], progress=progress, warn=False)  # the reports only: a usage error shows at once
    reports, problems = corpus.reports, corpus.problems
    full = plan(reports, every, data_dir=data_dir, out=out, parameters=_known(parameters, every))
    todo = plan(reports, chosen, data_dir=data_dir, out=out, towns=towns, parameters=parameters)
    results = pipeline.run(data_dir, progress=progress, warn=False)  # warm the cache on every core: the notebooks read from it
    data_sha = input_hash(reports)
    footer = f"analysis {__version__} · 输入数据 sha256 {data_sha[:12]}"
    work = None
    try:
        if any(WORK_PARAMETER in b.notebook.parameters for b in todo):
            work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=out))
            prepare(results, work)
            todo = plan(reports, chosen, data_dir=data_dir, out=out, towns=towns, parameters=parameters, work=work)
        rows = _run_all(todo, footer=footer, jobs=jobs, progress=progress, kernel_name=kernel_name, timeout=timeout)
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    meta = {
        "run_date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "data_dir": str(data_dir),
        "data_hash": data_sha,
        "lexicon_hash": files_hash(),
        "version": __version__,
        "parameters": dict(parameters or {}),
        "seconds": round(time.perf_counter() - started, 1),
    }
    write_atomic(out / INDEX_NAME, index_html(reports, problems, full, summary, meta=meta))
    return summary


def _known(parameters: Mapping[str, object] | None, notebooks: Sequence[Notebook]) -> dict:
    names = {name for nb in notebooks for name in nb.parameters}
    return {k: v for k, v in (parameters or {}).items() if k in names}


def _select(notebooks: list[Notebook], wanted: Iterable[str] | None) -> list[Notebook]:
    if wanted is None:
        return notebooks
    chosen = []
    for want in wanted:
        hits = [nb for nb in notebooks if want in (nb.name, nb.path.stem) or nb.name.startswith(want)]
        if not hits:
            raise AnalysisError(f"no notebook {want!r}; the notebooks are: {', '.join(nb.name for nb in notebooks)}")
        chosen.extend(nb for nb in hits if nb not in chosen)
    return [nb for nb in notebooks if nb in chosen]


TOWNS_PER_KERNEL = 8  # a town notebook is split over several workers only past this many towns each
_PROGRESS = None  # in a worker: the queue each finished briefing's row is put on


def _worker_init(progress) -> None:
    global _PROGRESS
    _PROGRESS = progress


def run_batch(batch: Sequence[Briefing], **kwargs) -> list[dict]:
    """Run briefings one after the other in this process (a town notebook's towns share its kernel)."""
    rows = []
    for briefing in batch:
        rows.append(run_briefing(briefing, **kwargs))
        if _PROGRESS is not None:
            _PROGRESS.put(rows[-1])
    return rows


def batches(todo: Sequence[Briefing], jobs: int) -> list[list[Briefing]]:
    """The work for *jobs* processes: each town notebook's towns in as few runs as keep the processes busy, then each corpus notebook."""
    runs: list[list[Briefing]] = []
    for path in dict.fromkeys(b.notebook.path for b in todo if b.notebook.per_town):
        towns = [b for b in todo if b.notebook.path == path]
        parts = max(1, min(jobs, len(towns) // TOWNS_PER_KERNEL))
        runs += [towns[i::parts] for i in range(parts)]
    return runs + [[b] for b in todo if not b.notebook.per_town]


def _lost(briefing: Briefing, reason: str) -> dict:
    return {
        "briefing": briefing.name,
        "title": briefing.title,
        "notebook": briefing.notebook.name,
        "town": briefing.town or "",
        "html": str(briefing.html),
        "seconds": float("nan"),
        "status": "failed",
        "message": f"{briefing.label}: {reason}",
    }


def _run_all(todo: list[Briefing], *, footer: str, jobs: int | None, progress: bool, kernel_name: str, timeout: int | None) -> list[dict]:
    from tqdm.auto import tqdm

    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    rows: dict[str, dict] = {}
    bar = tqdm(total=len(todo), desc="briefings", unit="briefing", file=sys.stderr, disable=not progress, dynamic_ncols=True)
    kwargs = {"footer": footer, "kernel_name": kernel_name, "timeout": timeout}

    def done(row: dict) -> None:
        rows[row["briefing"]] = row
        bar.set_postfix_str(row["briefing"])
        bar.update()

    try:
        work = batches(todo, jobs)
        if jobs == 1 or len(work) == 1:
            for batch in work:
                for row in run_batch(batch, **kwargs):
                    done(row)
        else:
            import queue

            from .workers import mp_context, process_pool

            finished = mp_context().Queue()
            with process_pool(min(jobs, len(work)), initializer=_worker_init, initargs=(finished,)) as pool:
                futures = [pool.submit(run_batch, batch, **kwargs) for batch in work]
                while len(rows) < len(todo):
                    try:
                        done(finished.get(timeout=0.2))
                    except queue.Empty:
                        if all(f.done() for f in futures) and finished.empty():
                            break
                for future, batch in zip(futures, work, strict=True):
                    if future.exception() is not None:  # a worker process died: its unfinished briefings failed
                        for briefing in batch:
                            if briefing.name not in rows:
                                done(_lost(briefing, f"{type(future.exception()).__name__}: {future.exception()}"))
    finally:
        bar.close()
        shutdown_kernels()  # the in-process ones; workers stop theirs on exit
    return [rows.get(b.name) or _lost(b, "no result") for b in todo]


# ------------------------------------------------------------------ the index


_INDEX_STYLE = """
body { font-family: "AnalysisCJK", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif;
       max-width: 1100px; margin: 0 auto; padding: 1.5rem 2rem 3rem; color: #222; line-height: 1.6; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 14px; } th, td { border: 1px solid #ccc; padding: .3rem .6rem; text-align: left; }
th { background: #f3f3f3; } td.num { text-align: right; } .failed { color: #b00020; } .muted { color: #666; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; } dt { color: #555; } dd { margin: 0; font-family: monospace, "AnalysisCJK"; }
"""


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(f'<td class="num">{cell}</td>' if i in numeric else f"<td>{cell}</td>" for i, cell in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def index_html(
    reports: pd.DataFrame, problems: pd.DataFrame, briefings: Sequence[Briefing], summary: pd.DataFrame, *, meta: Mapping[str, object]
) -> str:
    """The index page: what the corpus holds, every briefing with its state, and how the run was made.

    Every piece of text from the reports is escaped.
    """
    esc = html.escape
    done = {row.briefing: row for row in summary.itertuples(index=False)}

    def entry(briefing: Briefing) -> str:
        link = f'<a href="{esc(quote(briefing.html.name))}">{esc(briefing.title)}</a>'
        row = done.get(briefing.name)
        if row is None:
            return (
                link + ' <span class="muted">（本次未重建）</span>'
                if briefing.html.exists()
                else f'{esc(briefing.title)} <span class="muted">（尚未生成）</span>'
            )
        if row.status == "failed":
            kept = f"{link}（上次生成的版本）" if briefing.html.exists() else esc(briefing.title)
            return f'{kept} <span class="failed">本次生成失败：{esc(row.message)}</span>'
        return f'{link} <span class="muted">（{row.seconds:.1f} 秒）</span>'

    corpus_items = [f"<li>{entry(b)}</li>" for b in briefings if b.town is None]
    towns = list(dict.fromkeys(t for t in reports["town"] if isinstance(t, str) and t))
    town_rows = [
        [esc(town), "<br>".join(entry(b) for b in briefings if b.town == town)] for town in towns if any(b.town == town for b in briefings)
    ]
    years = sorted({int(y) for y in reports["year"].dropna()}) if len(reports) else []
    facts = [
        f"{len(reports)} 份报告",
        f"{len(towns)} 个乡镇" if towns else "未识别出乡镇",
        f"年度 {years[0]}–{years[-1]}" if len(years) > 1 else (f"年度 {years[0]}" if years else "年度未识别"),
        f"共 {int(reports['n_chars'].sum()):,} 字" if len(reports) else "",
    ]
    report_rows = [
        [
            esc(str(r.town if isinstance(r.town, str) else "（未识别）")),
            esc("" if pd.isna(r.year) else str(int(r.year))),
            esc(str(r.title)),
            f"{int(r.n_chars):,}",
            esc(Path(r.path).name),
        ]
        for r in reports.sort_values(["doc_id"]).itertuples(index=False)
    ]
    no_town = [esc(Path(r.path).name) for r in reports.itertuples(index=False) if not isinstance(r.town, str) or not r.town]
    parts = [
        f"<h1>{esc(PROJECT_TITLE)}简报 · 目录</h1>",
        f"<p>{esc('，'.join(f for f in facts if f))}。</p>",
        "<h2>语料简报</h2>",
        f"<ul>{''.join(corpus_items)}</ul>" if corpus_items else '<p class="muted">没有语料简报。</p>',
        "<h2>乡镇简报</h2>",
        _table(["乡镇", "简报"], town_rows)
        if town_rows
        else '<p class="muted">没有乡镇简报（语料中没有识别出乡镇，或 notebooks/ 中没有带 town 参数的笔记本）。</p>',
    ]
    if no_town:
        parts.append(f'<p class="muted">未识别出乡镇、因此没有乡镇简报的报告：{"、".join(no_town)}</p>')
    parts += [
        "<h2>报告</h2>",
        _table(["乡镇", "年度", "标题", "字数", "文件"], report_rows, numeric=[3]) if report_rows else "<p>没有可读的报告。</p>",
    ]
    if len(problems):
        parts += [
            "<h2>读取问题</h2>",
            _table(
                ["文件", "问题", "处理"],
                ([esc(str(v)) for v in r] for r in problems[["file", "problem", "action"]].itertuples(index=False)),
            ),
        ]
    params = meta.get("parameters") or {}
    parts += [
        "<h2>本次生成</h2>",
        "<dl>",
        f"<dt>生成时间</dt><dd>{esc(str(meta['run_date']))}</dd>",
        f"<dt>输入数据</dt><dd>{esc(str(meta['data_dir']))}</dd>",
        f"<dt>输入数据 sha256</dt><dd>{esc(str(meta['data_hash']))}</dd>",
        f"<dt>词表 sha256</dt><dd>{esc(str(meta['lexicon_hash']))}</dd>",
        f"<dt>analysis 版本</dt><dd>{esc(str(meta['version']))}</dd>",
        f"<dt>参数</dt><dd>{esc(', '.join(f'{k}={v!r}' for k, v in sorted(params.items())) or '（默认）')}</dd>",
        f"<dt>用时</dt><dd>{meta['seconds']} 秒</dd>",
        "</dl>",
    ]
    page = (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; form-action 'none'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{esc(PROJECT_TITLE)}简报 · 目录</title>\n<style>{FONT_MARKER}{_INDEX_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(parts)
        + "\n</body>\n</html>\n"
    )
    return embed_font(page)
