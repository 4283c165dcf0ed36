"""A papermill engine that executes a notebook's cells in this process's own IPython shell: no kernel, no messages.

papermill still does everything but the executing: it injects the
parameters, records each cell's start, end, duration and status, and raises
``PapermillExecutionError`` for the first cell that failed, writing the
executed notebook first, as with its default engine (``run._execute`` calls
papermill's steps; a page that succeeds is not written out as a notebook).
This engine runs each code cell with IPython's ``InteractiveShell.run_cell``
and keeps what a Jupyter kernel would have sent for it as the cell's
outputs: printed text (``stream``),
``display()`` (``display_data``), the value of the last line
(``execute_result``, every representation IPython's formatters give, pictures
base64-encoded as in a kernel's messages) and the error with its traceback.
Figures are shown by matplotlib's inline backend, as in a kernel.

Why: a kept kernel costs each cell a round trip of messages (5–10 ms) and
each output a JSON encoding, a send and a decoding; a town page has about
twenty cells and a 200 KB picture, and at 1,000 reports there are 325 pages.

Where it runs: only in a process of its own.  The cells' code shares the
process (its modules, its working folder while the notebook runs, its
matplotlib backend), so ``briefings.build`` runs notebooks in worker
processes and never in the caller's; in a process that already has another
IPython shell (a Jupyter kernel) ``shell()`` refuses.  A cell that runs past
*execution_timeout* seconds is stopped by an alarm signal in the main thread
(a cell stuck inside native code stops when it returns to Python); a crash in
native code ends the process, which the runner notices.
"""

from __future__ import annotations

import base64
import io
import signal
import sys
import threading
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from nbformat import NotebookNode
from papermill.engines import Engine, NotebookExecutionManager, papermill_engines
from traitlets import Type
from traitlets.config import Config

from ..errors import CellTimeoutError

ENGINE_NAME = "analysis-in-process"
TRANSFORMS_KEPT = 1024  # cell texts whose IPython transformation a process keeps
TIMEOUT_MESSAGE = "A cell timed out while it was being executed, after {seconds} seconds."


def _output(output_type: str, **fields) -> NotebookNode:
    """An output as ``nbformat.v4.new_output`` makes it from the same fields, without its schema check.

    That check took about a third of a millisecond an output (a town page has
    a dozen); the whole executed notebook is still checked against the schema
    when papermill writes it and when nbconvert reads it.
    """
    output = NotebookNode(output_type=output_type)
    output.update(fields)  # NotebookNode makes every mapping in *fields* a NotebookNode, as new_output does
    return output


class _Outputs:
    """The outputs of the cell being executed, in the order a notebook shows them."""

    def __init__(self) -> None:
        self.items: list[NotebookNode] = []
        self.clear_on_next = False

    def add(self, output: NotebookNode) -> None:
        if self.clear_on_next:
            self.items.clear()
            self.clear_on_next = False
        self.items.append(output)

    def write(self, name: str, text: str) -> None:
        """Printed text: joined to the output before it when that is the same stream, as a kernel's buffered stream sends it."""
        last = self.items[-1] if self.items and not self.clear_on_next else None
        if last is not None and last.output_type == "stream" and last.name == name:
            last.text += text
        else:
            self.add(_output("stream", name=name, text=text))

    def take(self) -> list[NotebookNode]:
        items, self.items, self.clear_on_next = self.items, [], False
        return items


_OUTPUTS = _Outputs()


def _bundle(data: dict | None) -> dict:
    """A representation bundle as a kernel sends it: bytes (PNG, JPEG) base64-encoded."""
    return {mime: base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value for mime, value in (data or {}).items()}


class _DisplayHook(DisplayHook):
    """The value of a cell's last line, kept as its ``execute_result`` with every representation."""

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict, md_dict=None) -> None:
        _OUTPUTS.add(_output("execute_result", data=_bundle(format_dict), metadata=md_dict or {}, execution_count=self.prompt_count))

    def finish_displayhook(self) -> None:
        pass


class _DisplayPublisher(DisplayPublisher):
    """``display()``: kept as a ``display_data`` output."""

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs) -> None:
        # a display handle's update (update=True) is shown as a new output: no briefing updates an output it showed
        _OUTPUTS.add(_output("display_data", data=_bundle(data), metadata=metadata or {}))

    def clear_output(self, wait: bool = False) -> None:
        if wait:
            _OUTPUTS.clear_on_next = True
        else:
            _OUTPUTS.items.clear()


