"""One briefing: execute its notebook with papermill in this process's shell, write its HTML, or say why it failed.

``run_briefing(briefing)`` returns the briefing's summary row.  On failure
nothing in place is touched: the executed notebook with the error goes to
``_failed/NAME.ipynb`` and the row names the notebook, the cell and the
error.  papermill executes the notebook with ``engine.InProcessEngine``: a
worker process runs all its briefings (every town of a town notebook) in its
one shell, the imports paid once.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
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
# ``%reset``, one here), 0.37–0.42 s, and takes 0.01 s since.
RESET_SOURCE = """%reset -f
import gc as _gc, warnings as _warnings, pandas as _pd, matplotlib.pyplot as _plt
_plt.close("all")
with _warnings.catch_warnings():
    _warnings.simplefilter("ignore")
    _pd.reset_option("all")
_gc.collect()
_gc.freeze()
del _gc, _warnings, _pd, _plt"""


def run_briefing(briefing: Briefing, *, footer: str = "", timeout: int | None = 600) -> dict:
    """Execute one briefing's notebook in this process (``engine``) and write its HTML; returns its summary row.

    The notebook's code runs in this process: call it in a process of its
    own, as ``build`` does (its workers).  A cell running past *timeout*
    seconds fails the briefing.  On failure nothing in place is touched but
    ``_failed/NAME.ipynb``.
    """
    import logging

    import nbformat
    import papermill
    from nbformat.v4 import new_code_cell
    from papermill.exceptions import PapermillExecutionError

    from .engine import ENGINE_NAME  # registers the engine with papermill; imported on use (IPython is heavy)

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
    source.cells.insert(0, new_code_cell(RESET_SOURCE, metadata={"tags": ["analysis-reset"]}))
    try:
        try:
            done = papermill.execute_notebook(
                source,
                str(executed),
                parameters=dict(briefing.parameters),
                engine_name=ENGINE_NAME,
                kernel_name=KERNEL_NAME,
                cwd=str(briefing.notebook.path.parent),
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=False,
                execution_timeout=timeout,
            )
            page = to_html(done, title=briefing.title, footer=footer)  # the executed notebook as papermill wrote it (not read back)
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
