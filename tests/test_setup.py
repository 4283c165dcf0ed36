"""The project's set-up files agree with each other."""

from __future__ import annotations

import re
import subprocess
import tomllib

import yaml

from analysis import config


def _name(spec: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", spec)
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((config.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = dict(_name(s) for s in project["dependencies"] + project["optional-dependencies"]["dev"])
    env = yaml.safe_load((config.ROOT / "environment.yml").read_text(encoding="utf-8"))
    listed: dict[str, str] = {}
    pip_items: list[str] = []
    for item in env["dependencies"]:
        if isinstance(item, dict):
            pip_items.extend(item["pip"])
        else:
            listed.update([_name(item)])
    for item in pip_items:
        if not item.startswith("-e"):
            listed.update([_name(item)])
    assert "-e ." in pip_items, "the pip section must install the package itself"
    python = listed.pop("python")
    assert python == "=3.11"
    listed.pop("pip")
    assert listed == wanted


def test_committed_notebooks_carry_no_outputs():
    import nbformat

    for path in sorted(config.NOTEBOOKS_DIR.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs, f"{path.name} has outputs: clear them before committing"
                assert cell.execution_count is None, f"{path.name} has execution counts"
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{path.name} needs exactly one cell tagged 'parameters'"


def test_notebooks_define_no_functions():
    import nbformat

    for path in sorted(config.NOTEBOOKS_DIR.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                assert not re.search(r"^\s*(def|class)\s", cell.source, re.M), f"{path.name}: move functions into the package"


def test_make_help_lists_the_two_commands():
    result = subprocess.run(["make", "-s", "help"], capture_output=True, text=True, cwd=config.ROOT)
    assert "make briefings" in result.stdout and "make test" in result.stdout


def test_ci_runs_the_readme_test_command():
    assert "make test" in (config.ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (config.ROOT / "README.md").read_text(encoding="utf-8")
    assert "make briefings" in readme and "make test" in readme
