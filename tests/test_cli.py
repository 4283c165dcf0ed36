"""The command line: data on stdout, messages on stderr, exit status."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import pandas as pd
import pytest

from analysis import config
from analysis.cli import commands, main
from tests.conftest import IDS, RAW_FILES


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True, text=True, cwd=config.ROOT)


def test_corpus_command():
    result = run("corpus", *map(str, RAW_FILES))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    assert "text" not in table.columns
    assert table["town"].tolist() == list(IDS)
    assert result.stderr == ""


def test_default_path_is_data_raw():
    result = run("corpus")
    assert result.returncode == 0 and len(pd.read_csv(io.StringIO(result.stdout))) == 5


def test_sections_command():
    result = run("sections", str(RAW_FILES[1]))
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table.columns) == ["doc_id", "level", "marker", "heading", "role", "start", "end"]
    top = table[table["level"] == 1]
    assert top["role"].tolist() == ["achievements", "responsibility", "problems", "plans"]


def test_items_command_json():
    result = run("items", str(RAW_FILES[0]), "--role", "problems", "--format", "json")
    rows = pd.read_json(io.StringIO(result.stdout))
    assert len(rows) == 3 and rows["text"].iloc[0].startswith("矛盾化解难度大")


def test_bad_file_exits_1_after_the_rest(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    result = run("corpus", str(RAW_FILES[0]), str(bad))
    assert result.returncode == 1
    assert len(pd.read_csv(io.StringIO(result.stdout))) == 1
    assert f"{bad}: is empty (skipped)" in result.stderr


def test_town_not_found_is_a_warning_not_a_failure(tmp_path):
    path = tmp_path / "anon.txt"
    path.write_text("今年以来，我们推进法治建设。\n", encoding="utf-8")
    result = run("corpus", str(path))
    assert result.returncode == 0
    assert "town not found" in result.stderr


def test_bad_lexicon_exits_2(tmp_path):
    lexicon = tmp_path / "data" / "lexicon"
    lexicon.mkdir(parents=True)
    for path in config.LEXICON_DIR.iterdir():
        if path.is_file():
            (lexicon / path.name).write_bytes(path.read_bytes())
    (lexicon / "units.txt").write_text("次\n次\n", encoding="utf-8")
    env = {"ANALYSIS_ROOT": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "analysis", "tokens", str(RAW_FILES[0])], capture_output=True, text=True, env=env)
    assert result.returncode == 2
    assert "units.txt:2 (entry '次'): duplicate of line 1" in result.stderr


# ------------------------------------------------------------ each command: its own options, an example


def _help(*words: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main([*words, "--help"])
    return out.getvalue()


def test_every_command_shows_an_example_of_itself():
    names = [c.name for c in commands()]
    expected = ["corpus", "sections", "items", "tokens", "indicators", "terms", "keyness", "kwic", "themes", "compliance"]
    known = [*expected, "briefings", "cache", "pipeline"]  # the names users and the README know
    assert [name for name in names if name in known] == known and len(set(names)) == len(names)
    for name in names:
        text = _help(name)
        assert f"example:\n  python -m analysis {name}" in text, name
    for action in ("info", "prune", "clear"):
        assert f"example:\n  python -m analysis cache {action}" in _help("cache", action)


def test_each_command_takes_only_its_own_options():
    clear = _help("cache", "clear")
    assert "paths" not in clear and "--format" not in clear and "--cache-dir" in clear
    assert "--format" in _help("cache", "info") and "paths" not in _help("cache", "info")
    briefings = _help("briefings")
    assert "--data" in briefings and "[paths" not in briefings and "--format" in briefings
    kwic = _help("kwic")
    assert "--term" in kwic and "--pos" not in kwic and "--role" not in kwic
    assert "--pos" in _help("tokens") and "--term" not in _help("tokens")


def test_a_positional_folder_is_refused_by_the_commands_that_read_none(tmp_path):
    result = run("cache", "info", "--cache-dir", str(tmp_path), str(tmp_path))  # info only reads
    assert result.returncode == 2 and "unrecognized arguments" in result.stderr


def test_the_command_is_found_past_the_options_before_it():
    from analysis.cli import GLOBAL_VALUES, build_parser, command_of

    parser = build_parser()
    valued = {o for a in parser._actions if a.option_strings and a.nargs != 0 and a.dest != "command" for o in a.option_strings}
    assert set(GLOBAL_VALUES) == valued  # every option before the command that takes a value is skipped

    assert command_of(["briefings", "--data", "x"]) == "briefings"
    assert command_of(["--max-report-chars", "100", "briefings"]) == "briefings"
    assert command_of(["--max-docx-bytes", "5", "--max-report-chars", "100", "corpus", "briefings"]) == "corpus"
    assert command_of(["--version"]) is None
    assert command_of([]) is None


@pytest.mark.skipif("forkserver" not in __import__("multiprocessing").get_all_start_methods(), reason="no forkserver here")
def test_the_briefings_command_starts_its_workers_imports_before_its_parser():
    """A fresh process: ``briefings`` (not its --help, nor another command) starts the fork server at once."""
    code = (
        "import sys\n"
        "from multiprocessing import forkserver\n"
        "from analysis.cli import start_early\n"
        "start_early(sys.argv[1:])\n"
        "print(forkserver._forkserver._forkserver_pid is not None, 'pandas' in sys.modules)\n"
    )
    seen = {
        args: subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, cwd=config.ROOT
        ).stdout.split()
        for args in (("briefings", "--quiet"), ("--max-report-chars", "9", "briefings"), ("briefings", "--help"), ("corpus", "briefings"))
    }
    assert seen == {
        ("briefings", "--quiet"): ["True", "False"],
        ("--max-report-chars", "9", "briefings"): ["True", "False"],
        ("briefings", "--help"): ["False", "False"],
        ("corpus", "briefings"): ["False", "False"],
    }


def test_the_program_forks_the_briefings_server_once_its_parser_has_read_its_arguments_and_a_caller_that_goes_on_starts_it_first(
    monkeypatch, tmp_path
):
    """``run`` (``main(alone=True)``) ends with its command: where it can fork (``workers.can_fork_here``), its fork
    server is the process itself, forked once the parser has imported most of the package and read the arguments
    (a usage error forks nothing); ``main`` as a test or a notebook calls it, or a process that cannot fork its
    server, starts a new interpreter before the parser, so that its imports run beside the parser's."""
    from analysis import cli, workers

    seen = []
    parser = cli.build_parser
    monkeypatch.setattr(cli, "build_parser", lambda: seen.append("parser") or parser())
    monkeypatch.setattr(workers, "start_server", lambda preload, here=False: seen.append(("server", here)))
    monkeypatch.setattr(workers, "can_fork_here", lambda: True)
    args = ["briefings", "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "out"), "--quiet"]
    assert cli.main(args) == 2
    assert seen == [("server", False), "parser"]
    seen.clear()
    assert cli.main(args, alone=True) == 2
    assert seen == ["parser", ("server", True)]
    seen.clear()
    with pytest.raises(SystemExit):
        cli.main([*args, "--no-such-option"], alone=True)
    assert seen == ["parser"]  # nothing forked for a usage error
    seen.clear()
    cli.main(["corpus", str(tmp_path / "missing")], alone=True)
    assert seen == ["parser"]  # another command: no server
    seen.clear()
    monkeypatch.setattr(workers, "can_fork_here", lambda: False)  # not Linux, no /proc, another thread
    assert cli.main(args, alone=True) == 2
    assert seen == [("server", False), "parser"]


def test_the_program_is_main_alone():
    """``python -m analysis`` and the ``analysis`` script end through ``run``, which tells ``main`` it runs alone."""
    code = (
        "import sys\n"
        "from analysis import cli, workers\n"
        "asked = []\n"
        "workers.start_server = lambda preload, here=False: asked.append(here)\n"
        "sys.argv = ['analysis', 'briefings', '--data', sys.argv[1], '--quiet']\n"
        "print(cli.run(), asked)\n"
    )
    expected = "[True]" if sys.platform.startswith("linux") else "[False]"
    assert _printed(code, "no-such-folder")[-1] == f"2 {expected}"


def _printed(code: str, *args: str) -> list[str]:
    """The lines a new interpreter running *code* with *args* (in the project's folder) prints, once it ended well."""
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=config.ROOT)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_the_program_settles_its_collector_and_freezes_what_it_made_once_its_command_has_returned(tmp_path):
    """``run`` (``python -m analysis`` and the ``analysis`` script) collects young objects as a pipeline worker does,
    returns the command's status and leaves its objects to the operating system at exit; ``main``, which tests and
    notebooks call, leaves the collector alone."""
    from analysis.workers import YOUNG_COLLECTION

    code = (
        "import gc, sys\n"
        "from analysis import cli\n"
        "young = gc.get_threshold()[0]\n"
        "cli.main(['cache', 'info', '--cache-dir', sys.argv[1]])\n"
        "print('after main:', gc.get_freeze_count(), gc.get_threshold()[0] == young)\n"
        "sys.argv = ['analysis', 'cache', 'info', '--cache-dir', sys.argv[1]]\n"
        "print('after run:', cli.run(), gc.get_freeze_count() > 1000, gc.get_threshold()[0])\n"
    )
    said = [line for line in _printed(code, str(tmp_path)) if line.startswith("after ")]
    assert said == ["after main: 0 True", f"after run: 0 True {YOUNG_COLLECTION}"]


def test_python_dash_m_and_the_installed_script_run_the_program_that_freezes(tmp_path):
    """``python -m analysis`` ends through ``run`` (its objects frozen when the exit's handlers run), and the
    ``analysis`` script the package installs is ``run`` too."""
    import tomllib

    at_exit = "import atexit, gc\natexit.register(lambda: print('frozen at exit:', gc.get_freeze_count() > 1000))\n"
    command = "import runpy, sys\nsys.argv = ['analysis', 'cache', 'info', '--cache-dir', sys.argv[1]]\n"
    assert _printed(at_exit + command + "runpy.run_module('analysis', run_name='__main__')\n", str(tmp_path))[-1] == "frozen at exit: True"
    scripts = tomllib.loads((config.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"analysis": "analysis.cli:run"}
