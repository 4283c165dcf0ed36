"""One briefing: execute its notebook with papermill in this process's shell, write its HTML, or say why it failed.

``run_briefing(briefing)`` returns the briefing's summary row.  On failure
nothing in place is touched: the executed notebook with the error goes to
``_failed/NAME.ipynb`` and the row names the notebook, the cell and the
error.  papermill executes the notebook with ``engine.InProcessEngine``: a
worker process runs all its briefings (every town of a town notebook) in its
one shell, the imports paid once, each notebook read once (``_execute``).
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
import time
from functools import lru_cache
from pathlib import Path

from ..output import write_atomic
from .pages import to_html
from .plan import Briefing

KERNEL_NAME = "python3"  # the language papermill writes the parameters in
FAILED_DIR = "_failed"


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


# Each worker process runs its briefings one after another in its own IPython
# shell (``engine``: every town of the town notebook, and the corpus
# notebooks), clearing first the namespace, the figures and pandas' display
# options (RESET_SOURCE), so the imports are paid once a worker, not once a
# briefing.  What is still alive after the namespace is cleared (modules, the
# results and tables the package keeps for the run) lives as long as the
# worker: it is frozen out of the cyclic garbage collector (gc.freeze), so the
# next reset's collection, and every automatic one while a town is written, no
# longer walks it (0.25 s a town at 1,000 reports, 0.01 s after).  What the fork
# server imported is frozen when the worker starts (``runner._worker_init``): a
# worker's first reset walked it in each of its collections (two in IPython's
# reset, one here), 0.37–0.42 s, and takes 0.01 s since.  The reset begins a new
# session, as a new kernel would: the cells are numbered from 1 again and the
# shell's input history is emptied.  ``%reset -f`` kept the session, and its
# clearing of the numbered outputs went through every number the worker had
# given (some 3,000 cells by a worker's last town page at 1,000 reports: 4 ms).
RESET_SOURCE = """get_ipython().reset(new_session=True)
import gc as _gc, warnings as _warnings, pandas as _pd, matplotlib.pyplot as _plt
_plt.close("all")
with _warnings.catch_warnings():
    _warnings.simplefilter("ignore")
    _pd.reset_option("all")
_gc.collect()
_gc.freeze()
del _gc, _warnings, _pd, _plt"""


@lru_cache(maxsize=32)
def _source(path: str, modified: int):
    """The notebook at *path* (as of its modification time *modified*) as papermill loads it, the reset cell first,
    and the names of its parameters: read, checked and prepared once a process, not once a page."""
    from nbformat.v4 import new_code_cell
    from papermill import inspect_notebook
    from papermill.iorw import load_notebook_node

    nb = load_notebook_node(path)
    nb.cells.insert(0, new_code_cell(RESET_SOURCE, metadata={"tags": ["analysis-reset"], "papermill": {}}))
    return nb, frozenset(inspect_notebook(path))


def _execute(briefing: Briefing, executed: Path, *, timeout: int | None):
    """papermill's ``execute_notebook`` of the briefing's notebook with its parameters, on ``engine.InProcessEngine``,
    without its two copies of the notebook as text.

    The same steps as ``papermill.execute_notebook``, with papermill's own
    functions: the parameters injected after the cell tagged ``parameters``
    (an unknown one logged), the paths recorded, the cells executed in the
    notebook's folder, and ``PapermillExecutionError`` raised for the first
    cell that failed, the executed notebook written to *executed* first.  Two
    steps are left out: papermill loads a notebook given as an object by
    writing it out as text and parsing it again, and writes the executed
    notebook even when no file is asked for (serialised for nothing).  The
    notebook is loaded once a process (``_source``) and copied for each page;
    a page that succeeds is turned into HTML from the executed notebook
    itself.  A town page at 1,000 reports: about 20 ms less of some 200.
    """
    from papermill.engines import papermill_engines
    from papermill.execute import prepare_notebook_metadata, raise_for_execution_errors
    from papermill.log import logger
    from papermill.parameterize import parameterize_notebook
    from papermill.utils import chdir

    from .engine import ENGINE_NAME  # registers the engine with papermill; imported on use (IPython is heavy)

    path = briefing.notebook.path
    source, names = _source(str(path), path.stat().st_mtime_ns)
    parameters = dict(briefing.parameters)
    for name in parameters:
        if name not in names:
            logger.warning(f"Passed unknown parameter: {name}")
    nb = parameterize_notebook(copy.deepcopy(source), parameters, kernel_name=KERNEL_NAME, engine_name=ENGINE_NAME)
    nb = prepare_notebook_metadata(nb, str(path), str(executed))
    with chdir(str(path.parent)):
        nb = papermill_engines.execute_notebook_with_engine(
            ENGINE_NAME,
            nb,
            input_path=str(path),
            output_path=None,
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            log_output=False,
            start_timeout=60,
            stdout_file=None,
            stderr_file=None,
            execution_timeout=timeout,
        )
    raise_for_execution_errors(nb, str(executed))
    return nb


def run_briefing(briefing: Briefing, *, footer: str = "", timeout: int | None = 600) -> dict:
    """Execute one briefing's notebook in this process (``engine``) and write its HTML; returns its summary row.

    The notebook's code runs in this process: call it in a process of its
    own, as ``build`` does (its workers).  A cell running past *timeout*
    seconds fails the briefing.  On failure nothing in place is touched but
    ``_failed/NAME.ipynb``.
    """
    import logging

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
    try:
        try:
            done = _execute(briefing, executed, timeout=timeout)
            page = to_html(done, title=briefing.title, footer=footer)  # the executed notebook itself (not written, not read back)
            write_atomic(briefing.html, page)
            failed.unlink(missing_ok=True)
        except PapermillExecutionError as exc:
            row["status"] = "failed"
            row["message"] = f"{briefing.label}: {_failed_cell(executed, briefing.notebook.path, exc)} raised {exc.ename}: {exc.evalue}"
        except Exception as exc:  # a conversion error, a missing notebook: still only this briefing
            row["status"] = "failed"
            detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else ""
            row["message"] = f"{briefing.label}: {type(exc).__name__}: {detail}".rstrip(": ")
        if row["status"] == "failed" and executed.exists():
            failed.parent.mkdir(parents=True, exist_ok=True)
            os.replace(executed, failed)
            row["message"] += f" (executed notebook: {failed})"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    row["seconds"] = round(time.perf_counter() - started, 1)
    return row