class _Stream(io.TextIOBase):
    """``sys.stdout`` or ``sys.stderr`` while a cell runs: what is written becomes a ``stream`` output."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name_ = name

    @property
    def encoding(self) -> str:
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if text:
            _OUTPUTS.write(self.name_, str(text))
        return len(text)


class BriefingShell(InteractiveShell):
    """IPython's shell with a kernel's outputs: results and displays kept as outputs, errors as ``error`` outputs."""

    displayhook_class = Type(_DisplayHook)
    display_pub_class = Type(_DisplayPublisher)

    def enable_gui(self, gui=None) -> None:  # matplotlib's inline backend needs no event loop
        pass

    def _showtraceback(self, etype, evalue, stb) -> None:
        _OUTPUTS.add(_output("error", ename=str(getattr(etype, "__name__", etype)), evalue=str(evalue), traceback=list(stb)))

    def should_run_async(self, raw_cell: str, *, transformed_cell=None, preprocessing_exc_tuple=None) -> bool:
        """IPython's answer, kept for each transformed text: IPython compiles the cell to see whether it awaits at
        its top level, an answer that depends on that text (and ``autoawait``) alone, and every town page of a
        build runs the same cells."""
        if transformed_cell is None or preprocessing_exc_tuple is not None:
            return super().should_run_async(raw_cell, transformed_cell=transformed_cell, preprocessing_exc_tuple=preprocessing_exc_tuple)
        return _awaits(transformed_cell, bool(self.autoawait))


@lru_cache(maxsize=TRANSFORMS_KEPT)
def _awaits(transformed_cell: str, autoawait: bool) -> bool:
    """Whether IPython runs *transformed_cell* with a coroutine runner (``InteractiveShell.should_run_async``)."""
    return autoawait and InteractiveShell.should_run_async(InteractiveShell._instance, "", transformed_cell=transformed_cell)


def shell() -> BriefingShell:
    """This process's shell, made on first use with the inline backend for matplotlib and no history file."""
    if isinstance(InteractiveShell._instance, BriefingShell):
        return InteractiveShell._instance
    if InteractiveShell.initialized():
        raise RuntimeError(
            "the in-process notebook engine needs a process of its own, and this one already runs an IPython shell "
            "(a Jupyter kernel?): build briefings with analysis.briefings.build, which runs them in worker processes"
        )
    config = Config()
    config.HistoryManager.enabled = False  # no history database
    made = BriefingShell.instance(config=config, colors="nocolor")
    made.enable_matplotlib("inline")
    # A cell's static transformation (magics, ``!`` commands: IPython's own syntax made Python) depends on its
    # text alone, and every town page of a build runs the same cells: each text is transformed once a process
    # (a town page's fourteen cells, 2.7 ms).  The transformations that depend on the shell's state apply after it.
    manager = made.input_transformer_manager
    manager.transform_cell = lru_cache(maxsize=TRANSFORMS_KEPT)(manager.transform_cell)
    return made


@contextmanager
def _time_limit(seconds: float | None):
    """Raise ``CellTimeoutError`` in the code running after *seconds* (main thread only; elsewhere no limit)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def alarm(signum, frame):
        raise CellTimeoutError(TIMEOUT_MESSAGE.format(seconds=seconds))

    before = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)


def run_cell(source: str, *, timeout: float | None = None) -> tuple[int | None, list[NotebookNode], bool]:
    """Execute *source* in this process's shell: (execution count, outputs, succeeded)."""
    ipython = shell()
    _OUTPUTS.take()
    streams = sys.stdin, sys.stdout, sys.stderr
    # nobody can answer input(): it fails at once (EOFError), as a kernel without stdin refuses it, rather than wait forever
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(), _Stream("stdout"), _Stream("stderr")
    try:
        with _time_limit(timeout):
            result = ipython.run_cell(source, store_history=True)
    finally:
        sys.stdin, sys.stdout, sys.stderr = streams
    outputs = _OUTPUTS.take()
    failed = not result.success or any(o.output_type == "error" for o in outputs)
    return result.execution_count, outputs, not failed


class _Manager(NotebookExecutionManager):
    """papermill's record of the run, each cell's duration read from its start time with ``datetime.fromisoformat``.

    papermill reads the start time it wrote back with dateutil's parser: a
    hundred microseconds a cell, 27 cells a town page.  The metadata are the
    same (start and end as written, duration end − start)."""

    def cell_complete(self, cell, cell_index=None, **kwargs):
        started = cell.metadata.papermill.get("start_time")
        cell.metadata.papermill["start_time"] = None  # papermill parses it when there is one
        try:
            super().cell_complete(cell, cell_index, **kwargs)
        finally:
            cell.metadata.papermill["start_time"] = started
        if started:
            ended = datetime.fromisoformat(cell.metadata.papermill["end_time"])
            cell.metadata.papermill["duration"] = (ended - datetime.fromisoformat(started)).total_seconds()


class InProcessEngine(Engine):
    """papermill's engine interface over ``run_cell``: each cell in turn, stopping at the first that fails."""

    @classmethod
    def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False, autosave_cell_every=30, **kwargs):
        """papermill's ``Engine.execute_notebook`` with ``_Manager`` keeping the record."""
        manager = _Manager(
            nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output, autosave_cell_every=autosave_cell_every
        )
        manager.notebook_start()
        try:
            cls.execute_managed_notebook(manager, kernel_name, log_output=log_output, **kwargs)
        finally:
            manager.cleanup_pbar()
            manager.notebook_complete()
        return manager.nb

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, execution_timeout=None, **kwargs):
        shell()  # made (or refused) before the first cell is marked as started
        for index, cell in enumerate(nb_man.nb.cells):
            nb_man.cell_start(cell, index)
            failed = False
            try:
                if cell.cell_type == "code":
                    cell.execution_count, cell.outputs, succeeded = run_cell(cell.source, timeout=execution_timeout)
                    if not succeeded:
                        failed = True
                        nb_man.cell_exception(cell, cell_index=index)
            finally:
                nb_man.cell_complete(cell, cell_index=index)
            if failed:
                break
        return nb_man.nb


papermill_engines.register(ENGINE_NAME, InProcessEngine)
