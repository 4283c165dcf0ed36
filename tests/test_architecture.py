"""The package's imports follow the data flow (docs/architecture.md).

Every ``import`` of ``src/analysis`` is read with ``ast`` — at module level
and inside functions alike, since a late import still ties two modules
together — and three rules are checked:

- no cycle between modules;
- nothing imports the command line (``analysis.cli``) but ``__main__``;
- no module imports one of a higher layer (``LAYERS``, lowest first).
  Modules of one layer may import each other (the cycle rule still holds).

A new module must be placed in ``LAYERS``: the test names any it does not know.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "analysis"

# Lowest first.  A name is a module of the package, or a subpackage (all its modules).
# "analysis" is the package root (src/analysis/__init__.py).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation: version, errors, paths, Arrow's memory pool", ("_version", "errors", "config", "arrowpool")),
    (
        "shared helpers: lexicon files, Chinese text, TF-IDF, statistics, splitting tables, writing files, workbooks, fonts, process pool, codebooks, notebook display",
        ("lexicon", "chinese", "tfidf", "stats", "tables", "output", "runlock", "xlsx", "export", "fonts", "workers", "cues", "display"),
    ),
    ("reading the reports", ("corpus", "pagemeta", "metadata", "places", "loaders")),
    ("structure and words", ("structure", "quantities", "tokenize", "segmenter")),
    (
        "measuring stages",
        (
            "indicators",
            "frequency",
            "keyness",
            "concordance",
            "themes",
            "alignment",
            "compliance",
            "boilerplate",
            "panel",
            "citations",
            "cooccurrence",
            "correspondence",
            "topics",
            "flags",
            "scorecard",
        ),
    ),
    ("the cache of the pipeline", ("cache",)),
    ("the pipeline (all stages over many reports) and its engines", ("pipeline", "dask_pool")),
    ("what a build keeps: a run's results read once per worker, the corpus tables made once into the work folder", ("kept", "workfolder")),
    ("tables and figures for the reader", ("overview", "summary", "plots", "cloudlayout", "wordclouds", "profile", "analysis")),
    ("briefings", ("briefings",)),
    ("command line", ("cli", "__main__")),
]
RANK = {name: rank for rank, (_, names) in enumerate(LAYERS) for name in names}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def imported(module: str, path: Path) -> list[tuple[str, int]]:
    """(module of the package imported, line) for every import in *path*."""
    is_package = path.name == "__init__.py"
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names if alias.name.split(".")[0] == "analysis"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "analysis":
                target = node.module
            else:
                continue
            for alias in node.names:
                candidate = f"{target}.{alias.name}"  # `from . import config` imports a module
                out.append((candidate if candidate in MODULES else target, node.lineno))
    return out


def graph(modules: dict[str, Path] = MODULES) -> dict[str, list[tuple[str, int]]]:
    return {name: [(t, line) for t, line in imported(name, path) if t != name] for name, path in modules.items()}


def component(module: str) -> str:
    """The name of *module* in ``LAYERS``: ``analysis.plots.style`` → ``plots``; the root → ``analysis``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "analysis"


