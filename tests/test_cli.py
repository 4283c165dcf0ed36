"""The command line: data on stdout, messages on stderr, exit status."""

from __future__ import annotations

import io
import subprocess
import sys

import pandas as pd

from analysis import config
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
