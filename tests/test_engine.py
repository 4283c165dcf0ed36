"""The briefings' papermill engine: a notebook executed in a process's own IPython shell gives what a kernel gives.

Each run of the engine is in a fresh Python process (as in the briefings'
workers): the engine makes the process's IPython shell and switches its
matplotlib backend, which the test process must not get.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import papermill
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from papermill.exceptions import PapermillExecutionError

from analysis import config

CELLS = [
    'print("第一行")\nprint("第二行")\nimport sys\nprint("警告", file=sys.stderr)',
    'from IPython.display import Markdown, display\ndisplay(Markdown("**加粗**"))\n41 + 1',
    'import pandas as pd\npd.DataFrame({"乡镇": ["神树镇", "都督乡"], "件数": [12, 7]})',
    "x = 3  # no output",
    "x;  # a semicolon hides the value",
    'import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(2, 1.5))\nax.bar(["a", "b"], [1, 2])\nplt.show()',
    'print("除法之前")\n1 / 0',
    'print("never")',
]


def sample_notebook() -> nbformat.NotebookNode:
    nb = new_notebook(cells=[new_markdown_cell("# 测试"), new_code_cell('town = "神树镇"', metadata={"tags": ["parameters"]})])
    nb.cells += [new_code_cell(source) for source in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def run_in_process(source: Path, out: Path, *, timeout: float | None = None) -> str:
    """Execute *source* with the engine in a new Python process; returns the error's name, or ''."""
    code = textwrap.dedent(
        f"""
        import papermill
        from papermill.exceptions import PapermillExecutionError
        from analysis.briefings.engine import ENGINE_NAME
        try:
            papermill.execute_notebook({str(source)!r}, {str(out)!r}, parameters={{"town": "都督乡"}}, engine_name=ENGINE_NAME,
                                       kernel_name="python3", progress_bar=False, execution_timeout={timeout!r})
        except PapermillExecutionError as exc:
            print(exc.ename, end="")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=config.ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def shown(output) -> dict:
    """An output as a reader gets it: its kind, stream, text and every representation (pictures decoded: their pixels)."""
    if output.output_type == "error":
        return {"type": "error", "ename": output.ename, "evalue": output.evalue}
    if output.output_type == "stream":
        return {"type": "stream", "name": output.name, "text": output.text}
    data = dict(output.data)
    if "image/png" in data:
        import base64
        import io

        from PIL import Image

        picture = Image.open(io.BytesIO(base64.b64decode(data["image/png"])))
        data["image/png"] = (picture.size, picture.convert("RGBA").tobytes())
    return {"type": output.output_type, "data": data, "count": output.get("execution_count")}


def test_the_engine_gives_the_outputs_a_kernel_gives(tmp_path):
    source = tmp_path / "sample.ipynb"
    nbformat.write(sample_notebook(), str(source))
    with pytest.raises(PapermillExecutionError) as kernel_error:
        papermill.execute_notebook(
            str(source), str(tmp_path / "kernel.ipynb"), parameters={"town": "都督乡"}, kernel_name="python3", progress_bar=False
        )
    assert run_in_process(source, tmp_path / "engine.ipynb") == kernel_error.value.ename == "ZeroDivisionError"

    kernel = nbformat.read(str(tmp_path / "kernel.ipynb"), as_version=4)
    engine = nbformat.read(str(tmp_path / "engine.ipynb"), as_version=4)
    nbformat.validate(engine)  # every output whole by the schema (the engine does not check each as it makes it)
    assert [c.source for c in engine.cells] == [c.source for c in kernel.cells]  # the parameters injected alike
    for ours, theirs in zip(engine.cells, kernel.cells, strict=True):
        if ours.cell_type != "code":
            continue
        assert [shown(o) for o in ours.outputs] == [shown(o) for o in theirs.outputs], ours.source
        assert ours.execution_count == theirs.execution_count
        assert ours.metadata.papermill["status"] == theirs.metadata.papermill["status"]
        assert ours.metadata.papermill.keys() == theirs.metadata.papermill.keys()
    by_source = {c.source: c for c in engine.cells}
    assert [o.output_type for o in by_source[CELLS[0]].outputs] == ["stream", "stream"]  # stdout joined, then stderr
    assert by_source[CELLS[1]].outputs[1].data["text/plain"] == "42"
    assert "image/png" in by_source[CELLS[5]].outputs[-1].data
    assert by_source[CELLS[6]].metadata.papermill["status"] == "failed" and by_source[CELLS[7]].outputs == []


def test_each_cells_duration_is_its_end_less_its_start_without_dateutil(tmp_path):
    """The engine's record of a run: each cell's start, end and duration as papermill writes them, the duration read
    from the two times without dateutil's parser (which papermill calls for every cell; here it would raise)."""
    from datetime import datetime

    nb = new_notebook(cells=[new_code_cell("import time\ntime.sleep(0.2)"), new_code_cell("1 + 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(tmp_path / "timed.ipynb"))
    code = textwrap.dedent(
        f"""
        import dateutil.parser, papermill
        def refuse(*args, **kwargs):
            raise AssertionError("dateutil's parser was called")
        dateutil.parser.parse = refuse
        from analysis.briefings.engine import ENGINE_NAME
        papermill.execute_notebook({str(tmp_path / "timed.ipynb")!r}, {str(tmp_path / "out.ipynb")!r}, engine_name=ENGINE_NAME,
                                   kernel_name="python3", progress_bar=False)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=config.ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    cells = nbformat.read(str(tmp_path / "out.ipynb"), as_version=4).cells
    for cell in cells:
        record = cell.metadata.papermill
        spent = datetime.fromisoformat(record["end_time"]) - datetime.fromisoformat(record["start_time"])
        assert record["status"] == "completed" and record["duration"] == spent.total_seconds() >= 0
    assert cells[0].metadata.papermill["duration"] >= 0.2


@pytest.mark.parametrize(
    ("source", "error"), [("import time\ntime.sleep(120)", "CellTimeoutError"), ('input("乡镇名称？")', "EOFError")], ids=["sleep", "input"]
)
def test_a_cell_that_would_never_end_fails_its_notebook(tmp_path, source, error):
    """Past the time limit, or waiting for input nobody can give: the notebook fails at that cell."""
    nb = new_notebook(cells=[new_code_cell(source), new_code_cell('print("after")')])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    source = tmp_path / "never.ipynb"
    nbformat.write(nb, str(source))
    assert run_in_process(source, tmp_path / "out.ipynb", timeout=1) == error
    first, second = nbformat.read(str(tmp_path / "out.ipynb"), as_version=4).cells[-2:]
    if error == "CellTimeoutError":
        assert first.outputs[-1].evalue == "A cell timed out while it was being executed, after 1 seconds."
    assert second.outputs == []


def test_the_engine_refuses_a_process_that_has_its_own_shell():
    code = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "InteractiveShell.instance()\n"
        "from analysis.briefings import engine\n"
        "try:\n    engine.shell()\nexcept RuntimeError as exc:\n    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "needs a process of its own" in done.stdout, done.stderr


def test_a_cell_run_again_is_transformed_once_and_gives_the_same_outputs():
    """Every town page runs the same cells: IPython's transformation of a text (a magic here) is kept, its outputs are not."""
    code = textwrap.dedent(
        """
        from analysis.briefings.engine import run_cell, shell
        source = "%time y = 2\\nz = y + 1\\nz"
        first, second = run_cell(source), run_cell(source.replace("y = 2", "y = 5"))
        third = run_cell(source)
        kept = shell().input_transformer_manager.transform_cell.cache_info()
        print([out[1][-1]["data"]["text/plain"] for out in (first, second, third)], kept.hits, kept.misses)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=config.ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    # kept: the third cell and the statement %time runs (the magic transforms it through the same manager); the
    # first two cells and their statements were new
    assert done.stdout.split() == ["['3',", "'6',", "'3']", "2", "4"]


def test_whether_a_cell_awaits_is_decided_once_per_text_and_as_ipython_decides():
    """A cell with a top-level ``await`` runs in a coroutine, as in a kernel; the answer is kept for its text, and
    ``autoawait`` turned off is still obeyed (the same text then fails as IPython makes it fail)."""
    code = textwrap.dedent(
        """
        from analysis.briefings import engine
        waits = "import asyncio\\nawait asyncio.sleep(0)\\nw = 7\\nw"
        plain = "v = 1\\nv + 1"
        runs = [engine.run_cell(text) for text in (waits, plain, waits, plain)]
        print([run[1][-1]["data"]["text/plain"] for run in runs], engine._awaits.cache_info().hits)
        engine.shell().autoawait = False
        count, outputs, succeeded = engine.run_cell(waits)
        print(succeeded, outputs[-1].get("ename"))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=config.ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    assert first == "['7', '2', '7', '2'] 2"
    assert second == "False SyntaxError"
