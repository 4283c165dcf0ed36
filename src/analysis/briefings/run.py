"""One briefing: execute its notebook with papermill in a quiet kernel, write its HTML, or say why it failed.

``run_briefing(briefing)`` returns the briefing's summary row.  On failure
nothing in place is touched: the executed notebook with the error goes to
``_failed/NAME.ipynb`` and the row names the notebook, the cell and the
error.  A town notebook keeps one warm kernel per worker for all its towns.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from ..output import write_atomic
from .notebooks import Notebook
from .pages import to_html
from .plan import Briefing

KERNEL_NAME = "python3"
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


READY_POLL_S = 0.2  # how long to wait for IOPub's first message after the kernel_info reply (jupyter_client's own)


def _warm_client_class():
    """A kernel client that is ready as soon as the kernel answers on both channels.

    jupyter_client's ``wait_for_ready`` ends by waiting until IOPub has been
    silent for 0.2 s; with one kept kernel per worker that is 0.2 s of idle
    wall time for every town page (0.21 s a client, measured; a tenth of a
    page at 1,000 reports).  This client does the same handshake — a
    kernel_info request answered on the shell channel and a message on
    IOPub, which shows that IOPub is connected, again until both come — then
    takes what IOPub already holds and goes on.  A message that arrives
    later belongs to that request, and nbclient ignores IOPub messages that
    answer no cell it sent.
    """
    import time
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_core.utils import ensure_async

    class WarmKernelClient(AsyncKernelClient):
        async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
            while True:
                self.kernel_info()
                try:
                    msg = await ensure_async(self.shell_channel.get_msg(timeout=1))
                except Empty:
                    pass
                else:
                    if msg["msg_type"] == "kernel_info_reply":
                        try:
                            await ensure_async(self.iopub_channel.get_msg(timeout=READY_POLL_S))
                        except Empty:
                            pass  # IOPub not connected yet: ask again
                        else:
                            self._handle_kernel_info_reply(msg)
                            break
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")
            while await ensure_async(self.iopub_channel.msg_ready()):
                await ensure_async(self.iopub_channel.get_msg(timeout=0))

        wait_for_ready = _async_wait_for_ready

    return WarmKernelClient


def _quiet_kernel_manager(log: Path):
    """A kernel manager whose kernel writes its own messages to *log*, not to the terminal, with warm clients."""
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


# Each worker keeps one kernel and runs its briefings in it one after another
# (every town of the town notebook, and the corpus notebooks), clearing first
# the namespace, the figures and pandas' display options (RESET_SOURCE), so a
# kernel start and the imports are paid once a worker, not once a briefing.
# What is still alive after the namespace is cleared (modules, the results
# and tables the package keeps for the run) lives as long as the kernel: it is
# frozen out of the cyclic garbage collector (gc.freeze), so the next reset's
# collection, and every automatic one while a town is written, no longer walks
# it (0.25 s a town at 1,000 reports, 0.01 s after).
# A briefing that fails drops the kernel: the next one starts a fresh kernel.
RESET_SOURCE = """%reset -f
import gc as _gc, warnings as _warnings, pandas as _pd, matplotlib.pyplot as _plt
_plt.close("all")
with _warnings.catch_warnings():
    _warnings.simplefilter("ignore")
    _pd.reset_option("all")
_gc.collect()
_gc.freeze()
del _gc, _warnings, _pd, _plt"""
_KERNELS: dict[str, tuple[object, Path]] = {}


def _warm_kernel(notebook: Notebook, kernel_name: str):
    key = f"{notebook.path.parent}\0{kernel_name}"  # one kernel a worker for the notebooks of a folder (its cwd)
    if key not in _KERNELS:
        import atexit
        from multiprocessing import util

        if not _KERNELS:
            atexit.register(shutdown_kernels)
            util.Finalize(None, shutdown_kernels, exitpriority=100)  # pool workers exit through this
        folder = Path(tempfile.mkdtemp(prefix="analysis-kernel-"))
        manager = _quiet_kernel_manager(folder / "kernel.log")(kernel_name=kernel_name, client_factory=_warm_client_class())
        _KERNELS[key] = (manager, folder)
    return _KERNELS[key]


def _drop_kernel(notebook: Notebook, kernel_name: str) -> None:
    entry = _KERNELS.pop(f"{notebook.path.parent}\0{kernel_name}", None)
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
    km, folder = _warm_kernel(briefing.notebook, kernel_name)
    kernel_log = folder / "kernel.log"
    kernel = {"km": km}
    source.cells.insert(0, new_code_cell(RESET_SOURCE, metadata={"tags": ["analysis-reset"]}))
    try:
        try:
            done = papermill.execute_notebook(
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
            page = to_html(done, title=briefing.title, footer=footer)  # the executed notebook as papermill wrote it (not read back)
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
            if row["status"] == "failed":  # the next briefing starts from a fresh kernel
                _drop_kernel(briefing.notebook, kernel_name)
        if row["status"] == "failed" and executed.exists():
            failed.parent.mkdir(parents=True, exist_ok=True)
            os.replace(executed, failed)
            row["message"] += f" (executed notebook: {failed})"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    row["seconds"] = round(time.perf_counter() - started, 1)
    return row