def cycles(edges: dict[str, list[tuple[str, int]]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each a cycle or knot of cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target, _ in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.append(member)
                if member == node:
                    break
            if len(members) > 1:
                found.append(sorted(members))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def against_the_flow(edges: dict[str, list[tuple[str, int]]]) -> list[str]:
    problems = []
    for source, targets in edges.items():
        for target, line in targets:
            low, high = component(source), component(target)
            if low == high:
                continue
            if high == "cli" and low != "__main__":
                problems.append(f"{source}:{line} imports the command line ({target})")
            elif low in RANK and high in RANK and RANK[low] < RANK[high]:
                problems.append(f"{source}:{line} ({LAYERS[RANK[low]][0]}) imports {target} ({LAYERS[RANK[high]][0]})")
    return problems


def test_every_module_has_a_layer():
    unknown = sorted({component(m) for m in MODULES} - set(RANK))
    assert not unknown, f"place these modules in LAYERS of tests/test_architecture.py (and docs/architecture.md): {unknown}"


def test_the_walk_sees_the_package():
    edges = graph()
    assert "analysis.cli" in MODULES and "analysis.pipeline" in MODULES
    assert ("analysis.cache", "analysis.pipeline") not in {(s, t) for s, ts in edges.items() for t, _ in ts}
    assert any(t == "analysis.metadata" for t, _ in edges["analysis.structure"])  # `from .metadata import …`
    assert any(t == "analysis.config" for t, _ in edges["analysis.cache"])  # `from . import config`


def test_no_import_cycle():
    found = cycles(graph())
    assert not found, "import cycles: " + "; ".join(" ↔ ".join(c) for c in found)


def test_imports_follow_the_flow():
    problems = against_the_flow(graph())
    assert not problems, "\n".join(problems)


def test_the_version_module_imports_nothing():
    tree = ast.parse((SRC / "_version.py").read_text(encoding="utf-8"))
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]


def test_pyproject_reads_the_version_from_the_package():
    import tomllib

    import analysis
    from analysis._version import __version__

    project = tomllib.loads((SRC.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "analysis._version.__version__"}
    assert analysis.__version__ == __version__


# ----------------------------------------------------- the rules catch what they should


def _fake(tmp_path: Path, files: dict[str, str]) -> dict[str, Path]:
    """A small package ``analysis`` in *tmp_path* with *files* (name → source)."""
    out = {}
    for name, source in files.items():
        path = tmp_path / "analysis" / (name.replace(".", "/") + ".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
        out[name] = path
    return out


@pytest.mark.parametrize(
    ("files", "rule"),
    [
        # the cycle issue 11 found: cache imported pipeline.current_keys inside a function
        (
            {
                "cache": "def f():\n    from .pipeline import current_keys\n",
                "pipeline": "from . import cache as cache_mod\n",
            },
            "cycle",
        ),
        ({"indicators": "from .cli import common\n", "cli.__init__": ""}, "flow"),
        ({"corpus": "from . import config\n", "config": "from .indicators import COLUMNS\n", "indicators": ""}, "flow"),
        ({"structure": "def f():\n    from .plots import style\n", "plots.__init__": "", "plots.style": ""}, "flow"),
    ],
)
def test_a_bad_import_is_caught(tmp_path, monkeypatch, files, rule):
    paths = _fake(tmp_path, files)
    monkeypatch.setattr(sys.modules[__name__], "SRC", tmp_path / "analysis")
    modules = {module_name(p): p for p in paths.values()}
    monkeypatch.setattr(sys.modules[__name__], "MODULES", modules)
    edges = graph(modules)
    if rule == "cycle":
        assert cycles(edges) == [["analysis.cache", "analysis.pipeline"]]
    else:
        assert against_the_flow(edges)


# ------------------------------------------------------------ paths and references

FOLDERS = {"ROOT", "DATA_DIR", "DATA_RAW", "LEXICON_DIR", "REPORTS_DIR", "NOTEBOOKS_DIR", "CACHE_DIR", "PACKAGE_DIR"}


def test_every_path_is_named_in_config():
    """No module but config builds a path of the project (``config.LEXICON_DIR / "x.yml"``, ``Path(__file__)``)."""
    found = []
    for name, path in MODULES.items():
        if name == "analysis.config":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
                left = node.left.attr if isinstance(node.left, ast.Attribute) else getattr(node.left, "id", None)
                if left in FOLDERS and isinstance(node.right, ast.Constant) and isinstance(node.right.value, str):
                    found.append(f"{name}:{node.lineno} {ast.unparse(node)}")
            elif isinstance(node, ast.Name) and node.id == "__file__":
                found.append(f"{name}:{node.lineno} {ast.unparse(node)}")
    assert not found, "name these paths in config.py and use the name: " + "; ".join(found)


def test_the_package_refers_to_nothing_outside_the_repository():
    """Docstrings and lexicon headers cite docs/ (the indicator contract, the domain reference), not a folder beside the project."""
    lexicon = SRC.parents[1] / "data" / "lexicon"
    files = [*SRC.rglob("*.py"), *(p for p in lexicon.rglob("*") if p.is_file())]
    found = [
        f"{path.relative_to(SRC.parents[1])}:{number}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "shared/" in line or "/work/" in line
    ]
    assert not found, "refers outside the repository: " + ", ".join(found)


def test_the_package_imports_no_library_it_needs_only_for_one_job():
    """openpyxl (workbooks) and rjieba (cutting text: it builds a dictionary on import) are imported on first use:
    the command line's process and a briefing's worker do not pay for them (docs/readme/scale.md, session 21)."""
    import subprocess
    import sys

    script = "import sys, analysis; print(' '.join(m for m in ('openpyxl', 'rjieba') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []


def test_the_root_imports_the_package_only_when_a_name_is_asked_for():
    """``import analysis`` loads no stage (``python -m analysis briefings`` starts its workers' imports before the rest)."""
    import subprocess

    code = (
        "import sys, analysis\n"
        "print(sorted(m for m in ('pandas', 'jieba', 'analysis.corpus', 'analysis.tokenize', 'analysis.display') if m in sys.modules))\n"
        "print(analysis.load_corpus.__module__, analysis.summary.__name__, analysis.pipeline.__name__)\n"
        "print(analysis.tokenize.__module__, callable(analysis.tokenize))\n"  # the module analysis.tokenize is loaded by now
        "print(sorted(set(analysis.__all__) - set(dir(analysis))), hasattr(analysis, 'no_such_name'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    assert lines == [
        "[]",
        "analysis.corpus analysis.summary analysis.pipeline",
        "analysis.tokenize True",
        "[] False",
    ], done.stderr


def test_the_roots_names_are_their_modules_own():
    import importlib
    import types

    import analysis

    for name in set(analysis.__all__) - {"__version__"}:
        value = getattr(analysis, name)
        if isinstance(value, types.ModuleType):
            assert value.__name__ == f"analysis.{name}"
        else:
            assert getattr(importlib.import_module(value.__module__), name) is value, name
    import analysis.tokenize  # noqa: F401  (binds the module on the package: the name stays the function)

    assert analysis.tokenize is sys.modules["analysis.tokenize"].tokenize
